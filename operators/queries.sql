-- Sign-in of operators, their sessions and the tenant directory go through the
-- SECURITY DEFINER functions of migration 00003: the application role has no
-- grant on the operator tables themselves.

-- name: OperatorForLogin :one
SELECT o.id::uuid AS id, o.password_hash::text AS password_hash, coalesce(o.locked_until, 'epoch')::timestamptz AS locked_until,
  o.enrolled::boolean AS enrolled
FROM operator_for_login(@email::text) AS o;

-- name: OperatorLoginFailed :exec
SELECT operator_login_failed(@operator_id::uuid, @max_failures::int, @lock_until::timestamptz);

-- name: OperatorOpenSession :exec
SELECT operator_open_session(@operator_id::uuid, @session_id::uuid, @secret_hash::bytea, sqlc.narg('enroll_sealed')::bytea,
  @ip::text, @user_agent::text, @now::timestamptz, @expires_at::timestamptz);

-- name: OperatorTOTPState :one
SELECT s.operator_id::uuid AS operator_id, s.email::text AS email, s.totp_sealed::bytea AS totp_sealed,
  s.enroll_sealed::bytea AS enroll_sealed, s.last_step::bigint AS last_step
FROM operator_totp_state(@session_id::uuid, @secret_hash::bytea) AS s;

-- name: OperatorTOTPFailed :one
SELECT coalesce(operator_totp_failed(@session_id::uuid, @secret_hash::bytea, @max_failures::int, @now::timestamptz), 0)::int AS failures;

-- name: OperatorTOTPPassed :one
SELECT operator_totp_passed(@session_id::uuid, @secret_hash::bytea, @step::bigint, @new_session_id::uuid,
  @new_secret_hash::bytea, @now::timestamptz, @expires_at::timestamptz)::boolean AS passed;

-- name: OperatorSession :one
SELECT s.operator_id::uuid AS operator_id, s.email::text AS email, s.operator_created_at::timestamptz AS operator_created_at,
  s.two_factor::boolean AS two_factor, s.last_seen_at::timestamptz AS last_seen_at, s.expires_at::timestamptz AS expires_at
FROM operator_session(@session_id::uuid, @secret_hash::bytea) AS s;

-- name: OperatorTouchSession :exec
SELECT operator_touch_session(@session_id::uuid, @secret_hash::bytea, @now::timestamptz);

-- name: OperatorEndSession :exec
SELECT operator_end_session(@session_id::uuid, @secret_hash::bytea, @now::timestamptz);

-- name: OperatorTenants :many
SELECT t.id::uuid AS id, t.slug::text AS slug, t.name::text AS name, t.status::text AS status, t.created_at::timestamptz AS created_at
FROM operator_tenants(@session_id::uuid, @secret_hash::bytea, sqlc.narg('status')::text,
  sqlc.narg('after_at')::timestamptz, sqlc.narg('after_id')::uuid, @max_rows::int) AS t;

-- name: OperatorTenantCount :one
SELECT operator_tenant_count(@session_id::uuid, @secret_hash::bytea, sqlc.narg('status')::text)::bigint AS total;

-- name: OperatorRecordAction :exec
SELECT operator_record_action(@session_id::uuid, @secret_hash::bytea, @id::uuid, @now::timestamptz, @action::text,
  sqlc.narg('subject_tenant')::uuid, @subject_slug::text, @details::jsonb);

-- name: OperatorActions :many
SELECT a.id::uuid AS id, a.at::timestamptz AS at, a.operator_email::text AS operator_email, a.action::text AS action,
  coalesce(a.subject_tenant, '00000000-0000-0000-0000-000000000000')::uuid AS subject_tenant, a.subject_slug::text AS subject_slug, a.details::jsonb AS details
FROM operator_actions_page(@session_id::uuid, @secret_hash::bytea, sqlc.narg('before_at')::timestamptz,
  sqlc.narg('before_id')::uuid, @max_rows::int) AS a;

-- Tenant side: these run inside the own binding of the tenant (db.InTenant or
-- db.ReadTenant), under row-level security like any tenant work. The counts
-- read tables of the tenants package, read-only: a seat is a staff row or a
-- pending invitation.

