-- Catalog queries. Every statement names its tenant even though row-level
-- security would filter without it (CONVENTIONS 9). "everything" lets staff see
-- drafts and titles outside their window; storefront reads pass false with the
-- viewer's moment and country (title_available, in the migration).

-- Titles

-- name: InsertTitle :exec
INSERT INTO titles (tenant_id, id, kind, status, default_language, localizations, genres, tags, rating,
  available_from, available_until, countries, duration_seconds, release_year, vertical, asset_id, artwork,
  series_id, season_id, season_number, episode_number, creator_id, published_at, created_at, updated_at,
  sort_title, search_title, search_body)
VALUES (@tenant_id, @id, @kind, @status, @default_language, @localizations, @genres, @tags, @rating,
  @available_from, @available_until, @countries, @duration_seconds, @release_year, @vertical, @asset_id, @artwork,
  @series_id, @season_id, @season_number, @episode_number, @creator_id, @published_at, @created_at, @updated_at,
  @sort_title, @search_title, @search_body);

-- name: UpdateTitle :exec
UPDATE titles SET status = @status, default_language = @default_language, localizations = @localizations,
  genres = @genres, tags = @tags, rating = @rating, available_from = @available_from,
  available_until = @available_until, countries = @countries, duration_seconds = @duration_seconds,
  release_year = @release_year, vertical = @vertical, asset_id = @asset_id, artwork = @artwork,
  series_id = @series_id, season_id = @season_id, season_number = @season_number,
  episode_number = @episode_number, creator_id = @creator_id, published_at = @published_at,
  updated_at = @updated_at, sort_title = @sort_title, search_title = @search_title, search_body = @search_body
WHERE tenant_id = @tenant_id AND id = @id;

-- name: GetTitle :one
SELECT * FROM titles WHERE tenant_id = @tenant_id AND id = @id;

-- name: LockTitle :one
SELECT * FROM titles WHERE tenant_id = @tenant_id AND id = @id FOR UPDATE;

-- name: DeleteTitle :execrows
DELETE FROM titles WHERE tenant_id = @tenant_id AND id = @id;

-- name: TitlesByIDs :many
SELECT * FROM titles WHERE tenant_id = @tenant_id AND id = ANY (@ids::uuid[]);

-- ListTitles is the staff list, the staff search and the storefront search: a
-- query matches the full-text document or is close to a word of a title by
-- trigrams (strict word similarity, pg_trgm's <<% at its default 0.5: it
-- forgives a typo in "strnger things"), and ranks by both.
-- name: ListTitles :many
SELECT sqlc.embed(t), count(*) OVER ()::int AS total
FROM titles t
WHERE t.tenant_id = @tenant_id
  AND (sqlc.narg(kind)::text IS NULL OR t.kind = sqlc.narg(kind))
  AND (sqlc.narg(status)::text IS NULL OR t.status = sqlc.narg(status))
  AND (sqlc.narg(series_id)::uuid IS NULL OR t.series_id = sqlc.narg(series_id))
  AND (sqlc.narg(season_id)::uuid IS NULL OR t.season_id = sqlc.narg(season_id))
  AND (sqlc.narg(creator_id)::uuid IS NULL OR t.creator_id = sqlc.narg(creator_id))
  AND (sqlc.narg(genre)::text IS NULL OR sqlc.narg(genre) = ANY (t.genres))
  AND (sqlc.narg(tag)::text IS NULL OR sqlc.narg(tag) = ANY (t.tags))
  AND (sqlc.narg(vertical)::boolean IS NULL OR t.vertical = sqlc.narg(vertical))
  AND (sqlc.narg(query)::text IS NULL
       OR title_document(t.search_title, t.search_body) @@ websearch_to_tsquery('simple', sqlc.narg(query))
       OR sqlc.narg(query) <<% t.search_title)
  AND (@everything::boolean OR title_available(t.status, t.available_from, t.available_until, t.countries, @at, @country))
