package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/live"
)

func ticketCompleted(id string, tenant, viewer, offer uuid.UUID, pi string) map[string]any {
	return map[string]any{"id": id, "object": "checkout.session", "mode": "payment", "payment_status": "paid", "status": "complete",
		"payment_intent": pi, "metadata": map[string]any{"marquee_tenant": tenant.String(), "marquee_viewer": viewer.String(),
			"marquee_event_offer": offer.String()}}
}

func (e *env) liveService() *live.Service {
	return &live.Service{DB: e.db, Tickets: e.svc, Now: e.clock.Now}
}

func (e *env) mustEvent(t *testing.T, ls *live.Service, tenant uuid.UUID) live.Event {
	t.Helper()
	start := e.clock.Now().Add(24 * time.Hour)
	ev, err := ls.CreateEvent(context.Background(), tenant, live.EventInput{Name: "Title fight", StartsAt: start, EndsAt: start.Add(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// Pay-per-view end to end: an event's ticket price; Checkout on the
// connected account with the fee; the paid session (three deliveries) is one
// ppv ticket naming the event, which CheckEvent admits; canceling the event
// is refused while tickets stand, and with refund it refunds each ticket on
// the connected account (fee included) and revokes it.
func TestEventTicketThenCancelWithRefund(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	ls := e.liveService()
	ev := e.mustEvent(t, ls, tenant)
	offer, err := e.svc.SetEventOffer(ctx, tenant, ev.ID, "USD", 2500)
	if err != nil {
		t.Fatal(err)
	}
	viewer := uuid.New()
	if d, _ := e.svc.CheckEvent(ctx, tenant, viewer, ev.ID); d.Allowed {
		t.Fatalf("no ticket yet: %+v", d)
	}
	s, err := e.svc.PurchaseEvent(ctx, tenant, billing.EventPurchaseInput{Viewer: viewer, Event: ev.ID, Currency: "usd"})
	if err != nil || s.URL == "" {
		t.Fatalf("checkout %+v %v", s, err)
	}
	cs := e.fake.calls("POST", "/v1/checkout/sessions")
	if len(cs) != 1 || cs[0].Account != acct || cs[0].Form.Get("payment_intent_data[application_fee_amount]") != "313" ||
		cs[0].Form.Get("metadata[marquee_event_offer]") != offer.ID.String() ||
		cs[0].Form.Get("line_items[0][price_data][product_data][name]") != "Title fight — pay-per-view" {
		t.Fatalf("sessions %+v", cs)
	}
	e.setPayment("pi_ticket", false, false)
	done := event("checkout.session.completed", acct, ticketCompleted("cs_ticket", tenant, viewer, offer.ID, "pi_ticket"))
	for range 3 {
		e.mustDeliver(t, done)
	}
	ents, _ := e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if len(ents) != 1 || ents[0].Kind != billing.KindPPV || ents[0].Scope != billing.ScopeEvent || ents[0].Event == nil || *ents[0].Event != ev.ID {
		t.Fatalf("tickets %+v", ents)
	}
	if d, err := e.svc.CheckEvent(ctx, tenant, viewer, ev.ID); err != nil || !d.Allowed {
		t.Fatalf("ticket holder: %+v %v", d, err)
	}
	if d, _ := e.svc.CheckEvent(ctx, tenant, uuid.New(), ev.ID); d.Allowed {
		t.Errorf("another viewer admitted: %+v", d)
	}
	_, err = e.svc.PurchaseEvent(ctx, tenant, billing.EventPurchaseInput{Viewer: viewer, Event: ev.ID, Currency: "usd"})
	wantKind(t, err, errs.KindConflict) // holds one already

	_, err = ls.Cancel(ctx, tenant, ev.ID, false)
	wantKind(t, err, errs.KindConflict)
	if got, _ := ls.GetEvent(ctx, tenant, ev.ID); got.Status != live.Scheduled {
		t.Fatalf("refused cancel changed the event: %+v", got)
	}
	canceled, err := ls.Cancel(ctx, tenant, ev.ID, true)
	if err != nil || canceled.Status != live.Canceled {
		t.Fatalf("cancel %+v %v", canceled, err)
	}
	rs := e.fake.calls("POST", "/v1/refunds")
	if len(rs) != 1 || rs[0].Account != acct || rs[0].Form.Get("payment_intent") != "pi_ticket" || rs[0].Form.Get("refund_application_fee") != "true" {
		t.Fatalf("refunds %+v", rs)
	}
	if d, _ := e.svc.CheckEvent(ctx, tenant, viewer, ev.ID); d.Allowed {
		t.Errorf("refunded ticket admits: %+v", d)
	}
	ents, _ = e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if ents[0].RevokedAt == nil || ents[0].RevokeReason != "refunded: event canceled" {
		t.Errorf("ticket %+v", ents[0])
	}
	// The later charge.refunded changes nothing more; a canceled event sells nothing.
	e.mustDeliver(t, event("charge.refunded", acct, map[string]any{"id": "ch_t", "object": "charge", "payment_intent": "pi_ticket", "refunded": true}))
	_, err = e.svc.PurchaseEvent(ctx, tenant, billing.EventPurchaseInput{Viewer: uuid.New(), Event: ev.ID, Currency: "usd"})
	wantKind(t, err, errs.KindConflict)
	_, err = ls.Cancel(ctx, tenant, ev.ID, true)
	wantKind(t, err, errs.KindConflict)
}

// A dispute or refund webhook revokes a ticket; an event without tickets
// cancels without refund.
func TestEventTicketRevokedByDispute(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	ls := e.liveService()
	ev := e.mustEvent(t, ls, tenant)
	offer, err := e.svc.SetEventOffer(ctx, tenant, ev.ID, "eur", 1000)
	if err != nil {
		t.Fatal(err)
	}
	viewer := uuid.New()
	e.setPayment("pi_t2", false, false)
	e.mustDeliver(t, event("checkout.session.completed", acct, ticketCompleted("cs_t2", tenant, viewer, offer.ID, "pi_t2")))
	e.mustDeliver(t, event("charge.dispute.created", acct, map[string]any{"id": "dp_t", "object": "dispute", "payment_intent": "pi_t2", "charge": "ch_pi_t2"}))
	if d, _ := e.svc.CheckEvent(ctx, tenant, viewer, ev.ID); d.Allowed {
		t.Errorf("disputed ticket admits: %+v", d)
	}
	if n, _ := e.svc.EventTicketCount(ctx, tenant, ev.ID); n != 0 {
		t.Errorf("tickets standing %d", n)
	}
	got, err := ls.Cancel(ctx, tenant, ev.ID, false)
	if err != nil || got.Status != live.Canceled {
		t.Fatalf("cancel %+v %v", got, err)
	}
}

// Bad input for pay-per-view: another tenant's event is NOT_FOUND, a
// currency the event is not sold in INVALID, an event without prices or
// over CONFLICT, a bad price INVALID.
func TestEventOfferBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, _ := e.mustSellingTenant(t)
	other, _ := e.mustSellingTenant(t)
	ls := e.liveService()
	ev := e.mustEvent(t, ls, tenant)
	_, err := e.svc.SetEventOffer(ctx, other, ev.ID, "usd", 100)
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.SetEventOffer(ctx, tenant, uuid.New(), "usd", 100)
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.SetEventOffer(ctx, tenant, ev.ID, "usd", 0)
	wantKind(t, err, errs.KindInvalid)
	_, err = e.svc.SetEventOffer(ctx, tenant, ev.ID, "dollars", 100)
	wantKind(t, err, errs.KindInvalid)
	_, err = e.svc.PurchaseEvent(ctx, tenant, billing.EventPurchaseInput{Viewer: uuid.New(), Event: ev.ID, Currency: "usd"})
	wantKind(t, err, errs.KindConflict) // not on sale yet
	if _, err := e.svc.SetEventOffer(ctx, tenant, ev.ID, "usd", 100); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.PurchaseEvent(ctx, other, billing.EventPurchaseInput{Viewer: uuid.New(), Event: ev.ID, Currency: "usd"})
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.PurchaseEvent(ctx, tenant, billing.EventPurchaseInput{Viewer: uuid.New(), Event: ev.ID, Currency: "eur"})
	wantKind(t, err, errs.KindInvalid)
	if offers, _ := e.svc.EventOffers(ctx, other, []uuid.UUID{ev.ID}); len(offers) != 0 {
		t.Errorf("other tenant sees offers %+v", offers)
	}
	wantKind(t, e.svc.RemoveEventOffer(ctx, other, ev.ID, "usd"), errs.KindNotFound)
	if err := e.svc.RemoveEventOffer(ctx, tenant, ev.ID, "USD"); err != nil {
		t.Fatal(err)
	}
	// Past its end, an event sells no tickets.
	if _, err := e.svc.SetEventOffer(ctx, tenant, ev.ID, "usd", 100); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(48 * time.Hour)
	_, err = e.svc.PurchaseEvent(ctx, tenant, billing.EventPurchaseInput{Viewer: uuid.New(), Event: ev.ID, Currency: "usd"})
	wantKind(t, err, errs.KindConflict)
}
