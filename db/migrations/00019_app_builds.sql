-- White-label app builds (package apps, workflow workflows/appbuild).
-- app_settings is a tenant's app configuration beside its branding (bundle
-- id, version, store listing text, per-platform names and auto-rebuild);
-- app_builds is one build of one platform's app, numbered per tenant and
-- platform (build_number only goes up: stores want a monotonically
-- increasing versionCode / CFBundleVersion); app_build_logs holds a
-- running build's log lines so the console can stream them (the full log
-- is also stored in blob storage when the build ends). Builds of one lane
-- (tenant, platform) run one at a time in creation order: the workflow of a
-- later build waits until no earlier build of its lane is unfinished.
-- Changes of a build (status, a log line) are announced on the
-- app_build_changes channel as 'tenant_id:build_id'.

-- +goose Up
CREATE TABLE app_settings (
  tenant_id      uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  bundle_id      text NOT NULL DEFAULT '' CHECK (bundle_id = '' OR bundle_id ~ '^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)+$'),
  version_major  int NOT NULL DEFAULT 1 CHECK (version_major BETWEEN 0 AND 999),
  version_minor  int NOT NULL DEFAULT 0 CHECK (version_minor BETWEEN 0 AND 999),
  version_patch  int NOT NULL DEFAULT 0 CHECK (version_patch BETWEEN 0 AND 999),
  description    text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  keywords       text[] NOT NULL DEFAULT '{}',
  name           text NOT NULL DEFAULT '' CHECK (length(name) <= 60), -- the apps' name when shorter than the branding's
  short_name     text NOT NULL DEFAULT '' CHECK (length(short_name) <= 12),
  auto_rebuild   text[] NOT NULL DEFAULT '{}', -- platforms rebuilt when branding changes
  updated_at     timestamptz NOT NULL
);

CREATE TABLE app_builds (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id             uuid PRIMARY KEY,
  platform       text NOT NULL CHECK (platform IN ('WEB', 'ROKU', 'ANDROID', 'APPLE', 'TIZEN', 'WEBOS')),
  version        text NOT NULL,
  build_number   int NOT NULL CHECK (build_number > 0),
  status         text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
  trigger        text NOT NULL CHECK (trigger IN ('MANUAL', 'BRANDING')),
  requested_by   text NOT NULL DEFAULT '',
  branding_hash  text NOT NULL DEFAULT '',
  warnings       text[] NOT NULL DEFAULT '{}',
  error          text NOT NULL DEFAULT '',
  artifact_key   text NOT NULL DEFAULT '',
  artifact_name  text NOT NULL DEFAULT '',
  artifact_size  bigint NOT NULL DEFAULT 0,
  listing_key    text NOT NULL DEFAULT '',
  log_key        text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL,
  started_at     timestamptz,
  finished_at    timestamptz,
  UNIQUE (tenant_id, platform, build_number)
);
CREATE INDEX app_builds_list ON app_builds (tenant_id, created_at DESC, id DESC);
CREATE INDEX app_builds_lane ON app_builds (tenant_id, platform, build_number) WHERE status IN ('QUEUED', 'RUNNING');

CREATE TABLE app_build_logs (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  build_id   uuid NOT NULL REFERENCES app_builds(id) ON DELETE CASCADE,
  line_no    int NOT NULL,
  line       text NOT NULL,
  PRIMARY KEY (build_id, line_no)
);

ALTER TABLE app_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_settings
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE app_builds ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_builds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_builds
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE app_build_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_build_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_build_logs
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON app_settings, app_builds, app_build_logs TO marquee_app;

-- +goose StatementBegin
CREATE FUNCTION app_builds_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'app_build_logs' THEN
    PERFORM pg_notify('app_build_changes', NEW.tenant_id::text || ':' || NEW.build_id::text);
  ELSE
    PERFORM pg_notify('app_build_changes', NEW.tenant_id::text || ':' || NEW.id::text);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER app_builds_notify AFTER INSERT OR UPDATE ON app_builds
  FOR EACH ROW EXECUTE FUNCTION app_builds_notify();
CREATE TRIGGER app_build_logs_notify AFTER INSERT ON app_build_logs
  FOR EACH ROW EXECUTE FUNCTION app_builds_notify();

-- +goose Down
SELECT 'forward-only';
