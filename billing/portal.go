package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// portalMaxProducts is how many products Stripe lets a portal configuration
// offer for plan switching; plans beyond it (the newest) are not offered in
// the portal, though changeSubscriptionPlan still reaches them.
const portalMaxProducts = 10

// createProrations is Stripe's proration_behavior for plan changes.
const createProrations = "create_prorations"

// portalCancellationReasons are the reasons the portal asks a leaving
// viewer for (Stripe's fixed set).
var portalCancellationReasons = []string{"too_expensive", "missing_features", "switched_service", "unused",
	"customer_service", "too_complex", "low_quality", "other"}

// portalConfigParams is the customer portal Marquee keeps on a connected
// account: switching among the active plans' prices (and entering a
// promotion code) with prorations, cancelling at the period's end with a
// reason, payment methods, invoices and the email address.
func portalConfigParams(acct string, plans []billingsql.BillingPlan, prices []billingsql.BillingPlanPrice) *stripe.BillingPortalConfigurationParams {
	var products []*stripe.BillingPortalConfigurationFeaturesSubscriptionUpdateProductParams
	for _, p := range plans {
		if !p.Active || len(products) == portalMaxProducts {
			continue
		}
		pp := &stripe.BillingPortalConfigurationFeaturesSubscriptionUpdateProductParams{Product: stripe.String(p.StripeProductID)}
		for _, pr := range prices {
			if pr.PlanID == p.ID && pr.Active {
				pp.Prices = append(pp.Prices, stripe.String(pr.StripePriceID))
			}
		}
		if len(pp.Prices) > 0 {
			products = append(products, pp)
		}
	}
	update := &stripe.BillingPortalConfigurationFeaturesSubscriptionUpdateParams{Enabled: stripe.Bool(len(products) > 0)}
	if len(products) > 0 { // Stripe refuses plan switching with nothing to switch to
		update.DefaultAllowedUpdates = stripe.StringSlice([]string{"price", "promotion_code"})
		update.ProrationBehavior = stripe.String(createProrations)
		update.Products = products
	}
	return &stripe.BillingPortalConfigurationParams{Params: onAccount(acct),
		Features: &stripe.BillingPortalConfigurationFeaturesParams{
			SubscriptionUpdate: update,
			SubscriptionCancel: &stripe.BillingPortalConfigurationFeaturesSubscriptionCancelParams{Enabled: stripe.Bool(true),
				Mode: stripe.String("at_period_end"),
				CancellationReason: &stripe.BillingPortalConfigurationFeaturesSubscriptionCancelCancellationReasonParams{
					Enabled: stripe.Bool(true), Options: stripe.StringSlice(portalCancellationReasons)}},
			PaymentMethodUpdate: &stripe.BillingPortalConfigurationFeaturesPaymentMethodUpdateParams{Enabled: stripe.Bool(true)},
			InvoiceHistory:      &stripe.BillingPortalConfigurationFeaturesInvoiceHistoryParams{Enabled: stripe.Bool(true)},
			CustomerUpdate: &stripe.BillingPortalConfigurationFeaturesCustomerUpdateParams{Enabled: stripe.Bool(true),
				AllowedUpdates: stripe.StringSlice([]string{"email"})},
		}}
}

