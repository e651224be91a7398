-- Per-asset encryption (package contentkeys).
--
-- content_keys holds one AES-128 content key per encrypted asset, only ever
-- sealed (sealbox: AES-256-GCM under the platform's secret key, with the
-- tenant, asset and key id as additional data so a sealed key copied onto
-- another row does not open). The length check refuses a plain 16-byte key:
-- a sealed one is version (1) + nonce (12) + key (16) + tag (16) = 45 bytes.
-- iv_scheme names how the HLS segment IVs derive from the segment's place
-- (media.HLSIVScheme).
--
-- media_settings holds a tenant's media settings: encrypt_new_assets makes
-- every ingest started while it is on encrypt its HLS segments (AES-128) and
-- skip DASH. media_assets.encrypted records that an asset was.

-- +goose Up
CREATE TABLE content_keys (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  asset_id   uuid NOT NULL REFERENCES media_assets(id) ON DELETE CASCADE,
  key_id     uuid NOT NULL UNIQUE,
  sealed_key bytea NOT NULL CHECK (octet_length(sealed_key) = 45),
  iv_scheme  text NOT NULL CHECK (iv_scheme IN ('hls-rendition-sequence')),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, asset_id)
);

ALTER TABLE content_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE content_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content_keys
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
-- No UPDATE: a content key never changes once assets are encrypted with it.
GRANT SELECT, INSERT, DELETE ON content_keys TO marquee_app;

CREATE TABLE media_settings (
  tenant_id          uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  encrypt_new_assets boolean NOT NULL DEFAULT false,
  updated_at         timestamptz NOT NULL
);

ALTER TABLE media_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE media_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON media_settings
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON media_settings TO marquee_app;

ALTER TABLE media_assets ADD COLUMN encrypted boolean NOT NULL DEFAULT false;

-- +goose Down
SELECT 'forward-only';
