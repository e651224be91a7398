-- name: InsertEvent :one
INSERT INTO live_events (tenant_id, id, name, description, starts_at, ends_at, title_id, created_at, updated_at)
VALUES (@tenant_id, @id, @name, @description, @starts_at::timestamptz, @ends_at::timestamptz, sqlc.narg(title_id)::uuid,
  @now::timestamptz, @now::timestamptz) RETURNING *;

-- name: LockEvent :one
SELECT * FROM live_events WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: GetEvent :one
SELECT * FROM live_events WHERE tenant_id = $1 AND id = $2;

-- name: UpdateEvent :one
UPDATE live_events SET name = @name, description = @description, starts_at = @starts_at::timestamptz,
  ends_at = @ends_at::timestamptz, title_id = sqlc.narg(title_id)::uuid, status = @status, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id RETURNING *;

-- name: ListEvents :many
SELECT * FROM live_events WHERE tenant_id = @tenant_id
  AND (NOT @upcoming_only::boolean OR (status IN ('scheduled', 'live') AND ends_at > @now::timestamptz))
ORDER BY starts_at, id;

-- name: TitleExists :one
SELECT EXISTS (SELECT 1 FROM titles WHERE tenant_id = $1 AND id = $2);
