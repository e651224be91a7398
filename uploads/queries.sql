-- name: CreateUpload :one
INSERT INTO uploads (tenant_id, id, kind, state, filename, content_type, language, track_kind, size,
  source_url, created_by, auto_ingest, ingest_title_id, created_at, updated_at)
VALUES (@tenant_id, @id, @kind, @state, @filename, @content_type, @language, @track_kind, @size,
  @source_url, @created_by, @auto_ingest, @ingest_title_id, @now::timestamptz, @now::timestamptz)
RETURNING *;

-- name: GetUpload :one
SELECT * FROM uploads WHERE tenant_id = $1 AND id = $2;

-- name: LockUpload :one
SELECT * FROM uploads WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: MarkUploading :one
UPDATE uploads SET state = 'uploading', updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND state = 'pending' RETURNING *;

-- name: SetReceived :execrows
UPDATE uploads SET received = @received, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND state = 'uploading';

-- name: SetSize :execrows
UPDATE uploads SET size = @size, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND state = 'uploading';

-- name: MarkComplete :one
UPDATE uploads SET state = 'complete', size = @size, received = @size, sha256 = @sha256,
  storage_key = @storage_key, captions_key = @captions_key, content_type = @content_type,
  failure = '', updated_at = @now::timestamptz, completed_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND state = 'uploading' RETURNING *;

-- name: MarkFailed :one
UPDATE uploads SET state = 'failed', failure = @failure, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND state IN ('pending', 'uploading') RETURNING *;
