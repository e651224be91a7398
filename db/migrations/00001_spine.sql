-- The spine: tenants, staff, sessions, keys, audit log, outbox and webhooks.
-- Every tenant-owned table is FORCE ROW LEVEL SECURITY with the one policy shape
-- below; the application role (marquee_app) gets DML grants and nothing else.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marquee_app') THEN
    CREATE ROLE marquee_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;
-- +goose StatementEnd

-- The tenant bound by db.InTenant, or NULL. A transaction-local setting reads ''
-- (not NULL) on a connection after the transaction that set it ended.
CREATE FUNCTION current_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
  id               uuid PRIMARY KEY,
  slug             text NOT NULL UNIQUE,
  name             text NOT NULL,
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  app_name         text NOT NULL,
  primary_color    text NOT NULL DEFAULT '#e50914',
  accent_color     text NOT NULL DEFAULT '#ffffff',
  background_color text NOT NULL DEFAULT '#141414',
  logo_key         text,
  logo_type        text,
  logo_version     int NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
  USING (id = current_tenant()) WITH CHECK (id = current_tenant());

CREATE TABLE staff (
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                uuid PRIMARY KEY,
  email             text NOT NULL,
  name              text NOT NULL DEFAULT '',
  password_hash     text NOT NULL,
  role              text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'analyst')),
  email_verified_at timestamptz,
  failed_logins     int NOT NULL DEFAULT 0,
  locked_until      timestamptz,
  created_at        timestamptz NOT NULL,
  UNIQUE (tenant_id, email)
);

CREATE TABLE staff_sessions (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid PRIMARY KEY,
  staff_id     uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  secret_hash  bytea NOT NULL,
  user_agent   text NOT NULL DEFAULT '',
  ip           text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX ON staff_sessions (tenant_id, staff_id);

-- One-time codes sent by email: verification and password reset.
CREATE TABLE email_codes (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  staff_id   uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  purpose    text NOT NULL CHECK (purpose IN ('verify', 'reset')),
  code_hash  bytea NOT NULL,
  attempts   int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX ON email_codes (tenant_id, staff_id, purpose);

CREATE TABLE invitations (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid PRIMARY KEY,
  email       text NOT NULL,
  role        text NOT NULL CHECK (role IN ('admin', 'editor', 'analyst')),
  invited_by  uuid REFERENCES staff(id) ON DELETE SET NULL,
  secret_hash bytea NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX ON invitations (tenant_id, email);

CREATE TABLE api_keys (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid PRIMARY KEY,
  name         text NOT NULL,
  role         text NOT NULL CHECK (role IN ('admin', 'editor', 'analyst')),
  secret_hash  bytea NOT NULL,
  hint         text NOT NULL,
  created_by   uuid REFERENCES staff(id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at   timestamptz
);

CREATE TABLE app_keys (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  key        text NOT NULL UNIQUE,
  name       text NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);

-- Append-only: the app role may insert and read, never change or delete, and a
-- trigger refuses it for everyone else too.
CREATE TABLE audit_log (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid PRIMARY KEY,
  at          timestamptz NOT NULL,
  actor_type  text NOT NULL,
  actor_id    uuid,
  actor_label text NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL DEFAULT '',
  target_id   text NOT NULL DEFAULT '',
  details     jsonb NOT NULL DEFAULT '{}',
  ip          text NOT NULL DEFAULT '',
  user_agent  text NOT NULL DEFAULT ''
);
CREATE INDEX ON audit_log (tenant_id, at DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND current_setting('app.purge', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION audit_log_immutable();

-- Domain events, written in the same transaction as the change they describe.
CREATE TABLE outbox_events (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid PRIMARY KEY,
  seq         bigserial UNIQUE,
  type        text NOT NULL,
  object_type text NOT NULL,
  object_id   text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX ON outbox_events (tenant_id, seq);

CREATE TABLE webhook_endpoints (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid PRIMARY KEY,
  url         text NOT NULL,
  secret      text NOT NULL,
  event_types text[] NOT NULL DEFAULT '{}',
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid PRIMARY KEY,
  endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id        uuid NOT NULL REFERENCES outbox_events(id) ON DELETE CASCADE,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text NOT NULL DEFAULT '',
  delivered_at    timestamptz,
  created_at      timestamptz NOT NULL,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX ON webhook_deliveries (status, next_attempt_at);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['staff', 'staff_sessions', 'email_codes', 'invitations', 'api_keys',
      'app_keys', 'audit_log', 'outbox_events', 'webhook_endpoints', 'webhook_deliveries'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, staff, staff_sessions, email_codes, invitations,
  api_keys, app_keys, outbox_events, webhook_endpoints, webhook_deliveries TO marquee_app;
GRANT SELECT, INSERT ON audit_log TO marquee_app;
GRANT USAGE ON SEQUENCE outbox_events_seq_seq TO marquee_app;

-- The few look-ups that find a tenant before one is bound. SECURITY DEFINER runs
-- them as the migrating role, which bypasses RLS; each returns only an id.
CREATE FUNCTION tenant_id_by_slug(p_slug text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT id FROM tenants WHERE slug = p_slug $$;

CREATE FUNCTION tenant_id_by_app_key(p_key text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT tenant_id FROM app_keys WHERE key = p_key AND revoked_at IS NULL $$;

-- Deliveries due now, across tenants, for the webhook sender; it then binds each
-- tenant to read and update the delivery itself.
CREATE FUNCTION due_webhook_deliveries(p_limit int) RETURNS TABLE (tenant_id uuid, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT tenant_id, id FROM webhook_deliveries
   WHERE status = 'pending' AND next_attempt_at <= now()
   ORDER BY next_attempt_at LIMIT p_limit $$;

REVOKE ALL ON FUNCTION tenant_id_by_slug(text), tenant_id_by_app_key(text), due_webhook_deliveries(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_id_by_slug(text), tenant_id_by_app_key(text), due_webhook_deliveries(int) TO marquee_app;
GRANT EXECUTE ON FUNCTION current_tenant() TO marquee_app;

-- +goose Down
SELECT 'forward-only';
