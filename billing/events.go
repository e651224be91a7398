package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

// Outcomes of a recorded event.
const (
	OutcomeApplied        = "applied"
	OutcomeIgnored        = "ignored"
	OutcomeUnknownAccount = "unknown_account"
)

// change applies a verified event inside the transaction that records it,
// returning the viewers whose entitlements it touched.
type change func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error)

// HandleWebhook verifies a Stripe webhook (signature and timestamp within
// the tolerance) and processes it exactly once: the event id and its raw
// JSON are recorded in the same transaction as the change it makes, so a
// redelivery changes nothing. An event of a connected account is applied
// under that account's tenant; one for an account no tenant has is
// recorded and acknowledged, changing nothing.
//
// A bad signature or stale timestamp is Invalid (answer 400: Stripe will not
// fix it by retrying); trouble reaching Stripe or the database is
// Unavailable or Internal (answer 5xx: Stripe redelivers, and since nothing
// committed, the redelivery applies it).
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) error {
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.WebhookSecret,
		webhook.ConstructEventOptions{Tolerance: s.tolerance(), IgnoreAPIVersionMismatch: true})
	if err != nil {
		return &errs.Error{Kind: errs.KindInvalid, Message: "the Stripe-Signature does not verify: " + err.Error(), Err: err}
	}
	if ev.ID == "" || ev.Type == "" {
		return errs.Invalid("the event has no id or type")
	}
	return s.process(ctx, ev, payload)
}

