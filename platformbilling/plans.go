package platformbilling

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/platformbilling/internal/platformbillingsql"
	"github.com/marquee-ott/marquee/tenants"
)

// stripeErr classifies a failed Stripe call: a refusal of our request is
// Invalid with Stripe's message, anything else Unavailable (retry).
func stripeErr(op string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != 429 &&
		se.HTTPStatusCode != 401 {
		return &errs.Error{Kind: errs.KindInvalid, Message: "Stripe refused the request: " + se.Msg, Err: fmt.Errorf("%s: %w", op, err)}
	}
	return errs.Unavailable(fmt.Errorf("%s: %w", op, err), "Stripe is unreachable right now; nothing was changed, try again")
}

// EnsureMeters makes the Stripe Billing meter of every metric that has none
// yet (sum of the events' values, customer by stripe_customer_id, value in
// value) and records its id. Idempotent: a metric with a meter is skipped,
// and the Stripe idempotency key is the metric.
func (s *Service) EnsureMeters(ctx context.Context) (map[Metric]string, error) {
	var rows []platformbillingsql.PlatformMeter
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		rows, err = platformbillingsql.New(tx).ListMeters(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("platformbilling.EnsureMeters: %w", err)
	}
	out := map[Metric]string{}
	for _, r := range rows {
		m := Metric(r.Metric)
		if r.StripeMeterID != "" {
			out[m] = r.StripeMeterID
			continue
		}
		p := &stripe.BillingMeterParams{
			DisplayName:        stripe.String("Marquee " + strings.ReplaceAll(r.Metric, "_", " ")),
			EventName:          stripe.String(r.EventName),
			DefaultAggregation: &stripe.BillingMeterDefaultAggregationParams{Formula: stripe.String("sum")},
			CustomerMapping: &stripe.BillingMeterCustomerMappingParams{Type: stripe.String("by_id"),
				EventPayloadKey: stripe.String("stripe_customer_id")},
			ValueSettings: &stripe.BillingMeterValueSettingsParams{EventPayloadKey: stripe.String("value")},
		}
		p.SetIdempotencyKey("marquee-meter-" + r.Metric)
		meter, err := s.Stripe.BillingMeters.New(p)
		if err != nil {
			return nil, stripeErr("platformbilling.EnsureMeters "+r.Metric, err)
		}
		err = s.DB.System(ctx, func(tx db.Tx) error {
			return platformbillingsql.New(tx).SetMeterID(ctx, platformbillingsql.SetMeterIDParams{Metric: r.Metric, StripeMeterID: meter.ID})
		})
		if err != nil {
			return nil, fmt.Errorf("platformbilling.EnsureMeters: %w", err)
		}
		out[m] = meter.ID
	}
	return out, nil
}

// PlanInput defines a platform plan.
type PlanInput struct {
	Name          string
	Currency      string
	MonthlyAmount int64
	// Position orders plans in lists (then price, then name).
	Position int
	Metrics  []PlanMetricInput
}

// PlanMetricInput is a plan's terms for one metric.
type PlanMetricInput struct {
	Metric         Metric
	Included       int64
	OveragePerUnit float64
}

// Validate checks a plan's shape and normalizes its name and currency.
func (in *PlanInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 60 {
		return errs.InvalidField("name", "a plan's name is 1 to 60 characters")
	}
	in.Currency = strings.ToLower(strings.TrimSpace(in.Currency))
	if len(in.Currency) != 3 || strings.Trim(in.Currency, "abcdefghijklmnopqrstuvwxyz") != "" {
		return errs.InvalidField("currency", "%q is not an ISO 4217 currency code", in.Currency)
	}
	if in.MonthlyAmount < 0 || in.MonthlyAmount > 99_999_999 {
		return errs.InvalidField("monthlyAmount", "the monthly price is 0 to 99999999 minor units")
	}
	seen := map[Metric]bool{}
	for _, m := range in.Metrics {
		if !m.Metric.Valid() {
			return errs.InvalidField("metrics", "unknown metric %q", m.Metric)
		}
		if seen[m.Metric] {
			return errs.InvalidField("metrics", "%s is given twice", m.Metric)
		}
		seen[m.Metric] = true
		if m.Included < 0 || m.Included > 1e12 {
			return errs.InvalidField("metrics", "%s: included is 0 to 10^12 units", m.Metric)
		}
		if m.OveragePerUnit < 0 || m.OveragePerUnit > 1e6 || math.IsNaN(m.OveragePerUnit) {
			return errs.InvalidField("metrics", "%s: the overage price is 0 to 1000000 minor units per unit", m.Metric)
		}
	}
	return nil
}

