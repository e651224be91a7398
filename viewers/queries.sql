-- name: CreateViewer :exec
INSERT INTO viewers (tenant_id, id, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5);

-- name: GetViewer :one
SELECT * FROM viewers WHERE tenant_id = $1 AND id = $2;

-- name: GetViewerByEmail :one
SELECT * FROM viewers WHERE tenant_id = $1 AND email = $2;

-- name: SetViewerPassword :exec
UPDATE viewers SET password_hash = $3, failed_logins = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2;

-- name: MarkViewerVerified :exec
UPDATE viewers SET email_verified_at = $3 WHERE tenant_id = $1 AND id = $2 AND email_verified_at IS NULL;

-- name: RecordViewerLoginFailure :exec
UPDATE viewers SET failed_logins = failed_logins + 1,
  locked_until = CASE WHEN failed_logins + 1 >= @max_failures::int THEN @lock_until::timestamptz ELSE locked_until END
WHERE tenant_id = $1 AND id = $2;

-- name: ResetViewerLoginFailures :exec
UPDATE viewers SET failed_logins = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2;

-- name: DeleteViewer :execrows
DELETE FROM viewers WHERE tenant_id = $1 AND id = $2;

-- name: ListViewers :many
SELECT v.*,
  (SELECT count(*) FROM viewer_profiles p WHERE p.tenant_id = v.tenant_id AND p.viewer_id = v.id)::int AS profiles,
  (SELECT count(*) FROM viewer_devices d WHERE d.tenant_id = v.tenant_id AND d.viewer_id = v.id)::int AS devices
FROM viewers v
WHERE v.tenant_id = @tenant_id AND (@search::text = '' OR v.email ILIKE '%' || @search::text || '%')
ORDER BY v.created_at DESC, v.id DESC
OFFSET @skip LIMIT @take;

-- name: CountViewers :one
SELECT count(*)::int FROM viewers WHERE tenant_id = @tenant_id AND (@search::text = '' OR email ILIKE '%' || @search::text || '%');

