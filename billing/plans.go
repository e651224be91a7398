package billing

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// Interval is how often a plan price renews.
type Interval string

// The intervals.
const (
	Monthly Interval = "month"
	Annual  Interval = "year"
)

// Plan is an SVOD plan: a Stripe product on the tenant's connected account.
type Plan struct {
	ID          uuid.UUID
	Name        string
	TrialDays   int
	Scope       Scope // library or collections
	Collections []uuid.UUID
	Ads         bool
	Active      bool
	Prices      []Price
	CreatedAt   time.Time
}

// Price is one of a plan's prices: a Stripe recurring price.
type Price struct {
	ID       uuid.UUID
	Plan     uuid.UUID
	Interval Interval
	Currency string // ISO 4217, lower case
	// Amount is in the currency's minor units.
	Amount       int64
	TaxInclusive bool
	StripeID     string // price_… on the connected account
}

// PlanInput makes a plan.
type PlanInput struct {
	Name        string
	TrialDays   int
	Scope       Scope
	Collections []uuid.UUID
	Ads         bool
	Prices      []PriceInput
}

// PriceInput is one price of a new plan.
type PriceInput struct {
	Interval     Interval
	Currency     string
	Amount       int64
	TaxInclusive bool
}

// Validate checks a plan's shape and normalizes its currencies.
func (in *PlanInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 100 {
		return errs.InvalidField("name", "a plan's name is 1 to 100 characters")
	}
	if in.TrialDays < 0 || in.TrialDays > 730 {
		return errs.InvalidField("trialDays", "a trial is 0 to 730 days")
	}
	switch in.Scope {
	case ScopeLibrary:
		if len(in.Collections) > 0 {
			return errs.InvalidField("collections", "a whole-library plan names no collections")
		}
		in.Collections = []uuid.UUID{}
	case ScopeCollections:
		if len(in.Collections) == 0 {
			return errs.InvalidField("collections", "name at least one collection")
		}
	default:
		return errs.InvalidField("scope", "a plan covers the whole library or chosen collections")
	}
	if len(in.Prices) == 0 {
		return errs.InvalidField("prices", "a plan needs at least one price")
	}
	seen := map[string]bool{}
	for i := range in.Prices {
		p := &in.Prices[i]
		if err := p.validate("prices"); err != nil {
			return err
		}
		k := string(p.Interval) + "/" + p.Currency
		if seen[k] {
			return errs.InvalidField("prices", "two %s prices in %s", p.Interval, strings.ToUpper(p.Currency))
		}
		seen[k] = true
	}
	return nil
}

// validate checks one price and normalizes its currency; field names the
// input in errors.
func (p *PriceInput) validate(field string) error {
	p.Currency = strings.ToLower(strings.TrimSpace(p.Currency))
	if len(p.Currency) != 3 || strings.Trim(p.Currency, "abcdefghijklmnopqrstuvwxyz") != "" {
		return errs.InvalidField(field, "%q is not an ISO 4217 currency code", p.Currency)
	}
	if p.Interval != Monthly && p.Interval != Annual {
		return errs.InvalidField(field, "a price renews monthly or annually")
	}
	if p.Amount <= 0 || p.Amount > 99_999_999 {
		return errs.InvalidField(field, "an amount is 1 to 99999999 minor units")
	}
	return nil
}

// newStripePrice makes a plan's recurring price on the connected account,
// idempotently under the price's own id.
func (s *Service) newStripePrice(acct, product string, plan uuid.UUID, p Price) (string, error) {
	tax := stripe.PriceTaxBehaviorExclusive
	if p.TaxInclusive {
		tax = stripe.PriceTaxBehaviorInclusive
	}
	params := &stripe.PriceParams{Params: onAccount(acct), Product: stripe.String(product),
		Currency: stripe.String(p.Currency), UnitAmount: stripe.Int64(p.Amount), TaxBehavior: stripe.String(string(tax)),
		Recurring: &stripe.PriceRecurringParams{Interval: stripe.String(string(p.Interval))}}
	params.SetIdempotencyKey("marquee-price-" + p.ID.String())
	params.AddMetadata("marquee_plan", plan.String())
	sp, err := s.Stripe.Prices.New(params)
	if err != nil {
		return "", err
	}
	return sp.ID, nil
}

