-- name: GetAccount :one
SELECT * FROM stripe_accounts WHERE tenant_id = $1;

-- name: InsertAccount :one
INSERT INTO stripe_accounts (tenant_id, account_id, charges_enabled, details_submitted, payouts_enabled, created_at, updated_at)
VALUES (@tenant_id, @account_id, @charges_enabled, @details_submitted, @payouts_enabled, @now::timestamptz, @now::timestamptz)
RETURNING *;

-- An event older than the one the status came from changes nothing.
-- name: UpdateAccountStatus :one
UPDATE stripe_accounts SET charges_enabled = @charges_enabled, details_submitted = @details_submitted,
  payouts_enabled = @payouts_enabled, status_event_at = @event_at::timestamptz, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND account_id = @account_id
  AND (status_event_at IS NULL OR status_event_at <= @event_at::timestamptz) RETURNING *;

-- name: SetAutomaticTax :one
UPDATE stripe_accounts SET automatic_tax = @automatic_tax, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id RETURNING *;

-- The nil UUID when no tenant has the account.
-- name: TenantIDByStripeAccount :one
SELECT coalesce(tenant_id_by_stripe_account(@account_id), '00000000-0000-0000-0000-000000000000')::uuid;

-- name: RecordEvent :one
SELECT record_stripe_event(@id, @type, @account_id, sqlc.narg(tenant_id)::uuid, @outcome, @payload::jsonb, @now::timestamptz)::boolean;

-- name: EventOutcome :one
SELECT coalesce(stripe_event_outcome(@id), '')::text;

-- name: InsertPlan :one
INSERT INTO billing_plans (tenant_id, id, name, trial_days, scope, collection_ids, ads, stripe_product_id, created_at)
VALUES (@tenant_id, @id, @name, @trial_days, @scope, @collection_ids::uuid[], @ads, @stripe_product_id, @now::timestamptz)
RETURNING *;

-- name: InsertPlanPrice :one
INSERT INTO billing_plan_prices (tenant_id, id, plan_id, billing_interval, currency, amount, tax_inclusive, stripe_price_id, created_at)
VALUES (@tenant_id, @id, @plan_id, @billing_interval, @currency, @amount, @tax_inclusive, @stripe_price_id, @now::timestamptz)
RETURNING *;

-- name: ListPlans :many
SELECT * FROM billing_plans WHERE tenant_id = $1 AND (active OR NOT @active_only::boolean) ORDER BY created_at, id;

-- name: ListPlanPrices :many
SELECT * FROM billing_plan_prices WHERE tenant_id = $1 AND (active OR NOT @active_only::boolean)
ORDER BY plan_id, billing_interval, currency;

-- name: GetPlan :one
SELECT * FROM billing_plans WHERE tenant_id = $1 AND id = $2;

-- name: GetPlanPrice :one
SELECT * FROM billing_plan_prices WHERE tenant_id = $1 AND id = $2;

-- name: GetPlanPriceByStripeID :one
SELECT * FROM billing_plan_prices WHERE tenant_id = $1 AND stripe_price_id = $2;

-- name: CollectionsExist :one
SELECT count(*) = cardinality(@ids::uuid[]) FROM collections WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: ViewerOfStripeCustomer :one
SELECT viewer_id FROM billing_customers WHERE tenant_id = $1 AND stripe_customer_id = $2;

-- name: GetCustomer :one
SELECT * FROM billing_customers WHERE tenant_id = $1 AND viewer_id = $2;

-- name: InsertCustomer :exec
INSERT INTO billing_customers (tenant_id, viewer_id, stripe_customer_id, created_at)
VALUES (@tenant_id, @viewer_id, @stripe_customer_id, @now::timestamptz)
ON CONFLICT (tenant_id, viewer_id) DO NOTHING;

-- name: SetCustomerCurrency :exec
UPDATE billing_customers SET currency = @currency WHERE tenant_id = @tenant_id AND stripe_customer_id = @stripe_customer_id AND currency = '';

