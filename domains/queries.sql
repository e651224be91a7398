-- name: CreateDomain :one
INSERT INTO domains (tenant_id, id, hostname, token, created_at)
VALUES ($1, $2, $3, $4, $5) RETURNING *;

-- name: CountDomains :one
SELECT count(*) FROM domains WHERE tenant_id = $1;

-- name: ListDomains :many
SELECT * FROM domains WHERE tenant_id = $1 ORDER BY hostname;

-- name: GetDomain :one
SELECT * FROM domains WHERE tenant_id = $1 AND id = $2;

-- name: MarkVerified :one
UPDATE domains SET verified_at = @now::timestamptz, last_checked_at = @now::timestamptz, status = 'verified', last_error = ''
WHERE tenant_id = @tenant_id AND id = @id AND verified_at IS NULL RETURNING *;

-- name: MarkCheckFailed :one
UPDATE domains SET last_checked_at = @now::timestamptz, status = 'failed', last_error = @reason::text
WHERE tenant_id = @tenant_id AND id = @id AND verified_at IS NULL RETURNING *;

-- name: DeleteDomain :one
DELETE FROM domains WHERE tenant_id = $1 AND id = $2 RETURNING *;

-- name: MarkCertificateIssued :execrows
UPDATE domains SET status = 'active', cert_not_after = @not_after::timestamptz, last_error = ''
WHERE tenant_id = @tenant_id AND hostname = @hostname AND verified_at IS NOT NULL;

-- A failed renewal leaves a still-valid certificate active, with the reason.
-- name: MarkCertificateFailed :execrows
UPDATE domains SET last_error = @reason::text,
  status = CASE WHEN status = 'active' AND cert_not_after > @now::timestamptz THEN 'active' ELSE 'failed' END
WHERE tenant_id = @tenant_id AND hostname = @hostname AND verified_at IS NOT NULL;

-- The nil UUID when no tenant verified the hostname.
-- name: TenantIDByDomain :one
SELECT coalesce(tenant_id_by_domain(@hostname), '00000000-0000-0000-0000-000000000000')::uuid;

-- name: VerifiedDomains :many
SELECT hostname::text FROM verified_domains();
