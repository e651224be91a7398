-- name: ListMeters :many
SELECT * FROM platform_meters ORDER BY metric;

-- name: SetMeterID :exec
UPDATE platform_meters SET stripe_meter_id = @stripe_meter_id WHERE metric = @metric AND stripe_meter_id = '';

-- name: InsertPlan :one
INSERT INTO platform_plans (id, name, currency, monthly_amount, stripe_product_id, stripe_base_price_id, position, created_at)
VALUES (@id, @name, @currency, @monthly_amount, @stripe_product_id, @stripe_base_price_id, @position, @now)
RETURNING *;

-- name: InsertPlanMetric :one
INSERT INTO platform_plan_metrics (plan_id, metric, included_micros, overage_micros, stripe_price_id)
VALUES (@plan_id, @metric, @included_micros, @overage_micros, @stripe_price_id)
RETURNING *;

-- name: ListPlans :many
SELECT * FROM platform_plans WHERE active OR NOT @active_only::boolean ORDER BY position, monthly_amount, name;

-- name: ListPlanMetrics :many
SELECT * FROM platform_plan_metrics ORDER BY plan_id, metric;

-- name: RetirePlan :one
UPDATE platform_plans SET active = false WHERE id = @id RETURNING *;

-- name: GetPlan :one
SELECT * FROM platform_plans WHERE id = @id;

-- name: GetPlanMetrics :many
SELECT * FROM platform_plan_metrics WHERE plan_id = @plan_id ORDER BY metric;

-- name: PlanByBasePrice :one
SELECT id FROM platform_plans WHERE stripe_base_price_id = @price_id;

-- name: GetSubscription :one
SELECT * FROM platform_subscriptions WHERE tenant_id = @tenant_id;

-- name: InsertSubscription :one
INSERT INTO platform_subscriptions (tenant_id, plan_id, stripe_customer_id, stripe_subscription_id, status,
  period_start, period_end, created_at, updated_at)
VALUES (@tenant_id, @plan_id, @stripe_customer_id, @stripe_subscription_id, @status, @period_start, @period_end, @now, @now)
RETURNING *;

-- name: ChangeSubscriptionPlan :one
UPDATE platform_subscriptions SET plan_id = @plan_id, status = @status, period_start = @period_start,
  period_end = @period_end, updated_at = @now,
  status_event_at = CASE WHEN stripe_subscription_id = @stripe_subscription_id THEN status_event_at END,
  stripe_subscription_id = @stripe_subscription_id
WHERE tenant_id = @tenant_id
RETURNING *;

-- name: ApplySubscriptionStatus :one
UPDATE platform_subscriptions SET status = @status, period_start = @period_start, period_end = @period_end,
  plan_id = coalesce(sqlc.narg(plan_id)::uuid, plan_id), status_event_at = @event_at, updated_at = @now
WHERE tenant_id = @tenant_id AND stripe_subscription_id = @stripe_subscription_id
  AND (status_event_at IS NULL OR status_event_at <= @event_at)
RETURNING *;

-- name: SetLastInvoice :exec
UPDATE platform_subscriptions SET last_invoice_id = @invoice_id, updated_at = @now WHERE tenant_id = @tenant_id;

-- name: TenantByCustomer :one
SELECT coalesce(tenant_id_by_platform_customer(@customer_id), '00000000-0000-0000-0000-000000000000')::uuid;

-- name: InsertUsage :one
INSERT INTO usage_records (tenant_id, id, metric, quantity_micros, idempotency_key, occurred_at, recorded_at, next_attempt_at)
VALUES (@tenant_id, @id, @metric, @quantity_micros, @idempotency_key, @occurred_at, @now, @now)
ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
RETURNING *;

-- name: GetUsageByKey :one
SELECT * FROM usage_records WHERE tenant_id = @tenant_id AND idempotency_key = @idempotency_key;

-- name: UsageTotals :many
SELECT metric, sum(quantity_micros)::bigint AS micros FROM usage_records
WHERE tenant_id = @tenant_id AND occurred_at >= @since AND occurred_at < @until
GROUP BY metric ORDER BY metric;

-- name: DueTenants :many
SELECT t.tenant_id::uuid FROM platform_usage_due_tenants(@now, @lim::int) AS t;

-- name: SubscribedTenants :many
SELECT t.tenant_id::uuid FROM platform_subscribed_tenants() AS t;

-- name: UnmeteredPlaybackTenants :many
SELECT t.tenant_id::uuid FROM platform_unmetered_playback_tenants(@since, @now) AS t;

-- name: ClaimDue :many
UPDATE usage_records AS r SET claimed_until = @claim_until
WHERE r.tenant_id = @tenant_id AND r.id IN (
  SELECT u.id FROM usage_records u
  WHERE u.tenant_id = @tenant_id AND u.report_state = 'pending' AND u.next_attempt_at <= @now
    AND (u.claimed_until IS NULL OR u.claimed_until < @now)
  ORDER BY u.occurred_at LIMIT @lim::int FOR UPDATE SKIP LOCKED)
RETURNING r.*;

-- name: MarkReported :exec
UPDATE usage_records SET report_state = 'reported', reported_at = @now, claimed_until = NULL,
  report_attempts = report_attempts + 1, last_error = ''
WHERE tenant_id = @tenant_id AND id = @id AND report_state = 'pending';

-- name: MarkUnbilled :exec
UPDATE usage_records SET report_state = 'unbilled', claimed_until = NULL, last_error = @reason
WHERE tenant_id = @tenant_id AND id = @id AND report_state = 'pending';

-- name: MarkFailedAttempt :exec
UPDATE usage_records SET report_attempts = report_attempts + 1, last_error = @error, claimed_until = NULL,
  next_attempt_at = @next_attempt_at,
  report_state = CASE WHEN report_attempts + 1 >= @max_attempts::int THEN 'failed' ELSE 'pending' END
WHERE tenant_id = @tenant_id AND id = @id AND report_state = 'pending';

-- name: ReportStates :many
SELECT report_state, count(*)::bigint AS n FROM usage_records WHERE tenant_id = @tenant_id GROUP BY report_state ORDER BY report_state;

-- name: AssetDuration :one
SELECT duration_ms, status FROM media_assets WHERE tenant_id = @tenant_id AND id = @id;

-- name: UnmeteredSessions :many
SELECT s.id, s.started_at, s.heartbeat_at FROM playback_sessions s
WHERE s.tenant_id = @tenant_id AND s.preview_by IS NULL AND s.started_at >= @since
  AND (s.ended_at IS NOT NULL OR s.expires_at < @now)
  AND NOT EXISTS (SELECT 1 FROM usage_records u WHERE u.tenant_id = @tenant_id
                  AND u.idempotency_key = 'streamed_hours:session:' || s.id::text)
ORDER BY s.started_at LIMIT @lim::int;
