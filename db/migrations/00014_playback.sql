-- Playback: per-tenant playback settings (concurrent-stream limit, the CDN
-- signer and its sealed secret), per-title entitlement rules and the grants
-- of the interim entitlement model (billing takes over later through
-- playback.Entitlements), playback sessions, and the log of every key
-- hand-out.
--
-- References to titles and media assets are (tenant_id, id): a foreign key
-- check does not see row-level security, so the composite key is what keeps a
-- row from pointing at another tenant's title. Media assets have no
-- (tenant_id, id) key, so asset_id is checked by package playback. viewer, profile and device ids
-- come from package viewers (no foreign key until that table is merged).

-- +goose Up
CREATE TABLE playback_settings (
  tenant_id      uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  max_streams    integer NOT NULL DEFAULT 0 CHECK (max_streams BETWEEN 0 AND 100), -- 0: no limit
  on_limit       text NOT NULL DEFAULT 'REFUSE' CHECK (on_limit IN ('REFUSE', 'END_OLDEST')),
  cdn_kind       text NOT NULL DEFAULT 'NONE' CHECK (cdn_kind IN ('NONE', 'CLOUDFRONT', 'HMAC')),
  cdn_base_url   text NOT NULL DEFAULT '',
  cdn_key_id     text NOT NULL DEFAULT '',   -- CloudFront key pair id
  cdn_cookies    boolean NOT NULL DEFAULT false,
  cdn_secret     bytea,                      -- sealbox: PEM private key or HMAC key
  updated_at     timestamptz NOT NULL
);

CREATE TABLE title_entitlement_rules (
  tenant_id            uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  title_id             uuid NOT NULL,
  requires_entitlement boolean NOT NULL,
  updated_at           timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, title_id),
  FOREIGN KEY (tenant_id, title_id) REFERENCES titles (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE title_grants (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  title_id   uuid NOT NULL,
  viewer_id  uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, title_id, viewer_id),
  FOREIGN KEY (tenant_id, title_id) REFERENCES titles (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE playback_sessions (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               uuid PRIMARY KEY,
  asset_id         uuid NOT NULL,
  title_id         uuid,
  viewer_id        uuid,            -- NULL for a staff preview
  profile_id       uuid,
  device_id        uuid,
  preview_by       uuid,            -- the staff member of a preview
  client_ip        text NOT NULL DEFAULT '',
  country          text NOT NULL DEFAULT '',
  position_seconds integer NOT NULL DEFAULT 0 CHECK (position_seconds >= 0),
  started_at       timestamptz NOT NULL,
  heartbeat_at     timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  ended_at         timestamptz,
  end_reason       text NOT NULL DEFAULT ''
);
-- The live streams of a viewer, for the concurrent-stream limit.
CREATE INDEX playback_sessions_live ON playback_sessions (tenant_id, viewer_id, heartbeat_at) WHERE ended_at IS NULL;

CREATE TABLE playback_key_handouts (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  session_id uuid NOT NULL,
  asset_id   uuid NOT NULL,
  viewer_id  uuid,
  preview_by uuid,
  client_ip  text NOT NULL DEFAULT '',
  user_agent text NOT NULL DEFAULT '',
  at         timestamptz NOT NULL
);
CREATE INDEX playback_key_handouts_session ON playback_key_handouts (tenant_id, session_id, at);

ALTER TABLE playback_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE playback_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON playback_settings
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE title_entitlement_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE title_entitlement_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON title_entitlement_rules
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE title_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE title_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON title_grants
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE playback_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE playback_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON playback_sessions
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE playback_key_handouts ENABLE ROW LEVEL SECURITY;
ALTER TABLE playback_key_handouts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON playback_key_handouts
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON playback_settings, title_entitlement_rules, title_grants, playback_sessions TO marquee_app;
-- The hand-out log is append-only for the application.
GRANT SELECT, INSERT ON playback_key_handouts TO marquee_app;

-- +goose Down
SELECT 'forward-only';
