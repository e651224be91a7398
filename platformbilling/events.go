package platformbilling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/platformbilling/internal/platformbillingsql"
	"github.com/marquee-ott/marquee/tenants"
)

// PreparePlatformEvent implements billing.PlatformEvents for the events of
// the platform's own account: invoice.paid, invoice.payment_failed and
// customer.subscription.created/updated/deleted of a workspace's platform
// customer refetch the subscription (events arrive in any order; the object
// as Stripe has it now does not) and apply its status, period and plan. An
// event of a customer no workspace has, or of another type, changes nothing
// (tenant uuid.Nil).
func (s *Service) PreparePlatformEvent(ctx context.Context, ev stripe.Event) (uuid.UUID, func(context.Context, db.Tx, time.Time) error, error) {
	var customer, subID, invoice string
	var fromEvent *stripe.Subscription
	switch ev.Type {
	case "invoice.paid", "invoice.payment_failed":
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return uuid.Nil, nil, errs.Invalid("%s: %v", ev.Type, err)
		}
		if inv.Customer == nil || inv.Subscription == nil {
			return uuid.Nil, nil, nil
		}
		customer, subID, invoice = inv.Customer.ID, inv.Subscription.ID, inv.ID
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		var sub stripe.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil {
			return uuid.Nil, nil, errs.Invalid("%s: %v", ev.Type, err)
		}
		if sub.Customer == nil {
			return uuid.Nil, nil, nil
		}
		customer, subID, fromEvent = sub.Customer.ID, sub.ID, &sub
	default:
		return uuid.Nil, nil, nil
	}
	var tenant uuid.UUID
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		tenant, err = platformbillingsql.New(tx).TenantByCustomer(ctx, customer)
		return err
	})
	if err != nil {
		return uuid.Nil, nil, fmt.Errorf("platformbilling: tenant of %s: %w", customer, err)
	}
	if tenant == uuid.Nil {
		return uuid.Nil, nil, nil
	}
	sub, err := s.Stripe.Subscriptions.Get(subID, nil)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.Code == stripe.ErrorCodeResourceMissing && fromEvent != nil {
			sub = fromEvent
		} else {
			return uuid.Nil, nil, stripeErr("platformbilling: refetch subscription "+subID, err)
		}
	}
	if sub.ID != subID {
		// stripe-mock, or a Stripe oddity: trust the id we asked for.
		sub.ID = subID
	}
	at := time.Unix(ev.Created, 0).UTC()
	return tenant, func(ctx context.Context, tx db.Tx, now time.Time) error {
		return applySubscription(ctx, platformbillingsql.New(tx), tenant, sub, invoice, at, now)
	}, nil
}

// applySubscription writes Stripe's view of a platform subscription; an
// event older than the status we have changes nothing.
func applySubscription(ctx context.Context, q *platformbillingsql.Queries, tenant tenants.ID, sub *stripe.Subscription,
	invoice string, at, now time.Time) error {
	cur, err := q.GetSubscription(ctx, tenant)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if cur.StripeSubscriptionID != sub.ID {
		return nil // an old subscription of the customer's
	}
	var planID *uuid.UUID
	if sub.Items != nil {
		for _, it := range sub.Items.Data {
			if it.Price == nil {
				continue
			}
			id, err := q.PlanByBasePrice(ctx, it.Price.ID)
			if err == nil {
				planID = &id
				break
			}
			if !db.IsNoRows(err) {
				return err
			}
		}
	}
	_, err = q.ApplySubscriptionStatus(ctx, platformbillingsql.ApplySubscriptionStatusParams{TenantID: tenant,
		StripeSubscriptionID: sub.ID, Status: string(sub.Status), PeriodStart: unixOr(sub.CurrentPeriodStart, cur.PeriodStart),
		PeriodEnd: unixOr(sub.CurrentPeriodEnd, cur.PeriodEnd), PlanID: planID, EventAt: &at, Now: now})
	if db.IsNoRows(err) {
		return nil // an older event than the status we have
	}
	if err != nil || invoice == "" {
		return err
	}
	return q.SetLastInvoice(ctx, platformbillingsql.SetLastInvoiceParams{TenantID: tenant, InvoiceID: invoice, Now: now})
}

// Invoice is one of the platform's invoices to a workspace.
type Invoice struct {
	ID       string
	Number   string
	Status   string // draft, open, paid, uncollectible, void
	Currency string
	// Amounts in minor units.
	Total, AmountDue, AmountPaid int64
	Created                      time.Time
	PeriodStart, PeriodEnd       time.Time
	// HostedURL is Stripe's page for the invoice (pay, download); PDFURL its PDF.
	HostedURL, PDFURL string
}

// Invoices lists the platform's latest invoices (at most 24) to the
// workspace, newest first, from Stripe; none before a plan is chosen.
func (s *Service) Invoices(ctx context.Context, tenant tenants.ID) ([]Invoice, error) {
	out := []Invoice{}
	sub, err := s.Subscription(ctx, tenant)
	if err != nil || sub == nil {
		return out, err
	}
	p := &stripe.InvoiceListParams{Customer: stripe.String(sub.CustomerID)}
	p.Limit = stripe.Int64(24)
	p.Single = true // one page
	it := s.Stripe.Invoices.List(p)
	for it.Next() {
		inv := it.Invoice()
		out = append(out, Invoice{ID: inv.ID, Number: inv.Number, Status: string(inv.Status), Currency: string(inv.Currency),
			Total: inv.Total, AmountDue: inv.AmountDue, AmountPaid: inv.AmountPaid, Created: time.Unix(inv.Created, 0).UTC(),
			PeriodStart: time.Unix(inv.PeriodStart, 0).UTC(), PeriodEnd: time.Unix(inv.PeriodEnd, 0).UTC(),
			HostedURL: inv.HostedInvoiceURL, PDFURL: inv.InvoicePDF})
		if len(out) == 24 {
			break
		}
	}
	if err := it.Err(); err != nil {
		return nil, stripeErr("platformbilling.Invoices", err)
	}
	return out, nil
}