func (s *Service) process(ctx context.Context, ev stripe.Event, raw []byte) error {
	op := fmt.Sprintf("billing.HandleWebhook %s %s", ev.ID, ev.Type)
	if ev.Account == "" {
		// The platform's own events: its billing of tenants (Platform), or,
		// without it or for an object it does not know, recorded and
		// acknowledged.
		return s.processPlatform(ctx, ev, raw)
	}
	var tenant uuid.UUID
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		tenant, err = billingsql.New(tx).TenantIDByStripeAccount(ctx, ev.Account)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: tenant of %s: %w", op, ev.Account, err)
	}
	if tenant == uuid.Nil {
		s.log().Warn("stripe event for an unknown connected account", "event", ev.ID, "account", ev.Account, "type", ev.Type)
		return s.recordOnly(ctx, ev, raw, OutcomeUnknownAccount)
	}
	// A redelivery of an event already applied costs one read, not a refetch.
	var seen string
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		seen, err = billingsql.New(q).EventOutcome(ctx, ev.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if seen != "" {
		return nil
	}
	apply, err := s.prepare(ctx, tenant, ev)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	outcome := OutcomeApplied
	if apply == nil {
		outcome = OutcomeIgnored
	}
	var touched []uuid.UUID
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		now := s.now()
		fresh, err := q.RecordEvent(ctx, billingsql.RecordEventParams{ID: ev.ID, Type: string(ev.Type), AccountID: ev.Account,
			TenantID: &tenant, Outcome: outcome, Payload: raw, Now: now})
		if err != nil || !fresh || apply == nil {
			return err
		}
		touched, err = apply(ctx, q, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for _, v := range touched {
		s.forget(tenant, v)
	}
	return nil
}

// PlatformEvents applies the events of the platform's own Stripe account
// (no connected account: the platform billing its tenants);
// platformbilling.Service implements it. PreparePlatformEvent returns the
// tenant the event is about (uuid.Nil: none, the event is recorded and
// ignored) and the change it makes (nil: none), fetching what it needs from
// Stripe before any transaction opens; apply runs in the tenant's
// transaction that records the event, so a redelivery changes nothing.
type PlatformEvents interface {
	PreparePlatformEvent(ctx context.Context, ev stripe.Event) (tenant uuid.UUID, apply func(ctx context.Context, tx db.Tx, now time.Time) error, err error)
}

func (s *Service) processPlatform(ctx context.Context, ev stripe.Event, raw []byte) error {
	if s.Platform == nil {
		return s.recordOnly(ctx, ev, raw, OutcomeIgnored)
	}
	op := fmt.Sprintf("billing.HandleWebhook %s %s (platform)", ev.ID, ev.Type)
	var seen string
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		seen, err = billingsql.New(tx).EventOutcome(ctx, ev.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if seen != "" {
		return nil
	}
	tenant, apply, err := s.Platform.PreparePlatformEvent(ctx, ev)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if tenant == uuid.Nil {
		return s.recordOnly(ctx, ev, raw, OutcomeIgnored)
	}
	outcome := OutcomeApplied
	if apply == nil {
		outcome = OutcomeIgnored
	}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		fresh, err := billingsql.New(tx).RecordEvent(ctx, billingsql.RecordEventParams{ID: ev.ID, Type: string(ev.Type),
			TenantID: &tenant, Outcome: outcome, Payload: raw, Now: now})
		if err != nil || !fresh || apply == nil {
			return err
		}
		return apply(ctx, tx, now)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// recordOnly records an event that changes nothing.
func (s *Service) recordOnly(ctx context.Context, ev stripe.Event, raw []byte, outcome string) error {
	err := s.DB.System(ctx, func(tx db.Tx) error {
		_, err := billingsql.New(tx).RecordEvent(ctx, billingsql.RecordEventParams{ID: ev.ID, Type: string(ev.Type),
			AccountID: ev.Account, Outcome: outcome, Payload: raw, Now: s.now()})
		return err
	})
	if err != nil {
		return fmt.Errorf("billing.HandleWebhook %s: %w", ev.ID, err)
	}
	return nil
}

// EventOutcome says what became of a recorded event ("" if never received),
// for tests and support.
func (s *Service) EventOutcome(ctx context.Context, id string) (string, error) {
	var out string
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		out, err = billingsql.New(tx).EventOutcome(ctx, id)
		return err
	})
	return out, err
}

// prepare turns an event into the change it makes (nil: none), fetching
// whatever it needs from Stripe before any transaction opens.
func (s *Service) prepare(ctx context.Context, tenant uuid.UUID, ev stripe.Event) (change, error) {
	switch ev.Type {
	case "account.updated":
		var a stripe.Account
		if err := json.Unmarshal(ev.Data.Raw, &a); err != nil {
			return nil, errs.Invalid("account.updated: %v", err)
		}
		if a.ID != ev.Account {
			return nil, nil // not the connected account itself
		}
		// The event's object is the account's whole status; events out of
		// order are settled by when Stripe created them.
		at := time.Unix(ev.Created, 0).UTC()
		return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
			_, err := q.UpdateAccountStatus(ctx, billingsql.UpdateAccountStatusParams{TenantID: tenant, AccountID: a.ID,
				ChargesEnabled: a.ChargesEnabled, DetailsSubmitted: a.DetailsSubmitted, PayoutsEnabled: a.PayoutsEnabled,
				EventAt: at, Now: now})
			if db.IsNoRows(err) {
				return nil, nil // an older event than the status we have
			}
			return nil, err
		}, nil
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
		"customer.subscription.paused", "customer.subscription.resumed":
		var sub stripe.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil {
			return nil, errs.Invalid("%s: %v", ev.Type, err)
		}
		return s.subscriptionChange(ctx, tenant, ev.Account, sub.ID, &sub)
	case "checkout.session.completed", "checkout.session.async_payment_succeeded":
		var sess stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &sess); err != nil {
			return nil, errs.Invalid("%s: %v", ev.Type, err)
		}
		purchase, err := s.purchaseChange(ctx, tenant, ev.Account, &sess)
		if err != nil {
			return nil, err
		}
		return both(purchase, redemptionChange(tenant, &sess)), nil
	case "charge.refunded":
		var c stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &c); err != nil {
			return nil, errs.Invalid("%s: %v", ev.Type, err)
		}
		// A subscription invoice's charge: its refund lowers SVOD revenue
		// (the subscription itself is Stripe's to cancel or not).
		refund := invoiceRefundChange(tenant, &c)
		if !c.Refunded || c.PaymentIntent == nil {
			return refund, nil // a partial refund leaves the purchase standing
		}
		return both(refund, revokeChange(tenant, c.PaymentIntent.ID, "refunded")), nil
	case "charge.dispute.created":
		var d stripe.Dispute
		if err := json.Unmarshal(ev.Data.Raw, &d); err != nil {
			return nil, errs.Invalid("%s: %v", ev.Type, err)
		}
		if d.PaymentIntent == nil {
			return nil, nil
		}
		return revokeChange(tenant, d.PaymentIntent.ID, "disputed"), nil
	case "invoice.payment_failed", "invoice.paid":
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return nil, errs.Invalid("%s: %v", ev.Type, err)
		}
		if inv.Subscription == nil || inv.Subscription.ID == "" {
			return nil, nil
		}
		apply, err := s.subscriptionChange(ctx, tenant, ev.Account, inv.Subscription.ID, nil)
		if err != nil || ev.Type != "invoice.paid" {
			return apply, err
		}
		// What Stripe collected: SVOD revenue (RevenueByModel).
		record, err := invoiceChange(tenant, &inv, time.Unix(ev.Created, 0).UTC())
		if err != nil {
			return nil, err
		}
		return both(apply, record), nil
	}
	return nil, nil
}

// subscriptionChange refetches the subscription (the event's copy may be
// older than one applied already: events arrive in any order, the object
// as Stripe has it now does not) and applies its state. When Stripe no
// longer has it, the event's copy is used.
func (s *Service) subscriptionChange(ctx context.Context, tenant uuid.UUID, acct, id string, fromEvent *stripe.Subscription) (change, error) {
	params := &stripe.SubscriptionParams{Params: onAccount(acct)}
	sub, err := s.Stripe.Subscriptions.Get(id, params)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.Code == stripe.ErrorCodeResourceMissing && fromEvent != nil {
			sub = fromEvent
		} else {
			return nil, stripeErr("refetch subscription "+id, err)
		}
	}
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		v, err := s.applySubscription(ctx, q, tenant, sub, now)
		if err != nil || v == uuid.Nil {
			return nil, err
		}
		return []uuid.UUID{v}, nil
	}, nil
}

// both is a then b in the same transaction (either may be nil).
func both(a, b change) change {
	if a == nil || b == nil {
		if a == nil {
			return b
		}
		return a
	}
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		va, err := a(ctx, q, now)
		if err != nil {
			return nil, err
		}
		vb, err := b(ctx, q, now)
		return append(va, vb...), err
	}
}