// AddPlanPrice adds a price to a plan on sale (an annual price, a new
// currency): a recurring price on the plan's product on the connected
// account, then recorded (audited). A price of the same interval and
// currency already there is a Conflict (change a price by making a new
// plan: Stripe prices are immutable); a retired plan is a Conflict;
// another tenant's plan is NotFound; Stripe failing leaves nothing
// recorded.
func (s *Service) AddPlanPrice(ctx context.Context, tenant tenants.ID, planID uuid.UUID, in PriceInput) (Plan, error) {
	if err := in.validate("input"); err != nil {
		return Plan{}, err
	}
	op := fmt.Sprintf("billing.AddPlanPrice %s", planID)
	var plan billingsql.BillingPlan
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		var err error
		plan, err = bq.GetPlan(ctx, billingsql.GetPlanParams{TenantID: tenant, ID: planID})
		if db.IsNoRows(err) {
			return errs.NotFound("no such plan")
		}
		if err != nil {
			return err
		}
		if !plan.Active {
			return errs.Conflict("the plan is retired: make a new plan to sell it again")
		}
		return dupPrice(ctx, bq, tenant, planID, in)
	})
	if err != nil {
		return Plan{}, fmt.Errorf("%s: %w", op, err)
	}
	acct, err := s.StripeAccount(ctx, tenant)
	if err != nil {
		return Plan{}, fmt.Errorf("%s: %w", op, err)
	}
	if acct == nil {
		return Plan{}, errs.Conflict("connect Stripe before adding prices")
	}
	p := Price{ID: uuid.Must(uuid.NewV7()), Plan: planID, Interval: in.Interval, Currency: in.Currency, Amount: in.Amount,
		TaxInclusive: in.TaxInclusive}
	if p.StripeID, err = s.newStripePrice(acct.ID, plan.StripeProductID, planID, p); err != nil {
		return Plan{}, stripeErr(op+": price", err)
	}
	var out Plan
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		now := s.now()
		// Checked again under the transaction: a plan retired or a twin
		// price added since the first look wins.
		if err := dupPrice(ctx, q, tenant, planID, in); err != nil {
			return err
		}
		r, err := q.GetPlan(ctx, billingsql.GetPlanParams{TenantID: tenant, ID: planID})
		if err != nil {
			return err
		}
		if !r.Active {
			return errs.Conflict("the plan is retired: make a new plan to sell it again")
		}
		_, err = q.InsertPlanPrice(ctx, billingsql.InsertPlanPriceParams{TenantID: tenant, ID: p.ID, PlanID: planID,
			BillingInterval: string(p.Interval), Currency: p.Currency, Amount: p.Amount, TaxInclusive: p.TaxInclusive,
			StripePriceID: p.StripeID, Now: now})
		if _, dup := db.IsUniqueViolation(err); dup {
			return errs.Conflict("the plan already has a %s price in %s", p.Interval, strings.ToUpper(p.Currency))
		}
		if err != nil {
			return err
		}
		prices, err := q.ListPlanPrices(ctx, billingsql.ListPlanPricesParams{TenantID: tenant, ActiveOnly: false})
		if err != nil {
			return err
		}
		out = planOut(r, prices)
		if err := q.BumpPortalPlansVersion(ctx, tenant); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "billing.plan_price_added", "plan", planID.String(),
			map[string]any{"interval": p.Interval, "currency": p.Currency, "amount": p.Amount})
	})
	if err != nil {
		return Plan{}, fmt.Errorf("%s: %w", op, err)
	}
	s.planSetChanged(ctx, tenant)
	return out, nil
}

func dupPrice(ctx context.Context, q *billingsql.Queries, tenant, plan uuid.UUID, in PriceInput) error {
	dup, err := q.PlanPriceExists(ctx, billingsql.PlanPriceExistsParams{TenantID: tenant, PlanID: plan,
		BillingInterval: string(in.Interval), Currency: in.Currency})
	if err == nil && dup {
		return errs.Conflict("the plan already has a %s price in %s", in.Interval, strings.ToUpper(in.Currency))
	}
	return err
}