// portalConfiguration returns the account's portal configuration, making or
// updating it on Stripe first when the plan set changed since it was last
// written (or it was never made).
func (s *Service) portalConfiguration(ctx context.Context, tenant tenants.ID) (string, error) {
	var row billingsql.StripeAccount
	var plans []billingsql.BillingPlan
	var prices []billingsql.BillingPlanPrice
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		var err error
		if row, err = bq.GetAccount(ctx, tenant); err != nil {
			return err // the version first: plans read after it are at least as new
		}
		if plans, err = bq.ListPlans(ctx, billingsql.ListPlansParams{TenantID: tenant, ActiveOnly: true}); err != nil {
			return err
		}
		prices, err = bq.ListPlanPrices(ctx, billingsql.ListPlanPricesParams{TenantID: tenant, ActiveOnly: true})
		return err
	})
	if db.IsNoRows(err) {
		return "", errs.Conflict("this workspace has not connected a Stripe account yet")
	}
	if err != nil {
		return "", err
	}
	if row.PortalConfigurationID != "" && row.PortalSyncedVersion >= row.PortalPlansVersion {
		return row.PortalConfigurationID, nil
	}
	params := portalConfigParams(row.AccountID, plans, prices)
	id := row.PortalConfigurationID
	if id != "" {
		params.Active = stripe.Bool(true) // switched off in the dashboard: on again
		_, err = s.Stripe.BillingPortalConfigurations.Update(id, params)
		if stripeMissing(err) {
			id, params = "", portalConfigParams(row.AccountID, plans, prices)
		} else if err != nil {
			return "", stripeErr("billing: portal configuration", err)
		}
	}
	if id == "" {
		// Under the plan-set version: two first portal sessions at once make one.
		params.SetIdempotencyKey("marquee-portal-" + row.AccountID + "-" + strconv.FormatInt(row.PortalPlansVersion, 10))
		c, err := s.Stripe.BillingPortalConfigurations.New(params)
		if err != nil {
			return "", stripeErr("billing: portal configuration", err)
		}
		id = c.ID
	}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		return billingsql.New(tx).SetPortalConfiguration(ctx, billingsql.SetPortalConfigurationParams{TenantID: tenant,
			ConfigurationID: id, SyncedVersion: row.PortalPlansVersion})
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// planSetChanged brings the portal configuration up to date after a plan was
// made, priced or retired (the version was bumped with the change). Stripe
// failing leaves it stale, to be written at the next portal session; the
// plan change itself stands.
func (s *Service) planSetChanged(ctx context.Context, tenant tenants.ID) {
	if _, err := s.portalConfiguration(ctx, tenant); err != nil {
		s.log().Warn("billing: portal configuration left stale until the next portal session", "tenant", tenant, "err", err)
	}
}

// Subscription is a viewer's SVOD subscription as the storefront shows it.
type Subscription struct {
	ID string // sub_…
	// Price is the plan price it bills (nil: a price not of ours, made in
	// the Stripe dashboard, say).
	Price             *Price
	Plan              *uuid.UUID
	Status            string // Stripe's: active, trialing, past_due, canceled…
	CurrentPeriodEnd  time.Time
	CancelAtPeriodEnd bool
}

// subscriptionState is what applySubscription recorded of Stripe's
// subscription in the entitlement's verification.
type subscriptionState struct {
	Subscription      string `json:"subscription"`
	Price             string `json:"price"`
	Status            string `json:"status"`
	CurrentPeriodEnd  int64  `json:"current_period_end"`
	CancelAtPeriodEnd bool   `json:"cancel_at_period_end"`
}

// viewerSubscription is the viewer's newest subscription entitlement as
// Stripe last reported it; liveOnly: only one still granting access (nil
// when none).
func (s *Service) viewerSubscription(ctx context.Context, tenant tenants.ID, viewer uuid.UUID, liveOnly bool) (*Subscription, error) {
	var out *Subscription
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		now := s.now()
		r, err := bq.ViewerSubscriptionEntitlement(ctx, billingsql.ViewerSubscriptionEntitlementParams{TenantID: tenant, ViewerID: viewer, Now: now})
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		var st subscriptionState
		if err := json.Unmarshal(r.Verification, &st); err != nil {
			return fmt.Errorf("entitlement %s: %w", r.ID, err)
		}
		live := entitlementOut(r).ActiveAt(now) && (st.Status == "active" || st.Status == "trialing" || st.Status == "past_due")
		if liveOnly && !live {
			return nil
		}
		out = &Subscription{ID: r.ExternalID, Plan: r.PlanID, Status: st.Status, CurrentPeriodEnd: time.Unix(st.CurrentPeriodEnd, 0).UTC(),
			CancelAtPeriodEnd: st.CancelAtPeriodEnd}
		if pr, err := bq.GetPlanPriceByStripeID(ctx, billingsql.GetPlanPriceByStripeIDParams{TenantID: tenant, StripePriceID: st.Price}); err == nil {
			p := priceOut(pr)
			out.Price = &p
		} else if !db.IsNoRows(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("billing.viewerSubscription: %w", err)
	}
	return out, nil
}

