-- A workspace's default for how its titles are sold: a title without its own
-- title_access row follows it. 'free' until the tenant chooses otherwise, so
-- a workspace that sells nothing yet plays its catalogue to everyone; an SVOD
-- service sets 'svod' once and marks its free titles one by one.

-- +goose Up
CREATE TABLE billing_settings (
  tenant_id     uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  default_model text NOT NULL CHECK (default_model IN ('free', 'avod', 'svod', 'tvod')),
  updated_at    timestamptz NOT NULL
);

ALTER TABLE billing_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_settings
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON billing_settings TO marquee_app;

-- +goose Down
SELECT 'forward-only';
