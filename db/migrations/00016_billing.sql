-- Money (package billing): the tenant's Stripe Connect account, the Stripe
-- events received, SVOD plans and their prices, viewers' Stripe customers,
-- how each title is sold, and the entitlement ledger.
--
-- stripe_accounts: one connected account per tenant; its status is what the
-- account.updated webhook last said (or a refetch). A webhook arrives with no
-- tenant: tenant_id_by_stripe_account (SECURITY DEFINER, one column out)
-- finds the tenant of a connected account id, never by lifting RLS.
--
-- stripe_events: a platform table (no tenant binding can read it; the app role
-- has no grant) recording every verified event once with its raw JSON for
-- audit. record_stripe_event inserts inside the transaction that applies the
-- event, so "recorded" and "applied" commit together: a redelivered event
-- finds its id and changes nothing.
--
-- entitlements: the ledger of everything a viewer may watch, from every
-- source. viewer_id has no foreign key yet (viewers arrive in another
-- branch). A change is announced on entitlement_changes as 'tenant:viewer'
-- so every API process drops its cached decisions for that viewer.

-- +goose Up
CREATE TABLE stripe_accounts (
  tenant_id         uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  account_id        text NOT NULL UNIQUE CHECK (account_id LIKE 'acct\_%'),
  charges_enabled   boolean NOT NULL DEFAULT false,
  details_submitted boolean NOT NULL DEFAULT false,
  payouts_enabled   boolean NOT NULL DEFAULT false,
  automatic_tax     boolean NOT NULL DEFAULT false,
  -- When Stripe created the account.updated event the status came from: an
  -- older event arriving late never overwrites a newer status.
  status_event_at   timestamptz,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);

CREATE TABLE stripe_events (
  id          text PRIMARY KEY,
  type        text NOT NULL,
  account_id  text NOT NULL DEFAULT '',
  -- The tenant it was routed to; NULL: a platform event, or an account no
  -- tenant has. Not named tenant_id: this is a platform table, not a
  -- tenant's (tenant exports and RLS helpers look for that name).
  routed_tenant uuid,
  outcome     text NOT NULL CHECK (outcome IN ('applied', 'ignored', 'unknown_account')),
  payload     jsonb NOT NULL,
  received_at timestamptz NOT NULL
);
CREATE INDEX ON stripe_events (routed_tenant, received_at);
ALTER TABLE stripe_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE stripe_events FORCE ROW LEVEL SECURITY;
-- No policy and no grant: only the functions below reach it.

CREATE TABLE billing_plans (
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                uuid PRIMARY KEY,
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  trial_days        int NOT NULL DEFAULT 0 CHECK (trial_days BETWEEN 0 AND 730),
  scope             text NOT NULL CHECK (scope IN ('library', 'collections')),
  collection_ids    uuid[] NOT NULL DEFAULT '{}',
  ads               boolean NOT NULL,
  stripe_product_id text NOT NULL,
  active            boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL,
  CHECK ((scope = 'library') = (cardinality(collection_ids) = 0))
);
CREATE INDEX ON billing_plans (tenant_id);

CREATE TABLE billing_plan_prices (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid PRIMARY KEY,
  plan_id         uuid NOT NULL REFERENCES billing_plans(id) ON DELETE CASCADE,
  billing_interval text NOT NULL CHECK (billing_interval IN ('month', 'year')),
  currency        text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  amount          bigint NOT NULL CHECK (amount > 0), -- minor units
  tax_inclusive   boolean NOT NULL DEFAULT false,
  stripe_price_id text NOT NULL,
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL,
  UNIQUE (tenant_id, plan_id, billing_interval, currency)
);
CREATE INDEX ON billing_plan_prices (tenant_id, stripe_price_id);

CREATE TABLE billing_customers (
  tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  viewer_id          uuid NOT NULL, -- viewers(id) once that table exists
  stripe_customer_id text NOT NULL,
  currency           text NOT NULL DEFAULT '', -- set by the first subscription: Stripe keeps a customer to one
  created_at         timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, viewer_id),
  UNIQUE (tenant_id, stripe_customer_id)
);

-- How a title is sold; a title without a row follows the workspace's
-- default (billing_settings, 00017).
CREATE TABLE title_access (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  title_id   uuid NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
  model      text NOT NULL CHECK (model IN ('free', 'avod', 'svod', 'tvod')),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, title_id)
);

-- TVOD: a title's rent and buy prices. A rental's viewing window
-- (rental_hours) starts at first play, inside a purchase window of
-- purchase_window_days from payment.
CREATE TABLE title_offers (
  tenant_id            uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                   uuid PRIMARY KEY,
  title_id             uuid NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
  kind                 text NOT NULL CHECK (kind IN ('rent', 'buy')),
  currency             text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  amount               bigint NOT NULL CHECK (amount > 0), -- minor units
  rental_hours         int CHECK (rental_hours BETWEEN 1 AND 8760),
  purchase_window_days int NOT NULL DEFAULT 30 CHECK (purchase_window_days BETWEEN 1 AND 3650),
  active               boolean NOT NULL DEFAULT true,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  UNIQUE (tenant_id, title_id, kind, currency),
  CHECK ((kind = 'rent') = (rental_hours IS NOT NULL))
);

