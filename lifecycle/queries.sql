-- name: LockAsset :one
SELECT id, upload_id, status FROM media_assets WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: GetAssetStatus :one
SELECT status, failure_reason FROM media_assets WHERE tenant_id = $1 AND id = $2;

-- name: TitleUsingAsset :one
SELECT id FROM titles WHERE tenant_id = $1 AND asset_id = $2 ORDER BY id LIMIT 1;

-- name: MarkAssetDeleted :one
UPDATE media_assets SET status = 'DELETED', deleted_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status IN ('READY', 'FAILED')
RETURNING id, upload_id;

-- name: LockTitleSource :one
SELECT id, asset_id, status FROM titles WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: SwitchTitleAsset :execrows
UPDATE titles SET asset_id = @new_asset_id, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertReplacement :one
INSERT INTO title_source_replacements (tenant_id, id, title_id, old_asset_id, new_asset_id, status, created_at, updated_at)
VALUES (@tenant_id, @id, @title_id, @old_asset_id, @new_asset_id, 'PENDING', @now::timestamptz, @now::timestamptz)
RETURNING *;

-- name: LockReplacement :one
SELECT * FROM title_source_replacements WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: LatestReplacement :one
SELECT * FROM title_source_replacements WHERE tenant_id = $1 AND title_id = $2
ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: FinishReplacement :one
UPDATE title_source_replacements SET status = @status, reason = @reason, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND status = 'PENDING' RETURNING *;

-- name: LatestReplacements :many
SELECT DISTINCT ON (title_id) * FROM title_source_replacements
WHERE tenant_id = @tenant_id AND title_id = ANY(@title_ids::uuid[])
ORDER BY title_id, created_at DESC, id DESC;