ORDER BY CASE WHEN sqlc.narg(query)::text IS NULL THEN 0
              ELSE ts_rank(title_document(t.search_title, t.search_body), websearch_to_tsquery('simple', sqlc.narg(query))) + strict_word_similarity(sqlc.narg(query), t.search_title)
         END DESC,
         t.created_at DESC, t.id DESC
LIMIT @take OFFSET @skip;

-- Published vertical shorts, newest first, after a (published_at, id) cursor.
-- name: ShortsFeed :many
SELECT * FROM titles t
WHERE t.tenant_id = @tenant_id AND t.kind = 'short' AND t.vertical AND t.status = 'published'
  AND title_available(t.status, t.available_from, t.available_until, t.countries, @at, @country)
  AND (sqlc.narg(before_at)::timestamptz IS NULL OR (t.published_at, t.id) < (sqlc.narg(before_at), sqlc.narg(before_id)::uuid))
ORDER BY t.published_at DESC, t.id DESC
LIMIT @take;

-- name: EpisodesOfSeasons :many
SELECT * FROM titles t
WHERE t.tenant_id = @tenant_id AND t.season_id = ANY (@season_ids::uuid[])
  AND (@everything::boolean OR title_available(t.status, t.available_from, t.available_until, t.countries, @at, @country))
ORDER BY t.season_id, t.episode_number, t.id;

-- name: RenumberSeasonEpisodes :exec
UPDATE titles SET season_number = @season_number WHERE tenant_id = @tenant_id AND season_id = @season_id;

-- Series and seasons

-- name: InsertSeries :exec
INSERT INTO series (tenant_id, id, status, default_language, localizations, genres, tags, rating, artwork,
  published_at, created_at, updated_at)
VALUES (@tenant_id, @id, @status, @default_language, @localizations, @genres, @tags, @rating, @artwork,
  @published_at, @created_at, @updated_at);

-- name: UpdateSeries :exec
UPDATE series SET status = @status, default_language = @default_language, localizations = @localizations,
  genres = @genres, tags = @tags, rating = @rating, artwork = @artwork, published_at = @published_at,
  updated_at = @updated_at
WHERE tenant_id = @tenant_id AND id = @id;

-- name: GetSeries :one
SELECT * FROM series WHERE tenant_id = @tenant_id AND id = @id;

-- name: LockSeries :one
SELECT * FROM series WHERE tenant_id = @tenant_id AND id = @id FOR UPDATE;

-- name: DeleteSeries :execrows
DELETE FROM series WHERE tenant_id = @tenant_id AND id = @id;

-- name: SeriesByIDs :many
SELECT * FROM series WHERE tenant_id = @tenant_id AND id = ANY (@ids::uuid[]);

-- name: ListSeries :many
SELECT sqlc.embed(s), count(*) OVER ()::int AS total
FROM series s
WHERE s.tenant_id = @tenant_id AND (sqlc.narg(status)::text IS NULL OR s.status = sqlc.narg(status))
ORDER BY s.created_at DESC, s.id DESC
LIMIT @take OFFSET @skip;

-- name: InsertSeason :exec
INSERT INTO seasons (tenant_id, id, series_id, number, name, synopsis, created_at, updated_at)
VALUES (@tenant_id, @id, @series_id, @number, @name, @synopsis, @created_at, @updated_at);

-- name: UpdateSeason :exec
UPDATE seasons SET number = @number, name = @name, synopsis = @synopsis, updated_at = @updated_at
WHERE tenant_id = @tenant_id AND id = @id;

-- name: GetSeason :one
SELECT * FROM seasons WHERE tenant_id = @tenant_id AND id = @id;

-- name: LockSeason :one
SELECT * FROM seasons WHERE tenant_id = @tenant_id AND id = @id FOR UPDATE;

-- name: DeleteSeason :execrows
DELETE FROM seasons WHERE tenant_id = @tenant_id AND id = @id;

-- name: SeasonsByIDs :many
SELECT * FROM seasons WHERE tenant_id = @tenant_id AND id = ANY (@ids::uuid[]);

-- name: SeasonsOfSeries :many
SELECT * FROM seasons WHERE tenant_id = @tenant_id AND series_id = ANY (@series_ids::uuid[])
ORDER BY series_id, number;

