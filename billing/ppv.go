package billing

import (
	"context"
	"encoding/json"
	"fmt"
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

// EventOffer is a live event's pay-per-view ticket price in one currency.
type EventOffer struct {
	ID       uuid.UUID
	Event    uuid.UUID
	Currency string
	Amount   int64
}

func eventOfferOut(r billingsql.EventOffer) EventOffer {
	return EventOffer{ID: r.ID, Event: r.EventID, Currency: r.Currency, Amount: r.Amount}
}

// getSellableEvent reads an event (NotFound for another tenant's) and
// refuses one that has ended or was canceled (Conflict).
func getSellableEvent(ctx context.Context, q *billingsql.Queries, tenant, event uuid.UUID, now time.Time) (billingsql.LiveEvent, error) {
	ev, err := q.GetLiveEvent(ctx, billingsql.GetLiveEventParams{TenantID: tenant, ID: event})
	if db.IsNoRows(err) {
		return ev, errs.NotFound("no such event")
	}
	if err != nil {
		return ev, err
	}
	if ev.Status == "canceled" || ev.Status == "ended" || !now.Before(ev.EndsAt) {
		return ev, errs.Conflict("this event is over or canceled: it sells no tickets")
	}
	return ev, nil
}

// SetEventOffer sets (or replaces) an event's ticket price in a currency
// (audited). Another tenant's event is NotFound; one over or canceled a
// Conflict.
func (s *Service) SetEventOffer(ctx context.Context, tenant tenants.ID, event uuid.UUID, currency string, amount int64) (EventOffer, error) {
	o := OfferInput{Kind: Buy, Currency: currency, Amount: amount}
	if err := o.Validate(); err != nil {
		return EventOffer{}, err
	}
	var out EventOffer
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		now := s.now()
		if _, err := getSellableEvent(ctx, q, tenant, event, now); err != nil {
			return err
		}
		r, err := q.UpsertEventOffer(ctx, billingsql.UpsertEventOfferParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			EventID: event, Currency: o.Currency, Amount: o.Amount, Now: now})
		if err != nil {
			return err
		}
		out = eventOfferOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.event_offer_set", "live_event", event.String(),
			map[string]any{"currency": o.Currency, "amount": o.Amount})
	})
	if err != nil {
		return EventOffer{}, fmt.Errorf("billing.SetEventOffer: %w", err)
	}
	return out, nil
}

// RemoveEventOffer stops selling an event's tickets in a currency (audited);
// tickets sold stand.
func (s *Service) RemoveEventOffer(ctx context.Context, tenant tenants.ID, event uuid.UUID, currency string) error {
	currency = strings.ToLower(strings.TrimSpace(currency))
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		n, err := billingsql.New(tx).DeactivateEventOffer(ctx, billingsql.DeactivateEventOfferParams{TenantID: tenant,
			EventID: event, Currency: currency, Now: now})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFound("no such event price")
		}
		return audit.Record(ctx, tx, tenant, now, "billing.event_offer_removed", "live_event", event.String(),
			map[string]any{"currency": currency})
	})
	if err != nil {
		return fmt.Errorf("billing.RemoveEventOffer: %w", err)
	}
	return nil
}

// EventOffers lists the active ticket prices of events, per event.
func (s *Service) EventOffers(ctx context.Context, tenant tenants.ID, events []uuid.UUID) (map[uuid.UUID][]EventOffer, error) {
	out := make(map[uuid.UUID][]EventOffer, len(events))
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := billingsql.New(q).ListEventOffers(ctx, billingsql.ListEventOffersParams{TenantID: tenant, EventIds: events})
		for _, r := range rows {
			out[r.EventID] = append(out[r.EventID], eventOfferOut(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.EventOffers: %w", err)
	}
	return out, nil
}

// EventPurchaseInput buys a ticket to an event in a currency.
type EventPurchaseInput struct {
	Viewer                uuid.UUID
	Event                 uuid.UUID
	Currency              string
	SuccessURL, CancelURL string
}

// PurchaseEvent opens a Stripe Checkout session in payment mode for a
// pay-per-view ticket, on the tenant's connected account with the
// platform's fee. The ticket (an entitlement of kind ppv naming the event)
// comes with checkout.session.completed. Another tenant's event is
// NotFound; an event over or canceled a Conflict; a currency it is not
// sold in, or another than the viewer already pays in, Invalid; a viewer
// holding a ticket already a Conflict.
func (s *Service) PurchaseEvent(ctx context.Context, tenant tenants.ID, in EventPurchaseInput) (CheckoutSession, error) {
	in.Currency = strings.ToLower(strings.TrimSpace(in.Currency))
	success, cancel, acct, err := s.sellingAccount(ctx, tenant, in.SuccessURL, in.CancelURL)
	if err != nil {
		return CheckoutSession{}, err
	}
	var ev billingsql.LiveEvent
	var offers []billingsql.EventOffer
	var customer *billingsql.BillingCustomer
	var held bool
	now := s.now()
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		var err error
		if ev, err = getSellableEvent(ctx, bq, tenant, in.Event, now); err != nil {
			return err
		}
		if offers, err = bq.ListEventOffers(ctx, billingsql.ListEventOffersParams{TenantID: tenant, EventIds: []uuid.UUID{ev.ID}}); err != nil {
			return err
		}
		if held, err = bq.EventEntitled(ctx, billingsql.EventEntitledParams{TenantID: tenant, ViewerID: in.Viewer, EventID: &ev.ID, Now: now}); err != nil {
			return err
		}
		customer, err = getCustomer(ctx, bq, tenant, in.Viewer)
		return err
	})
	if err != nil {
		return CheckoutSession{}, fmt.Errorf("billing.PurchaseEvent: %w", err)
	}
	if held {
		return CheckoutSession{}, errs.Conflict("you already hold a ticket to this event")
	}
	var offer *billingsql.EventOffer
	var currencies []string
	for i, o := range offers {
		currencies = append(currencies, strings.ToUpper(o.Currency))
		if o.Currency == in.Currency {
			offer = &offers[i]
		}
	}
	if offer == nil {
		if len(currencies) == 0 {
			return CheckoutSession{}, errs.Conflict("tickets to this event are not on sale")
		}
		return CheckoutSession{}, errs.InvalidField("currency", "this event is not sold in %q; it is sold in %s",
			strings.ToUpper(in.Currency), strings.Join(currencies, ", "))
	}
	if err := sameCurrency(customer, offer.Currency); err != nil {
		return CheckoutSession{}, err
	}
	meta := map[string]string{metaTenant: tenant.String(), metaViewer: in.Viewer.String(), metaEventOffer: offer.ID.String()}
	return s.paymentCheckout(acct, in.Viewer, customer, offer.Currency, offer.Amount, ev.Name+" — pay-per-view", meta,
		success, cancel, "billing.PurchaseEvent")
}