-- name: UpsertTitleAccess :exec
INSERT INTO title_access (tenant_id, title_id, model, updated_at) VALUES (@tenant_id, @title_id, @model, @now::timestamptz)
ON CONFLICT (tenant_id, title_id) DO UPDATE SET model = EXCLUDED.model, updated_at = EXCLUDED.updated_at;

-- name: TitleExists :one
SELECT EXISTS (SELECT 1 FROM titles WHERE tenant_id = $1 AND id = $2);

-- What a check needs, in one statement: the title's access model, the
-- collections holding it (hand-picked ones by their items, rule-based ones
-- by evaluating their rule against the title now), and the viewer's live
-- entitlements.
-- name: CheckRows :many
SELECT e.id, e.kind, e.scope, e.collection_ids, e.title_id, e.ads, e.ends_at, e.rental_hours, e.rental_started_at,
  coalesce((SELECT a.model FROM title_access a WHERE a.tenant_id = @tenant_id AND a.title_id = @title_id),
    (SELECT b.default_model FROM billing_settings b WHERE b.tenant_id = @tenant_id), 'free')::text AS model,
  (SELECT coalesce(array_agg(m.id), '{}')::uuid[] FROM (
     SELECT ci.collection_id AS id FROM collection_items ci WHERE ci.tenant_id = @tenant_id AND ci.title_id = @title_id
     UNION ALL
     SELECT c.id FROM collections c JOIN titles r ON r.tenant_id = c.tenant_id AND r.id = @title_id
     WHERE c.tenant_id = @tenant_id AND c.kind = 'rule'
       AND (cardinality(c.rule_kinds) = 0 OR r.kind = ANY (c.rule_kinds))
       AND (cardinality(c.rule_genres) = 0 OR r.genres && c.rule_genres)
       AND (cardinality(c.rule_tags) = 0 OR r.tags && c.rule_tags)
       AND (c.rule_year_from IS NULL OR r.release_year >= c.rule_year_from)
       AND (c.rule_year_to IS NULL OR r.release_year <= c.rule_year_to)) m) AS title_collections
FROM (SELECT 1) one
LEFT JOIN entitlements e ON e.tenant_id = @tenant_id AND e.viewer_id = @viewer_id AND e.revoked_at IS NULL
  AND e.starts_at <= @now::timestamptz AND (e.ends_at IS NULL OR e.ends_at > @now::timestamptz)
  AND e.scope <> 'event';

-- name: UpsertEntitlement :one
INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, collection_ids,
  title_id, event_id, ads, plan_id, status, starts_at, ends_at, rental_hours, created_at, updated_at)
VALUES (@tenant_id, @id, @viewer_id, @source, @external_id, @verification::jsonb, @kind, @scope, @collection_ids::uuid[],
  sqlc.narg(title_id)::uuid, sqlc.narg(event_id)::uuid, @ads, sqlc.narg(plan_id)::uuid, @status, @starts_at::timestamptz,
  sqlc.narg(ends_at)::timestamptz, sqlc.narg(rental_hours)::int, @now::timestamptz, @now::timestamptz)
ON CONFLICT (tenant_id, source, external_id) DO UPDATE SET
  verification = EXCLUDED.verification, status = EXCLUDED.status, ends_at = EXCLUDED.ends_at, ads = EXCLUDED.ads,
  scope = EXCLUDED.scope, collection_ids = EXCLUDED.collection_ids, plan_id = EXCLUDED.plan_id,
  updated_at = EXCLUDED.updated_at
WHERE entitlements.viewer_id = EXCLUDED.viewer_id
RETURNING *;

-- name: GetEntitlementByExternal :one
SELECT * FROM entitlements WHERE tenant_id = $1 AND source = $2 AND external_id = $3;

-- name: ListViewerEntitlements :many
SELECT * FROM entitlements WHERE tenant_id = $1 AND viewer_id = $2 ORDER BY created_at DESC, id;

-- name: RevokeEntitlement :one
UPDATE entitlements SET revoked_at = @now::timestamptz, revoke_reason = @reason::text, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND revoked_at IS NULL RETURNING *;

-- name: StartRental :execrows
UPDATE entitlements SET rental_started_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND kind = 'tvod_rent' AND rental_started_at IS NULL;

