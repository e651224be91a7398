-- name: GetSettings :one
SELECT * FROM playback_settings WHERE tenant_id = $1;

-- name: UpsertLimits :one
INSERT INTO playback_settings (tenant_id, max_streams, on_limit, updated_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id) DO UPDATE SET max_streams = EXCLUDED.max_streams, on_limit = EXCLUDED.on_limit, updated_at = EXCLUDED.updated_at
RETURNING *;

-- name: UpsertCDN :one
INSERT INTO playback_settings (tenant_id, cdn_kind, cdn_base_url, cdn_key_id, cdn_cookies, cdn_secret, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (tenant_id) DO UPDATE SET cdn_kind = EXCLUDED.cdn_kind, cdn_base_url = EXCLUDED.cdn_base_url,
  cdn_key_id = EXCLUDED.cdn_key_id, cdn_cookies = EXCLUDED.cdn_cookies,
  cdn_secret = EXCLUDED.cdn_secret, updated_at = EXCLUDED.updated_at
RETURNING *;

-- name: GetRule :one
SELECT requires_entitlement FROM title_entitlement_rules WHERE tenant_id = $1 AND title_id = $2;

-- name: SetRule :exec
INSERT INTO title_entitlement_rules (tenant_id, title_id, requires_entitlement, updated_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id, title_id) DO UPDATE SET requires_entitlement = EXCLUDED.requires_entitlement, updated_at = EXCLUDED.updated_at;

-- name: HasGrant :one
SELECT EXISTS (SELECT 1 FROM title_grants WHERE tenant_id = $1 AND title_id = $2 AND viewer_id = $3);

-- name: Grant :execrows
INSERT INTO title_grants (tenant_id, title_id, viewer_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: Revoke :execrows
DELETE FROM title_grants WHERE tenant_id = $1 AND title_id = $2 AND viewer_id = $3;

-- name: LockViewer :exec
-- Serializes stream starts of one viewer so two cannot both take the last slot.
SELECT pg_advisory_xact_lock(hashtextextended(sqlc.arg(tenant_id)::uuid::text || sqlc.arg(viewer_id)::uuid::text, 0));

-- name: LiveSessions :many
SELECT * FROM playback_sessions
WHERE tenant_id = $1 AND viewer_id = $2 AND ended_at IS NULL AND heartbeat_at > sqlc.arg(alive_after)::timestamptz AND expires_at > sqlc.arg(now)::timestamptz
ORDER BY started_at, id;

-- name: EndSession :execrows
UPDATE playback_sessions SET ended_at = sqlc.arg(now)::timestamptz, end_reason = sqlc.arg(reason)::text
WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL;

-- name: CreateSession :one
INSERT INTO playback_sessions (tenant_id, id, asset_id, title_id, viewer_id, profile_id, device_id, preview_by,
  client_ip, country, position_seconds, started_at, heartbeat_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
RETURNING *;

-- name: GetSession :one
SELECT * FROM playback_sessions WHERE tenant_id = $1 AND id = $2;

-- name: Heartbeat :one
UPDATE playback_sessions SET heartbeat_at = sqlc.arg(now)::timestamptz, position_seconds = sqlc.arg(position_seconds)::int
WHERE tenant_id = $1 AND id = $2
RETURNING *;

-- name: LogKeyHandout :exec
INSERT INTO playback_key_handouts (tenant_id, id, session_id, asset_id, viewer_id, preview_by, client_ip, user_agent, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: CountKeyHandouts :one
SELECT count(*) FROM playback_key_handouts WHERE tenant_id = $1 AND session_id = $2;
