package billing_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
)

func checkoutIn(viewer, price uuid.UUID) billing.CheckoutInput {
	return billing.CheckoutInput{Viewer: viewer, Price: price, SuccessURL: "https://app.example/ok", CancelURL: "https://app.example/no"}
}

func (e *env) mustPlan(t *testing.T, tenant uuid.UUID, in billing.PlanInput) billing.Plan {
	t.Helper()
	p, err := e.svc.CreatePlan(context.Background(), tenant, in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func libraryPlan(ads bool, trial int) billing.PlanInput {
	return billing.PlanInput{Name: "Premium", TrialDays: trial, Scope: billing.ScopeLibrary, Ads: ads,
		Prices: []billing.PriceInput{{Interval: billing.Monthly, Currency: "USD", Amount: 999},
			{Interval: billing.Annual, Currency: "usd", Amount: 9999}, {Interval: billing.Monthly, Currency: "eur", Amount: 899, TaxInclusive: true}}}
}

func (e *env) mustTitle(t *testing.T, tenant uuid.UUID) catalog.Title {
	t.Helper()
	ti, err := e.cat.CreateTitle(context.Background(), tenant, catalog.TitleInput{Kind: catalog.KindMovie,
		Localizations: []catalog.Localization{{Language: "en", Title: "A film " + uuid.NewString()[:6]}}})
	if err != nil {
		t.Fatal(err)
	}
	return ti
}

// sub is a Stripe subscription object as Stripe would send or return it.
func sub(id string, tenant, viewer uuid.UUID, price billing.Price, status string, periodEnd time.Time) map[string]any {
	return map[string]any{"id": id, "object": "subscription", "status": status, "customer": "cus_" + viewer.String()[:8],
		"currency": price.Currency, "start_date": periodEnd.Add(-30 * 24 * time.Hour).Unix(), "current_period_end": periodEnd.Unix(),
		"metadata": map[string]any{"marquee_tenant": tenant.String(), "marquee_viewer": viewer.String()},
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_" + id, "object": "subscription_item",
			"price": map[string]any{"id": price.StripeID, "object": "price", "currency": price.Currency}}}}}
}

func (e *env) check(t *testing.T, tenant, viewer uuid.UUID, title catalog.Title) billing.Decision {
	t.Helper()
	d, err := e.svc.Check(context.Background(), tenant, viewer, uuid.Nil, title)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A plan is a product with recurring prices on the connected account;
// Checkout opens a subscription session there with the platform's fee, the
// plan's trial, promotion codes and (when the tenant turned it on) Stripe
// Tax, for a customer made once per viewer.
func TestPlanAndCheckoutRequests(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 14))
	if len(plan.Prices) != 3 || plan.Prices[0].StripeID == "" {
		t.Fatalf("plan %+v", plan)
	}
	prods := e.fake.calls("POST", "/v1/products")
	prices := e.fake.calls("POST", "/v1/prices")
	if len(prods) != 1 || prods[0].Account != acct || prods[0].Form.Get("name") != "Premium" || len(prices) != 3 {
		t.Fatalf("products %+v prices %+v", prods, prices)
	}
	for _, p := range prices {
		if p.Account != acct || p.Form.Get("recurring[interval]") == "" || p.Form.Get("tax_behavior") == "" {
			t.Errorf("price request %+v", p)
		}
	}
	listed, err := e.svc.Plans(ctx, tenant, true)
	if err != nil || len(listed) != 1 || len(listed[0].Prices) != 3 {
		t.Fatalf("plans %+v %v", listed, err)
	}
	viewer := uuid.New()
	var usd billing.Price
	for _, p := range plan.Prices {
		if p.Currency == "usd" && p.Interval == billing.Monthly {
			usd = p
		}
	}
	if _, err := e.svc.SetAutomaticTax(ctx, tenant, true); err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Checkout(ctx, tenant, checkoutIn(viewer, usd.ID))
	if err != nil {
		t.Fatal(err)
	}
	if s.URL == "" || !strings.HasPrefix(s.ID, "cs_") {
		t.Errorf("session %+v", s)
	}
	cs := e.fake.calls("POST", "/v1/checkout/sessions")
	if len(cs) != 1 {
		t.Fatalf("%d sessions", len(cs))
	}
	f := cs[0].Form
	for k, want := range map[string]string{"mode": "subscription", "line_items[0][price]": usd.StripeID,
		"subscription_data[application_fee_percent]": "12.5000", "subscription_data[trial_period_days]": "14",
		"allow_promotion_codes": "true", "automatic_tax[enabled]": "true", "success_url": "https://app.example/ok",
		"subscription_data[metadata][marquee_viewer]": viewer.String(), "subscription_data[metadata][marquee_tenant]": tenant.String()} {
		if f.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, f.Get(k), want)
		}
	}
	if cs[0].Account != acct || !strings.HasPrefix(f.Get("customer"), "cus_") {
		t.Errorf("session on %q for %q", cs[0].Account, f.Get("customer"))
	}
	// A second checkout reuses the customer.
	if _, err := e.svc.Checkout(ctx, tenant, checkoutIn(viewer, usd.ID)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.calls("POST", "/v1/customers")); n != 1 {
		t.Errorf("%d customers made for one viewer", n)
	}
	portal, err := e.svc.Portal(ctx, tenant, viewer, "https://app.example/account")
	if err != nil || portal == "" {
		t.Fatalf("portal %q %v", portal, err)
	}
	if ps := e.fake.calls("POST", "/v1/billing_portal/sessions"); len(ps) != 1 || ps[0].Account != acct || ps[0].Form.Get("customer") != f.Get("customer") {
		t.Errorf("portal sessions %+v", ps)
	}
	_, err = e.svc.Portal(ctx, tenant, uuid.New(), "")
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.Checkout(ctx, tenant, checkoutIn(viewer, uuid.New()))
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.Checkout(ctx, tenant, billing.CheckoutInput{Viewer: viewer, Price: usd.ID, SuccessURL: "javascript:alert(1)"})
	wantKind(t, err, errs.KindInvalid)
	// Another tenant cannot check out this tenant's price.
	other, _ := e.mustSellingTenant(t)
	_, err = e.svc.Checkout(ctx, other, checkoutIn(viewer, usd.ID))
	wantKind(t, err, errs.KindNotFound)
}

