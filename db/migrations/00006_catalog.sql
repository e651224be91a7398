-- The catalog: titles (movies, episodes, shorts, trailers, extras), series and
-- their seasons, creators, collections (hand-picked or rule-based), the home
-- page's rails, and search (full text plus trigrams for typos).
--
-- References between catalog rows are (tenant_id, id) foreign keys: a foreign
-- key check does not see row-level security, so a plain id reference would let
-- one tenant point at another's row; the composite key cannot.
--
-- Localized metadata and artwork are small JSON documents on their row: they are
-- always read with it, and keeping them there makes a page of titles one query.
-- A title's search columns (search_title, search_body) are written by the
-- catalog package from every localization, tags and genres; the full-text
-- index is over title_document() of them. Media assets come from another package: asset_id is a
-- reference without a foreign key until that table exists.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE creators (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  handle     text NOT NULL CHECK (handle ~ '^[a-z0-9][a-z0-9_.-]{1,39}$'),
  name       text NOT NULL,
  bio        text NOT NULL DEFAULT '',
  avatar     jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (tenant_id, handle),
  UNIQUE (tenant_id, id)
);

CREATE TABLE series (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               uuid PRIMARY KEY,
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'unpublished')),
  default_language text NOT NULL,
  localizations    jsonb NOT NULL,
  genres           text[] NOT NULL DEFAULT '{}',
  tags             text[] NOT NULL DEFAULT '{}',
  rating           jsonb,
  artwork          jsonb NOT NULL DEFAULT '[]',
  published_at     timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  UNIQUE (tenant_id, id)
);
CREATE INDEX ON series (tenant_id, created_at DESC, id DESC);

CREATE TABLE seasons (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  series_id  uuid NOT NULL,
  number     int NOT NULL CHECK (number >= 0),
  name       text NOT NULL DEFAULT '',
  synopsis   text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (series_id, number),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, series_id) REFERENCES series (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON seasons (tenant_id, series_id);

-- A title's full-text document: its titles in every language weigh more than
-- the rest. The 'simple' configuration (no stemming) suits every language
-- equally; trigrams catch the typos and word forms it misses.
CREATE FUNCTION title_document(search_title text, search_body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('simple'::regconfig, search_title), 'A') || setweight(to_tsvector('simple'::regconfig, search_body), 'B')
$$;

CREATE TABLE titles (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               uuid PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('movie', 'episode', 'short', 'trailer', 'extra')),
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'unpublished')),
  default_language text NOT NULL,
  localizations    jsonb NOT NULL,
  genres           text[] NOT NULL DEFAULT '{}',
  tags             text[] NOT NULL DEFAULT '{}',
  rating           jsonb,
  available_from   timestamptz,
  available_until  timestamptz,
  -- An allow-list of ISO 3166-1 alpha-2 codes; empty means everywhere.
  countries        text[] NOT NULL DEFAULT '{}',
  duration_seconds int CHECK (duration_seconds >= 0),
  release_year     int CHECK (release_year BETWEEN 1800 AND 3000),
  vertical         boolean NOT NULL DEFAULT false,
  asset_id         uuid,
  artwork          jsonb NOT NULL DEFAULT '[]',
  -- Episodes belong to a season (and so a series); trailers and extras may
  -- belong to a series.
  series_id        uuid,
  season_id        uuid,
  season_number    int,
  episode_number   int CHECK (episode_number >= 0),
  creator_id       uuid,
  published_at     timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  sort_title       text NOT NULL,
  search_title     text NOT NULL,
  search_body      text NOT NULL,
  CHECK ((kind = 'episode') = (season_id IS NOT NULL)),
  CHECK (season_id IS NULL OR series_id IS NOT NULL),
  CHECK (available_until IS NULL OR available_from IS NULL OR available_until > available_from),
  UNIQUE (season_id, episode_number),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, series_id) REFERENCES series (tenant_id, id),
  FOREIGN KEY (tenant_id, season_id) REFERENCES seasons (tenant_id, id),
  FOREIGN KEY (tenant_id, creator_id) REFERENCES creators (tenant_id, id) ON DELETE SET NULL (creator_id)
);
CREATE INDEX ON titles (tenant_id, created_at DESC, id DESC);
CREATE INDEX titles_shorts ON titles (tenant_id, published_at DESC, id DESC) WHERE kind = 'short' AND vertical AND status = 'published';
CREATE INDEX ON titles (tenant_id, season_id);
CREATE INDEX ON titles (tenant_id, series_id);
CREATE INDEX titles_document ON titles USING gin (title_document(search_title, search_body));
CREATE INDEX ON titles USING gin (search_title gin_trgm_ops);
CREATE INDEX ON titles USING gin (genres);
CREATE INDEX ON titles USING gin (tags);

