-- name: InsertAudit :exec
INSERT INTO audit_log (tenant_id, id, at, actor_type, actor_id, actor_label, action, target_type, target_id, details, ip, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: ListAudit :many
SELECT * FROM audit_log WHERE tenant_id = $1
  AND (sqlc.narg('before_at')::timestamptz IS NULL OR (at, id) < (sqlc.narg('before_at')::timestamptz, sqlc.narg('before_id')::uuid))
ORDER BY at DESC, id DESC LIMIT $2;