func TestPlanInputValidation(t *testing.T) {
	for name, in := range map[string]billing.PlanInput{
		"no name":        {Scope: billing.ScopeLibrary, Prices: []billing.PriceInput{{Interval: billing.Monthly, Currency: "usd", Amount: 1}}},
		"no prices":      {Name: "P", Scope: billing.ScopeLibrary},
		"bad currency":   {Name: "P", Scope: billing.ScopeLibrary, Prices: []billing.PriceInput{{Interval: billing.Monthly, Currency: "dollars", Amount: 1}}},
		"bad interval":   {Name: "P", Scope: billing.ScopeLibrary, Prices: []billing.PriceInput{{Interval: "week", Currency: "usd", Amount: 1}}},
		"zero amount":    {Name: "P", Scope: billing.ScopeLibrary, Prices: []billing.PriceInput{{Interval: billing.Monthly, Currency: "usd"}}},
		"twice":          {Name: "P", Scope: billing.ScopeLibrary, Prices: []billing.PriceInput{{Interval: billing.Monthly, Currency: "usd", Amount: 1}, {Interval: billing.Monthly, Currency: "USD", Amount: 2}}},
		"no collections": {Name: "P", Scope: billing.ScopeCollections, Prices: []billing.PriceInput{{Interval: billing.Monthly, Currency: "usd", Amount: 1}}},
		"long trial":     {Name: "P", TrialDays: 1000, Scope: billing.ScopeLibrary, Prices: []billing.PriceInput{{Interval: billing.Monthly, Currency: "usd", Amount: 1}}},
	} {
		if err := in.Validate(); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Stripe unreachable during checkout: a clear UNAVAILABLE, and nothing is
// half-made: no customer recorded, no entitlement.
func TestCheckoutWithStripeUnreachable(t *testing.T) {
	up := newEnv(t)
	tenant, _ := up.mustSellingTenant(t)
	plan := up.mustPlan(t, tenant, libraryPlan(false, 0))
	down := newEnvOn(t, up.db, "http://127.0.0.1:1") // nothing listens on port 1
	viewer := uuid.New()
	_, err := down.svc.Checkout(context.Background(), tenant, checkoutIn(viewer, plan.Prices[0].ID))
	wantKind(t, err, errs.KindUnavailable)
	if !strings.Contains(errs.MessageOf(err), "Stripe is unreachable") {
		t.Errorf("message %q", errs.MessageOf(err))
	}
	_, err = up.svc.Portal(context.Background(), tenant, viewer, "")
	wantKind(t, err, errs.KindNotFound) // no customer was recorded
	if ents, _ := up.svc.ViewerEntitlements(context.Background(), tenant, viewer); len(ents) != 0 {
		t.Errorf("entitlements %+v", ents)
	}
	// Creating a plan with Stripe down records nothing either.
	_, err = down.svc.CreatePlan(context.Background(), tenant, libraryPlan(true, 0))
	wantKind(t, err, errs.KindUnavailable)
	if ps, _ := up.svc.Plans(context.Background(), tenant, false); len(ps) != 1 {
		t.Errorf("%d plans", len(ps))
	}
}

// Once a viewer pays in one currency, Stripe keeps their customer to it: a
// checkout for a price in another currency is refused up front.
func TestCheckoutCurrencyMismatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	var usd, eur billing.Price
	for _, p := range plan.Prices {
		switch {
		case p.Currency == "eur":
			eur = p
		case p.Interval == billing.Monthly:
			usd = p
		}
	}
	viewer := uuid.New()
	if _, err := e.svc.Checkout(ctx, tenant, checkoutIn(viewer, usd.ID)); err != nil {
		t.Fatal(err)
	}
	customer := e.fake.calls("POST", "/v1/checkout/sessions")[0].Form.Get("customer")
	s := sub("sub_cur", tenant, viewer, usd, "active", e.clock.Now().Add(20*24*time.Hour))
	s["customer"] = customer
	e.fake.setSub("sub_cur", s)
	e.mustDeliver(t, event("customer.subscription.created", acct, s))
	_, err := e.svc.Checkout(ctx, tenant, checkoutIn(viewer, eur.ID))
	wantKind(t, err, errs.KindInvalid)
	if !strings.Contains(errs.MessageOf(err), "USD") {
		t.Errorf("message %q", errs.MessageOf(err))
	}
	if _, err := e.svc.Checkout(ctx, tenant, checkoutIn(viewer, usd.ID)); err != nil {
		t.Errorf("same currency refused: %v", err)
	}
}

// The webhook path: a forged signature and a stale timestamp are refused
// (nothing recorded); a valid subscription.created grants the plan; the same
// event delivered three times (at once) is applied once.
func TestWebhookSignatureAndExactlyOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(true, 0))
	title := e.mustTitle(t, tenant)
	viewer := uuid.New()
	s := sub("sub_once", tenant, viewer, plan.Prices[0], "active", e.clock.Now().Add(20*24*time.Hour))
	e.fake.setSub("sub_once", s)
	ev := event("customer.subscription.created", acct, s)
	b, _ := json.Marshal(ev)

	err := e.svc.HandleWebhook(ctx, b, sign(t, b, "whsec_forged", time.Now()))
	wantKind(t, err, errs.KindInvalid)
	err = e.svc.HandleWebhook(ctx, b, sign(t, b, secret, time.Now().Add(-10*time.Minute)))
	wantKind(t, err, errs.KindInvalid)
	tampered := []byte(strings.Replace(string(b), "active", "trialing", 1))
	err = e.svc.HandleWebhook(ctx, tampered, sign(t, b, secret, time.Now()))
	wantKind(t, err, errs.KindInvalid)
	if o, _ := e.svc.EventOutcome(ctx, ev["id"].(string)); o != "" {
		t.Fatalf("a refused event was recorded: %q", o)
	}
	if d := e.check(t, tenant, viewer, title); d.Allowed {
		t.Fatalf("allowed before any valid event: %+v", d)
	}

	var wg sync.WaitGroup
	errsc := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); errsc <- e.svc.HandleWebhook(ctx, b, sign(t, b, secret, time.Now())) }()
	}
	wg.Wait()
	close(errsc)
	for err := range errsc {
		if err != nil {
			t.Fatal(err)
		}
	}
	if o, _ := e.svc.EventOutcome(ctx, ev["id"].(string)); o != billing.OutcomeApplied {
		t.Errorf("outcome %q", o)
	}
	ents, err := e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if err != nil || len(ents) != 1 {
		t.Fatalf("entitlements %+v %v", ents, err)
	}
	en := ents[0]
	if en.Source != billing.SourceStripe || en.ExternalID != "sub_once" || en.Kind != billing.KindSVOD || en.Scope != billing.ScopeLibrary ||
		!en.Ads || en.Plan == nil || *en.Plan != plan.ID || en.Status != "active" {
		t.Errorf("entitlement %+v", en)
	}
	if d := e.check(t, tenant, viewer, title); !d.Allowed || !d.Ads {
		t.Errorf("subscriber with ads: %+v", d)
	}
	// A fourth delivery, later, is acknowledged without refetching.
	before := len(e.fake.calls("GET", "/v1/subscriptions/sub_once"))
	e.mustDeliver(t, ev)
	if after := len(e.fake.calls("GET", "/v1/subscriptions/sub_once")); after != before {
		t.Errorf("a redelivery refetched (%d → %d)", before, after)
	}
}

