-- Live events (package live) and their pay-per-view prices (package
-- billing). An event is scheduled, goes live, ends, or is canceled; its
-- replay may be a catalog title. Streaming (WHIP/WHEP, HLS) comes with the
-- live-streaming issue; this is the event and its tickets only. A ticket is
-- an entitlement of kind 'ppv', scope 'event', naming the event.

-- +goose Up
CREATE TABLE live_events (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  status      text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'live', 'ended', 'canceled')),
  title_id    uuid,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  CHECK (ends_at > starts_at),
  FOREIGN KEY (tenant_id, title_id) REFERENCES titles (tenant_id, id) ON DELETE SET NULL (title_id)
);
CREATE INDEX ON live_events (tenant_id, starts_at);

-- An event's ticket price in one currency.
CREATE TABLE event_offers (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid PRIMARY KEY,
  event_id   uuid NOT NULL,
  currency   text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  amount     bigint NOT NULL CHECK (amount > 0), -- minor units
  active     boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (tenant_id, event_id, currency),
  FOREIGN KEY (tenant_id, event_id) REFERENCES live_events (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ON entitlements (tenant_id, event_id) WHERE event_id IS NOT NULL;

ALTER TABLE live_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE live_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON live_events USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE event_offers ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_offers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_offers USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON live_events, event_offers TO marquee_app;

-- +goose Down
SELECT 'forward-only';
