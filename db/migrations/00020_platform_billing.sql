-- Platform billing (package platformbilling): Marquee's own plans for
-- tenants, each tenant's subscription to one on the PLATFORM's Stripe account
-- (not Connect), the usage it meters and the state of reporting that usage
-- to Stripe Billing meters.
--
-- platform_plans, platform_plan_metrics, platform_meters: platform tables (no
-- tenant): the operator's catalogue of plans, which every workspace may read.
-- The application role may read and write them (operators define plans
-- through the @operator GraphQL fields); they hold no tenant's data.
--
-- platform_subscriptions: one row per tenant, under RLS like every tenant
-- table. A webhook of the platform's own account names only a Stripe customer:
-- tenant_id_by_platform_customer (SECURITY DEFINER, one column out) finds its
-- tenant, never by lifting RLS.
--
-- usage_records: what a tenant used, one row per idempotency key (the same key
-- twice counts once), in micro-units of the metric (quantity_micros / 1e6 is
-- minutes, hours, GB-months or builds). report_state: pending (to report),
-- reported (Stripe accepted the meter event whose identifier is the row's
-- tenant and key, so a resend is deduplicated by Stripe), unbilled (the tenant
-- had no platform subscription: nothing to report to), failed (gave up after
-- many attempts; kept for support). A reporter claims rows (claimed_until) so
-- two reporters never send the same row at once.

-- +goose Up
CREATE TABLE platform_meters (
  metric          text PRIMARY KEY CHECK (metric IN ('encoded_minutes', 'streamed_hours', 'stored_gb', 'app_builds')),
  event_name      text NOT NULL UNIQUE,
  stripe_meter_id text NOT NULL,
  created_at      timestamptz NOT NULL
);

CREATE TABLE platform_plans (
  id                   uuid PRIMARY KEY,
  name                 text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 60),
  currency             text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  monthly_amount       bigint NOT NULL CHECK (monthly_amount >= 0), -- minor units
  stripe_product_id    text NOT NULL,
  stripe_base_price_id text NOT NULL,
  active               boolean NOT NULL DEFAULT true,
  position             int NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL
);

CREATE TABLE platform_plan_metrics (
  plan_id         uuid NOT NULL REFERENCES platform_plans(id) ON DELETE CASCADE,
  metric          text NOT NULL REFERENCES platform_meters(metric),
  included_micros bigint NOT NULL CHECK (included_micros >= 0),
  -- Price of one unit beyond the included, in millionths of a minor unit.
  overage_micros  bigint NOT NULL CHECK (overage_micros >= 0),
  stripe_price_id text NOT NULL,
  PRIMARY KEY (plan_id, metric)
);

CREATE TABLE platform_subscriptions (
  tenant_id              uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  plan_id                uuid NOT NULL REFERENCES platform_plans(id),
  stripe_customer_id     text NOT NULL UNIQUE CHECK (stripe_customer_id LIKE 'cus\_%'),
  stripe_subscription_id text NOT NULL UNIQUE CHECK (stripe_subscription_id LIKE 'sub\_%'),
  status                 text NOT NULL,
  period_start           timestamptz NOT NULL,
  period_end             timestamptz NOT NULL,
  -- When Stripe created the event the status came from: an older event
  -- arriving late never overwrites a newer status.
  status_event_at        timestamptz,
  last_invoice_id        text NOT NULL DEFAULT '',
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL
);

CREATE TABLE usage_records (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid PRIMARY KEY,
  metric          text NOT NULL REFERENCES platform_meters(metric),
  quantity_micros bigint NOT NULL CHECK (quantity_micros >= 0),
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL,
  report_state    text NOT NULL DEFAULT 'pending' CHECK (report_state IN ('pending', 'reported', 'unbilled', 'failed')),
  report_attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  claimed_until   timestamptz,
  reported_at     timestamptz,
  last_error      text NOT NULL DEFAULT '',
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX ON usage_records (tenant_id, metric, occurred_at);
CREATE INDEX usage_records_pending ON usage_records (next_attempt_at) WHERE report_state = 'pending';

-- The metrics exist before any meter is made on Stripe; a row here without a
-- Stripe meter id ('') is not yet reportable.
INSERT INTO platform_meters (metric, event_name, stripe_meter_id, created_at) VALUES
  ('encoded_minutes', 'marquee_encoded_minutes', '', now()),
  ('streamed_hours', 'marquee_streamed_hours', '', now()),
  ('stored_gb', 'marquee_stored_gb', '', now()),
  ('app_builds', 'marquee_app_builds', '', now());

ALTER TABLE platform_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON platform_subscriptions
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE usage_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_records
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON platform_subscriptions, usage_records TO marquee_app;
GRANT SELECT, INSERT, UPDATE ON platform_plans, platform_plan_metrics, platform_meters TO marquee_app;

-- The tenant of a platform Stripe customer, or NULL.
CREATE FUNCTION tenant_id_by_platform_customer(p_customer text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT tenant_id FROM platform_subscriptions WHERE stripe_customer_id = p_customer $$;

-- Tenants with usage due for reporting at p_now, at most p_limit of them.
CREATE FUNCTION platform_usage_due_tenants(p_now timestamptz, p_limit int) RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT DISTINCT u.tenant_id FROM usage_records u
   WHERE u.report_state = 'pending' AND u.next_attempt_at <= p_now AND (u.claimed_until IS NULL OR u.claimed_until < p_now)
   LIMIT p_limit $$;

-- Tenants with a platform subscription, for the daily storage snapshot (a
-- tenant without one is not billed for storage): ids only. Like the other
-- look-ups here it answers about pending billing work, never lists every
-- tenant (that stays behind an operator session, 00003).
CREATE FUNCTION platform_subscribed_tenants() RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT s.tenant_id FROM platform_subscriptions s ORDER BY s.tenant_id $$;

-- Tenants with viewer playback sessions started since p_since that ended (or
-- expired) by p_now and are not metered yet: ids only.
CREATE FUNCTION platform_unmetered_playback_tenants(p_since timestamptz, p_now timestamptz) RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT DISTINCT p.tenant_id FROM playback_sessions p
   WHERE p.preview_by IS NULL AND p.started_at >= p_since AND (p.ended_at IS NOT NULL OR p.expires_at < p_now)
     AND NOT EXISTS (SELECT 1 FROM usage_records u WHERE u.tenant_id = p.tenant_id
                     AND u.idempotency_key = 'streamed_hours:session:' || p.id::text) $$;
CREATE INDEX playback_sessions_metering ON playback_sessions (started_at) WHERE preview_by IS NULL;

REVOKE ALL ON FUNCTION tenant_id_by_platform_customer(text), platform_usage_due_tenants(timestamptz, int),
  platform_subscribed_tenants(), platform_unmetered_playback_tenants(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_id_by_platform_customer(text), platform_usage_due_tenants(timestamptz, int),
  platform_subscribed_tenants(), platform_unmetered_playback_tenants(timestamptz, timestamptz) TO marquee_app;

-- +goose Down
SELECT 'forward-only';
