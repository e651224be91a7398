-- Sidecar tracks and images of media assets. media_asset_tracks holds the
-- extra audio tracks (another language, audio description) and the WebVTT
-- subtitle and caption tracks of an asset, each from a COMPLETE audio or
-- caption upload of the same tenant, in the order players list them. A
-- caption track's current text is the WebVTT at vtt_key; editing it bumps
-- revision, and the package's subtitle files are named after the revision
-- (subs/{track}_r{revision}.vtt), so an edit is a new URL.
--
-- media_assets gains the blob keys of its images (poster, trick-play
-- thumbnails track, with the sprite sheets' geometry as JSON) and two
-- counters: tracks_version (bumped by every caption change) and
-- tracks_published (the version whose subtitles the package's master
-- playlist and MPD carry); they differ while a republish is under way.

-- +goose Up
CREATE TABLE media_asset_tracks (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  asset_id   uuid NOT NULL REFERENCES media_assets(id) ON DELETE CASCADE,
  upload_id  uuid NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('audio', 'caption')),
  track_kind text NOT NULL DEFAULT '' CHECK (track_kind IN ('', 'subtitles', 'captions', 'descriptive_audio')),
  language   text NOT NULL DEFAULT '',
  name       text NOT NULL DEFAULT '',
  position   integer NOT NULL CHECK (position >= 0),
  revision   integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
  source_key text NOT NULL,  -- audio: the upload's file; caption: its current WebVTT
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX media_asset_tracks_asset ON media_asset_tracks (tenant_id, asset_id, position);

ALTER TABLE media_asset_tracks ENABLE ROW LEVEL SECURITY;
ALTER TABLE media_asset_tracks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON media_asset_tracks
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON media_asset_tracks TO marquee_app;

ALTER TABLE media_assets
  ADD COLUMN poster_key       text NOT NULL DEFAULT '',
  ADD COLUMN thumbnails_key   text NOT NULL DEFAULT '',
  ADD COLUMN trickplay        jsonb,
  ADD COLUMN tracks_version   integer NOT NULL DEFAULT 0,
  ADD COLUMN tracks_published integer NOT NULL DEFAULT 0;

-- +goose Down
SELECT 'forward-only';
