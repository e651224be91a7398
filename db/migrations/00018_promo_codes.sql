-- Promo and gift codes: a code gives a title free, as a rental (its viewing
-- window starting at first play) or to keep, to each viewer who redeems it,
-- up to max_redemptions viewers and until expires_at. A redemption is one
-- entitlement (source 'promo') and one row here, so a viewer redeems a code
-- once and the count cannot pass its limit.

-- +goose Up
CREATE TABLE promo_codes (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid PRIMARY KEY,
  code            text NOT NULL CHECK (code ~ '^[A-Z0-9-]{4,32}$'),
  title_id        uuid NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('rent', 'buy')),
  rental_hours    int CHECK (rental_hours BETWEEN 1 AND 8760),
  max_redemptions int NOT NULL CHECK (max_redemptions > 0),
  redeemed        int NOT NULL DEFAULT 0,
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL,
  UNIQUE (tenant_id, code),
  CHECK ((kind = 'rent') = (rental_hours IS NOT NULL)),
  CHECK (redeemed BETWEEN 0 AND max_redemptions)
);

CREATE TABLE promo_redemptions (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  code_id        uuid NOT NULL REFERENCES promo_codes(id) ON DELETE CASCADE,
  viewer_id      uuid NOT NULL,
  entitlement_id uuid NOT NULL,
  redeemed_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, code_id, viewer_id)
);

ALTER TABLE promo_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE promo_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON promo_codes
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE promo_redemptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE promo_redemptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON promo_redemptions
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON promo_codes, promo_redemptions TO marquee_app;

-- +goose Down
SELECT 'forward-only';
