-- Bundles (package billing): a set of titles sold together for rent or buy.
-- A bundle's content is a catalog collection, hand-picked or rule-based, so
-- its titles are counted when an entitlement is checked: a title a rule
-- picks up later is in the bundle, one it drops is out. A purchase is one
-- entitlement of scope 'collections' naming the bundle's collection.
--
-- Collection membership changes (items set, rule changed, collection gone,
-- a title's kind, genres, tags or year changed) announce 'tenant:*' on
-- entitlement_changes, so cached decisions of collection-scoped plans and
-- bundles are dropped at once.

-- +goose Up
CREATE TABLE bundles (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id            uuid PRIMARY KEY,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description   text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  collection_id uuid NOT NULL,
  retired_at    timestamptz,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  -- A collection sold as a bundle cannot be deleted (retire the bundle, then
  -- point it elsewhere or keep the collection).
  FOREIGN KEY (tenant_id, collection_id) REFERENCES collections (tenant_id, id) ON DELETE RESTRICT
);
CREATE INDEX ON bundles (tenant_id, collection_id);

-- A bundle's rent or buy price in one currency, like title_offers.
CREATE TABLE bundle_offers (
  tenant_id            uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                   uuid PRIMARY KEY,
  bundle_id            uuid NOT NULL,
  kind                 text NOT NULL CHECK (kind IN ('rent', 'buy')),
  currency             text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  amount               bigint NOT NULL CHECK (amount > 0), -- minor units
  rental_hours         int CHECK (rental_hours BETWEEN 1 AND 8760),
  purchase_window_days int NOT NULL DEFAULT 30 CHECK (purchase_window_days BETWEEN 1 AND 3650),
  active               boolean NOT NULL DEFAULT true,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  UNIQUE (tenant_id, bundle_id, kind, currency),
  CHECK ((kind = 'rent') = (rental_hours IS NOT NULL)),
  FOREIGN KEY (tenant_id, bundle_id) REFERENCES bundles (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE bundles ENABLE ROW LEVEL SECURITY;
ALTER TABLE bundles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bundles USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE bundle_offers ENABLE ROW LEVEL SECURITY;
ALTER TABLE bundle_offers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bundle_offers USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON bundles, bundle_offers TO marquee_app;

-- Membership changes drop every cached decision of the tenant
-- (title_access_notify announces 'tenant:*').
CREATE TRIGGER collections_notify AFTER UPDATE OR DELETE ON collections
  FOR EACH ROW EXECUTE FUNCTION title_access_notify();
CREATE TRIGGER collection_items_notify AFTER INSERT OR UPDATE OR DELETE ON collection_items
  FOR EACH ROW EXECUTE FUNCTION title_access_notify();
CREATE TRIGGER titles_membership_notify AFTER UPDATE OF kind, genres, tags, release_year ON titles
  FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.genres IS DISTINCT FROM NEW.genres
    OR OLD.tags IS DISTINCT FROM NEW.tags OR OLD.release_year IS DISTINCT FROM NEW.release_year)
  EXECUTE FUNCTION title_access_notify();

-- +goose Down
SELECT 'forward-only';