-- name: UpsertTitleOffer :one
INSERT INTO title_offers (tenant_id, id, title_id, kind, currency, amount, rental_hours, purchase_window_days, created_at, updated_at)
VALUES (@tenant_id, @id, @title_id, @kind, @currency, @amount, sqlc.narg(rental_hours)::int, @purchase_window_days, @now::timestamptz, @now::timestamptz)
ON CONFLICT (tenant_id, title_id, kind, currency) DO UPDATE SET amount = EXCLUDED.amount, rental_hours = EXCLUDED.rental_hours,
  purchase_window_days = EXCLUDED.purchase_window_days, active = true, updated_at = EXCLUDED.updated_at
RETURNING *;

-- name: ListTitleOffers :many
SELECT * FROM title_offers WHERE tenant_id = $1 AND title_id = $2 AND active ORDER BY kind, currency;

-- name: GetTitleOffer :one
SELECT * FROM title_offers WHERE tenant_id = $1 AND id = $2 AND active;


-- name: EventEntitled :one
SELECT EXISTS (SELECT 1 FROM entitlements WHERE tenant_id = @tenant_id AND viewer_id = @viewer_id AND scope = 'event'
  AND event_id = @event_id AND revoked_at IS NULL AND starts_at <= @now::timestamptz AND (ends_at IS NULL OR ends_at > @now::timestamptz));

-- name: GetEntitlement :one
SELECT * FROM entitlements WHERE tenant_id = $1 AND id = $2;

-- name: SubscriberCounts :one
SELECT count(DISTINCT viewer_id) FILTER (WHERE status IN ('active', 'past_due'))::int AS paying,
       count(DISTINCT viewer_id) FILTER (WHERE status = 'trialing')::int AS trialing
FROM entitlements WHERE tenant_id = @tenant_id AND kind = 'svod' AND revoked_at IS NULL
  AND starts_at <= @now::timestamptz AND (ends_at IS NULL OR ends_at > @now::timestamptz);

-- Monthly recurring revenue per currency: an annual price counts a twelfth.
-- name: MonthlyRecurringRevenue :many
SELECT p.currency, sum(CASE WHEN p.billing_interval = 'year' THEN p.amount / 12 ELSE p.amount END)::bigint AS amount
FROM entitlements e JOIN billing_plan_prices p ON p.tenant_id = e.tenant_id AND p.stripe_price_id = e.verification->>'price'
WHERE e.tenant_id = @tenant_id AND e.kind = 'svod' AND e.status IN ('active', 'past_due') AND e.revoked_at IS NULL
  AND e.starts_at <= @now::timestamptz AND (e.ends_at IS NULL OR e.ends_at > @now::timestamptz)
GROUP BY p.currency ORDER BY p.currency;

-- name: ChurnedSubscribers :one
SELECT count(DISTINCT viewer_id)::int FROM entitlements WHERE tenant_id = @tenant_id AND kind = 'svod'
  AND status IN ('canceled', 'unpaid', 'incomplete_expired') AND ends_at > @since::timestamptz AND ends_at <= @now::timestamptz;

-- name: TVODRevenue :many
SELECT (verification->>'currency')::text AS currency, sum((verification->>'amount')::bigint)::bigint AS amount, count(*)::int AS sales
FROM entitlements WHERE tenant_id = @tenant_id AND source = 'stripe' AND kind IN ('tvod_rent', 'tvod_buy')
  AND created_at > @since::timestamptz AND revoked_at IS NULL
GROUP BY 1 ORDER BY 1;

-- name: UpsertDefaultModel :exec
INSERT INTO billing_settings (tenant_id, default_model, updated_at) VALUES (@tenant_id, @model, @now::timestamptz)
ON CONFLICT (tenant_id) DO UPDATE SET default_model = EXCLUDED.default_model, updated_at = EXCLUDED.updated_at;

-- name: GetDefaultModel :one
SELECT coalesce((SELECT default_model FROM billing_settings WHERE tenant_id = $1), 'free')::text;