// MySubscription is the viewer's subscription as the ledger last recorded
// it from Stripe (a live one first, else the newest ended); nil: none.
func (s *Service) MySubscription(ctx context.Context, tenant tenants.ID, viewer uuid.UUID) (*Subscription, error) {
	return s.viewerSubscription(ctx, tenant, viewer, false)
}

// subscriptionOut is Stripe's answer to a change, priced from our plans.
func (s *Service) subscriptionOut(ctx context.Context, tenant tenants.ID, sub *stripe.Subscription) (Subscription, error) {
	out := Subscription{ID: sub.ID, Status: string(sub.Status), CurrentPeriodEnd: time.Unix(sub.CurrentPeriodEnd, 0).UTC(),
		CancelAtPeriodEnd: sub.CancelAtPeriodEnd || sub.CancelAt > 0}
	if sub.Items == nil || len(sub.Items.Data) == 0 || sub.Items.Data[0].Price == nil {
		return out, nil
	}
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		pr, err := billingsql.New(q).GetPlanPriceByStripeID(ctx, billingsql.GetPlanPriceByStripeIDParams{TenantID: tenant,
			StripePriceID: sub.Items.Data[0].Price.ID})
		if db.IsNoRows(err) {
			return nil
		}
		if err == nil {
			p := priceOut(pr)
			out.Price, out.Plan = &p, &p.Plan
		}
		return err
	})
	return out, err
}

// liveForChange is the viewer's live subscription and the account it is on.
func (s *Service) liveForChange(ctx context.Context, tenant tenants.ID, viewer uuid.UUID) (*Subscription, *Account, error) {
	cur, err := s.viewerSubscription(ctx, tenant, viewer, true)
	if err != nil {
		return nil, nil, err
	}
	if cur == nil {
		return nil, nil, errs.NotFound("you have no active subscription")
	}
	acct, err := s.StripeAccount(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	if acct == nil {
		return nil, nil, errs.Conflict("this workspace has not connected a Stripe account yet")
	}
	return cur, acct, nil
}

// ChangeSubscriptionPlan moves the viewer's live subscription to another
// plan price (upgrade or downgrade) with prorations: Stripe credits the
// unused part of the period and charges the new price's share on the next
// invoice. Another tenant's price is NotFound; a retired plan or price a
// Conflict, as is the price the viewer already pays; a price in another
// currency than the subscription's is Invalid (Stripe cannot switch a
// subscription's currency); no live subscription is NotFound; Stripe
// unreachable is Unavailable and changes nothing.
//
// The ledger is not touched here: the entitlement follows Stripe's
// customer.subscription.updated, its state read from Stripe as for every
// other change (and the access cache forgotten then). What is returned is
// Stripe's answer to the update.
func (s *Service) ChangeSubscriptionPlan(ctx context.Context, tenant tenants.ID, viewer, priceID uuid.UUID) (Subscription, error) {
	const op = "billing.ChangeSubscriptionPlan"
	var price billingsql.BillingPlanPrice
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		var err error
		price, err = bq.GetPlanPrice(ctx, billingsql.GetPlanPriceParams{TenantID: tenant, ID: priceID})
		if db.IsNoRows(err) {
			return errs.NotFound("no such price")
		}
		if err != nil {
			return err
		}
		plan, err := bq.GetPlan(ctx, billingsql.GetPlanParams{TenantID: tenant, ID: price.PlanID})
		if err != nil {
			return err
		}
		if !plan.Active || !price.Active {
			return errs.Conflict("that plan is no longer on sale")
		}
		return nil
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("%s: %w", op, err)
	}
	cur, acct, err := s.liveForChange(ctx, tenant, viewer)
	if err != nil {
		return Subscription{}, fmt.Errorf("%s: %w", op, err)
	}
	if cur.Price != nil && cur.Price.ID == price.ID {
		return Subscription{}, errs.Conflict("you are already on that price")
	}
	if cur.Price != nil && cur.Price.Currency != price.Currency {
		return Subscription{}, currencyErr(cur.Price.Currency)
	}
	sub, err := s.Stripe.Subscriptions.Get(cur.ID, &stripe.SubscriptionParams{Params: onAccount(acct.ID)})
	if err != nil {
		return Subscription{}, stripeErr(op+": read subscription", err)
	}
	if sub.Items == nil || len(sub.Items.Data) != 1 {
		return Subscription{}, errs.Conflict("this subscription has several items: change it in the customer portal")
	}
	item := sub.Items.Data[0]
	if item.Price != nil && item.Price.ID == price.StripePriceID {
		return Subscription{}, errs.Conflict("you are already on that price")
	}
	if sub.Currency != "" && string(sub.Currency) != price.Currency {
		return Subscription{}, currencyErr(string(sub.Currency))
	}
	params := &stripe.SubscriptionParams{Params: onAccount(acct.ID),
		Items:             []*stripe.SubscriptionItemsParams{{ID: stripe.String(item.ID), Price: stripe.String(price.StripePriceID)}},
		ProrationBehavior: stripe.String(createProrations)}
	params.AddMetadata("marquee_plan", price.PlanID.String())
	updated, err := s.Stripe.Subscriptions.Update(cur.ID, params)
	if err != nil {
		return Subscription{}, stripeErr(op, err)
	}
	return s.subscriptionOut(ctx, tenant, updated)
}

