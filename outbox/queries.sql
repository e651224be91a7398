-- name: InsertEvent :exec
INSERT INTO outbox_events (tenant_id, id, type, object_type, object_id, payload, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);