-- Creators

-- name: InsertCreator :exec
INSERT INTO creators (tenant_id, id, handle, name, bio, avatar, created_at, updated_at)
VALUES (@tenant_id, @id, @handle, @name, @bio, @avatar, @created_at, @updated_at);

-- name: UpdateCreator :exec
UPDATE creators SET handle = @handle, name = @name, bio = @bio, avatar = @avatar, updated_at = @updated_at
WHERE tenant_id = @tenant_id AND id = @id;

-- name: GetCreator :one
SELECT * FROM creators WHERE tenant_id = @tenant_id AND id = @id;

-- name: LockCreator :one
SELECT * FROM creators WHERE tenant_id = @tenant_id AND id = @id FOR UPDATE;

-- name: GetCreatorByHandle :one
SELECT * FROM creators WHERE tenant_id = @tenant_id AND handle = @handle;

-- name: DeleteCreator :execrows
DELETE FROM creators WHERE tenant_id = @tenant_id AND id = @id;

-- name: CreatorsByIDs :many
SELECT * FROM creators WHERE tenant_id = @tenant_id AND id = ANY (@ids::uuid[]);

-- name: ListCreators :many
SELECT sqlc.embed(c), count(*) OVER ()::int AS total
FROM creators c WHERE c.tenant_id = @tenant_id
ORDER BY c.name, c.id
LIMIT @take OFFSET @skip;

-- Collections

-- name: InsertCollection :exec
INSERT INTO collections (tenant_id, id, kind, name, description, creator_id, rule_kinds, rule_genres, rule_tags,
  rule_year_from, rule_year_to, rule_sort, created_at, updated_at)
VALUES (@tenant_id, @id, @kind, @name, @description, @creator_id, @rule_kinds, @rule_genres, @rule_tags,
  @rule_year_from, @rule_year_to, @rule_sort, @created_at, @updated_at);

-- name: UpdateCollection :exec
UPDATE collections SET name = @name, description = @description, creator_id = @creator_id,
  rule_kinds = @rule_kinds, rule_genres = @rule_genres, rule_tags = @rule_tags,
  rule_year_from = @rule_year_from, rule_year_to = @rule_year_to, rule_sort = @rule_sort,
  updated_at = @updated_at
WHERE tenant_id = @tenant_id AND id = @id;

-- name: GetCollection :one
SELECT * FROM collections WHERE tenant_id = @tenant_id AND id = @id;

-- name: LockCollection :one
SELECT * FROM collections WHERE tenant_id = @tenant_id AND id = @id FOR UPDATE;

-- name: DeleteCollection :execrows
DELETE FROM collections WHERE tenant_id = @tenant_id AND id = @id;

-- name: CollectionsByIDs :many
SELECT * FROM collections WHERE tenant_id = @tenant_id AND id = ANY (@ids::uuid[]);

-- name: CollectionsOfCreators :many
SELECT * FROM collections WHERE tenant_id = @tenant_id AND creator_id = ANY (@creator_ids::uuid[])
ORDER BY creator_id, created_at, id;

-- name: ListCollections :many
SELECT sqlc.embed(c), count(*) OVER ()::int AS total
FROM collections c
WHERE c.tenant_id = @tenant_id AND (sqlc.narg(creator_id)::uuid IS NULL OR c.creator_id = sqlc.narg(creator_id))
ORDER BY c.created_at DESC, c.id DESC
LIMIT @take OFFSET @skip;

-- name: ClearCollectionItems :exec
DELETE FROM collection_items WHERE tenant_id = @tenant_id AND collection_id = @collection_id;

-- name: InsertCollectionItems :exec
INSERT INTO collection_items (tenant_id, collection_id, title_id, position)
SELECT @tenant_id, @collection_id, x.title_id, x.position::int
FROM unnest(@title_ids::uuid[]) WITH ORDINALITY AS x (title_id, position);