-- name: CreatePromoCode :one
INSERT INTO promo_codes (tenant_id, id, code, title_id, kind, rental_hours, max_redemptions, expires_at, created_at)
VALUES (@tenant_id, @id, @code, @title_id, @kind, sqlc.narg(rental_hours)::int, @max_redemptions, @expires_at::timestamptz, @now::timestamptz)
ON CONFLICT (tenant_id, code) DO NOTHING
RETURNING *;

-- name: ListPromoCodes :many
SELECT * FROM promo_codes WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC;

-- name: LockPromoCode :one
SELECT * FROM promo_codes WHERE tenant_id = $1 AND code = $2 FOR UPDATE;

-- name: AddPromoRedemption :execrows
INSERT INTO promo_redemptions (tenant_id, code_id, viewer_id, entitlement_id, redeemed_at)
VALUES (@tenant_id, @code_id, @viewer_id, @entitlement_id, @now::timestamptz)
ON CONFLICT DO NOTHING;

-- name: CountPromoRedemption :exec
UPDATE promo_codes SET redeemed = redeemed + 1 WHERE tenant_id = $1 AND id = $2;

-- name: CreateCoupon :one
INSERT INTO coupons (tenant_id, id, code, name, percent_off_bp, amount_off, currency, duration, duration_months,
  max_redemptions, redeem_by, stripe_coupon_id, stripe_promotion_code_id, created_at)
VALUES (@tenant_id, @id, @code, @name, @percent_off_bp, @amount_off, @currency, @duration, @duration_months,
  @max_redemptions, @redeem_by, @stripe_coupon_id, @stripe_promotion_code_id, @now::timestamptz)
ON CONFLICT (tenant_id, code) DO NOTHING
RETURNING *;

-- name: ListCoupons :many
SELECT * FROM coupons WHERE tenant_id = @tenant_id ORDER BY created_at DESC, id DESC;

-- name: CouponByCode :one
SELECT * FROM coupons WHERE tenant_id = @tenant_id AND code = @code;

-- name: DeactivateCoupon :one
UPDATE coupons SET active = false WHERE tenant_id = @tenant_id AND id = @id RETURNING *;

-- name: GetCoupon :one
SELECT * FROM coupons WHERE tenant_id = $1 AND id = $2;

-- name: AddCouponRedemption :execrows
INSERT INTO coupon_redemptions (tenant_id, coupon_id, checkout_session_id, viewer_id, redeemed_at)
VALUES (@tenant_id, @coupon_id, @checkout_session_id, @viewer_id, @now::timestamptz)
ON CONFLICT DO NOTHING;

-- name: CountCouponRedemption :exec
UPDATE coupons SET redeemed = redeemed + 1 WHERE tenant_id = @tenant_id AND id = @id;

-- A paid subscription invoice, once: a redelivery inserts nothing.
-- name: RecordSubscriptionInvoice :execrows
INSERT INTO subscription_invoices (tenant_id, invoice_id, viewer_id, subscription_id, plan_id, currency, amount_paid, tax, paid_at, created_at)
VALUES (@tenant_id, @invoice_id, sqlc.narg(viewer_id)::uuid, @subscription_id, sqlc.narg(plan_id)::uuid, @currency, @amount_paid, @tax,
  @paid_at::timestamptz, @now::timestamptz)
ON CONFLICT (tenant_id, invoice_id) DO NOTHING;

-- amount_refunded is cumulative: the largest seen wins, whatever the order.
-- name: RecordInvoiceRefund :exec
INSERT INTO subscription_invoice_refunds (tenant_id, charge_id, invoice_id, amount_refunded, updated_at)
VALUES (@tenant_id, @charge_id, @invoice_id, @amount_refunded, @now::timestamptz)
ON CONFLICT (tenant_id, charge_id) DO UPDATE SET amount_refunded = greatest(subscription_invoice_refunds.amount_refunded, EXCLUDED.amount_refunded),
  updated_at = EXCLUDED.updated_at;

-- name: ListSubscriptionInvoices :many
SELECT i.*, coalesce((SELECT sum(r.amount_refunded) FROM subscription_invoice_refunds r
  WHERE r.tenant_id = i.tenant_id AND r.invoice_id = i.invoice_id), 0)::bigint AS refunded
