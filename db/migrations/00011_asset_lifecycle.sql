-- Asset lifecycle (package lifecycle, workflows/assetlife):
--  * an asset can be DELETED: its row stays (who ingested what, and when it
--    went), its blobs under tenants/{tenant}/assets/{id}/ are removed by the
--    purge workflow and the CDN is told;
--  * an upload may ask to be ingested as soon as it completes (auto_ingest,
--    optionally onto ingest_title_id); the asset made from it carries
--    auto_ingest, and one upload gets at most one such asset, however often
--    upload.completed is delivered;
--  * replacing a published title's source is one row of
--    title_source_replacements: the new asset ingests beside the old one, the
--    title switches to it in one transaction when it is READY (SWITCHED), or
--    keeps the old one and the row says why (FAILED).

-- +goose Up
ALTER TABLE media_assets DROP CONSTRAINT media_assets_status_check;
ALTER TABLE media_assets ADD CONSTRAINT media_assets_status_check
  CHECK (status IN ('PENDING', 'PROCESSING', 'READY', 'FAILED', 'DELETED'));
ALTER TABLE media_assets ADD COLUMN auto_ingest boolean NOT NULL DEFAULT false;
ALTER TABLE media_assets ADD COLUMN deleted_at timestamptz;
CREATE UNIQUE INDEX media_assets_auto_upload ON media_assets (tenant_id, upload_id) WHERE auto_ingest;

ALTER TABLE uploads ADD COLUMN auto_ingest boolean NOT NULL DEFAULT false;
ALTER TABLE uploads ADD COLUMN ingest_title_id uuid;

CREATE TABLE title_source_replacements (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid PRIMARY KEY,
  title_id     uuid NOT NULL,
  old_asset_id uuid NOT NULL,
  new_asset_id uuid NOT NULL,
  status       text NOT NULL CHECK (status IN ('PENDING', 'SWITCHED', 'FAILED')),
  reason       text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX title_source_replacements_title ON title_source_replacements (tenant_id, title_id, created_at DESC);
-- One replacement at a time per title.
CREATE UNIQUE INDEX title_source_replacements_pending ON title_source_replacements (tenant_id, title_id)
  WHERE status = 'PENDING';

ALTER TABLE title_source_replacements ENABLE ROW LEVEL SECURITY;
ALTER TABLE title_source_replacements FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON title_source_replacements
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON title_source_replacements TO marquee_app;

-- +goose Down
SELECT 'forward-only';
