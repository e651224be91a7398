-- Viewer accounts of a tenant's apps (package viewers): accounts with an
-- argon2id password and a verified email, their emailed one-time codes,
-- profiles (a kids profile has a rating ceiling), devices, rotating refresh
-- tokens (one family per sign-in on a device), "My List", resume positions,
-- TV activation codes (OAuth 2.0 device authorization grant, RFC 8628), and
-- each tenant's viewer settings (the device limit).
--
-- References are (tenant_id, id) foreign keys, as in the catalog: a foreign
-- key check does not see row-level security. Deleting a viewer deletes every
-- row about them through ON DELETE CASCADE: account deletion is one statement.

-- +goose Up
CREATE TABLE viewers (
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                uuid PRIMARY KEY,
  email             text NOT NULL,
  password_hash     text NOT NULL,
  email_verified_at timestamptz,
  failed_logins     int NOT NULL DEFAULT 0,
  locked_until      timestamptz,
  created_at        timestamptz NOT NULL,
  UNIQUE (tenant_id, email),
  UNIQUE (tenant_id, id)
);
CREATE INDEX viewers_listing ON viewers (tenant_id, created_at DESC, id DESC);

CREATE TABLE viewer_codes (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  viewer_id  uuid NOT NULL,
  purpose    text NOT NULL CHECK (purpose IN ('verify', 'reset')),
  code_hash  bytea NOT NULL,
  attempts   int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  FOREIGN KEY (tenant_id, viewer_id) REFERENCES viewers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON viewer_codes (tenant_id, viewer_id, purpose, created_at DESC);

CREATE TABLE viewer_profiles (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id             uuid PRIMARY KEY,
  viewer_id      uuid NOT NULL,
  name           text NOT NULL,
  avatar         text NOT NULL DEFAULT '',
  language       text NOT NULL DEFAULT '',
  kids           boolean NOT NULL DEFAULT false,
  -- {"system": "MPAA", "value": "PG", "minAge": 8}: the oldest rating a kids
  -- profile may watch; NULL: no ceiling.
  rating_ceiling jsonb,
  -- argon2id of the profile's 4-digit PIN; '' when the profile has none.
  pin_hash       text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, viewer_id) REFERENCES viewers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON viewer_profiles (tenant_id, viewer_id, created_at);

CREATE TABLE viewer_devices (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid PRIMARY KEY,
  viewer_id    uuid NOT NULL,
  name         text NOT NULL,
  platform     text NOT NULL CHECK (platform IN ('web', 'roku', 'tvos', 'androidtv', 'firetv', 'samsung', 'lg', 'ios', 'android')),
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, viewer_id) REFERENCES viewers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON viewer_devices (tenant_id, viewer_id, created_at);

-- A refresh token is used once: using it marks it used and issues the next of
-- its family. A used token presented again means it leaked: the whole family
-- is revoked.
CREATE TABLE viewer_refresh_tokens (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid PRIMARY KEY,
  family_id   uuid NOT NULL,
  viewer_id   uuid NOT NULL,
  profile_id  uuid,
  device_id   uuid NOT NULL,
  secret_hash bytea NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  revoked_at  timestamptz,
  FOREIGN KEY (tenant_id, viewer_id) REFERENCES viewers (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, profile_id) REFERENCES viewer_profiles (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, device_id) REFERENCES viewer_devices (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON viewer_refresh_tokens (tenant_id, family_id);
CREATE INDEX ON viewer_refresh_tokens (tenant_id, device_id);
CREATE INDEX ON viewer_refresh_tokens (tenant_id, viewer_id);

CREATE TABLE viewer_list_items (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id uuid NOT NULL,
  title_id   uuid NOT NULL,
  added_at   timestamptz NOT NULL,
  PRIMARY KEY (profile_id, title_id),
  FOREIGN KEY (tenant_id, profile_id) REFERENCES viewer_profiles (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, title_id) REFERENCES titles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON viewer_list_items (tenant_id, profile_id, added_at DESC, title_id DESC);

CREATE TABLE viewer_progress (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id       uuid NOT NULL,
  title_id         uuid NOT NULL,
  position_seconds int NOT NULL CHECK (position_seconds >= 0),
  duration_seconds int NOT NULL CHECK (duration_seconds > 0),
  device_id        uuid,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (profile_id, title_id),
  FOREIGN KEY (tenant_id, profile_id) REFERENCES viewer_profiles (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, title_id) REFERENCES titles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON viewer_progress (tenant_id, profile_id, updated_at DESC, title_id DESC);

-- TV activation (RFC 8628). The device code is a bearer secret (stored
-- hashed, looked up by the id it carries); the user code is what the viewer
-- types, unique among a tenant's codes.
CREATE TABLE viewer_device_grants (
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                uuid PRIMARY KEY,
  secret_hash       bytea NOT NULL,
  user_code         text NOT NULL,
  device_name       text NOT NULL,
  platform          text NOT NULL,
  interval_seconds  int NOT NULL,
  created_at        timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL,
  last_polled_at    timestamptz,
  viewer_id         uuid,
  profile_id        uuid,
  device_id         uuid,
  approved_at       timestamptz,
  denied_at         timestamptz,
  consumed_at       timestamptz,
  UNIQUE (tenant_id, user_code),
  FOREIGN KEY (tenant_id, viewer_id) REFERENCES viewers (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, profile_id) REFERENCES viewer_profiles (tenant_id, id) ON DELETE SET NULL (profile_id),
  FOREIGN KEY (tenant_id, device_id) REFERENCES viewer_devices (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON viewer_device_grants (tenant_id, expires_at);

CREATE TABLE viewer_settings (
  tenant_id    uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  device_limit int NOT NULL CHECK (device_limit BETWEEN 1 AND 100),
  updated_at   timestamptz NOT NULL
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['viewers', 'viewer_codes', 'viewer_profiles', 'viewer_devices', 'viewer_refresh_tokens',
      'viewer_list_items', 'viewer_progress', 'viewer_device_grants', 'viewer_settings'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

GRANT SELECT, INSERT, UPDATE, DELETE ON viewers, viewer_codes, viewer_profiles, viewer_devices, viewer_refresh_tokens,
  viewer_list_items, viewer_progress, viewer_device_grants, viewer_settings TO marquee_app;

-- +goose Down
SELECT 'forward-only';
