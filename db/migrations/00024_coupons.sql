-- Subscription coupons: a discount on a plan's price (percent or an amount
-- in one currency; once, for some months, or for ever), made as a Stripe
-- coupon on the workspace's connected account and offered to viewers under
-- a code of the workspace's choosing. Checkout applies the coupon itself
-- (our code is checked here first: active, not past redeem_by, under
-- max_redemptions, the price's currency); each completed Checkout that used
-- it is one row in coupon_redemptions, so a redelivered event counts once.

-- +goose Up
CREATE TABLE coupons (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               uuid PRIMARY KEY,
  code             text NOT NULL CHECK (code ~ '^[A-Z0-9-]{3,32}$'),
  name             text NOT NULL,
  percent_off_bp   int CHECK (percent_off_bp BETWEEN 1 AND 10000), -- basis points: 2550 is 25.5%
  amount_off       bigint CHECK (amount_off > 0),
  currency         text CHECK (currency ~ '^[a-z]{3}$'),
  duration         text NOT NULL CHECK (duration IN ('once', 'repeating', 'forever')),
  duration_months  int CHECK (duration_months BETWEEN 1 AND 36),
  max_redemptions  int CHECK (max_redemptions > 0),
  redeemed         int NOT NULL DEFAULT 0,
  redeem_by        timestamptz,
  stripe_coupon_id text NOT NULL,
  active           boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL,
  UNIQUE (tenant_id, code),
  CHECK ((percent_off_bp IS NULL) <> (amount_off IS NULL)),
  CHECK ((amount_off IS NULL) = (currency IS NULL)),
  CHECK ((duration = 'repeating') = (duration_months IS NOT NULL))
);

CREATE TABLE coupon_redemptions (
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  coupon_id           uuid NOT NULL REFERENCES coupons(id) ON DELETE CASCADE,
  checkout_session_id text NOT NULL,
  viewer_id           uuid NOT NULL,
  redeemed_at         timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, checkout_session_id)
);

ALTER TABLE coupons ENABLE ROW LEVEL SECURITY;
ALTER TABLE coupons FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON coupons
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE coupon_redemptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE coupon_redemptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON coupon_redemptions
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON coupons, coupon_redemptions TO marquee_app;

-- +goose Down
SELECT 'forward-only';
