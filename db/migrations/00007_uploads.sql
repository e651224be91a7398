-- Uploads: one row per file brought into a tenant's storage, by tus
-- (resumable, created through GraphQL) or fetched from a URL. A row moves
-- pending → uploading → complete | failed; a complete upload's bytes are at
-- storage_key (tenants/{tenant}/uploads/{id}/source) with their size and
-- SHA-256, and captions also at captions_key as WebVTT. The ingest workflow
-- starts from the upload.completed event written with the completion.

-- +goose Up
CREATE TABLE uploads (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('source', 'caption', 'audio')),
  state        text NOT NULL CHECK (state IN ('pending', 'uploading', 'complete', 'failed')),
  filename     text NOT NULL,
  content_type text NOT NULL,
  language     text NOT NULL DEFAULT '',
  track_kind   text NOT NULL DEFAULT '' CHECK (track_kind IN ('', 'subtitles', 'captions', 'descriptive_audio')),
  size         bigint NOT NULL DEFAULT 0 CHECK (size >= 0),  -- declared (tus) or known once fetched (URL)
  received     bigint NOT NULL DEFAULT 0 CHECK (received >= 0),
  sha256       text NOT NULL DEFAULT '',
  storage_key  text NOT NULL DEFAULT '',
  captions_key text NOT NULL DEFAULT '',
  source_url   text NOT NULL DEFAULT '',
  failure      text NOT NULL DEFAULT '',
  created_by   uuid,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  completed_at timestamptz
);
CREATE INDEX uploads_listing ON uploads (tenant_id, created_at DESC, id DESC);

ALTER TABLE uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE uploads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON uploads
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON uploads TO marquee_app;

-- +goose Down
SELECT 'forward-only';
