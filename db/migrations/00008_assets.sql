-- Media assets: one row per ingest of a source upload. A row moves
-- PENDING → PROCESSING → READY | FAILED; the ingest workflow
-- (workflows/ingest) drives it, keeping the probe, the planned ladder and its
-- progress here. A READY asset's CMAF package (fMP4 segments, HLS playlists
-- and a DASH MPD over the same segments) is in blob storage under
-- tenants/{tenant}/assets/{id}/, with the master playlist at hls_key and the
-- MPD at dash_key.

-- +goose Up
CREATE TABLE media_assets (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id             uuid PRIMARY KEY,
  upload_id      uuid NOT NULL,
  status         text NOT NULL CHECK (status IN ('PENDING', 'PROCESSING', 'READY', 'FAILED')),
  failure_reason text NOT NULL DEFAULT '',
  percent        integer NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
  source_key     text NOT NULL,
  probe          jsonb,
  ladder         jsonb,
  duration_ms    bigint NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
  width          integer NOT NULL DEFAULT 0 CHECK (width >= 0),
  height         integer NOT NULL DEFAULT 0 CHECK (height >= 0),
  hls_key        text NOT NULL DEFAULT '',
  dash_key       text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX media_assets_listing ON media_assets (tenant_id, created_at DESC, id DESC);
CREATE INDEX media_assets_upload ON media_assets (tenant_id, upload_id);

ALTER TABLE media_assets ENABLE ROW LEVEL SECURITY;
ALTER TABLE media_assets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON media_assets
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON media_assets TO marquee_app;

-- +goose Down
SELECT 'forward-only';
