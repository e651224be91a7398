-- Staff security: TOTP two-factor authentication with recovery codes, the
-- short-lived challenges between a right password and the second factor, and
-- a tenant setting that requires two-factor authentication of all staff.
-- TOTP secrets are sealed (AES-256-GCM under MARQUEE_SECRET_KEY) before they
-- reach the database; recovery codes and challenge secrets are stored hashed.

-- +goose Up
ALTER TABLE tenants ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;

-- One row per staff member who started enrolling; enabled_at is set once a
-- code from the authenticator confirmed it. last_step is the TOTP time step of
-- the last accepted code, so a code is never accepted twice; failures counts
-- wrong codes in a row, and five lock the second factor until locked_until.
CREATE TABLE staff_two_factor (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  staff_id      uuid PRIMARY KEY REFERENCES staff(id) ON DELETE CASCADE,
  secret_sealed bytea NOT NULL,
  enabled_at    timestamptz,
  last_step     bigint NOT NULL DEFAULT 0,
  failures      int NOT NULL DEFAULT 0,
  locked_until  timestamptz,
  created_at    timestamptz NOT NULL
);
CREATE INDEX ON staff_two_factor (tenant_id);

-- Single-use recovery codes, SHA-256 of 80 random bits each.
CREATE TABLE staff_recovery_codes (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  staff_id   uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  code_hash  bytea NOT NULL,
  created_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX ON staff_recovery_codes (tenant_id, staff_id);

-- A right password for an account with two-factor on: the token the client
-- holds for five minutes to send the second factor with.
CREATE TABLE login_challenges (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid PRIMARY KEY,
  staff_id    uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  secret_hash bytea NOT NULL,
  ip          text NOT NULL DEFAULT '',
  user_agent  text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX ON login_challenges (tenant_id, staff_id);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['staff_two_factor', 'staff_recovery_codes', 'login_challenges'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

GRANT SELECT, INSERT, UPDATE, DELETE ON staff_two_factor, staff_recovery_codes, login_challenges TO marquee_app;

-- +goose Down
SELECT 'forward-only';