-- A collection is hand-picked (collection_items, in order) or rule-based (the
-- rule_* columns select published titles, sorted by rule_sort).
CREATE TABLE collections (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id             uuid PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('manual', 'rule')),
  name           text NOT NULL,
  description    text NOT NULL DEFAULT '',
  creator_id     uuid,
  rule_kinds     text[] NOT NULL DEFAULT '{}',
  rule_genres    text[] NOT NULL DEFAULT '{}',
  rule_tags      text[] NOT NULL DEFAULT '{}',
  rule_year_from int,
  rule_year_to   int,
  rule_sort      text NOT NULL DEFAULT 'newest' CHECK (rule_sort IN ('newest', 'title')),
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, creator_id) REFERENCES creators (tenant_id, id) ON DELETE SET NULL (creator_id)
);
CREATE INDEX ON collections (tenant_id, created_at DESC, id DESC);
CREATE INDEX ON collections (tenant_id, creator_id);

CREATE TABLE collection_items (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  collection_id uuid NOT NULL,
  title_id      uuid NOT NULL,
  position      int NOT NULL,
  PRIMARY KEY (collection_id, title_id),
  FOREIGN KEY (tenant_id, collection_id) REFERENCES collections (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, title_id) REFERENCES titles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON collection_items (collection_id, position);
CREATE INDEX ON collection_items (title_id);

-- The home page: rails in order, each showing a collection.
CREATE TABLE rails (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id            uuid PRIMARY KEY,
  collection_id uuid NOT NULL,
  heading       text NOT NULL DEFAULT '',
  position      int NOT NULL,
  created_at    timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, collection_id) REFERENCES collections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON rails (tenant_id, position);

-- Whether a title is available to a viewer in country (ISO code, '' when
-- unknown) at a moment: published, inside its window, and in its allow-list
-- when it has one (an unknown country matches only titles without one).
CREATE FUNCTION title_available(status text, available_from timestamptz, available_until timestamptz,
                                countries text[], at timestamptz, country text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT status = 'published'
     AND (available_from IS NULL OR available_from <= at)
     AND (available_until IS NULL OR available_until > at)
     AND (cardinality(countries) = 0 OR country = ANY (countries))
$$;

ALTER TABLE creators ENABLE ROW LEVEL SECURITY;
ALTER TABLE creators FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON creators
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE series ENABLE ROW LEVEL SECURITY;
ALTER TABLE series FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON series
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE seasons ENABLE ROW LEVEL SECURITY;
ALTER TABLE seasons FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON seasons
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE titles ENABLE ROW LEVEL SECURITY;
ALTER TABLE titles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON titles
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE collections ENABLE ROW LEVEL SECURITY;
ALTER TABLE collections FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON collections
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE collection_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE collection_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON collection_items
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE rails ENABLE ROW LEVEL SECURITY;
ALTER TABLE rails FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON rails
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON creators, series, seasons, titles, collections, collection_items, rails TO marquee_app;

-- +goose Down
SELECT 'forward-only';
