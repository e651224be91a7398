package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

func (e *env) mustCollection(t *testing.T, tenant uuid.UUID, titles ...catalog.Title) catalog.Collection {
	t.Helper()
	ctx := context.Background()
	c, err := e.cat.CreateCollection(ctx, tenant, catalog.CollectionInput{Name: "Box " + uuid.NewString()[:6]})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]catalog.TitleID, 0, len(titles))
	for _, ti := range titles {
		ids = append(ids, ti.ID)
	}
	if len(ids) > 0 {
		if _, err := e.cat.SetCollectionItems(ctx, tenant, c.ID, ids); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (e *env) mustTVODTitle(t *testing.T, tenant uuid.UUID) catalog.Title {
	t.Helper()
	ti := e.mustTitle(t, tenant)
	if err := e.svc.SetTitleAccess(context.Background(), tenant, ti.ID, billing.ModelTVOD); err != nil {
		t.Fatal(err)
	}
	return ti
}

func bundleCompleted(id string, tenant, viewer uuid.UUID, offer uuid.UUID, pi string) map[string]any {
	return map[string]any{"id": id, "object": "checkout.session", "mode": "payment", "payment_status": "paid", "status": "complete",
		"payment_intent": pi, "metadata": map[string]any{"marquee_tenant": tenant.String(), "marquee_viewer": viewer.String(),
			"marquee_bundle_offer": offer.String()}}
}

func offerOf(t *testing.T, b billing.Bundle, kind billing.OfferKind, currency string) billing.BundleOffer {
	t.Helper()
	for _, o := range b.Offers {
		if o.Kind == kind && o.Currency == currency {
			return o
		}
	}
	t.Fatalf("no %s %s offer in %+v", kind, currency, b.Offers)
	return billing.BundleOffer{}
}

// A bundle rental end to end: Checkout on the connected account with the
// platform fee; the paid session (delivered three times) grants ONE
// entitlement that covers every title of the bundle and nothing else; a
// full refund revokes it for all of them.
func TestBundleRentalCoversEveryTitleThenRefund(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	a, b, outside := e.mustTVODTitle(t, tenant), e.mustTVODTitle(t, tenant), e.mustTVODTitle(t, tenant)
	coll := e.mustCollection(t, tenant, a, b)
	bundle, err := e.svc.CreateBundle(ctx, tenant, billing.BundleInput{Name: "Trilogy", Collection: coll.ID, Offers: []billing.BundleOfferInput{
		{Kind: billing.Rent, Currency: "USD", Amount: 999, RentalHours: intp(72)},
		{Kind: billing.Buy, Currency: "eur", Amount: 2999}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bundle.Offers) != 2 || bundle.Collection != coll.ID {
		t.Fatalf("bundle %+v", bundle)
	}
	of, err := e.svc.BundlesOfTitle(ctx, tenant, a.ID)
	if err != nil || len(of) != 1 || of[0].ID != bundle.ID {
		t.Fatalf("bundles of a title: %+v %v", of, err)
	}
	if of, _ := e.svc.BundlesOfTitle(ctx, tenant, outside.ID); len(of) != 0 {
		t.Errorf("bundles of a title outside: %+v", of)
	}
	viewer := uuid.New()
	s, err := e.svc.PurchaseBundle(ctx, tenant, billing.BundlePurchaseInput{Viewer: viewer, Bundle: bundle.ID, Kind: billing.Rent, Currency: "usd"})
	if err != nil || s.URL == "" {
		t.Fatalf("checkout %+v %v", s, err)
	}
	rent := offerOf(t, bundle, billing.Rent, "usd")
	cs := e.fake.calls("POST", "/v1/checkout/sessions")
	if len(cs) != 1 || cs[0].Account != acct {
		t.Fatalf("sessions %+v", cs)
	}
	for k, want := range map[string]string{"mode": "payment", "line_items[0][price_data][unit_amount]": "999",
		"line_items[0][price_data][currency]": "usd", "payment_intent_data[application_fee_amount]": "125", // 12.5% of 999
		"metadata[marquee_bundle_offer]": rent.ID.String(), "line_items[0][price_data][product_data][name]": "Trilogy — 72-hour rental"} {
		if cs[0].Form.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, cs[0].Form.Get(k), want)
		}
	}
	if d := e.check(t, tenant, viewer, a); d.Allowed {
		t.Fatalf("allowed before paying: %+v", d)
	}
	e.setPayment("pi_bundle", false, false)
	ev := event("checkout.session.completed", acct, bundleCompleted("cs_bundle", tenant, viewer, rent.ID, "pi_bundle"))
	for range 3 {
		e.mustDeliver(t, ev)
	}
	ents, _ := e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if len(ents) != 1 || ents[0].Scope != billing.ScopeCollections || len(ents[0].Collections) != 1 || ents[0].Collections[0] != coll.ID ||
		ents[0].Kind != billing.KindTVODRent || ents[0].RentalHours == nil || *ents[0].RentalHours != 72 {
		t.Fatalf("entitlements %+v", ents)
	}
	for _, ti := range []catalog.Title{a, b} {
		if d := e.check(t, tenant, viewer, ti); !d.Allowed || d.Ads {
			t.Errorf("bundled title %s: %+v", ti.ID, d)
		}
	}
	if d := e.check(t, tenant, viewer, outside); d.Allowed {
		t.Errorf("a title outside the bundle is allowed: %+v", d)
	}
	e.mustDeliver(t, event("charge.refunded", acct, map[string]any{"id": "ch_b", "object": "charge", "payment_intent": "pi_bundle", "refunded": true}))
	for _, ti := range []catalog.Title{a, b} {
		if d := e.check(t, tenant, viewer, ti); d.Allowed {
			t.Errorf("refunded, yet title %s is allowed: %+v", ti.ID, d)
		}
	}
	// Support refunds a bundle purchase like a title's.
	buyer := uuid.New()
	e.setPayment("pi_bundle_buy", false, false)
	e.mustDeliver(t, event("checkout.session.completed", acct, bundleCompleted("cs_bb", tenant, buyer, offerOf(t, bundle, billing.Buy, "eur").ID, "pi_bundle_buy")))
	ents, _ = e.svc.ViewerEntitlements(ctx, tenant, buyer)
	if len(ents) != 1 || ents[0].Kind != billing.KindTVODBuy {
		t.Fatalf("bought %+v", ents)
	}
	if d := e.check(t, tenant, buyer, b); !d.Allowed {
		t.Fatalf("bought: %+v", d)
	}
	if _, err := e.svc.Refund(ctx, tenant, ents[0].ID, "asked"); err != nil {
		t.Fatal(err)
	}
	if d := e.check(t, tenant, buyer, b); d.Allowed {
		t.Errorf("support refunded, yet allowed: %+v", d)
	}
}

// Bad input: no prices, two prices of one kind and currency, an empty
// collection, another tenant's collection or bundle, a currency the bundle
// is not sold in or another than the viewer pays in, a retired bundle.
func TestBundleBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, _ := e.mustSellingTenant(t)
	film := e.mustTVODTitle(t, tenant)
	coll := e.mustCollection(t, tenant, film)
	empty := e.mustCollection(t, tenant)
	buy := []billing.BundleOfferInput{{Kind: billing.Buy, Currency: "usd", Amount: 500}}
	for name, in := range map[string]billing.BundleInput{
		"no name":      {Collection: coll.ID, Offers: buy},
		"no offers":    {Name: "x", Collection: coll.ID},
		"no coll":      {Name: "x", Offers: buy},
		"duplicate":    {Name: "x", Collection: coll.ID, Offers: append(buy, billing.BundleOfferInput{Kind: billing.Buy, Currency: "USD", Amount: 600})},
		"rent hours":   {Name: "x", Collection: coll.ID, Offers: []billing.BundleOfferInput{{Kind: billing.Rent, Currency: "usd", Amount: 1}}},
		"bad currency": {Name: "x", Collection: coll.ID, Offers: []billing.BundleOfferInput{{Kind: billing.Buy, Currency: "us", Amount: 1}}},
		"no titles":    {Name: "x", Collection: empty.ID, Offers: buy},
	} {
		if _, err := e.svc.CreateBundle(ctx, tenant, in); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	other, _ := e.mustSellingTenant(t)
	_, err := e.svc.CreateBundle(ctx, other, billing.BundleInput{Name: "x", Collection: coll.ID, Offers: buy})
	wantKind(t, err, errs.KindNotFound)
	bundle, err := e.svc.CreateBundle(ctx, tenant, billing.BundleInput{Name: "Box", Collection: coll.ID, Offers: buy})
	if err != nil {
		t.Fatal(err)
	}
	name := "Other"
	for what, err := range map[string]error{
		"get": func() error { _, err := e.svc.GetBundle(ctx, other, bundle.ID); return err }(),
		"update": func() error {
			_, err := e.svc.UpdateBundle(ctx, other, bundle.ID, billing.BundleUpdate{Name: &name})
			return err
		}(),
		"retire": func() error { _, err := e.svc.RetireBundle(ctx, other, bundle.ID); return err }(),
		"buy": func() error {
			_, err := e.svc.PurchaseBundle(ctx, other, billing.BundlePurchaseInput{Viewer: uuid.New(), Bundle: bundle.ID, Kind: billing.Buy, Currency: "usd"})
			return err
		}(),
	} {
		if !errs.Is(err, errs.KindNotFound) {
			t.Errorf("other tenant %s: %v", what, err)
		}
	}
	if list, _ := e.svc.Bundles(ctx, other, false); len(list) != 0 {
		t.Errorf("other tenant lists %+v", list)
	}
	_, err = e.svc.UpdateBundle(ctx, tenant, bundle.ID, billing.BundleUpdate{Collection: &empty.ID})
	wantKind(t, err, errs.KindInvalid)
	viewer := uuid.New()
	_, err = e.svc.PurchaseBundle(ctx, tenant, billing.BundlePurchaseInput{Viewer: viewer, Bundle: bundle.ID, Kind: billing.Buy, Currency: "gbp"})
	wantKind(t, err, errs.KindInvalid)
	_, err = e.svc.PurchaseBundle(ctx, tenant, billing.BundlePurchaseInput{Viewer: viewer, Bundle: bundle.ID, Kind: billing.Rent, Currency: "usd"})
	wantKind(t, err, errs.KindInvalid)
	_, err = e.svc.PurchaseBundle(ctx, tenant, billing.BundlePurchaseInput{Viewer: viewer, Bundle: bundle.ID, Kind: "lease", Currency: "usd"})
	wantKind(t, err, errs.KindInvalid)
	// The viewer already pays in EUR (a subscription fixed their customer's currency).
	if err := e.db.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO billing_customers (tenant_id, viewer_id, stripe_customer_id, currency, created_at) VALUES ($1, $2, 'cus_eur', 'eur', now())`, tenant, viewer)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.PurchaseBundle(ctx, tenant, billing.BundlePurchaseInput{Viewer: viewer, Bundle: bundle.ID, Kind: billing.Buy, Currency: "usd"})
	wantKind(t, err, errs.KindInvalid)
	// Updating replaces the prices; retiring stops the sale.
	up, err := e.svc.UpdateBundle(ctx, tenant, bundle.ID, billing.BundleUpdate{Name: &name,
		Offers: &[]billing.BundleOfferInput{{Kind: billing.Rent, Currency: "eur", Amount: 300, RentalHours: intp(48)}}})
	if err != nil || up.Name != "Other" || len(up.Offers) != 1 || up.Offers[0].Kind != billing.Rent {
		t.Fatalf("update %+v %v", up, err)
	}
	if _, err := e.svc.RetireBundle(ctx, tenant, bundle.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.PurchaseBundle(ctx, tenant, billing.BundlePurchaseInput{Viewer: uuid.New(), Bundle: bundle.ID, Kind: billing.Rent, Currency: "eur"})
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.UpdateBundle(ctx, tenant, bundle.ID, billing.BundleUpdate{Name: &name})
	wantKind(t, err, errs.KindConflict)
	if list, _ := e.svc.Bundles(ctx, tenant, true); len(list) != 0 {
		t.Errorf("active bundles after retiring: %+v", list)
	}
	// A collection sold as a bundle cannot be deleted from under it.
	wantKind(t, e.cat.DeleteCollection(ctx, tenant, coll.ID), errs.KindConflict)
}

// A rule-based collection counts the titles its rule matches at check time,
// for a collection-scoped entitlement (plan, grant) and for a bundle; when a
// title stops matching (its genres change), every process drops its cached
// decision at once (the titles trigger announces the change).
func TestRuleBasedCollectionCoversMatchingTitles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	e.svc.CacheTTL = time.Hour
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); e.svc.Listen(lctx) }()
	t.Cleanup(func() { stop(); <-done })

	drama, err := e.cat.CreateTitle(ctx, tenant, catalog.TitleInput{Kind: catalog.KindMovie, Genres: []string{"drama"},
		Localizations: []catalog.Localization{{Language: "en", Title: "A drama"}}})
	if err != nil {
		t.Fatal(err)
	}
	comedy, err := e.cat.CreateTitle(ctx, tenant, catalog.TitleInput{Kind: catalog.KindMovie, Genres: []string{"comedy"},
		Localizations: []catalog.Localization{{Language: "en", Title: "A comedy"}}})
	if err != nil {
		t.Fatal(err)
	}
	rule, err := e.cat.CreateCollection(ctx, tenant, catalog.CollectionInput{Name: "Dramas", Rule: &catalog.Rule{Genres: []string{"drama"}}})
	if err != nil {
		t.Fatal(err)
	}
	subscriber := uuid.New()
	if _, err := e.svc.Grant(ctx, tenant, billing.GrantInput{Viewer: subscriber, Scope: billing.ScopeCollections,
		Collections: []uuid.UUID{rule.ID}, Until: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if d := e.check(t, tenant, subscriber, drama); !d.Allowed {
		t.Fatalf("a title matched by the rule only is not covered: %+v", d)
	}
	if d := e.check(t, tenant, subscriber, comedy); d.Allowed {
		t.Fatalf("a title the rule does not match is covered: %+v", d)
	}

	// A bundle of the rule-based collection covers what the rule matches.
	bundle, err := e.svc.CreateBundle(ctx, tenant, billing.BundleInput{Name: "Dramas", Collection: rule.ID,
		Offers: []billing.BundleOfferInput{{Kind: billing.Buy, Currency: "usd", Amount: 1000}}})
	if err != nil {
		t.Fatal(err)
	}
	if of, _ := e.svc.BundlesOfTitle(ctx, tenant, drama.ID); len(of) != 1 {
		t.Errorf("bundles of the drama: %+v", of)
	}
	buyer := uuid.New()
	e.setPayment("pi_rule", false, false)
	e.mustDeliver(t, event("checkout.session.completed", acct, bundleCompleted("cs_rule", tenant, buyer, bundle.Offers[0].ID, "pi_rule")))
	if d := e.check(t, tenant, buyer, drama); !d.Allowed {
		t.Fatalf("bundle of a rule-based collection: %+v", d)
	}

	// The drama becomes a comedy: cached "allowed" must go at once.
	if _, err := e.cat.UpdateTitle(ctx, tenant, drama.ID, catalog.TitleUpdate{Genres: []string{"comedy"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if d1, d2 := e.check(t, tenant, subscriber, drama), e.check(t, tenant, buyer, drama); !d1.Allowed && !d2.Allowed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cached decision outlived the title leaving the rule-based collection")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// And the rule widening brings it back.
	if _, err := e.cat.UpdateCollection(ctx, tenant, rule.ID, catalog.CollectionUpdate{Rule: &catalog.Rule{Genres: []string{"drama", "comedy"}}}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for !e.check(t, tenant, subscriber, comedy).Allowed {
		if time.Now().After(deadline) {
			t.Fatal("the cached decision outlived the rule change")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