// CreatePlan makes an SVOD plan as a product with its prices on the
// tenant's connected account, then records it (audited). Stripe failing
// leaves nothing recorded.
func (s *Service) CreatePlan(ctx context.Context, tenant tenants.ID, in PlanInput) (Plan, error) {
	if err := in.Validate(); err != nil {
		return Plan{}, err
	}
	acct, err := s.StripeAccount(ctx, tenant)
	if err != nil {
		return Plan{}, err
	}
	if acct == nil {
		return Plan{}, errs.Conflict("connect Stripe before making plans")
	}
	if len(in.Collections) > 0 {
		err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
			ok, err := billingsql.New(q).CollectionsExist(ctx, billingsql.CollectionsExistParams{TenantID: tenant, Ids: in.Collections})
			if err == nil && !ok {
				return errs.NotFound("no such collection")
			}
			return err
		})
		if err != nil {
			return Plan{}, fmt.Errorf("billing.CreatePlan: %w", err)
		}
	}
	id := uuid.Must(uuid.NewV7())
	pp := &stripe.ProductParams{Params: onAccount(acct.ID), Name: stripe.String(in.Name)}
	pp.SetIdempotencyKey("marquee-plan-" + id.String())
	pp.AddMetadata("marquee_plan", id.String())
	product, err := s.Stripe.Products.New(pp)
	if err != nil {
		return Plan{}, stripeErr("billing.CreatePlan: product", err)
	}
	prices := make([]Price, len(in.Prices))
	stripeIDs := make([]string, len(in.Prices))
	for i, p := range in.Prices {
		prices[i] = Price{ID: uuid.Must(uuid.NewV7()), Plan: id, Interval: p.Interval, Currency: p.Currency, Amount: p.Amount, TaxInclusive: p.TaxInclusive}
		if stripeIDs[i], err = s.newStripePrice(acct.ID, product.ID, id, prices[i]); err != nil {
			return Plan{}, stripeErr("billing.CreatePlan: price", err)
		}
	}
	var out Plan
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		now := s.now()
		r, err := q.InsertPlan(ctx, billingsql.InsertPlanParams{TenantID: tenant, ID: id, Name: in.Name, TrialDays: int32(in.TrialDays),
			Scope: string(in.Scope), CollectionIds: in.Collections, Ads: in.Ads, StripeProductID: product.ID, Now: now})
		if err != nil {
			return err
		}
		var rows []billingsql.BillingPlanPrice
		for i, p := range prices {
			pr, err := q.InsertPlanPrice(ctx, billingsql.InsertPlanPriceParams{TenantID: tenant, ID: p.ID, PlanID: id,
				BillingInterval: string(p.Interval), Currency: p.Currency, Amount: p.Amount, TaxInclusive: p.TaxInclusive,
				StripePriceID: stripeIDs[i], Now: now})
			if err != nil {
				return err
			}
			rows = append(rows, pr)
		}
		out = planOut(r, rows)
		if err := q.BumpPortalPlansVersion(ctx, tenant); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "billing.plan_created", "plan", id.String(), map[string]any{"name": in.Name})
	})
	if err != nil {
		return Plan{}, fmt.Errorf("billing.CreatePlan: %w", err)
	}
	s.planSetChanged(ctx, tenant)
	return out, nil
}

func planOut(r billingsql.BillingPlan, prices []billingsql.BillingPlanPrice) Plan {
	p := Plan{ID: r.ID, Name: r.Name, TrialDays: int(r.TrialDays), Scope: Scope(r.Scope), Collections: r.CollectionIds,
		Ads: r.Ads, Active: r.Active, CreatedAt: r.CreatedAt.UTC(), Prices: []Price{}}
	for _, pr := range prices {
		if pr.PlanID == r.ID {
			p.Prices = append(p.Prices, priceOut(pr))
		}
	}
	return p
}

func priceOut(pr billingsql.BillingPlanPrice) Price {
	return Price{ID: pr.ID, Plan: pr.PlanID, Interval: Interval(pr.BillingInterval), Currency: pr.Currency,
		Amount: pr.Amount, TaxInclusive: pr.TaxInclusive, StripeID: pr.StripePriceID}
}