// Events out of order: customer.subscription.deleted arrives before the
// updated that preceded it. Both take the subscription's state from Stripe
// (refetched), so the stale "updated" does not bring the entitlement back.
func TestSubscriptionDeletedBeforeUpdated(t *testing.T) {
	e := newEnv(t)
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	title := e.mustTitle(t, tenant)
	viewer := uuid.New()
	end := e.clock.Now().Add(20 * 24 * time.Hour)
	active := sub("sub_ooo", tenant, viewer, plan.Prices[0], "active", end)
	e.fake.setSub("sub_ooo", active)
	e.mustDeliver(t, event("customer.subscription.created", acct, active))
	if d := e.check(t, tenant, viewer, title); !d.Allowed || d.Ads {
		t.Fatalf("ad-free subscriber: %+v", d)
	}
	canceled := sub("sub_ooo", tenant, viewer, plan.Prices[0], "canceled", end)
	canceled["ended_at"] = e.clock.Now().Add(-time.Minute).Unix()
	e.fake.setSub("sub_ooo", canceled)
	e.mustDeliver(t, event("customer.subscription.deleted", acct, canceled))
	if d := e.check(t, tenant, viewer, title); d.Allowed {
		t.Fatalf("allowed after deletion: %+v", d)
	}
	e.mustDeliver(t, event("customer.subscription.updated", acct, active)) // stale
	if d := e.check(t, tenant, viewer, title); d.Allowed {
		t.Errorf("a stale update revived a deleted subscription: %+v", d)
	}
	ents, _ := e.svc.ViewerEntitlements(context.Background(), tenant, viewer)
	if len(ents) != 1 || ents[0].Status != "canceled" {
		t.Errorf("entitlements %+v", ents)
	}
}