-- name: TenantView :one
SELECT t.id, t.slug, t.name, t.status, t.status_reason, t.status_changed_at, t.created_at,
  q.storage_bytes AS quota_storage_bytes, q.seats AS quota_seats,
  (SELECT count(*) FROM staff s WHERE s.tenant_id = t.id)::int AS staff,
  (SELECT count(*) FROM invitations i WHERE i.tenant_id = t.id AND i.accepted_at IS NULL AND i.revoked_at IS NULL
     AND i.expires_at > @now::timestamptz)::int AS pending_invitations
FROM tenants t LEFT JOIN tenant_quotas q ON q.tenant_id = t.id
WHERE t.id = @id;

-- name: SetTenantStatus :execrows
UPDATE tenants SET status = @status, status_reason = @reason, status_changed_at = @now::timestamptz, updated_at = @now::timestamptz WHERE id = @id;

-- name: GetQuotas :one
SELECT storage_bytes, seats FROM tenant_quotas WHERE tenant_id = $1;

-- name: SetQuotas :exec
INSERT INTO tenant_quotas (tenant_id, storage_bytes, seats, updated_at)
VALUES (@tenant_id, sqlc.narg('storage_bytes'), sqlc.narg('seats'), @now)
ON CONFLICT (tenant_id) DO UPDATE SET storage_bytes = EXCLUDED.storage_bytes, seats = EXCLUDED.seats, updated_at = EXCLUDED.updated_at;

-- Serializes seat checks of one tenant until the transaction ends, so two
-- invitations at once cannot both take the last seat.
-- name: LockSeats :exec
SELECT pg_advisory_xact_lock(hashtextextended('marquee.seats.' || @tenant_id::uuid, 0));

-- name: CountSeats :one
SELECT ((SELECT count(*) FROM staff s WHERE s.tenant_id = @tenant_id::uuid)
  + (SELECT count(*) FROM invitations i WHERE i.tenant_id = @tenant_id::uuid AND i.accepted_at IS NULL
       AND i.revoked_at IS NULL AND i.expires_at > @now::timestamptz))::int AS seats;

-- name: UsageForMonth :many
SELECT metric, value FROM usage_counters
WHERE tenant_id = @tenant_id AND period = date_trunc('month', timezone('UTC', @at::timestamptz))::date;

-- name: AddUsage :exec
INSERT INTO usage_counters (tenant_id, metric, period, value, updated_at)
VALUES (@tenant_id, @metric, date_trunc('month', timezone('UTC', @at::timestamptz))::date, @amount, @at)
ON CONFLICT (tenant_id, metric, period)
DO UPDATE SET value = usage_counters.value + EXCLUDED.value, updated_at = EXCLUDED.updated_at;

-- The audit_log trigger refuses deletes unless app.purge is on; the cascade
-- from tenants would pass it anyway (it fires only at trigger depth 0), but a
-- purge says so explicitly, for this transaction only.
-- name: EnablePurge :exec
SELECT set_config('app.purge', 'on', true);

-- name: DeleteTenant :execrows
DELETE FROM tenants WHERE id = $1;

-- Every table holding tenant rows (a tenant_id column) and the columns an
-- export leaves out because they hold secrets or their hashes.
-- name: TenantTables :many
SELECT c.relname::text AS name FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname;

-- name: SecretColumns :many
SELECT c.relname::text AS table_name, a.attname::text AS column_name FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND a.attname ~ '(_hash$|secret|sealed|password|token$)'
ORDER BY c.relname, a.attnum;

-- Statements of the migrating role, for the `marquee operator` command:
-- the application role has no grant on the operators table.

-- name: CreateOperator :exec
INSERT INTO operators (id, email, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4);

-- name: ResetOperator :one
UPDATE operators SET password_hash = $2, totp_sealed = NULL, failed_logins = 0, locked_until = NULL, updated_at = $3
WHERE email = $1 RETURNING id;

-- name: RevokeOperatorSessions :exec
UPDATE operator_sessions SET revoked_at = $2 WHERE operator_id = $1 AND revoked_at IS NULL;

-- name: ListOperators :many
SELECT id, email, (totp_sealed IS NOT NULL)::boolean AS enrolled, created_at FROM operators ORDER BY email;