func currencyErr(cur string) error {
	return errs.InvalidField("priceId", "your subscription is billed in %s: choose a %s price", strings.ToUpper(cur), strings.ToUpper(cur))
}

// CancelSubscription ends the viewer's live subscription at its period's end
// (access stays until then); ResumeSubscription undoes that before the end.
// No live subscription is NotFound; Stripe unreachable is Unavailable and
// changes nothing. As with plan changes the ledger follows Stripe's event.
func (s *Service) CancelSubscription(ctx context.Context, tenant tenants.ID, viewer uuid.UUID) (Subscription, error) {
	return s.setCancelAtPeriodEnd(ctx, tenant, viewer, true)
}

// ResumeSubscription keeps a subscription cancelled at its period's end
// going (see CancelSubscription).
func (s *Service) ResumeSubscription(ctx context.Context, tenant tenants.ID, viewer uuid.UUID) (Subscription, error) {
	return s.setCancelAtPeriodEnd(ctx, tenant, viewer, false)
}

func (s *Service) setCancelAtPeriodEnd(ctx context.Context, tenant tenants.ID, viewer uuid.UUID, cancel bool) (Subscription, error) {
	op := "billing.CancelSubscription"
	if !cancel {
		op = "billing.ResumeSubscription"
	}
	cur, acct, err := s.liveForChange(ctx, tenant, viewer)
	if err != nil {
		return Subscription{}, fmt.Errorf("%s: %w", op, err)
	}
	updated, err := s.Stripe.Subscriptions.Update(cur.ID, &stripe.SubscriptionParams{Params: onAccount(acct.ID),
		CancelAtPeriodEnd: stripe.Bool(cancel)})
	if err != nil {
		return Subscription{}, stripeErr(op, err)
	}
	return s.subscriptionOut(ctx, tenant, updated)
}

// Plan is one of the tenant's plans, retired ones too; nil when there is
// none of that id.
func (s *Service) Plan(ctx context.Context, tenant tenants.ID, id uuid.UUID) (*Plan, error) {
	plans, err := s.Plans(ctx, tenant, false)
	if err != nil {
		return nil, err
	}
	for i := range plans {
		if plans[i].ID == id {
			return &plans[i], nil
		}
	}
	return nil, nil
}