// DefinePlan makes a platform plan (the operator's): a Stripe product on
// the platform account with a monthly base price and, per metric, a metered
// monthly price on the metric's meter, graduated so the included units cost
// nothing. Stripe failing leaves nothing recorded.
func (s *Service) DefinePlan(ctx context.Context, in PlanInput) (Plan, error) {
	if err := in.Validate(); err != nil {
		return Plan{}, err
	}
	meters, err := s.EnsureMeters(ctx)
	if err != nil {
		return Plan{}, err
	}
	id := uuid.Must(uuid.NewV7())
	pp := &stripe.ProductParams{Name: stripe.String("Marquee " + in.Name)}
	pp.SetIdempotencyKey("marquee-platform-plan-" + id.String())
	pp.AddMetadata("marquee_platform_plan", id.String())
	product, err := s.Stripe.Products.New(pp)
	if err != nil {
		return Plan{}, stripeErr("platformbilling.DefinePlan: product", err)
	}
	bp := &stripe.PriceParams{Product: stripe.String(product.ID), Currency: stripe.String(in.Currency),
		UnitAmount: stripe.Int64(in.MonthlyAmount), Recurring: &stripe.PriceRecurringParams{Interval: stripe.String("month")}}
	bp.SetIdempotencyKey("marquee-platform-base-" + id.String())
	bp.AddMetadata("marquee_platform_plan", id.String())
	base, err := s.Stripe.Prices.New(bp)
	if err != nil {
		return Plan{}, stripeErr("platformbilling.DefinePlan: base price", err)
	}
	priceIDs := make([]string, len(in.Metrics))
	for i, m := range in.Metrics {
		p := &stripe.PriceParams{Product: stripe.String(product.ID), Currency: stripe.String(in.Currency),
			Nickname: stripe.String(string(m.Metric)),
			Recurring: &stripe.PriceRecurringParams{Interval: stripe.String("month"),
				UsageType: stripe.String(string(stripe.PriceRecurringUsageTypeMetered)), Meter: stripe.String(meters[m.Metric])}}
		if m.Included > 0 {
			p.BillingScheme = stripe.String(string(stripe.PriceBillingSchemeTiered))
			p.TiersMode = stripe.String(string(stripe.PriceTiersModeGraduated))
			p.Tiers = []*stripe.PriceTierParams{
				{UpTo: stripe.Int64(m.Included), UnitAmount: stripe.Int64(0)},
				{UpToInf: stripe.Bool(true), UnitAmountDecimal: stripe.Float64(m.OveragePerUnit)},
			}
		} else {
			p.UnitAmountDecimal = stripe.Float64(m.OveragePerUnit)
		}
		p.SetIdempotencyKey("marquee-platform-metered-" + id.String() + "-" + string(m.Metric))
		p.AddMetadata("marquee_platform_plan", id.String())
		p.AddMetadata("marquee_metric", string(m.Metric))
		sp, err := s.Stripe.Prices.New(p)
		if err != nil {
			return Plan{}, stripeErr("platformbilling.DefinePlan: metered price "+string(m.Metric), err)
		}
		priceIDs[i] = sp.ID
	}
	var out Plan
	err = s.DB.System(ctx, func(tx db.Tx) error {
		q := platformbillingsql.New(tx)
		r, err := q.InsertPlan(ctx, platformbillingsql.InsertPlanParams{ID: id, Name: in.Name, Currency: in.Currency,
			MonthlyAmount: in.MonthlyAmount, StripeProductID: product.ID, StripeBasePriceID: base.ID, Position: int32(in.Position), Now: s.now()})
		if _, dup := db.IsUniqueViolation(err); dup {
			return errs.Conflict("a platform plan is already named %q", in.Name)
		}
		if err != nil {
			return err
		}
		var ms []platformbillingsql.PlatformPlanMetric
		for i, m := range in.Metrics {
			pm, err := q.InsertPlanMetric(ctx, platformbillingsql.InsertPlanMetricParams{PlanID: id, Metric: string(m.Metric),
				IncludedMicros: m.Included * micro, OverageMicros: toMicros(m.OveragePerUnit), StripePriceID: priceIDs[i]})
			if err != nil {
				return err
			}
			ms = append(ms, pm)
		}
		out = planOut(r, ms)
		return nil
	})
	if err != nil {
		return Plan{}, fmt.Errorf("platformbilling.DefinePlan: %w", err)
	}
	return out, nil
}

