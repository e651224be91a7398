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

-- name: MarkEncrypted :one
UPDATE media_assets SET encrypted = true, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status = 'PROCESSING' RETURNING *;

-- name: SetImages :execrows
UPDATE media_assets SET poster_key = @poster_key, thumbnails_key = @thumbnails_key, trickplay = @trickplay,
  updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status = 'PROCESSING';

-- name: BumpTracksVersion :one
UPDATE media_assets SET tracks_version = tracks_version + 1, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id RETURNING *;

-- name: SetTracksPublished :execrows
UPDATE media_assets SET tracks_published = GREATEST(tracks_published, @version::integer), updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id;

-- name: LockAsset :one
SELECT * FROM media_assets WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: CreateTrack :one
INSERT INTO media_asset_tracks (tenant_id, id, asset_id, upload_id, kind, track_kind, language, name, position,
  source_key, created_at, updated_at)
VALUES (@tenant_id, @id, @asset_id, @upload_id, @kind, @track_kind, @language, @name,
  (SELECT coalesce(max(position) + 1, 0) FROM media_asset_tracks WHERE tenant_id = @tenant_id AND asset_id = @asset_id),
  @source_key, @now::timestamptz, @now::timestamptz)
RETURNING *;

-- name: ListTracks :many
SELECT * FROM media_asset_tracks WHERE tenant_id = $1 AND asset_id = $2 ORDER BY position, id;

-- name: ListTracksOfAssets :many
SELECT * FROM media_asset_tracks WHERE tenant_id = @tenant_id AND asset_id = ANY(@asset_ids::uuid[]) ORDER BY asset_id, position, id;

-- name: GetTrack :one
SELECT * FROM media_asset_tracks WHERE tenant_id = $1 AND id = $2;

-- name: ReplaceTrackText :one
UPDATE media_asset_tracks SET upload_id = @upload_id, source_key = @source_key, revision = revision + 1,
  updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id RETURNING *;

-- name: DeleteTrack :execrows
DELETE FROM media_asset_tracks WHERE tenant_id = $1 AND id = $2;

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
