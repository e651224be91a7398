-- name: InsertKey :exec
INSERT INTO content_keys (tenant_id, asset_id, key_id, sealed_key, iv_scheme, created_at)
VALUES (@tenant_id, @asset_id, @key_id, @sealed_key, @iv_scheme, @now::timestamptz)
ON CONFLICT (tenant_id, asset_id) DO NOTHING;

-- name: GetKey :one
SELECT * FROM content_keys WHERE tenant_id = $1 AND asset_id = $2;

-- name: AssetExists :one
SELECT EXISTS (SELECT 1 FROM media_assets WHERE tenant_id = $1 AND id = $2);

-- name: GetSettings :one
SELECT * FROM media_settings WHERE tenant_id = $1;

-- name: UpsertSettings :one
INSERT INTO media_settings (tenant_id, encrypt_new_assets, updated_at)
VALUES (@tenant_id, @encrypt_new_assets, @now::timestamptz)
ON CONFLICT (tenant_id) DO UPDATE SET encrypt_new_assets = EXCLUDED.encrypt_new_assets, updated_at = EXCLUDED.updated_at
RETURNING *;