FROM subscription_invoices i WHERE i.tenant_id = @tenant_id AND (sqlc.narg(viewer_id)::uuid IS NULL OR i.viewer_id = sqlc.narg(viewer_id)::uuid)
ORDER BY i.paid_at DESC, i.invoice_id LIMIT @take;

-- name: PlanPriceExists :one
SELECT EXISTS (SELECT 1 FROM billing_plan_prices WHERE tenant_id = @tenant_id AND plan_id = @plan_id
  AND billing_interval = @billing_interval AND currency = @currency);

-- name: RetirePlan :one
UPDATE billing_plans SET active = false WHERE tenant_id = @tenant_id AND id = @id AND active RETURNING *;

-- name: RetirePlanPrices :many
UPDATE billing_plan_prices SET active = false WHERE tenant_id = @tenant_id AND plan_id = @plan_id RETURNING *;

-- name: RemoveTitleOffer :one
UPDATE title_offers SET active = false, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND active RETURNING *;

-- A subscription's display status: canceling when it ends at the period's
-- end (Stripe's cancel_at_period_end), ended once no longer live (and for
-- Stripe's incomplete or paused, which give no access).
-- name: ListSubscribers :many
SELECT e.id, e.viewer_id, coalesce(v.email, '')::text AS email, e.plan_id, coalesce(p.name, '')::text AS plan_name,
  e.status, e.starts_at, e.ends_at,
  CASE WHEN e.revoked_at IS NOT NULL OR e.ends_at <= @now::timestamptz OR e.status IN ('canceled', 'unpaid', 'incomplete_expired') THEN 'ended'
       WHEN coalesce((e.verification->>'cancel_at_period_end')::boolean, false) THEN 'canceling'
       WHEN e.status IN ('active', 'trialing', 'past_due') THEN e.status
       ELSE 'ended' END::text AS state,
  coalesce((e.verification->>'current_period_end')::bigint, 0)::bigint AS current_period_end,
  count(*) OVER ()::int AS total
FROM entitlements e
LEFT JOIN viewers v ON v.tenant_id = e.tenant_id AND v.id = e.viewer_id
LEFT JOIN billing_plans p ON p.tenant_id = e.tenant_id AND p.id = e.plan_id
WHERE e.tenant_id = @tenant_id AND e.kind = 'svod'
  AND (@state::text = '' OR @state::text = CASE
       WHEN e.revoked_at IS NOT NULL OR e.ends_at <= @now::timestamptz OR e.status IN ('canceled', 'unpaid', 'incomplete_expired') THEN 'ended'
       WHEN coalesce((e.verification->>'cancel_at_period_end')::boolean, false) THEN 'canceling'
       WHEN e.status IN ('active', 'trialing', 'past_due') THEN e.status
       ELSE 'ended' END)
ORDER BY e.starts_at DESC, e.id DESC
OFFSET @skip LIMIT @take;

-- Revenue per model and currency between two times, by month and in total
-- (month NULL). TVOD and PPV are what viewers paid (not refunded); SVOD is
-- recognised day by day from each paying subscription's price (an annual
-- price spread over the year), from the end of the plan's trial until the
-- subscription ended or was revoked: the ledger holds subscriptions, not
-- invoices.
-- name: RevenueByModel :many
WITH sales AS (
  SELECT date_trunc('month', e.created_at, 'UTC') AS month,
    CASE e.kind WHEN 'tvod_rent' THEN 'rent' WHEN 'tvod_buy' THEN 'buy' ELSE 'ppv' END AS model,
    (e.verification->>'currency')::text AS currency, (e.verification->>'amount')::numeric AS amount, 1 AS sales
  FROM entitlements e
  WHERE e.tenant_id = @tenant_id AND e.source = 'stripe' AND e.kind IN ('tvod_rent', 'tvod_buy', 'ppv')
    AND e.revoked_at IS NULL AND e.verification->>'amount' IS NOT NULL AND e.verification->>'currency' IS NOT NULL
    AND e.created_at >= @from_time::timestamptz AND e.created_at < @to_time::timestamptz
), refunds AS (
  SELECT invoice_id, sum(amount_refunded) AS refunded FROM subscription_invoice_refunds WHERE tenant_id = @tenant_id GROUP BY invoice_id
), subs AS (
  -- What Stripe collected on each paid invoice, net of its tax; a refund
  -- takes back its share of the tax with it, so a full refund nets to 0.
  SELECT date_trunc('month', i.paid_at, 'UTC') AS month, 'svod' AS model, i.currency,
    (i.amount_paid - i.tax)::numeric * greatest(i.amount_paid - coalesce(r.refunded, 0), 0) / i.amount_paid AS amount,
    0 AS sales
  FROM subscription_invoices i LEFT JOIN refunds r ON r.invoice_id = i.invoice_id
  WHERE i.tenant_id = @tenant_id AND i.amount_paid > 0
    AND i.paid_at >= @from_time::timestamptz AND i.paid_at < @to_time::timestamptz
), everything AS (SELECT * FROM sales UNION ALL SELECT * FROM subs)
SELECT (GROUPING(month) = 1)::boolean AS total, coalesce(month, 'epoch')::timestamptz AS month, model::text AS model, currency::text AS currency,
  round(sum(amount))::bigint AS amount, sum(sales)::int AS sales