// A webhook for a connected account no tenant has is recorded and
// acknowledged; nothing changes anywhere.
func TestWebhookUnknownAccount(t *testing.T) {
	e := newEnv(t)
	tenant, _ := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	viewer := uuid.New()
	s := sub("sub_unknown", tenant, viewer, plan.Prices[0], "active", e.clock.Now().Add(24*time.Hour))
	e.fake.setSub("sub_unknown", s)
	ev := event("customer.subscription.created", "acct_nobodyhasthis", s)
	e.mustDeliver(t, ev)
	if o, _ := e.svc.EventOutcome(context.Background(), ev["id"].(string)); o != billing.OutcomeUnknownAccount {
		t.Errorf("outcome %q", o)
	}
	if ents, _ := e.svc.ViewerEntitlements(context.Background(), tenant, viewer); len(ents) != 0 {
		t.Errorf("entitlements %+v", ents)
	}
	if n := len(e.fake.calls("GET", "/v1/subscriptions/sub_unknown")); n != 0 {
		t.Errorf("refetched for an unknown account %d times", n)
	}
}

// A subscription's metadata naming another tenant is ignored, even on this
// tenant's account: an event never grants across tenants.
func TestWebhookForeignTenantMetadataIgnored(t *testing.T) {
	e := newEnv(t)
	tenant, acct := e.mustSellingTenant(t)
	other, _ := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	viewer := uuid.New()
	s := sub("sub_foreign", other, viewer, plan.Prices[0], "active", e.clock.Now().Add(24*time.Hour))
	e.fake.setSub("sub_foreign", s)
	e.mustDeliver(t, event("customer.subscription.created", acct, s))
	for _, ten := range []uuid.UUID{tenant, other} {
		if ents, _ := e.svc.ViewerEntitlements(context.Background(), ten, viewer); len(ents) != 0 {
			t.Errorf("entitlements %+v", ents)
		}
	}
}

