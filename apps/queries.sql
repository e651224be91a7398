-- name: GetSettings :one
SELECT * FROM app_settings WHERE tenant_id = $1;

-- name: UpsertSettings :one
INSERT INTO app_settings (tenant_id, bundle_id, version_major, version_minor, version_patch, description, keywords, name, short_name, auto_rebuild, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id) DO UPDATE SET bundle_id = EXCLUDED.bundle_id, version_major = EXCLUDED.version_major,
  version_minor = EXCLUDED.version_minor, version_patch = EXCLUDED.version_patch, description = EXCLUDED.description,
  keywords = EXCLUDED.keywords, name = EXCLUDED.name, short_name = EXCLUDED.short_name, auto_rebuild = EXCLUDED.auto_rebuild, updated_at = EXCLUDED.updated_at
RETURNING *;

-- name: LockLane :exec
SELECT pg_advisory_xact_lock(hashtextextended(sqlc.arg(lane)::text, 19));

-- name: NextBuildNumber :one
SELECT (coalesce(max(build_number), 0) + 1)::int FROM app_builds WHERE tenant_id = $1 AND platform = $2;

-- name: CreateBuild :one
INSERT INTO app_builds (tenant_id, id, platform, version, build_number, status, trigger, requested_by, branding_hash, created_at)
VALUES ($1, $2, $3, $4, $5, 'QUEUED', $6, $7, $8, $9)
RETURNING *;

-- name: GetBuild :one
SELECT * FROM app_builds WHERE tenant_id = $1 AND id = $2;

-- name: ListBuilds :many
SELECT * FROM app_builds
WHERE tenant_id = $1
  AND (sqlc.narg(platform)::text IS NULL OR platform = sqlc.narg(platform))
  AND (sqlc.narg(before_at)::timestamptz IS NULL OR (created_at, id) < (sqlc.narg(before_at), sqlc.narg(before_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(max_builds);

-- name: EarlierUnfinished :one
SELECT count(*) FROM app_builds
WHERE tenant_id = $1 AND platform = $2 AND build_number < $3 AND status IN ('QUEUED', 'RUNNING');

-- name: StartBuild :one
UPDATE app_builds SET status = 'RUNNING', started_at = coalesce(started_at, $3), version = $4, branding_hash = $5, warnings = $6
WHERE tenant_id = $1 AND id = $2 AND status IN ('QUEUED', 'RUNNING')
RETURNING *;

-- name: FinishBuild :one
UPDATE app_builds SET status = $3, error = $4, artifact_key = $5, artifact_name = $6, artifact_size = $7,
  listing_key = $8, log_key = $9, finished_at = $10
WHERE tenant_id = $1 AND id = $2 AND status IN ('QUEUED', 'RUNNING')
RETURNING *;

-- name: LogLength :one
SELECT coalesce(max(line_no), 0)::int FROM app_build_logs WHERE tenant_id = $1 AND build_id = $2;

-- name: AppendLog :exec
INSERT INTO app_build_logs (tenant_id, build_id, line_no, line) VALUES ($1, $2, $3, $4)
ON CONFLICT (build_id, line_no) DO UPDATE SET line = EXCLUDED.line;

-- name: ListLog :many
SELECT line_no, line FROM app_build_logs WHERE tenant_id = $1 AND build_id = $2 AND line_no >= $3
ORDER BY line_no LIMIT 10000;

-- name: LaneHeads :many
-- The latest build of each platform, and whether the platform ever built well.
SELECT DISTINCT ON (platform) platform, status, branding_hash,
  EXISTS (SELECT 1 FROM app_builds s WHERE s.tenant_id = b.tenant_id AND s.platform = b.platform AND s.status = 'SUCCEEDED')::bool AS succeeded_once
FROM app_builds b WHERE b.tenant_id = $1
ORDER BY platform, build_number DESC;

-- name: Features :one
SELECT
  (EXISTS (SELECT 1 FROM billing_plans p WHERE p.tenant_id = $1 AND p.active)
    OR EXISTS (SELECT 1 FROM title_offers o WHERE o.tenant_id = $1 AND o.active))::bool AS billing,
  EXISTS (SELECT 1 FROM titles t WHERE t.tenant_id = $1 AND t.kind = 'short')::bool AS shorts,
  EXISTS (SELECT 1 FROM creators c WHERE c.tenant_id = $1)::bool AS creators;

-- name: AbandonStale :many
-- Earlier builds of a lane whose workflow is gone (terminated by hand): a
-- RUNNING build past running_before or a QUEUED one past queued_before.
UPDATE app_builds SET status = 'FAILED', error = sqlc.arg(reason), finished_at = sqlc.arg(now)
WHERE tenant_id = sqlc.arg(tenant_id) AND platform = sqlc.arg(platform) AND build_number < sqlc.arg(build_number)
  AND ((status = 'RUNNING' AND started_at < sqlc.arg(running_before)) OR (status = 'QUEUED' AND created_at < sqlc.arg(queued_before)))
RETURNING id;

-- name: DeleteLog :exec
-- A finished build's lines: its full log is in blob storage by then.
DELETE FROM app_build_logs WHERE tenant_id = $1 AND build_id = $2;

-- name: PrunableBuilds :many
-- The builds of a platform that still hold an artifact or a listing pack,
-- past the newest @keep of them (by build number).
SELECT * FROM app_builds
WHERE tenant_id = @tenant_id AND platform = @platform AND (artifact_key <> '' OR listing_key <> '')
ORDER BY build_number DESC OFFSET @keep;

-- name: ClearArtifacts :exec
UPDATE app_builds SET artifact_key = '', artifact_name = '', artifact_size = 0, listing_key = ''
WHERE tenant_id = $1 AND id = $2;