CREATE TABLE entitlements (
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                uuid PRIMARY KEY,
  viewer_id         uuid NOT NULL, -- viewers(id) once that table exists
  source            text NOT NULL CHECK (source IN ('stripe', 'apple', 'google', 'roku', 'amazon', 'grant', 'promo')),
  external_id       text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 255),
  verification      jsonb NOT NULL DEFAULT '{}',
  kind              text NOT NULL CHECK (kind IN ('svod', 'tvod_rent', 'tvod_buy', 'ppv', 'grant')),
  scope             text NOT NULL CHECK (scope IN ('library', 'collections', 'title', 'event')),
  collection_ids    uuid[] NOT NULL DEFAULT '{}',
  title_id          uuid,
  event_id          uuid,
  ads               boolean NOT NULL DEFAULT false,
  plan_id           uuid,
  status            text NOT NULL DEFAULT '', -- the source's own word (Stripe: active, trialing, past_due, canceled…)
  starts_at         timestamptz NOT NULL,
  ends_at           timestamptz, -- NULL: open-ended
  rental_hours      int CHECK (rental_hours > 0),
  rental_started_at timestamptz,
  revoked_at        timestamptz,
  revoke_reason     text NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  UNIQUE (tenant_id, source, external_id),
  CHECK ((scope = 'collections') = (cardinality(collection_ids) > 0)),
  CHECK ((scope = 'title') = (title_id IS NOT NULL)),
  CHECK ((scope = 'event') = (event_id IS NOT NULL)),
  CHECK ((kind = 'tvod_rent') = (rental_hours IS NOT NULL)),
  CHECK (rental_started_at IS NULL OR kind = 'tvod_rent'),
  CHECK ((revoked_at IS NULL) = (revoke_reason = ''))
);
CREATE INDEX ON entitlements (tenant_id, viewer_id);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['stripe_accounts', 'billing_plans', 'billing_plan_prices', 'billing_customers',
                           'title_access', 'title_offers', 'entitlements'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO marquee_app', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- The tenant whose connected account this is, or NULL.
CREATE FUNCTION tenant_id_by_stripe_account(p_account text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT tenant_id FROM stripe_accounts WHERE account_id = p_account $$;

-- Records a verified event once; true when this call recorded it (apply the
-- change in the same transaction), false when it was already recorded. The
-- tenant must be the transaction's own tenant (or NULL under no tenant), so
-- a tenant binding cannot file an event under another tenant.
-- +goose StatementBegin
CREATE FUNCTION record_stripe_event(p_id text, p_type text, p_account text, p_tenant uuid, p_outcome text,
                                    p_payload jsonb, p_now timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE n int;
BEGIN
  IF p_tenant IS DISTINCT FROM current_tenant() THEN
    RAISE EXCEPTION 'record_stripe_event: tenant is not the bound tenant' USING ERRCODE = '42501';
  END IF;
  INSERT INTO stripe_events (id, type, account_id, routed_tenant, outcome, payload, received_at)
  VALUES (p_id, p_type, coalesce(p_account, ''), p_tenant, p_outcome, p_payload, p_now)
  ON CONFLICT (id) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n > 0;
END
$$;
-- +goose StatementEnd

-- The outcome of a recorded event, or NULL: for tests and support.
CREATE FUNCTION stripe_event_outcome(p_id text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT outcome FROM stripe_events WHERE id = p_id $$;

REVOKE ALL ON FUNCTION tenant_id_by_stripe_account(text), record_stripe_event(text, text, text, uuid, text, jsonb, timestamptz),
  stripe_event_outcome(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_id_by_stripe_account(text), record_stripe_event(text, text, text, uuid, text, jsonb, timestamptz),
  stripe_event_outcome(text) TO marquee_app;

-- +goose StatementBegin
CREATE FUNCTION entitlements_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('entitlement_changes', NEW.tenant_id::text || ':' || NEW.viewer_id::text);
  RETURN NULL;
END
$$;
CREATE FUNCTION title_access_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('entitlement_changes', coalesce(NEW.tenant_id, OLD.tenant_id)::text || ':*');
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER entitlements_notify AFTER INSERT OR UPDATE ON entitlements
  FOR EACH ROW EXECUTE FUNCTION entitlements_notify();
CREATE TRIGGER title_access_notify AFTER INSERT OR UPDATE OR DELETE ON title_access
  FOR EACH ROW EXECUTE FUNCTION title_access_notify();

-- +goose Down
SELECT 'forward-only';