-- name: CreateViewerCode :exec
INSERT INTO viewer_codes (tenant_id, id, viewer_id, purpose, code_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: LatestViewerCode :one
SELECT * FROM viewer_codes WHERE tenant_id = $1 AND viewer_id = $2 AND purpose = $3 AND used_at IS NULL
ORDER BY created_at DESC LIMIT 1;

-- name: BumpViewerCodeAttempts :exec
UPDATE viewer_codes SET attempts = attempts + 1 WHERE tenant_id = $1 AND id = $2;

-- name: UseViewerCode :exec
UPDATE viewer_codes SET used_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: CreateProfile :exec
INSERT INTO viewer_profiles (tenant_id, id, viewer_id, name, avatar, language, kids, rating_ceiling, pin_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: GetProfile :one
SELECT * FROM viewer_profiles WHERE tenant_id = $1 AND viewer_id = $2 AND id = $3;

-- name: ListProfiles :many
SELECT * FROM viewer_profiles WHERE tenant_id = $1 AND viewer_id = $2 ORDER BY created_at, id;

-- name: CountProfiles :one
SELECT count(*)::int FROM viewer_profiles WHERE tenant_id = $1 AND viewer_id = $2;

-- name: UpdateProfile :exec
UPDATE viewer_profiles SET name = $4, avatar = $5, language = $6, kids = $7, rating_ceiling = $8, pin_hash = $9
WHERE tenant_id = $1 AND viewer_id = $2 AND id = $3;

-- name: DeleteProfile :execrows
DELETE FROM viewer_profiles WHERE tenant_id = $1 AND viewer_id = $2 AND id = $3;

-- name: CreateDevice :exec
INSERT INTO viewer_devices (tenant_id, id, viewer_id, name, platform, created_at, last_seen_at)
VALUES ($1, $2, $3, $4, $5, $6, $6);

-- name: GetDevice :one
SELECT * FROM viewer_devices WHERE tenant_id = $1 AND viewer_id = $2 AND id = $3;

-- name: ListDevices :many
SELECT * FROM viewer_devices WHERE tenant_id = $1 AND viewer_id = $2 ORDER BY created_at, id;

-- name: CountDevices :one
SELECT count(*)::int FROM viewer_devices WHERE tenant_id = $1 AND viewer_id = $2;

-- name: TouchDevice :exec
UPDATE viewer_devices SET last_seen_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: DeleteDevice :execrows
DELETE FROM viewer_devices WHERE tenant_id = $1 AND viewer_id = $2 AND id = $3;

-- name: LockViewer :exec
SELECT id FROM viewers WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: CreateRefreshToken :exec
INSERT INTO viewer_refresh_tokens (tenant_id, id, family_id, viewer_id, profile_id, device_id, secret_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: GetRefreshTokenForUpdate :one
SELECT * FROM viewer_refresh_tokens WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: UseRefreshToken :exec
UPDATE viewer_refresh_tokens SET used_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: RevokeRefreshFamily :exec
UPDATE viewer_refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL;

-- name: RevokeDeviceRefreshTokens :exec
UPDATE viewer_refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND device_id = $2 AND revoked_at IS NULL;

-- name: RevokeViewerRefreshTokens :exec
UPDATE viewer_refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND viewer_id = $2 AND revoked_at IS NULL;

-- name: AddListItem :exec
INSERT INTO viewer_list_items (tenant_id, profile_id, title_id, added_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (profile_id, title_id) DO NOTHING;

-- name: RemoveListItem :execrows
DELETE FROM viewer_list_items WHERE tenant_id = $1 AND profile_id = $2 AND title_id = $3;

-- name: ListItems :many
SELECT title_id, added_at FROM viewer_list_items
WHERE tenant_id = @tenant_id AND profile_id = @profile_id
  AND (sqlc.narg(before_at)::timestamptz IS NULL OR (added_at, title_id) < (sqlc.narg(before_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY added_at DESC, title_id DESC LIMIT @take;

-- name: UpsertProgress :exec
INSERT INTO viewer_progress (tenant_id, profile_id, title_id, position_seconds, duration_seconds, device_id, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (profile_id, title_id) DO UPDATE SET position_seconds = EXCLUDED.position_seconds,
  duration_seconds = EXCLUDED.duration_seconds, device_id = EXCLUDED.device_id, updated_at = EXCLUDED.updated_at
WHERE viewer_progress.updated_at <= EXCLUDED.updated_at;

-- name: GetProgress :one
SELECT * FROM viewer_progress WHERE tenant_id = $1 AND profile_id = $2 AND title_id = $3;

-- name: ContinueWatching :many
SELECT * FROM viewer_progress
WHERE tenant_id = @tenant_id AND profile_id = @profile_id
  AND position_seconds::float8 <= 0.95 * duration_seconds::float8
  AND (sqlc.narg(before_at)::timestamptz IS NULL OR (updated_at, title_id) < (sqlc.narg(before_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY updated_at DESC, title_id DESC LIMIT @take;

-- name: CreateDeviceGrant :exec
INSERT INTO viewer_device_grants (tenant_id, id, secret_hash, user_code, device_name, platform, interval_seconds, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: DeleteExpiredDeviceGrants :exec
DELETE FROM viewer_device_grants WHERE tenant_id = $1 AND expires_at < $2;

-- name: GetDeviceGrantForUpdate :one
SELECT * FROM viewer_device_grants WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: GetDeviceGrantByUserCode :one
SELECT * FROM viewer_device_grants WHERE tenant_id = $1 AND user_code = $2 FOR UPDATE;

-- name: PollDeviceGrant :exec
UPDATE viewer_device_grants SET last_polled_at = $3, interval_seconds = $4 WHERE tenant_id = $1 AND id = $2;

-- name: ApproveDeviceGrant :exec
UPDATE viewer_device_grants SET viewer_id = $3, profile_id = $4, device_id = $5, approved_at = $6 WHERE tenant_id = $1 AND id = $2;

-- name: DenyDeviceGrant :exec
UPDATE viewer_device_grants SET viewer_id = $3, denied_at = $4 WHERE tenant_id = $1 AND id = $2;

-- name: ConsumeDeviceGrant :exec
UPDATE viewer_device_grants SET consumed_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: GetViewerSettings :one
SELECT * FROM viewer_settings WHERE tenant_id = $1;

-- name: SetDeviceLimit :exec
INSERT INTO viewer_settings (tenant_id, device_limit, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id) DO UPDATE SET device_limit = EXCLUDED.device_limit, updated_at = EXCLUDED.updated_at;

-- name: ExportListItems :many
SELECT * FROM viewer_list_items WHERE tenant_id = $1 AND profile_id = ANY(@profiles::uuid[]) ORDER BY added_at;

-- name: ExportProgress :many
SELECT * FROM viewer_progress WHERE tenant_id = $1 AND profile_id = ANY(@profiles::uuid[]) ORDER BY updated_at;

-- name: ActiveRefreshTokens :many
SELECT * FROM viewer_refresh_tokens
WHERE tenant_id = @tenant_id AND viewer_id = @viewer_id AND used_at IS NULL AND revoked_at IS NULL AND expires_at > @now
ORDER BY created_at;

-- name: PruneRefreshTokens :exec
DELETE FROM viewer_refresh_tokens WHERE tenant_id = $1 AND viewer_id = $2 AND expires_at < $3;

-- name: PruneViewerCodes :exec
DELETE FROM viewer_codes WHERE tenant_id = $1 AND viewer_id = $2 AND (used_at IS NOT NULL OR expires_at < $3);