// Plans lists the tenant's plans with their prices, oldest first; activeOnly
// for the storefront.
func (s *Service) Plans(ctx context.Context, tenant tenants.ID, activeOnly bool) ([]Plan, error) {
	out := []Plan{}
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		plans, err := bq.ListPlans(ctx, billingsql.ListPlansParams{TenantID: tenant, ActiveOnly: activeOnly})
		if err != nil {
			return err
		}
		prices, err := bq.ListPlanPrices(ctx, billingsql.ListPlanPricesParams{TenantID: tenant, ActiveOnly: activeOnly})
		for _, p := range plans {
			out = append(out, planOut(p, prices))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.Plans: %w", err)
	}
	return out, nil
}

// CheckoutInput starts a viewer's subscription.
type CheckoutInput struct {
	Viewer uuid.UUID
	Price  uuid.UUID // a plan price's id
	// SuccessURL and CancelURL are where Stripe sends the viewer back
	// (http or https; empty: the platform's base URL).
	SuccessURL, CancelURL string
	// PromoCode is a coupon's code (CreateCoupon) the viewer entered; empty:
	// none, and Checkout's own promotion-code box is offered instead.
	PromoCode string
}

// CheckoutSession is where the viewer pays.
type CheckoutSession struct {
	ID  string
	URL string
}

// Checkout opens a Stripe Checkout session for a subscription to a plan
// price, on the tenant's connected account with the platform's application
// fee, the plan's trial, promotion codes allowed, and Stripe Tax when the
// tenant turned it on. A tenant that cannot sell yet is a Conflict saying
// why; a price in another currency than the viewer already pays in is
// Invalid; Stripe unreachable is Unavailable and leaves nothing recorded.
func (s *Service) Checkout(ctx context.Context, tenant tenants.ID, in CheckoutInput) (CheckoutSession, error) {
	success, cancel, acct, err := s.sellingAccount(ctx, tenant, in.SuccessURL, in.CancelURL)
	if err != nil {
		return CheckoutSession{}, err
	}
	var price billingsql.BillingPlanPrice
	var plan billingsql.BillingPlan
	var customer *billingsql.BillingCustomer
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		var err error
		price, err = bq.GetPlanPrice(ctx, billingsql.GetPlanPriceParams{TenantID: tenant, ID: in.Price})
		if db.IsNoRows(err) || (err == nil && !price.Active) {
			return errs.NotFound("no such price")
		}
		if err != nil {
			return err
		}
		if plan, err = bq.GetPlan(ctx, billingsql.GetPlanParams{TenantID: tenant, ID: price.PlanID}); err != nil {
			return err
		}
		if !plan.Active {
			return errs.NotFound("no such price")
		}
		c, err := bq.GetCustomer(ctx, billingsql.GetCustomerParams{TenantID: tenant, ViewerID: in.Viewer})
		if err == nil {
			customer = &c
			return nil
		}
		if db.IsNoRows(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return CheckoutSession{}, fmt.Errorf("billing.Checkout: %w", err)
	}
	if customer != nil && customer.Currency != "" && customer.Currency != price.Currency {
		return CheckoutSession{}, errs.InvalidField("planPriceId", "you already pay in %s: choose a %s price",
			strings.ToUpper(customer.Currency), strings.ToUpper(customer.Currency))
	}
	customerID := ""
	if customer != nil {
		customerID = customer.StripeCustomerID
	} else {
		cp := &stripe.CustomerParams{Params: onAccount(acct.ID)}
		cp.SetIdempotencyKey("marquee-customer-" + tenant.String() + "-" + in.Viewer.String())
		cp.AddMetadata(metaTenant, tenant.String())
		cp.AddMetadata(metaViewer, in.Viewer.String())
		c, err := s.Stripe.Customers.New(cp)
		if err != nil {
			return CheckoutSession{}, stripeErr("billing.Checkout: customer", err)
		}
		customerID = c.ID
	}
	var coupon *Coupon
	if in.PromoCode != "" {
		c, err := s.couponForCheckout(ctx, tenant, in.PromoCode, price.Currency)
		if err != nil {
			return CheckoutSession{}, fmt.Errorf("billing.Checkout: %w", err)
		}
		coupon = &c
	}
	sd := &stripe.CheckoutSessionSubscriptionDataParams{ApplicationFeePercent: stripe.Float64(s.FeePercent)}
	if plan.TrialDays > 0 {
		sd.TrialPeriodDays = stripe.Int64(int64(plan.TrialDays))
	}
	sd.AddMetadata(metaTenant, tenant.String())
	sd.AddMetadata(metaViewer, in.Viewer.String())
	sd.AddMetadata("marquee_plan", plan.ID.String())
	params := &stripe.CheckoutSessionParams{Params: onAccount(acct.ID),
		Mode:                stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:            stripe.String(customerID),
		ClientReferenceID:   stripe.String(in.Viewer.String()),
		LineItems:           []*stripe.CheckoutSessionLineItemParams{{Price: stripe.String(price.StripePriceID), Quantity: stripe.Int64(1)}},
		SuccessURL:          stripe.String(success),
		CancelURL:           stripe.String(cancel),
		AllowPromotionCodes: stripe.Bool(true),
		SubscriptionData:    sd,
	}
	if acct.AutomaticTax {
		params.AutomaticTax = &stripe.CheckoutSessionAutomaticTaxParams{Enabled: stripe.Bool(true)}
	}
	params.AddMetadata(metaTenant, tenant.String())
	params.AddMetadata(metaViewer, in.Viewer.String())
	if coupon != nil { // Stripe takes a discount or the promotion-code box, not both
		params.AllowPromotionCodes = nil
		// The promotion code, so Stripe holds it to its limits too; a coupon
		// made before promotion codes were is named itself.
		d := &stripe.CheckoutSessionDiscountParams{PromotionCode: stripe.String(coupon.StripePromotionCodeID)}
		if coupon.StripePromotionCodeID == "" {
			d = &stripe.CheckoutSessionDiscountParams{Coupon: stripe.String(coupon.StripeCouponID)}
		}
		params.Discounts = []*stripe.CheckoutSessionDiscountParams{d}
		params.AddMetadata(metaCoupon, coupon.ID.String())
	}
	sess, err := s.Stripe.CheckoutSessions.New(params)
	if err != nil {
		return CheckoutSession{}, stripeErr("billing.Checkout: session", err)
	}
	if customer == nil {
		err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
			return billingsql.New(tx).InsertCustomer(ctx, billingsql.InsertCustomerParams{TenantID: tenant, ViewerID: in.Viewer,
				StripeCustomerID: customerID, Now: s.now()})
		})
		if err != nil {
			return CheckoutSession{}, fmt.Errorf("billing.Checkout: record customer: %w", err)
		}
	}
	return CheckoutSession{ID: sess.ID, URL: sess.URL}, nil
}

