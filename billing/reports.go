package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// SubscriberState is a subscription's state as the console lists it.
type SubscriberState string

// The states: Stripe's own words, but canceling for a subscription that ends
// at its period's end, and ended for one no longer live (canceled, unpaid,
// expired or revoked).
const (
	SubActive    SubscriberState = "active"
	SubTrialing  SubscriberState = "trialing"
	SubPastDue   SubscriberState = "past_due"
	SubCanceling SubscriberState = "canceling"
	SubEnded     SubscriberState = "ended"
)

// Subscriber is one SVOD subscription of a viewer.
type Subscriber struct {
	Entitlement uuid.UUID
	Viewer      uuid.UUID
	Email       string // empty once the account is deleted
	Plan        *uuid.UUID
	PlanName    string
	State       SubscriberState
	// Status is the source's own word (Stripe: active, trialing, past_due, canceled…).
	Status string
	Since  time.Time
	// CurrentPeriodEnd is when the paid (or trial) period ends; nil when the
	// source did not say.
	CurrentPeriodEnd *time.Time
	EndsAt           *time.Time
}

// SubscriberFilter narrows the subscribers list; a nil State lists all.
type SubscriberFilter struct {
	State      *SubscriberState
	Skip, Take int
}

// Subscribers lists the tenant's SVOD subscriptions, newest first, with the
// total that match the filter.
func (s *Service) Subscribers(ctx context.Context, tenant tenants.ID, f SubscriberFilter) ([]Subscriber, int, error) {
	state := ""
	if f.State != nil {
		switch *f.State {
		case SubActive, SubTrialing, SubPastDue, SubCanceling, SubEnded:
			state = string(*f.State)
		default:
			return nil, 0, errs.InvalidField("status", "no such subscription status %q", *f.State)
		}
	}
	if f.Take <= 0 || f.Take > 200 {
		return nil, 0, errs.InvalidField("first", "a page is 1 to 200 subscribers")
	}
	out := []Subscriber{}
	total := 0
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := billingsql.New(q).ListSubscribers(ctx, billingsql.ListSubscribersParams{TenantID: tenant, Now: s.now(),
			State: state, Skip: int32(f.Skip), Take: int32(f.Take)})
		for _, r := range rows {
			total = int(r.Total)
			sub := Subscriber{Entitlement: r.ID, Viewer: r.ViewerID, Email: r.Email, Plan: r.PlanID, PlanName: r.PlanName,
				State: SubscriberState(r.State), Status: r.Status, Since: r.StartsAt.UTC(), EndsAt: r.EndsAt}
			if r.CurrentPeriodEnd > 0 {
				t := time.Unix(r.CurrentPeriodEnd, 0).UTC()
				sub.CurrentPeriodEnd = &t
			}
			out = append(out, sub)
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("billing.Subscribers: %w", err)
	}
	if len(out) == 0 && f.Skip > 0 {
		// Past the last page: the window count is not there to read.
		_, t, err := s.Subscribers(ctx, tenant, SubscriberFilter{State: f.State, Take: 1})
		return out, t, err
	}
	return out, total, nil
}

// RevenueModel is how revenue was earned.
type RevenueModel string

// The models.
const (
	RevenueSVOD RevenueModel = "svod"
	RevenueRent RevenueModel = "rent"
	RevenueBuy  RevenueModel = "buy"
	RevenuePPV  RevenueModel = "ppv"
)

// ModelRevenue is revenue of one model in one currency, in a month or over
// the whole span asked for.
type ModelRevenue struct {
	// Month is the month's first instant (UTC); zero in a total.
	Month    time.Time
	Model    RevenueModel
	Currency string
	Amount   int64 // minor units, before fees
	// Sales counts rentals, purchases and PPV tickets; 0 for SVOD.
	Sales int
}

// Revenue is revenue by model between two times, in total and by month.
type Revenue struct {
	From, To time.Time
	Totals   []ModelRevenue
	Months   []ModelRevenue
}

// RevenueByModel computes revenue by model and currency in [from, to), in
// total and per calendar month (UTC): TVOD rentals and purchases and PPV
// tickets from the ledger, as paid and not refunded; SVOD as money Stripe
// collected, from the subscription invoices paid in the span (invoice.paid):
// amount paid minus its tax minus what was refunded of it since (a refund
// takes back its share of the tax, and lowers the month the invoice was
// paid in), so proration, coupons, failed renewals and refunds are all in
// it. MRR (SalesSummary) stays a figure of the subscriptions themselves.
// The span is at most 400 days.
func (s *Service) RevenueByModel(ctx context.Context, tenant tenants.ID, from, to time.Time) (Revenue, error) {
	from, to = from.UTC(), to.UTC()
	if !to.After(from) {
		return Revenue{}, errs.InvalidField("to", "to must be after from")
	}
	if to.Sub(from) > 400*24*time.Hour {
		return Revenue{}, errs.InvalidField("from", "ask for at most 400 days")
	}
	out := Revenue{From: from, To: to, Totals: []ModelRevenue{}, Months: []ModelRevenue{}}
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := billingsql.New(q).RevenueByModel(ctx, billingsql.RevenueByModelParams{TenantID: tenant, FromTime: from, ToTime: to})
		for _, r := range rows {
			m := ModelRevenue{Model: RevenueModel(r.Model), Currency: r.Currency, Amount: r.Amount, Sales: int(r.Sales)}
			if r.Total {
				out.Totals = append(out.Totals, m)
				continue
			}
			m.Month = r.Month.UTC()
			out.Months = append(out.Months, m)
		}
		return err
	})
	if err != nil {
		return Revenue{}, fmt.Errorf("billing.RevenueByModel: %w", err)
	}
	return out, nil
}