func planOut(r platformbillingsql.PlatformPlan, ms []platformbillingsql.PlatformPlanMetric) Plan {
	p := Plan{ID: r.ID, Name: r.Name, Currency: r.Currency, MonthlyAmount: r.MonthlyAmount, Active: r.Active,
		StripeBasePriceID: r.StripeBasePriceID, CreatedAt: r.CreatedAt.UTC(), Metrics: []PlanMetric{}}
	for _, k := range Metrics {
		for _, m := range ms {
			if m.PlanID != r.ID || Metric(m.Metric) != k {
				continue
			}
			p.Metrics = append(p.Metrics, PlanMetric{Metric: Metric(m.Metric), Included: m.IncludedMicros / micro,
				OveragePerUnit: fromMicros(m.OverageMicros), StripePriceID: m.StripePriceID})
		}
	}
	return p
}

// Plans lists the platform plans (activeOnly: those a workspace may choose).
func (s *Service) Plans(ctx context.Context, activeOnly bool) ([]Plan, error) {
	out := []Plan{}
	err := s.DB.System(ctx, func(tx db.Tx) error {
		q := platformbillingsql.New(tx)
		plans, err := q.ListPlans(ctx, activeOnly)
		if err != nil {
			return err
		}
		ms, err := q.ListPlanMetrics(ctx)
		for _, p := range plans {
			out = append(out, planOut(p, ms))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("platformbilling.Plans: %w", err)
	}
	return out, nil
}

func plan(ctx context.Context, q *platformbillingsql.Queries, id uuid.UUID) (Plan, error) {
	r, err := q.GetPlan(ctx, id)
	if db.IsNoRows(err) {
		return Plan{}, errs.NotFound("no such platform plan")
	}
	if err != nil {
		return Plan{}, err
	}
	ms, err := q.GetPlanMetrics(ctx, id)
	return planOut(r, ms), err
}

// Plan returns one platform plan.
func (s *Service) Plan(ctx context.Context, id uuid.UUID) (Plan, error) {
	var out Plan
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		out, err = plan(ctx, platformbillingsql.New(tx), id)
		return err
	})
	if err != nil {
		return Plan{}, fmt.Errorf("platformbilling.Plan %s: %w", id, err)
	}
	return out, nil
}

// RetirePlan takes a platform plan off the list workspaces choose from (the
// operator's). Workspaces already on it stay on it, billed as before;
// choosing it is NotFound from now on. Retiring a retired plan changes
// nothing; an unknown plan is NotFound.
func (s *Service) RetirePlan(ctx context.Context, id uuid.UUID) (Plan, error) {
	var out Plan
	err := s.DB.System(ctx, func(tx db.Tx) error {
		q := platformbillingsql.New(tx)
		r, err := q.RetirePlan(ctx, id)
		if db.IsNoRows(err) {
			return errs.NotFound("no such platform plan")
		}
		if err != nil {
			return err
		}
		ms, err := q.GetPlanMetrics(ctx, id)
		out = planOut(r, ms)
		return err
	})
	if err != nil {
		return Plan{}, fmt.Errorf("platformbilling.RetirePlan %s: %w", id, err)
	}
	return out, nil
}

