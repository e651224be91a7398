-- SVOD revenue as Stripe collected it (package billing).
--
-- subscription_invoices: one row per paid invoice of a subscription on the
-- workspace's connected account, written by the invoice.paid webhook in the
-- transaction that records the event; (tenant_id, invoice_id) is unique, so
-- a redelivered or replayed event records nothing twice. viewer_id and
-- plan_id are NULL when the invoice's customer or price is not one of ours
-- (a subscription made in the Stripe dashboard): the money was still
-- collected on the workspace's account, so it still counts as revenue.
--
-- subscription_invoice_refunds: what Stripe says was refunded of an
-- invoice's charge (charge.refunded's amount_refunded, cumulative), one row
-- per charge, kept at the largest amount seen, so refunds arriving before
-- the invoice.paid or out of order settle on the same figure. Kept apart
-- from the invoice so a refund seen first needs no half-made invoice row.

--
-- coupons.stripe_promotion_code_id: the Stripe promotion code made for a
-- coupon's code (with its max_redemptions and expires_at), which Checkout
-- is given so Stripe enforces the limits too; '' for coupons made before.

-- +goose Up
ALTER TABLE coupons ADD COLUMN stripe_promotion_code_id text NOT NULL DEFAULT '';

CREATE TABLE subscription_invoices (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  invoice_id      text NOT NULL CHECK (invoice_id LIKE 'in\_%'),
  viewer_id       uuid,
  subscription_id text NOT NULL,
  plan_id         uuid,
  currency        text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  amount_paid     bigint NOT NULL CHECK (amount_paid >= 0), -- minor units, tax included
  tax             bigint NOT NULL DEFAULT 0 CHECK (tax >= 0 AND tax <= amount_paid),
  paid_at         timestamptz NOT NULL,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, invoice_id)
);
CREATE INDEX ON subscription_invoices (tenant_id, paid_at);
CREATE INDEX ON subscription_invoices (tenant_id, viewer_id);

CREATE TABLE subscription_invoice_refunds (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  charge_id       text NOT NULL,
  invoice_id      text NOT NULL,
  amount_refunded bigint NOT NULL CHECK (amount_refunded >= 0),
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, charge_id)
);
CREATE INDEX ON subscription_invoice_refunds (tenant_id, invoice_id);

ALTER TABLE subscription_invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscription_invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscription_invoices
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE subscription_invoice_refunds ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscription_invoice_refunds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscription_invoice_refunds
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON subscription_invoices, subscription_invoice_refunds TO marquee_app;

-- +goose Down
SELECT 'forward-only';
