-- name: CreateAsset :one
INSERT INTO media_assets (tenant_id, id, upload_id, status, source_key, created_at, updated_at)
VALUES (@tenant_id, @id, @upload_id, 'PENDING', @source_key, @now::timestamptz, @now::timestamptz)
RETURNING *;

-- name: GetAsset :one
SELECT * FROM media_assets WHERE tenant_id = $1 AND id = $2;

-- name: MarkProcessing :one
UPDATE media_assets SET status = 'PROCESSING', failure_reason = '', updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status IN ('PENDING', 'PROCESSING') RETURNING *;

-- name: SetPlan :one
UPDATE media_assets SET probe = @probe, ladder = @ladder, duration_ms = @duration_ms,
  width = @width, height = @height, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status = 'PROCESSING' RETURNING *;

-- name: SetPercent :execrows
UPDATE media_assets SET percent = @percent, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status = 'PROCESSING';

-- name: MarkReady :one
UPDATE media_assets SET status = 'READY', percent = 100, hls_key = @hls_key, dash_key = @dash_key,
  failure_reason = '', updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status IN ('PENDING', 'PROCESSING') RETURNING *;

-- name: MarkFailed :one
UPDATE media_assets SET status = 'FAILED', failure_reason = @failure_reason, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status IN ('PENDING', 'PROCESSING') RETURNING *;

-- name: CreateAutoAsset :one
-- One auto-ingested asset per upload: a second delivery of upload.completed
-- finds the first one (see GetAutoAsset).
INSERT INTO media_assets (tenant_id, id, upload_id, status, source_key, auto_ingest, created_at, updated_at)
VALUES (@tenant_id, @id, @upload_id, 'PENDING', @source_key, true, @now::timestamptz, @now::timestamptz)
ON CONFLICT (tenant_id, upload_id) WHERE auto_ingest DO NOTHING
RETURNING *;

-- name: GetAutoAsset :one
SELECT * FROM media_assets WHERE tenant_id = $1 AND upload_id = $2 AND auto_ingest;

-- name: LatestAssetOfUpload :one
SELECT * FROM media_assets WHERE tenant_id = $1 AND upload_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: AssetsByIDs :many
SELECT * FROM media_assets WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);
