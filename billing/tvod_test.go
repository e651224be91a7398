package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

func intp(v int) *int { return &v }

func completed(id string, tenant, viewer uuid.UUID, offer billing.Offer, pi string) map[string]any {
	return map[string]any{"id": id, "object": "checkout.session", "mode": "payment", "payment_status": "paid", "status": "complete",
		"payment_intent": pi, "metadata": map[string]any{"marquee_tenant": tenant.String(), "marquee_viewer": viewer.String(),
			"marquee_offer": offer.ID.String()}}
}

func (e *env) setPayment(pi string, refunded, disputed bool) {
	e.fake.setObj("/v1/payment_intents/"+pi, map[string]any{"id": pi, "object": "payment_intent", "status": "succeeded",
		"latest_charge": map[string]any{"id": "ch_" + pi, "object": "charge", "refunded": refunded, "disputed": disputed, "payment_intent": pi}})
}

// TVOD end to end: a title's rent price; Checkout in payment mode on the
// connected account with the fee as an application fee amount; the paid
// session grants a rental whose window starts at first play; the same
// completion three times grants once; a full refund revokes it.
func TestRentalPurchaseThenRefund(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	film := e.mustTitle(t, tenant)
	if err := e.svc.SetTitleAccess(ctx, tenant, film.ID, billing.ModelTVOD); err != nil {
		t.Fatal(err)
	}
	rent, err := e.svc.SetTitleOffer(ctx, tenant, billing.OfferInput{Title: film.ID, Kind: billing.Rent, Currency: "USD", Amount: 399, RentalHours: intp(48)})
	if err != nil {
		t.Fatal(err)
	}
	if offers, _ := e.svc.TitleOffers(ctx, tenant, film.ID); len(offers) != 1 || offers[0].Currency != "usd" || offers[0].PurchaseWindowDays != 30 {
		t.Fatalf("offers %+v", offers)
	}
	viewer := uuid.New()
	s, err := e.svc.Purchase(ctx, tenant, billing.PurchaseInput{Viewer: viewer, Offer: rent.ID})
	if err != nil {
		t.Fatal(err)
	}
	if s.URL == "" {
		t.Error("no URL")
	}
	cs := e.fake.calls("POST", "/v1/checkout/sessions")
	if len(cs) != 1 || cs[0].Account != acct {
		t.Fatalf("sessions %+v", cs)
	}
	for k, want := range map[string]string{"mode": "payment", "line_items[0][price_data][unit_amount]": "399",
		"line_items[0][price_data][currency]": "usd", "payment_intent_data[application_fee_amount]": "50", // 12.5% of 399, rounded
		"metadata[marquee_offer]": rent.ID.String(), "payment_intent_data[metadata][marquee_viewer]": viewer.String()} {
		if cs[0].Form.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, cs[0].Form.Get(k), want)
		}
	}
	if !strings.Contains(cs[0].Form.Get("line_items[0][price_data][product_data][name]"), "48-hour rental") {
		t.Errorf("product name %q", cs[0].Form.Get("line_items[0][price_data][product_data][name]"))
	}
	if d := e.check(t, tenant, viewer, film); d.Allowed {
		t.Fatalf("allowed before paying: %+v", d)
	}
	e.setPayment("pi_rent", false, false)
	ev := event("checkout.session.completed", acct, completed("cs_rent", tenant, viewer, rent, "pi_rent"))
	for range 3 {
		e.mustDeliver(t, ev)
	}
	ents, _ := e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if len(ents) != 1 || ents[0].Kind != billing.KindTVODRent || ents[0].ExternalID != "pi_rent" || ents[0].RentalHours == nil ||
		*ents[0].RentalHours != 48 || ents[0].EndsAt == nil || ents[0].RentalStartedAt != nil {
		t.Fatalf("entitlements %+v", ents)
	}
	if d := e.check(t, tenant, viewer, film); !d.Allowed || d.Ads {
		t.Fatalf("after paying: %+v", d)
	}
	// A partial refund leaves it; a full refund revokes it at once.
	e.mustDeliver(t, event("charge.refunded", acct, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": "pi_rent", "refunded": false, "amount_refunded": 100}))
	if d := e.check(t, tenant, viewer, film); !d.Allowed {
		t.Fatalf("after a partial refund: %+v", d)
	}
	e.mustDeliver(t, event("charge.refunded", acct, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": "pi_rent", "refunded": true, "amount_refunded": 399}))
	if d := e.check(t, tenant, viewer, film); d.Allowed {
		t.Errorf("after a full refund: %+v", d)
	}
	ents, _ = e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if ents[0].RevokedAt == nil || ents[0].RevokeReason != "refunded" {
		t.Errorf("entitlement %+v", ents[0])
	}
}

// A dispute revokes a purchase; a refund that arrives before the
// completed checkout leaves nothing granted (the completion refetches the
// payment and finds it refunded).
func TestDisputeAndRefundBeforeCompletion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	film := e.mustTitle(t, tenant)
	if err := e.svc.SetTitleAccess(ctx, tenant, film.ID, billing.ModelTVOD); err != nil {
		t.Fatal(err)
	}
	buy, err := e.svc.SetTitleOffer(ctx, tenant, billing.OfferInput{Title: film.ID, Kind: billing.Buy, Currency: "eur", Amount: 1299})
	if err != nil {
		t.Fatal(err)
	}
	buyer := uuid.New()
	e.setPayment("pi_buy", false, false)
	e.mustDeliver(t, event("checkout.session.completed", acct, completed("cs_buy", tenant, buyer, buy, "pi_buy")))
	if d := e.check(t, tenant, buyer, film); !d.Allowed {
		t.Fatalf("bought: %+v", d)
	}
	ents, _ := e.svc.ViewerEntitlements(ctx, tenant, buyer)
	if ents[0].Kind != billing.KindTVODBuy || ents[0].EndsAt != nil {
		t.Errorf("purchase %+v", ents[0])
	}
	e.mustDeliver(t, event("charge.dispute.created", acct, map[string]any{"id": "dp_1", "object": "dispute", "payment_intent": "pi_buy", "charge": "ch_pi_buy"}))
	if d := e.check(t, tenant, buyer, film); d.Allowed {
		t.Errorf("after a dispute: %+v", d)
	}

	early := uuid.New()
	e.mustDeliver(t, event("charge.refunded", acct, map[string]any{"id": "ch_2", "object": "charge", "payment_intent": "pi_early", "refunded": true}))
	e.setPayment("pi_early", true, false)
	e.mustDeliver(t, event("checkout.session.completed", acct, completed("cs_early", tenant, early, buy, "pi_early")))
	if d := e.check(t, tenant, early, film); d.Allowed {
		t.Errorf("refunded before completion, yet allowed: %+v", d)
	}
}

func TestOfferValidationAndIsolation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, e.db)
	film := e.mustTitle(t, tenant)
	for name, in := range map[string]billing.OfferInput{
		"no hours":   {Title: film.ID, Kind: billing.Rent, Currency: "usd", Amount: 1},
		"bad kind":   {Title: film.ID, Kind: "lease", Currency: "usd", Amount: 1},
		"bad amount": {Title: film.ID, Kind: billing.Buy, Currency: "usd"},
		"currency":   {Title: film.ID, Kind: billing.Buy, Currency: "$", Amount: 1},
		"window":     {Title: film.ID, Kind: billing.Buy, Currency: "usd", Amount: 1, PurchaseWindowDays: intp(0)},
	} {
		if _, err := e.svc.SetTitleOffer(ctx, tenant, in); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	other := testenv.MustTenant(t, e.db)
	_, err := e.svc.SetTitleOffer(ctx, other, billing.OfferInput{Title: film.ID, Kind: billing.Buy, Currency: "usd", Amount: 1})
	wantKind(t, err, errs.KindNotFound)
	o, err := e.svc.SetTitleOffer(ctx, tenant, billing.OfferInput{Title: film.ID, Kind: billing.Buy, Currency: "usd", Amount: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A tenant that cannot sell refuses the purchase; another tenant's offer is NOT_FOUND.
	_, err = e.svc.Purchase(ctx, tenant, billing.PurchaseInput{Viewer: uuid.New(), Offer: o.ID})
	wantKind(t, err, errs.KindConflict)
	seller, _ := e.mustSellingTenant(t)
	_, err = e.svc.Purchase(ctx, seller, billing.PurchaseInput{Viewer: uuid.New(), Offer: o.ID})
	wantKind(t, err, errs.KindNotFound)
}

// Support refunds a purchase: a full refund on the connected account with
// the application fee, and the entitlement revoked at once (audited); the
// later charge.refunded changes nothing more. A grant or a subscription does
// not refund here; another tenant's entitlement is NOT_FOUND.
func TestSupportRefund(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	film := e.mustTitle(t, tenant)
	if err := e.svc.SetTitleAccess(ctx, tenant, film.ID, billing.ModelTVOD); err != nil {
		t.Fatal(err)
	}
	buy, err := e.svc.SetTitleOffer(ctx, tenant, billing.OfferInput{Title: film.ID, Kind: billing.Buy, Currency: "usd", Amount: 999})
	if err != nil {
		t.Fatal(err)
	}
	viewer := uuid.New()
	e.setPayment("pi_support", false, false)
	e.mustDeliver(t, event("checkout.session.completed", acct, completed("cs_support", tenant, viewer, buy, "pi_support")))
	ents, _ := e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if d := e.check(t, tenant, viewer, film); !d.Allowed {
		t.Fatalf("bought: %+v", d)
	}
	other := testenv.MustTenant(t, e.db)
	_, err = e.svc.Refund(ctx, other, ents[0].ID, "customer asked")
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.Refund(ctx, tenant, ents[0].ID, "")
	wantKind(t, err, errs.KindInvalid)
	got, err := e.svc.Refund(ctx, tenant, ents[0].ID, "customer asked")
	if err != nil {
		t.Fatal(err)
	}
	if got.RevokedAt == nil || got.RevokeReason != "refunded: customer asked" {
		t.Errorf("after refund: %+v", got)
	}
	rs := e.fake.calls("POST", "/v1/refunds")
	if len(rs) != 1 || rs[0].Account != acct || rs[0].Form.Get("payment_intent") != "pi_support" || rs[0].Form.Get("refund_application_fee") != "true" {
		t.Errorf("refund requests %+v", rs)
	}
	if d := e.check(t, tenant, viewer, film); d.Allowed {
		t.Errorf("refunded but allowed: %+v", d)
	}
	_, err = e.svc.Refund(ctx, tenant, ents[0].ID, "again")
	wantKind(t, err, errs.KindConflict)
	e.mustDeliver(t, event("charge.refunded", acct, map[string]any{"id": "ch_s", "object": "charge", "payment_intent": "pi_support", "refunded": true}))
	g, err := e.svc.Grant(ctx, tenant, billing.GrantInput{Viewer: viewer, Scope: billing.ScopeLibrary, Until: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Refund(ctx, tenant, g.ID, "no")
	wantKind(t, err, errs.KindInvalid)
}