FROM everything
GROUP BY GROUPING SETS ((month, model, currency), (model, currency))
ORDER BY 1 DESC, 2, 3, 4;

-- Bundles

-- How many titles a collection holds now (a rule-based one's matches).
-- name: CollectionTitleCount :one
SELECT CASE WHEN c.kind = 'manual' THEN
  (SELECT count(*) FROM collection_items ci WHERE ci.tenant_id = c.tenant_id AND ci.collection_id = c.id)
ELSE
  (SELECT count(*) FROM titles r WHERE r.tenant_id = c.tenant_id
     AND (cardinality(c.rule_kinds) = 0 OR r.kind = ANY (c.rule_kinds))
     AND (cardinality(c.rule_genres) = 0 OR r.genres && c.rule_genres)
     AND (cardinality(c.rule_tags) = 0 OR r.tags && c.rule_tags)
     AND (c.rule_year_from IS NULL OR r.release_year >= c.rule_year_from)
     AND (c.rule_year_to IS NULL OR r.release_year <= c.rule_year_to))
END::int
FROM collections c WHERE c.tenant_id = @tenant_id AND c.id = @id;

-- name: InsertBundle :one
INSERT INTO bundles (tenant_id, id, name, description, collection_id, created_at, updated_at)
VALUES (@tenant_id, @id, @name, @description, @collection_id, @now::timestamptz, @now::timestamptz) RETURNING *;

-- name: UpdateBundle :one
UPDATE bundles SET name = @name, description = @description, collection_id = @collection_id, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id RETURNING *;

-- name: RetireBundle :one
UPDATE bundles SET retired_at = coalesce(retired_at, @now::timestamptz), updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id RETURNING *;

-- name: GetBundle :one
SELECT * FROM bundles WHERE tenant_id = $1 AND id = $2;

-- name: LockBundle :one
SELECT * FROM bundles WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: ListBundles :many
SELECT * FROM bundles WHERE tenant_id = $1 AND (retired_at IS NULL OR NOT @active_only::boolean) ORDER BY created_at, id;

-- The active bundles whose collection holds the title now.
-- name: BundlesOfTitle :many
SELECT b.* FROM bundles b JOIN collections c ON c.tenant_id = b.tenant_id AND c.id = b.collection_id
JOIN titles r ON r.tenant_id = b.tenant_id AND r.id = @title_id
WHERE b.tenant_id = @tenant_id AND b.retired_at IS NULL AND (
  (c.kind = 'manual' AND EXISTS (SELECT 1 FROM collection_items ci WHERE ci.tenant_id = c.tenant_id AND ci.collection_id = c.id AND ci.title_id = r.id))
  OR (c.kind = 'rule'
     AND (cardinality(c.rule_kinds) = 0 OR r.kind = ANY (c.rule_kinds))
     AND (cardinality(c.rule_genres) = 0 OR r.genres && c.rule_genres)
     AND (cardinality(c.rule_tags) = 0 OR r.tags && c.rule_tags)
     AND (c.rule_year_from IS NULL OR r.release_year >= c.rule_year_from)
     AND (c.rule_year_to IS NULL OR r.release_year <= c.rule_year_to)))
ORDER BY b.created_at, b.id;

-- name: DeactivateBundleOffers :exec
UPDATE bundle_offers SET active = false, updated_at = @now::timestamptz WHERE tenant_id = @tenant_id AND bundle_id = @bundle_id;

-- name: UpsertBundleOffer :one
INSERT INTO bundle_offers (tenant_id, id, bundle_id, kind, currency, amount, rental_hours, purchase_window_days, created_at, updated_at)
VALUES (@tenant_id, @id, @bundle_id, @kind, @currency, @amount, sqlc.narg(rental_hours)::int, @purchase_window_days, @now::timestamptz, @now::timestamptz)
ON CONFLICT (tenant_id, bundle_id, kind, currency) DO UPDATE SET amount = EXCLUDED.amount, rental_hours = EXCLUDED.rental_hours,
  purchase_window_days = EXCLUDED.purchase_window_days, active = true, updated_at = EXCLUDED.updated_at
RETURNING *;

-- name: ListBundleOffers :many
SELECT * FROM bundle_offers WHERE tenant_id = @tenant_id AND bundle_id = ANY (@bundle_ids::uuid[]) AND active
ORDER BY bundle_id, kind, currency;

-- name: GetBundleOffer :one
SELECT * FROM bundle_offers WHERE tenant_id = $1 AND id = $2 AND active;

-- Pay-per-view

-- name: GetLiveEvent :one
SELECT * FROM live_events WHERE tenant_id = $1 AND id = $2;

-- name: UpsertEventOffer :one
INSERT INTO event_offers (tenant_id, id, event_id, currency, amount, created_at, updated_at)
VALUES (@tenant_id, @id, @event_id, @currency, @amount, @now::timestamptz, @now::timestamptz)
ON CONFLICT (tenant_id, event_id, currency) DO UPDATE SET amount = EXCLUDED.amount, active = true, updated_at = EXCLUDED.updated_at
RETURNING *;

-- name: DeactivateEventOffer :execrows
UPDATE event_offers SET active = false, updated_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND event_id = @event_id AND currency = @currency AND active;

-- name: ListEventOffers :many
SELECT * FROM event_offers WHERE tenant_id = @tenant_id AND event_id = ANY (@event_ids::uuid[]) AND active
ORDER BY event_id, currency;

-- name: GetEventOffer :one
SELECT * FROM event_offers WHERE tenant_id = $1 AND id = $2 AND active;

-- The event's tickets not revoked.
-- name: EventTickets :many
SELECT * FROM entitlements WHERE tenant_id = @tenant_id AND event_id = @event_id AND kind = 'ppv' AND revoked_at IS NULL
ORDER BY created_at, id;

-- name: BumpPortalPlansVersion :exec
UPDATE stripe_accounts SET portal_plans_version = portal_plans_version + 1 WHERE tenant_id = @tenant_id;

-- name: SetPortalConfiguration :exec
-- Records the configuration written to Stripe from the plan set as of
-- @synced_version (never moving backwards).
UPDATE stripe_accounts SET portal_configuration_id = @configuration_id,
  portal_synced_version = greatest(portal_synced_version, @synced_version::bigint)
WHERE tenant_id = @tenant_id;

-- name: ViewerSubscriptionEntitlement :one
-- The viewer's newest Stripe subscription entitlement, live or not.
SELECT * FROM entitlements
WHERE tenant_id = @tenant_id AND viewer_id = @viewer_id AND source = 'stripe' AND kind = 'svod' AND revoked_at IS NULL
ORDER BY (ends_at IS NULL OR ends_at > @now::timestamptz) DESC, created_at DESC
LIMIT 1;