// Failures are retried: Stripe unreachable while refetching makes the
// webhook fail (the API answers 5xx) and records nothing, so Stripe's
// redelivery applies it.
func TestWebhookFailureIsRetriable(t *testing.T) {
	up := newEnv(t)
	tenant, acct := up.mustSellingTenant(t)
	plan := up.mustPlan(t, tenant, libraryPlan(false, 0))
	title := up.mustTitle(t, tenant)
	viewer := uuid.New()
	s := sub("sub_retry", tenant, viewer, plan.Prices[0], "active", up.clock.Now().Add(24*time.Hour))
	ev := event("customer.subscription.created", acct, s)
	down := newEnvOn(t, up.db, "http://127.0.0.1:1")
	err := down.deliver(t, ev)
	wantKind(t, err, errs.KindUnavailable)
	if o, _ := up.svc.EventOutcome(context.Background(), ev["id"].(string)); o != "" {
		t.Fatalf("a failed event was recorded as %q", o)
	}
	up.fake.setSub("sub_retry", s)
	up.mustDeliver(t, ev)
	if d := up.check(t, tenant, viewer, title); !d.Allowed {
		t.Errorf("redelivery did not apply: %+v", d)
	}
}

// Dunning: a failed renewal (invoice.payment_failed; the subscription past
// due) keeps the viewer watching through the grace period after the period
// ended, then the entitlement ends.
func TestPaymentFailedGraceThenEnd(t *testing.T) {
	e := newEnv(t)
	e.svc.GracePeriod = 3 * 24 * time.Hour
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	title := e.mustTitle(t, tenant)
	viewer := uuid.New()
	periodEnd := e.clock.Now().Add(-time.Hour) // the renewal was due an hour ago
	pastDue := sub("sub_dun", tenant, viewer, plan.Prices[0], "past_due", periodEnd)
	e.fake.setSub("sub_dun", pastDue)
	e.mustDeliver(t, event("invoice.payment_failed", acct, map[string]any{"id": "in_1", "object": "invoice",
		"subscription": "sub_dun", "customer": pastDue["customer"]}))
	if d := e.check(t, tenant, viewer, title); !d.Allowed {
		t.Fatalf("within grace: %+v", d)
	}
	e.clock.Add(3*24*time.Hour - 2*time.Hour)
	if d := e.check(t, tenant, viewer, title); !d.Allowed {
		t.Fatalf("still within grace: %+v", d)
	}
	e.clock.Add(2 * time.Hour)
	if d := e.check(t, tenant, viewer, title); d.Allowed {
		t.Errorf("allowed after the grace period: %+v", d)
	}
}

// Upgrades and downgrades happen in Stripe (the customer portal, with
// proration); customer.subscription.updated with the new price moves the
// entitlement to the new plan: here from a plan with ads to an ad-free one.
// Cancelling at period end keeps access to that moment, with no grace.
func TestPlanChangeAndCancelAtPeriodEnd(t *testing.T) {
	e := newEnv(t)
	tenant, acct := e.mustSellingTenant(t)
	basic := e.mustPlan(t, tenant, libraryPlan(true, 0))
	premium := e.mustPlan(t, tenant, libraryPlan(false, 0))
	title := e.mustTitle(t, tenant)
	viewer := uuid.New()
	end := e.clock.Now().Add(10 * 24 * time.Hour)
	s := sub("sub_change", tenant, viewer, basic.Prices[0], "active", end)
	e.fake.setSub("sub_change", s)
	e.mustDeliver(t, event("customer.subscription.created", acct, s))
	if d := e.check(t, tenant, viewer, title); !d.Allowed || !d.Ads {
		t.Fatalf("basic: %+v", d)
	}
	s = sub("sub_change", tenant, viewer, premium.Prices[0], "active", end)
	e.fake.setSub("sub_change", s)
	e.mustDeliver(t, event("customer.subscription.updated", acct, s))
	if d := e.check(t, tenant, viewer, title); !d.Allowed || d.Ads {
		t.Fatalf("after upgrading: %+v", d)
	}
	s["cancel_at_period_end"], s["cancel_at"] = true, end.Unix()
	e.fake.setSub("sub_change", s)
	e.mustDeliver(t, event("customer.subscription.updated", acct, s))
	ents, _ := e.svc.ViewerEntitlements(context.Background(), tenant, viewer)
	if len(ents) != 1 || ents[0].EndsAt == nil || !ents[0].EndsAt.Equal(end) || *ents[0].Plan != premium.ID {
		t.Fatalf("entitlements %+v", ents)
	}
	e.clock.Add(10*24*time.Hour + time.Second)
	if d := e.check(t, tenant, viewer, title); d.Allowed {
		t.Errorf("after the cancelled period: %+v", d)
	}
}