// Subscription returns the workspace's platform subscription, or nil when
// it has chosen no plan.
func (s *Service) Subscription(ctx context.Context, tenant tenants.ID) (*Subscription, error) {
	var row *platformbillingsql.PlatformSubscription
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		r, err := platformbillingsql.New(q).GetSubscription(ctx, tenant)
		if db.IsNoRows(err) {
			return nil
		}
		row = &r
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("platformbilling.Subscription: %w", err)
	}
	if row == nil {
		return nil, nil
	}
	p, err := s.Plan(ctx, row.PlanID)
	if err != nil {
		return nil, err
	}
	out := subOut(*row, p)
	return &out, nil
}

func subOut(r platformbillingsql.PlatformSubscription, p Plan) Subscription {
	return Subscription{Plan: p, Status: r.Status, PeriodStart: r.PeriodStart.UTC(), PeriodEnd: r.PeriodEnd.UTC(),
		CustomerID: r.StripeCustomerID, SubscriptionID: r.StripeSubscriptionID, UpdatedAt: r.UpdatedAt.UTC()}
}

func unixOr(v int64, def time.Time) time.Time {
	if v == 0 {
		return def
	}
	return time.Unix(v, 0).UTC()
}

// ChoosePlan puts the workspace on a platform plan. The first time it makes
// the workspace's Stripe customer and subscription on the platform account
// (base price plus one metered price per metric; idempotency keys per
// tenant, so a retried request makes no second customer); later it moves the
// subscription's items to the new plan's prices (prorated). Choosing the
// current plan changes nothing. Audited. The caller checks that the
// principal is the owner (@requires(OWN)). An inactive or unknown plan is
// NotFound.
func (s *Service) ChoosePlan(ctx context.Context, p tenants.Principal, planID uuid.UUID) (Subscription, error) {
	pl, err := s.Plan(ctx, planID)
	if err != nil {
		return Subscription{}, err
	}
	if !pl.Active {
		return Subscription{}, errs.NotFound("no such platform plan")
	}
	cur, err := s.Subscription(ctx, p.Tenant)
	if err != nil {
		return Subscription{}, err
	}
	if cur != nil && cur.Plan.ID == pl.ID && cur.Status != string(stripe.SubscriptionStatusCanceled) {
		return *cur, nil
	}
	now := s.now()
	var sub *stripe.Subscription
	customer := ""
	if cur == nil {
		cp := &stripe.CustomerParams{Description: stripe.String("Marquee workspace " + p.Tenant.String())}
		if strings.Contains(p.Label, "@") {
			cp.Email = stripe.String(p.Label)
		}
		cp.SetIdempotencyKey("marquee-platform-customer-" + p.Tenant.String())
		cp.AddMetadata("marquee_tenant", p.Tenant.String())
		c, err := s.Stripe.Customers.New(cp)
		if err != nil {
			return Subscription{}, stripeErr("platformbilling.ChoosePlan: customer", err)
		}
		customer = c.ID
		sp := newSubscription(customer, pl)
		sp.SetIdempotencyKey("marquee-platform-subscription-" + p.Tenant.String() + "-" + pl.ID.String())
		sp.AddMetadata("marquee_tenant", p.Tenant.String())
		sp.AddMetadata("marquee_platform_plan", pl.ID.String())
		if sub, err = s.Stripe.Subscriptions.New(sp); err != nil {
			return Subscription{}, stripeErr("platformbilling.ChoosePlan: subscription", err)
		}
	} else if cur.Status == string(stripe.SubscriptionStatusCanceled) || cur.Status == string(stripe.SubscriptionStatusIncompleteExpired) {
		// A subscription that ended cannot change: a new one for the same customer.
		customer = cur.CustomerID
		sp := newSubscription(customer, pl)
		sp.SetIdempotencyKey("marquee-platform-resubscribe-" + cur.SubscriptionID + "-" + pl.ID.String())
		sp.AddMetadata("marquee_tenant", p.Tenant.String())
		sp.AddMetadata("marquee_platform_plan", pl.ID.String())
		if sub, err = s.Stripe.Subscriptions.New(sp); err != nil {
			return Subscription{}, stripeErr("platformbilling.ChoosePlan: resubscribe", err)
		}
	} else {
		// The items as Stripe has them now: each is replaced by the new plan's.
		old, err := s.Stripe.Subscriptions.Get(cur.SubscriptionID, nil)
		if err != nil {
			return Subscription{}, stripeErr("platformbilling.ChoosePlan: refetch subscription", err)
		}
		items := planItems(pl)
		if old.Items != nil {
			for _, it := range old.Items.Data {
				items = append(items, &stripe.SubscriptionItemsParams{ID: stripe.String(it.ID), Deleted: stripe.Bool(true)})
			}
		}
		sp := &stripe.SubscriptionParams{Items: items, ProrationBehavior: stripe.String("create_prorations")}
		sp.SetIdempotencyKey("marquee-platform-change-" + p.Tenant.String() + "-" + cur.Plan.ID.String() + "-" + pl.ID.String() +
			"-" + now.Format("20060102T1504"))
		sp.AddMetadata("marquee_platform_plan", pl.ID.String())
		if sub, err = s.Stripe.Subscriptions.Update(cur.SubscriptionID, sp); err != nil {
			return Subscription{}, stripeErr("platformbilling.ChoosePlan: change subscription", err)
		}
	}
	start, end := unixOr(sub.CurrentPeriodStart, now), unixOr(sub.CurrentPeriodEnd, now.AddDate(0, 1, 0))
	var out Subscription
	err = s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := platformbillingsql.New(tx)
		var r platformbillingsql.PlatformSubscription
		var err error
		if cur == nil {
			r, err = q.InsertSubscription(ctx, platformbillingsql.InsertSubscriptionParams{TenantID: p.Tenant, PlanID: pl.ID,
				StripeCustomerID: customer, StripeSubscriptionID: sub.ID, Status: string(sub.Status), PeriodStart: start, PeriodEnd: end, Now: now})
			if _, dup := db.IsUniqueViolation(err); dup {
				return errs.Conflict("the workspace's plan changed at the same time: reload and try again")
			}
		} else {
			r, err = q.ChangeSubscriptionPlan(ctx, platformbillingsql.ChangeSubscriptionPlanParams{TenantID: p.Tenant, PlanID: pl.ID,
				Status: string(sub.Status), PeriodStart: start, PeriodEnd: end, StripeSubscriptionID: sub.ID, Now: now})
		}
		if err != nil {
			return err
		}
		out = subOut(r, pl)
		from := ""
		if cur != nil {
			from = cur.Plan.Name
		}
		return audit.Record(ctx, tx, p.Tenant, now, "platformbilling.plan_chosen", "platform_plan", pl.ID.String(),
			map[string]any{"plan": pl.Name, "from": from})
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("platformbilling.ChoosePlan: %w", err)
	}
	return out, nil
}

// newSubscription is a workspace's subscription to a plan. Invoices are
// sent (due in 14 days, paid on Stripe's hosted page or by a card the owner
// saves there) rather than charged to a card on file: a workspace has none
// when it first chooses, and an automatic charge would leave the
// subscription incomplete.
func newSubscription(customer string, pl Plan) *stripe.SubscriptionParams {
	return &stripe.SubscriptionParams{Customer: stripe.String(customer), Items: planItems(pl),
		CollectionMethod: stripe.String(string(stripe.SubscriptionCollectionMethodSendInvoice)), DaysUntilDue: stripe.Int64(14)}
}

// planItems is a plan's subscription items: the base price once, and each
// metered price (no quantity: the meter counts).
func planItems(p Plan) []*stripe.SubscriptionItemsParams {
	items := []*stripe.SubscriptionItemsParams{{Price: stripe.String(p.StripeBasePriceID), Quantity: stripe.Int64(1)}}
	for _, m := range p.Metrics {
		items = append(items, &stripe.SubscriptionItemsParams{Price: stripe.String(m.StripePriceID)})
	}
	return items
}