-- CollectionItems pages the items of many collections at once (a home page's
-- rails in one statement): a hand-picked collection's titles in their order, a
-- rule-based one's matching titles in its sort. Each collection's items are
-- numbered from 1 after filtering; each takes its first lim, and the page is
-- those numbered above skip, so paging counts only what the viewer
-- can see.
-- name: CollectionItems :many
SELECT sqlc.embed(t), i.collection_id, i.ordinal::int AS ordinal
FROM (
  SELECT c.id AS collection_id, picked.title_id, picked.ordinal
  FROM collections c
  CROSS JOIN LATERAL (
    (SELECT ci.title_id, row_number() OVER (ORDER BY ci.position) AS ordinal
     FROM collection_items ci JOIN titles m ON m.id = ci.title_id
     WHERE c.kind = 'manual' AND ci.collection_id = c.id AND ci.tenant_id = c.tenant_id
       AND (@everything::boolean OR title_available(m.status, m.available_from, m.available_until, m.countries, @at, @country))
     ORDER BY ci.position
     LIMIT @lim::int)
    UNION ALL
    (SELECT r.id AS title_id, row_number() OVER (
       ORDER BY CASE WHEN c.rule_sort = 'title' THEN r.sort_title END, r.published_at DESC NULLS LAST, r.created_at DESC, r.id) AS ordinal
     FROM titles r
     WHERE c.kind = 'rule' AND r.tenant_id = c.tenant_id
       AND (cardinality(c.rule_kinds) = 0 OR r.kind = ANY (c.rule_kinds))
       AND (cardinality(c.rule_genres) = 0 OR r.genres && c.rule_genres)
       AND (cardinality(c.rule_tags) = 0 OR r.tags && c.rule_tags)
       AND (c.rule_year_from IS NULL OR r.release_year >= c.rule_year_from)
       AND (c.rule_year_to IS NULL OR r.release_year <= c.rule_year_to)
       AND (@everything::boolean OR title_available(r.status, r.available_from, r.available_until, r.countries, @at, @country))
     ORDER BY ordinal
     LIMIT @lim::int)
  ) picked
  WHERE c.tenant_id = @tenant_id AND c.id = ANY (@collection_ids::uuid[])
) i
JOIN titles t ON t.id = i.title_id AND t.tenant_id = @tenant_id
WHERE i.ordinal > @skip::int
ORDER BY i.collection_id, i.ordinal;

-- Rails

-- name: PageRails :many
SELECT sqlc.embed(r), count(*) OVER ()::int AS total
FROM rails r WHERE r.tenant_id = @tenant_id ORDER BY r.position, r.id LIMIT @take OFFSET @skip;

-- name: GetRail :one
SELECT * FROM rails WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertRail :exec
INSERT INTO rails (tenant_id, id, collection_id, heading, position, created_at)
VALUES (@tenant_id, @id, @collection_id, @heading, @position, @created_at);

-- name: UpdateRail :exec
UPDATE rails SET collection_id = @collection_id, heading = @heading WHERE tenant_id = @tenant_id AND id = @id;

-- SetRailOrder numbers the tenant's rails in the order given, from 0.
-- name: SetRailOrder :exec
UPDATE rails r SET position = x.ordinal - 1
FROM unnest(@ids::uuid[]) WITH ORDINALITY AS x (id, ordinal)
WHERE r.tenant_id = @tenant_id AND r.id = x.id AND r.position <> x.ordinal - 1;

-- name: DeleteRail :execrows
DELETE FROM rails WHERE tenant_id = @tenant_id AND id = @id;

-- LockRails serialises reorderings of one tenant's home page.
-- name: LockRails :many
SELECT id FROM rails WHERE tenant_id = @tenant_id ORDER BY position, id FOR UPDATE;

-- HomeRails is a page of rails with their collections, in one statement.
-- name: HomeRails :many
SELECT sqlc.embed(r), sqlc.embed(c)
FROM rails r JOIN collections c ON c.id = r.collection_id AND c.tenant_id = r.tenant_id
WHERE r.tenant_id = @tenant_id
ORDER BY r.position, r.id
LIMIT @take OFFSET @skip;
