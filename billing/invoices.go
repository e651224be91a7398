package billing

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// SubscriptionInvoice is one paid invoice of a subscription on the
// tenant's connected account: SVOD money as Stripe collected it.
type SubscriptionInvoice struct {
	InvoiceID    string // in_… on the connected account
	Subscription string // sub_…
	// Viewer and Plan are nil when the invoice's subscription and customer
	// are not ours (made in the Stripe dashboard, say): the money was still
	// collected on the tenant's account.
	Viewer   *uuid.UUID
	Plan     *uuid.UUID
	Currency string
	// AmountPaid is what was collected, tax included; Tax its tax;
	// Refunded what was refunded of its charge since (minor units).
	AmountPaid, Tax, Refunded int64
	PaidAt                    time.Time
}

var currencyRE = regexp.MustCompile(`^[a-z]{3}$`)

// invoiceChange records a paid subscription invoice once (a redelivery,
// or the same invoice in another event, inserts nothing). Its amounts come
// from the event's copy: a paid invoice's amounts never change afterwards
// (refunds are the charge's, charge.refunded); the subscription itself is
// refetched and applied before it (both), so the viewer and plan are found
// from the ledger as it stands after this event.
func invoiceChange(tenant uuid.UUID, inv *stripe.Invoice, eventAt time.Time) (change, error) {
	if inv.ID == "" || inv.Subscription == nil || inv.Subscription.ID == "" {
		return nil, nil
	}
	cur := string(inv.Currency)
	if !strings.HasPrefix(inv.ID, "in_") || !currencyRE.MatchString(cur) || inv.AmountPaid < 0 || inv.Tax < 0 {
		return nil, errs.Invalid("invoice.paid %s: a currency %q and amounts %d (tax %d) that cannot be recorded", inv.ID, cur, inv.AmountPaid, inv.Tax)
	}
	tax := inv.Tax
	if inv.Total > inv.AmountPaid && inv.Total > 0 {
		// Part was paid from the customer's balance: only the share of the
		// tax on what was collected now is this invoice's.
		tax = inv.Tax * inv.AmountPaid / inv.Total
	}
	tax = min(tax, inv.AmountPaid)
	paidAt := eventAt
	if inv.StatusTransitions != nil && inv.StatusTransitions.PaidAt > 0 {
		paidAt = time.Unix(inv.StatusTransitions.PaidAt, 0).UTC()
	}
	var prices []string
	if inv.Lines != nil {
		for _, l := range inv.Lines.Data {
			if l != nil && l.Price != nil && l.Price.ID != "" {
				prices = append(prices, l.Price.ID)
			}
		}
	}
	customer := ""
	if inv.Customer != nil {
		customer = inv.Customer.ID
	}
	sub := inv.Subscription.ID
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		var viewer, plan *uuid.UUID
		e, err := q.GetEntitlementByExternal(ctx, billingsql.GetEntitlementByExternalParams{TenantID: tenant,
			Source: string(SourceStripe), ExternalID: sub})
		switch {
		case err == nil && e.Kind == string(KindSVOD):
			viewer, plan = &e.ViewerID, e.PlanID
		case err != nil && !db.IsNoRows(err):
			return nil, err
		}
		if viewer == nil && customer != "" {
			v, err := q.ViewerOfStripeCustomer(ctx, billingsql.ViewerOfStripeCustomerParams{TenantID: tenant, StripeCustomerID: customer})
			if err != nil && !db.IsNoRows(err) {
				return nil, err
			}
			if err == nil {
				viewer = &v
			}
		}
		for _, p := range prices { // the plan the invoice charged for, over the subscription's plan now
			pr, err := q.GetPlanPriceByStripeID(ctx, billingsql.GetPlanPriceByStripeIDParams{TenantID: tenant, StripePriceID: p})
			if err == nil {
				plan = &pr.PlanID
				break
			}
			if !db.IsNoRows(err) {
				return nil, err
			}
		}
		_, err = q.RecordSubscriptionInvoice(ctx, billingsql.RecordSubscriptionInvoiceParams{TenantID: tenant, InvoiceID: inv.ID,
			ViewerID: viewer, SubscriptionID: sub, PlanID: plan, Currency: cur, AmountPaid: inv.AmountPaid, Tax: tax,
			PaidAt: paidAt, Now: now})
		return nil, err
	}, nil
}

// invoiceRefundChange records how much of a subscription invoice's charge
// Stripe says is refunded. amount_refunded is cumulative, so the largest
// figure seen is kept: refunds delivered late, twice or before the
// invoice.paid settle on the same figure.
func invoiceRefundChange(tenant uuid.UUID, c *stripe.Charge) change {
	if c.ID == "" || c.Invoice == nil || c.Invoice.ID == "" || c.AmountRefunded <= 0 {
		return nil
	}
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		return nil, q.RecordInvoiceRefund(ctx, billingsql.RecordInvoiceRefundParams{TenantID: tenant, ChargeID: c.ID,
			InvoiceID: c.Invoice.ID, AmountRefunded: c.AmountRefunded, Now: now})
	}
}

// SubscriptionInvoices lists the tenant's paid subscription invoices, newest
// first (at most take, 1 to 200), of one viewer or (nil) all.
func (s *Service) SubscriptionInvoices(ctx context.Context, tenant tenants.ID, viewer *uuid.UUID, take int) ([]SubscriptionInvoice, error) {
	if take <= 0 || take > 200 {
		return nil, errs.InvalidField("first", "a page is 1 to 200 invoices")
	}
	out := []SubscriptionInvoice{}
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := billingsql.New(q).ListSubscriptionInvoices(ctx, billingsql.ListSubscriptionInvoicesParams{TenantID: tenant,
			ViewerID: viewer, Take: int32(take)})
		for _, r := range rows {
			out = append(out, SubscriptionInvoice{InvoiceID: r.InvoiceID, Subscription: r.SubscriptionID, Viewer: r.ViewerID,
				Plan: r.PlanID, Currency: r.Currency, AmountPaid: r.AmountPaid, Tax: r.Tax, Refunded: r.Refunded, PaidAt: r.PaidAt.UTC()})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.SubscriptionInvoices: %w", err)
	}
	return out, nil
}