// eventGrant is the change a paid ticket session makes: a ppv entitlement
// naming the event, open-ended (the event's status says whether there is
// anything to watch).
func eventGrant(tenant, viewer, offerID uuid.UUID, sess, pi, revoked string) change {
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		o, err := q.GetEventOffer(ctx, billingsql.GetEventOfferParams{TenantID: tenant, ID: offerID})
		if db.IsNoRows(err) {
			return nil, nil // withdrawn meanwhile; support refunds it
		}
		if err != nil {
			return nil, err
		}
		verification, _ := json.Marshal(map[string]any{"checkout_session": sess, "payment_intent": pi, "amount": o.Amount,
			"currency": o.Currency, "event": o.EventID, "event_offer": o.ID, "checked_at": now})
		ev := o.EventID
		return grantPaid(ctx, q, billingsql.UpsertEntitlementParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			ViewerID: viewer, Source: string(SourceStripe), ExternalID: pi, Verification: verification, Kind: string(KindPPV),
			Scope: string(ScopeEvent), CollectionIds: []uuid.UUID{}, EventID: &ev, Status: "paid", StartsAt: now, Now: now}, revoked)
	}
}

// EventTicketCount is how many tickets to an event stand (not revoked);
// live.Service asks it before canceling.
func (s *Service) EventTicketCount(ctx context.Context, tenant tenants.ID, event uuid.UUID) (int, error) {
	var n int
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := billingsql.New(q).EventTickets(ctx, billingsql.EventTicketsParams{TenantID: tenant, EventID: &event})
		n = len(rows)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("billing.EventTicketCount %s: %w", event, err)
	}
	return n, nil
}

// RefundEventTickets refunds every standing Stripe ticket to an event in
// full on the connected account (the platform fee with it) and revokes it;
// tickets from other sources are revoked without a refund. It returns how
// many were revoked. A failure part-way leaves the rest standing; calling
// again finishes the job (each refund has an idempotency key).
func (s *Service) RefundEventTickets(ctx context.Context, tenant tenants.ID, event uuid.UUID, reason string) (int, error) {
	if reason == "" {
		reason = "event canceled"
	}
	var tickets []billingsql.Entitlement
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		tickets, err = billingsql.New(q).EventTickets(ctx, billingsql.EventTicketsParams{TenantID: tenant, EventID: &event})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("billing.RefundEventTickets %s: %w", event, err)
	}
	if len(tickets) == 0 {
		return 0, nil
	}
	acct, err := s.StripeAccount(ctx, tenant)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range tickets {
		refundID := ""
		if e.Source == string(SourceStripe) {
			if acct == nil {
				return n, errs.Conflict("this workspace has no Stripe account connected: tickets cannot be refunded")
			}
			rp := &stripe.RefundParams{Params: onAccount(acct.ID), PaymentIntent: stripe.String(e.ExternalID),
				RefundApplicationFee: stripe.Bool(true), Reason: stripe.String(string(stripe.RefundReasonRequestedByCustomer))}
			rp.SetIdempotencyKey("marquee-refund-" + e.ID.String())
			rp.AddMetadata("marquee_entitlement", e.ID.String())
			refund, err := s.Stripe.Refunds.New(rp)
			if err != nil {
				return n, stripeErr("billing.RefundEventTickets", err)
			}
			refundID = refund.ID
		}
		err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
			now := s.now()
			_, err := billingsql.New(tx).RevokeEntitlement(ctx, billingsql.RevokeEntitlementParams{TenantID: tenant, ID: e.ID,
				Reason: "refunded: " + reason, Now: now})
			if db.IsNoRows(err) {
				return nil // revoked meanwhile (a charge.refunded webhook)
			}
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, tenant, now, "billing.refunded", "entitlement", e.ID.String(),
				map[string]any{"viewer": e.ViewerID.String(), "refund": refundID, "payment_intent": e.ExternalID, "reason": reason,
					"event": event.String()})
		})
		if err != nil {
			return n, fmt.Errorf("billing.RefundEventTickets %s: %w", event, err)
		}
		s.forget(tenant, e.ViewerID)
		n++
	}
	return n, nil
}