// Portal returns a Stripe customer portal URL where the viewer manages
// their subscription: switching among the active plans' prices with
// prorations, cancelling at the period's end, payment methods, invoices,
// email. The session names the portal configuration Marquee keeps on the
// connected account, written first if the plan set changed since (or never
// made). A viewer who never went to Checkout is NotFound.
func (s *Service) Portal(ctx context.Context, tenant tenants.ID, viewer uuid.UUID, returnURL string) (string, error) {
	back, err := backURL(returnURL, s.BaseURL, "returnURL")
	if err != nil {
		return "", err
	}
	acct, err := s.StripeAccount(ctx, tenant)
	if err != nil {
		return "", err
	}
	if acct == nil {
		return "", errs.Conflict("this workspace has not connected a Stripe account yet")
	}
	var c billingsql.BillingCustomer
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		c, err = billingsql.New(q).GetCustomer(ctx, billingsql.GetCustomerParams{TenantID: tenant, ViewerID: viewer})
		if db.IsNoRows(err) {
			return errs.NotFound("you have no subscription to manage")
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("billing.Portal: %w", err)
	}
	conf, err := s.portalConfiguration(ctx, tenant)
	if err != nil {
		return "", fmt.Errorf("billing.Portal: %w", err)
	}
	ps, err := s.Stripe.BillingPortalSessions.New(&stripe.BillingPortalSessionParams{Params: onAccount(acct.ID),
		Customer: stripe.String(c.StripeCustomerID), ReturnURL: stripe.String(back), Configuration: stripe.String(conf)})
	if err != nil {
		return "", stripeErr("billing.Portal", err)
	}
	return ps.URL, nil
}

func backURL(u, base, field string) (string, error) {
	if u == "" {
		return base + "/", nil
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || len(u) > 2000 {
		return "", errs.InvalidField(field, "%s must be an http(s) URL", field)
	}
	return u, nil
}