// RetirePlan takes a plan off sale (audited): the storefront no longer
// lists it, Checkout refuses its prices, and its prices and product on the
// connected account are archived (active=false), so nothing sells it from
// Stripe either (a payment link, the portal's plan switcher). Its
// subscribers keep their subscriptions until they cancel: Stripe goes on
// billing an archived price. Retiring it again is NotFound.
//
// Stripe is told first and the plan retired here only once Stripe has
// archived everything: if Stripe is unreachable the retire fails
// (Unavailable) and nothing changes here, and since archiving is
// idempotent, retrying finishes it. The other order (retire here, archive
// later) would need a queue of archives owed to Stripe to be sure they
// happen; a staff member retrying a failed button needs none. Between a
// partial archive and the retry, Checkout of an archived price is refused
// by Stripe, which is what the staff wanted anyway.
func (s *Service) RetirePlan(ctx context.Context, tenant tenants.ID, id uuid.UUID) (Plan, error) {
	var plan billingsql.BillingPlan
	var prices []billingsql.BillingPlanPrice
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		var err error
		plan, err = bq.GetPlan(ctx, billingsql.GetPlanParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) || (err == nil && !plan.Active) {
			return errs.NotFound("no such plan on sale")
		}
		if err != nil {
			return err
		}
		prices, err = bq.ListPlanPrices(ctx, billingsql.ListPlanPricesParams{TenantID: tenant, ActiveOnly: false})
		return err
	})
	if err != nil {
		return Plan{}, fmt.Errorf("billing.RetirePlan %s: %w", id, err)
	}
	acct, err := s.StripeAccount(ctx, tenant)
	if err != nil {
		return Plan{}, fmt.Errorf("billing.RetirePlan %s: %w", id, err)
	}
	if acct != nil {
		for _, pr := range prices {
			if pr.PlanID != id {
				continue
			}
			_, err := s.Stripe.Prices.Update(pr.StripePriceID, &stripe.PriceParams{Params: onAccount(acct.ID), Active: stripe.Bool(false)})
			if err != nil && !stripeMissing(err) {
				return Plan{}, stripeErr(fmt.Sprintf("billing.RetirePlan %s: archive price %s", id, pr.StripePriceID), err)
			}
		}
		_, err := s.Stripe.Products.Update(plan.StripeProductID, &stripe.ProductParams{Params: onAccount(acct.ID), Active: stripe.Bool(false)})
		if err != nil && !stripeMissing(err) {
			return Plan{}, stripeErr(fmt.Sprintf("billing.RetirePlan %s: archive product %s", id, plan.StripeProductID), err)
		}
	}
	var out Plan
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		r, err := q.RetirePlan(ctx, billingsql.RetirePlanParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such plan on sale")
		}
		if err != nil {
			return err
		}
		prices, err := q.RetirePlanPrices(ctx, billingsql.RetirePlanPricesParams{TenantID: tenant, PlanID: id})
		if err != nil {
			return err
		}
		out = planOut(r, prices)
		if err := q.BumpPortalPlansVersion(ctx, tenant); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, s.now(), "billing.plan_retired", "plan", id.String(), map[string]any{"name": r.Name})
	})
	if err != nil {
		return Plan{}, fmt.Errorf("billing.RetirePlan %s: %w", id, err)
	}
	if acct != nil {
		s.planSetChanged(ctx, tenant)
	}
	return out, nil
}

// RemoveTitleOffer takes a title's rent or buy price off sale (audited);
// rentals and purchases already paid stay. An offer already removed is
// NotFound.
func (s *Service) RemoveTitleOffer(ctx context.Context, tenant tenants.ID, id uuid.UUID) (Offer, error) {
	var out Offer
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		r, err := billingsql.New(tx).RemoveTitleOffer(ctx, billingsql.RemoveTitleOfferParams{TenantID: tenant, ID: id, Now: now})
		if db.IsNoRows(err) {
			return errs.NotFound("no such offer")
		}
		if err != nil {
			return err
		}
		out = offerOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.title_offer_removed", "title", r.TitleID.String(),
			map[string]any{"kind": r.Kind, "currency": r.Currency})
	})
	if err != nil {
		return Offer{}, fmt.Errorf("billing.RemoveTitleOffer %s: %w", id, err)
	}
	return out, nil
}
