-- name: CreateTenant :exec
INSERT INTO tenants (id, slug, name, app_name, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5);

-- name: GetTenant :one
SELECT * FROM tenants WHERE id = $1;

-- name: TenantIDBySlug :one
SELECT tenant_id_by_slug($1)::uuid;

-- name: TenantIDByAppKey :one
SELECT tenant_id_by_app_key($1)::uuid;

-- name: UpdateBranding :one
UPDATE tenants SET app_name = $2, primary_color = $3, accent_color = $4, background_color = $5, updated_at = $6
WHERE id = $1 RETURNING *;

-- name: SetLogo :one
UPDATE tenants SET logo_key = $2, logo_type = $3, logo_version = logo_version + 1, updated_at = $4
WHERE id = $1 RETURNING *;

-- name: CreateStaff :exec
INSERT INTO staff (tenant_id, id, email, name, password_hash, role, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: GetStaff :one
SELECT * FROM staff WHERE tenant_id = $1 AND id = $2;

-- name: GetStaffByEmail :one
SELECT * FROM staff WHERE tenant_id = $1 AND email = $2;

-- name: ListStaff :many
SELECT * FROM staff WHERE tenant_id = $1 ORDER BY created_at, id;

-- name: ListStaffPageCounted :many
-- A page of the team in the team's order, with the team's size. The columns
-- are those of Staff: no password hash leaves the database for a list.
SELECT id, tenant_id, email, name, role, email_verified_at, created_at, count(*) OVER ()::int AS total
FROM staff WHERE tenant_id = $1 ORDER BY created_at, id LIMIT @take OFFSET @skip;

-- name: ListStaffPage :many
-- The same page without the count: the window makes PostgreSQL read the whole
-- team, so it is left out when the caller does not ask for the size.
SELECT id, tenant_id, email, name, role, email_verified_at, created_at
FROM staff WHERE tenant_id = $1 ORDER BY created_at, id LIMIT @take OFFSET @skip;

-- name: CountStaff :one
SELECT count(*)::int FROM staff WHERE tenant_id = $1;

-- name: ListStaffByIDs :many
SELECT * FROM staff WHERE tenant_id = $1 AND id = ANY(@ids::uuid[]);

-- name: CountOwners :one
SELECT count(*) FROM staff WHERE tenant_id = $1 AND role = 'owner';

-- name: SetStaffRole :exec
UPDATE staff SET role = $3 WHERE tenant_id = $1 AND id = $2;

-- name: DeleteStaff :exec
DELETE FROM staff WHERE tenant_id = $1 AND id = $2;

-- name: SetPassword :exec
UPDATE staff SET password_hash = $3, failed_logins = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2;

-- name: MarkEmailVerified :exec
UPDATE staff SET email_verified_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: RecordLoginFailure :one
UPDATE staff SET failed_logins = failed_logins + 1,
  locked_until = CASE WHEN failed_logins + 1 >= @max_failures::int THEN @lock_until::timestamptz ELSE locked_until END
WHERE tenant_id = $1 AND id = $2 RETURNING failed_logins;

-- name: ResetLoginFailures :exec
UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2;

-- name: CreateSession :exec
INSERT INTO staff_sessions (tenant_id, id, staff_id, secret_hash, user_agent, ip, created_at, last_seen_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8);

-- name: GetSession :one
SELECT s.id, s.staff_id, s.secret_hash, s.expires_at, s.revoked_at, s.last_seen_at, st.role, st.email,
  (tf.enabled_at IS NOT NULL)::boolean AS two_factor, t.require_two_factor
FROM staff_sessions s JOIN staff st ON st.id = s.staff_id JOIN tenants t ON t.id = s.tenant_id
LEFT JOIN staff_two_factor tf ON tf.staff_id = s.staff_id AND tf.tenant_id = s.tenant_id
WHERE s.tenant_id = $1 AND s.id = $2;

-- name: TouchSession :exec
UPDATE staff_sessions SET last_seen_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: RevokeSession :exec
UPDATE staff_sessions SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL;

-- name: RevokeStaffSessions :exec
UPDATE staff_sessions SET revoked_at = $3 WHERE tenant_id = $1 AND staff_id = $2 AND revoked_at IS NULL;

-- name: CreateEmailCode :exec
INSERT INTO email_codes (tenant_id, id, staff_id, purpose, code_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: LatestEmailCode :one
SELECT * FROM email_codes WHERE tenant_id = $1 AND staff_id = $2 AND purpose = $3 AND used_at IS NULL
ORDER BY created_at DESC LIMIT 1;

-- name: BumpEmailCodeAttempts :exec
UPDATE email_codes SET attempts = attempts + 1 WHERE tenant_id = $1 AND id = $2;

-- name: UseEmailCode :exec
UPDATE email_codes SET used_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: CreateInvitation :exec
INSERT INTO invitations (tenant_id, id, email, role, invited_by, secret_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: GetInvitation :one
SELECT * FROM invitations WHERE tenant_id = $1 AND id = $2;

-- name: ListInvitations :many
SELECT * FROM invitations WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
ORDER BY created_at DESC;

-- name: AcceptInvitation :exec
UPDATE invitations SET accepted_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: RevokeInvitation :execrows
UPDATE invitations SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL;

-- name: CreateAPIKey :exec
INSERT INTO api_keys (tenant_id, id, name, role, secret_hash, hint, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: GetAPIKey :one
SELECT * FROM api_keys WHERE tenant_id = $1 AND id = $2;

-- name: ListAPIKeys :many
SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id;

-- name: TouchAPIKey :exec
UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: RevokeAPIKey :execrows
UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL;

-- name: CreateAppKey :exec
INSERT INTO app_keys (tenant_id, id, key, name, created_at) VALUES ($1, $2, $3, $4, $5);

-- name: ListAppKeys :many
SELECT * FROM app_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id;

-- name: RevokeAppKey :execrows
UPDATE app_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL;

-- Staff security: two-factor authentication, login challenges, sessions.

-- name: SetRequireTwoFactor :one
UPDATE tenants SET require_two_factor = $2, updated_at = $3 WHERE id = $1 RETURNING *;

-- name: GetTwoFactor :one
SELECT * FROM staff_two_factor WHERE tenant_id = $1 AND staff_id = $2;

-- name: GetTwoFactorForUpdate :one
SELECT * FROM staff_two_factor WHERE tenant_id = $1 AND staff_id = $2 FOR UPDATE;

-- name: StartTwoFactor :exec
INSERT INTO staff_two_factor (tenant_id, staff_id, secret_sealed, created_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (staff_id) DO UPDATE SET secret_sealed = EXCLUDED.secret_sealed, created_at = EXCLUDED.created_at,
  enabled_at = NULL, last_step = 0
WHERE staff_two_factor.enabled_at IS NULL;

-- name: EnableTwoFactor :exec
UPDATE staff_two_factor SET enabled_at = $3 WHERE tenant_id = $1 AND staff_id = $2;

-- name: AcceptTwoFactorStep :exec
UPDATE staff_two_factor SET last_step = $3, failures = 0, locked_until = NULL WHERE tenant_id = $1 AND staff_id = $2;

-- name: ResetTwoFactorFailures :exec
UPDATE staff_two_factor SET failures = 0, locked_until = NULL WHERE tenant_id = $1 AND staff_id = $2;

-- name: RecordTwoFactorFailure :one
UPDATE staff_two_factor SET failures = failures + 1,
  locked_until = CASE WHEN failures + 1 >= @max_failures::int THEN @lock_until::timestamptz ELSE locked_until END
WHERE tenant_id = $1 AND staff_id = $2 RETURNING failures;

-- name: DeleteTwoFactor :exec
DELETE FROM staff_two_factor WHERE tenant_id = $1 AND staff_id = $2;

-- name: DeleteRecoveryCodes :exec
DELETE FROM staff_recovery_codes WHERE tenant_id = $1 AND staff_id = $2;

-- name: CreateRecoveryCode :exec
INSERT INTO staff_recovery_codes (tenant_id, id, staff_id, code_hash, created_at) VALUES ($1, $2, $3, $4, $5);

-- name: UseRecoveryCode :execrows
UPDATE staff_recovery_codes SET used_at = $4
WHERE tenant_id = $1 AND staff_id = $2 AND code_hash = $3 AND used_at IS NULL;

-- name: CountRecoveryCodesLeft :one
SELECT count(*) FROM staff_recovery_codes WHERE tenant_id = $1 AND staff_id = $2 AND used_at IS NULL;

-- name: CreateLoginChallenge :exec
INSERT INTO login_challenges (tenant_id, id, staff_id, secret_hash, ip, user_agent, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: GetLoginChallenge :one
SELECT * FROM login_challenges WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: UseLoginChallenge :exec
UPDATE login_challenges SET used_at = $3 WHERE tenant_id = $1 AND id = $2;

-- name: ListActiveSessions :many
SELECT id, user_agent, ip, created_at, last_seen_at FROM staff_sessions
WHERE tenant_id = $1 AND staff_id = $2 AND revoked_at IS NULL AND expires_at > @now::timestamptz
ORDER BY last_seen_at DESC, id;

-- name: RevokeOwnSession :execrows
UPDATE staff_sessions SET revoked_at = $4
WHERE tenant_id = $1 AND staff_id = $2 AND id = $3 AND revoked_at IS NULL;

-- name: RevokeStaffSessionsExcept :execrows
UPDATE staff_sessions SET revoked_at = $3
WHERE tenant_id = $1 AND staff_id = $2 AND revoked_at IS NULL AND id <> @keep::uuid;

-- name: PurgeLoginChallenges :exec
DELETE FROM login_challenges WHERE tenant_id = $1 AND staff_id = $2 AND (expires_at < @before::timestamptz OR used_at IS NOT NULL);
