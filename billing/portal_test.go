package billing_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/errs"
)

const portalConfigs = "/v1/billing_portal/configurations"

// configCalls are the portal configuration writes (made or updated) so far.
func (e *env) configCalls() []request {
	e.fake.mu.Lock()
	defer e.fake.mu.Unlock()
	var out []request
	for _, r := range e.fake.reqs {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Path, portalConfigs) {
			out = append(out, r)
		}
	}
	return out
}

// offered reads the products and prices a configuration write offers.
func offered(r request) map[string][]string {
	out := map[string][]string{}
	for i := 0; ; i++ {
		p := r.Form.Get("features[subscription_update][products][" + itoa(i) + "][product]")
		if p == "" {
			return out
		}
		out[p] = r.Form["features[subscription_update][products]["+itoa(i)+"][prices][]"]
		if len(out[p]) == 0 {
			for j := 0; ; j++ {
				v := r.Form.Get("features[subscription_update][products][" + itoa(i) + "][prices][" + itoa(j) + "]")
				if v == "" {
					break
				}
				out[p] = append(out[p], v)
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func priceIDs(p billing.Plan) []string {
	var out []string
	for _, pr := range p.Prices {
		out = append(out, pr.StripeID)
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func productOf(t *testing.T, e *env, p billing.Plan) string {
	t.Helper()
	for _, r := range e.fake.calls("POST", "/v1/prices") {
		if r.Form.Get("metadata[marquee_plan]") == p.ID.String() {
			return r.Form.Get("product")
		}
	}
	t.Fatalf("no price made for plan %s", p.ID)
	return ""
}

// Marquee keeps the connected account's portal configuration: made with the
// first plan (switching among the active plans' prices with prorations,
// cancelling at the period's end with reasons, payment methods, invoices,
// email) and rewritten when a plan is made, priced or retired; every portal
// session names it.
func TestPortalConfigurationFollowsPlans(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	if n := len(e.configCalls()); n != 0 {
		t.Fatalf("%d configuration writes before any plan", n)
	}
	basic := e.mustPlan(t, tenant, libraryPlan(true, 0))
	calls := e.configCalls()
	if len(calls) != 1 || calls[0].Path != portalConfigs || calls[0].Account != acct {
		t.Fatalf("after the first plan: %+v", calls)
	}
	f := calls[0].Form
	for k, want := range map[string]string{
		"features[subscription_update][enabled]":                         "true",
		"features[subscription_update][proration_behavior]":              "create_prorations",
		"features[subscription_update][default_allowed_updates][0]":      "price",
		"features[subscription_update][default_allowed_updates][1]":      "promotion_code",
		"features[subscription_cancel][enabled]":                         "true",
		"features[subscription_cancel][mode]":                            "at_period_end",
		"features[subscription_cancel][cancellation_reason][enabled]":    "true",
		"features[subscription_cancel][cancellation_reason][options][0]": "too_expensive",
		"features[payment_method_update][enabled]":                       "true",
		"features[invoice_history][enabled]":                             "true",
		"features[customer_update][enabled]":                             "true",
		"features[customer_update][allowed_updates][0]":                  "email",
	} {
		if got := f.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	basicProduct := productOf(t, e, basic)
	if o := offered(calls[0]); len(o) != 1 || !sameSet(o[basicProduct], priceIDs(basic)) {
		t.Fatalf("offered %v, want %s %v", o, basicProduct, priceIDs(basic))
	}

	premium := e.mustPlan(t, tenant, libraryPlan(false, 0))
	calls = e.configCalls()
	if len(calls) != 2 || !strings.HasPrefix(calls[1].Path, portalConfigs+"/bpc_") {
		t.Fatalf("after the second plan: %+v", calls)
	}
	confPath := calls[1].Path
	premiumProduct := productOf(t, e, premium)
	if o := offered(calls[1]); len(o) != 2 || !sameSet(o[premiumProduct], priceIDs(premium)) {
		t.Fatalf("offered %v", o)
	}

	premium, err := e.svc.AddPlanPrice(ctx, tenant, premium.ID, billing.PriceInput{Interval: billing.Annual, Currency: "eur", Amount: 8999})
	if err != nil {
		t.Fatal(err)
	}
	calls = e.configCalls()
	if len(calls) != 3 || calls[2].Path != confPath || !sameSet(offered(calls[2])[premiumProduct], priceIDs(premium)) || len(priceIDs(premium)) != 4 {
		t.Fatalf("after a price was added: %+v", calls[len(calls)-1])
	}

	if _, err := e.svc.RetirePlan(ctx, tenant, basic.ID); err != nil {
		t.Fatal(err)
	}
	calls = e.configCalls()
	if o := offered(calls[len(calls)-1]); len(calls) != 4 || len(o) != 1 || o[basicProduct] != nil {
		t.Fatalf("after retiring: %d writes, offered %v", len(calls), o)
	}

	// A viewer's portal session names the configuration; nothing changed
	// since, so it is not written again.
	viewer := uuid.New()
	if _, err := e.svc.Checkout(ctx, tenant, checkoutIn(viewer, premium.Prices[0].ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Portal(ctx, tenant, viewer, "https://app.example/account"); err != nil {
		t.Fatal(err)
	}
	sessions := e.fake.calls("POST", "/v1/billing_portal/sessions")
	if len(sessions) != 1 || "/v1/billing_portal/configurations/"+sessions[0].Form.Get("configuration") != confPath ||
		sessions[0].Account != acct {
		t.Fatalf("sessions %+v, configuration %s", sessions, confPath)
	}
	if n := len(e.configCalls()); n != 4 {
		t.Errorf("%d configuration writes, want 4 (none for the session)", n)
	}
}

// Stripe unreachable while the configuration is rewritten: the plan change
// stands, the configuration is left stale and written at the next portal
// session; a portal session while Stripe is still unreachable is
// UNAVAILABLE and opens nothing.
func TestPortalConfigurationCaughtUpAfterStripeWasDown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, _ := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	viewer := uuid.New()
	if _, err := e.svc.Checkout(ctx, tenant, checkoutIn(viewer, plan.Prices[0].ID)); err != nil {
		t.Fatal(err)
	}
	e.fake.setDown(func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/v1/billing_portal/") })
	plan, err := e.svc.AddPlanPrice(ctx, tenant, plan.ID, billing.PriceInput{Interval: billing.Annual, Currency: "gbp", Amount: 7999})
	if err != nil {
		t.Fatalf("a price added while the portal configuration cannot be written: %v", err)
	}
	if len(plan.Prices) != 4 {
		t.Fatalf("prices %+v", plan.Prices)
	}
	_, err = e.svc.Portal(ctx, tenant, viewer, "")
	wantKind(t, err, errs.KindUnavailable)
	if n := len(e.fake.calls("POST", "/v1/billing_portal/sessions")); n != 0 { // no session without the configuration
		t.Fatalf("%d session attempts", n)
	}
	writes := len(e.configCalls())

	e.fake.setDown(nil)
	if _, err := e.svc.Portal(ctx, tenant, viewer, ""); err != nil {
		t.Fatal(err)
	}
	calls := e.configCalls()
	if len(calls) != writes+1 || !sameSet(offered(calls[len(calls)-1])[productOf(t, e, plan)], priceIDs(plan)) {
		t.Fatalf("the catch-up write: %+v", calls[len(calls)-1])
	}
	if _, err := e.svc.Portal(ctx, tenant, viewer, ""); err != nil {
		t.Fatal(err)
	}
	if n := len(e.configCalls()); n != writes+1 {
		t.Errorf("written again though current: %d", n)
	}
}

// A viewer changes plan in the app: the subscription item's price is
// updated with prorations; the ledger follows Stripe's event, not the
// mutation. Bad changes are refused before Stripe is asked.
func TestChangeSubscriptionPlan(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	basic := e.mustPlan(t, tenant, libraryPlan(true, 0))
	premium := e.mustPlan(t, tenant, libraryPlan(false, 0))
	title := e.mustTitle(t, tenant)
	viewer := uuid.New()
	end := e.clock.Now().Add(10 * 24 * time.Hour)
	s := sub("sub_inapp", tenant, viewer, basic.Prices[0], "active", end)
	e.fake.setSub("sub_inapp", s)
	e.mustDeliver(t, event("customer.subscription.created", acct, s))

	got, err := e.svc.ChangeSubscriptionPlan(ctx, tenant, viewer, premium.Prices[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Price == nil || got.Price.ID != premium.Prices[0].ID || got.Status != "active" {
		t.Fatalf("answer %+v", got)
	}
	ups := e.fake.calls("POST", "/v1/subscriptions/sub_inapp")
	if len(ups) != 1 || ups[0].Account != acct || ups[0].Form.Get("proration_behavior") != "create_prorations" ||
		ups[0].Form.Get("items[0][id]") != "si_sub_inapp" || ups[0].Form.Get("items[0][price]") != premium.Prices[0].StripeID {
		t.Fatalf("update %+v", ups)
	}
	if d := e.check(t, tenant, viewer, title); !d.Ads {
		t.Fatalf("the ledger moved before Stripe's event: %+v", d)
	}
	if my, _ := e.svc.MySubscription(ctx, tenant, viewer); my == nil || my.Price.ID != basic.Prices[0].ID {
		t.Fatalf("mySubscription before the event %+v", my)
	}
	s = sub("sub_inapp", tenant, viewer, premium.Prices[0], "active", end)
	e.mustDeliver(t, event("customer.subscription.updated", acct, s))
	if d := e.check(t, tenant, viewer, title); !d.Allowed || d.Ads {
		t.Fatalf("after the event: %+v", d)
	}
	my, err := e.svc.MySubscription(ctx, tenant, viewer)
	if err != nil || my == nil || my.Price.ID != premium.Prices[0].ID || *my.Plan != premium.ID || !my.CurrentPeriodEnd.Equal(end) {
		t.Fatalf("mySubscription %+v %v", my, err)
	}

	other, _ := e.mustSellingTenant(t)
	foreign := e.mustPlan(t, other, libraryPlan(false, 0))
	before := len(e.fake.calls("POST", "/v1/subscriptions/sub_inapp"))
	_, err = e.svc.ChangeSubscriptionPlan(ctx, tenant, viewer, foreign.Prices[0].ID)
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.ChangeSubscriptionPlan(ctx, tenant, viewer, premium.Prices[0].ID)
	wantKind(t, err, errs.KindConflict)
	_, err = e.svc.ChangeSubscriptionPlan(ctx, tenant, viewer, premium.Prices[2].ID) // eur
	wantKind(t, err, errs.KindInvalid)
	if !strings.Contains(errs.MessageOf(err), "USD") {
		t.Errorf("currency message %q", errs.MessageOf(err))
	}
	_, err = e.svc.ChangeSubscriptionPlan(ctx, tenant, uuid.New(), basic.Prices[0].ID)
	wantKind(t, err, errs.KindNotFound)
	if _, err := e.svc.RetirePlan(ctx, tenant, basic.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ChangeSubscriptionPlan(ctx, tenant, viewer, basic.Prices[0].ID)
	wantKind(t, err, errs.KindConflict)
	if n := len(e.fake.calls("POST", "/v1/subscriptions/sub_inapp")); n != before {
		t.Errorf("refused changes reached Stripe: %d updates", n-before)
	}
	// An annual price of the same currency is a change too.
	if _, err := e.svc.ChangeSubscriptionPlan(ctx, tenant, viewer, premium.Prices[1].ID); err != nil {
		t.Fatal(err)
	}
}

// Cancel at the period's end and resume: cancel_at_period_end sent to
// Stripe, the entitlement's end following Stripe's event; Stripe
// unreachable is UNAVAILABLE and nothing changes.
func TestCancelAndResumeSubscription(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	viewer := uuid.New()
	end := e.clock.Now().Add(10 * 24 * time.Hour)
	s := sub("sub_cancel", tenant, viewer, plan.Prices[0], "active", end)
	e.fake.setSub("sub_cancel", s)
	e.mustDeliver(t, event("customer.subscription.created", acct, s))

	down := newEnvOn(t, e.db, "http://127.0.0.1:1")
	_, err := down.svc.CancelSubscription(ctx, tenant, viewer)
	wantKind(t, err, errs.KindUnavailable)
	_, err = down.svc.ChangeSubscriptionPlan(ctx, tenant, viewer, plan.Prices[1].ID)
	wantKind(t, err, errs.KindUnavailable)
	if my, _ := e.svc.MySubscription(ctx, tenant, viewer); my == nil || my.CancelAtPeriodEnd || my.Price.ID != plan.Prices[0].ID {
		t.Fatalf("after Stripe was unreachable: %+v", my)
	}

	got, err := e.svc.CancelSubscription(ctx, tenant, viewer)
	if err != nil || !got.CancelAtPeriodEnd {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	ups := e.fake.calls("POST", "/v1/subscriptions/sub_cancel")
	if len(ups) != 1 || ups[0].Form.Get("cancel_at_period_end") != "true" || ups[0].Account != acct {
		t.Fatalf("updates %+v", ups)
	}
	if my, _ := e.svc.MySubscription(ctx, tenant, viewer); my.CancelAtPeriodEnd {
		t.Fatalf("the ledger moved before Stripe's event")
	}
	s["cancel_at_period_end"], s["cancel_at"] = true, end.Unix()
	e.mustDeliver(t, event("customer.subscription.updated", acct, s))
	my, _ := e.svc.MySubscription(ctx, tenant, viewer)
	if !my.CancelAtPeriodEnd {
		t.Fatalf("after the event %+v", my)
	}
	got, err = e.svc.ResumeSubscription(ctx, tenant, viewer)
	if err != nil || got.CancelAtPeriodEnd {
		t.Fatalf("resume: %+v %v", got, err)
	}
	if ups := e.fake.calls("POST", "/v1/subscriptions/sub_cancel"); len(ups) != 2 || ups[1].Form.Get("cancel_at_period_end") != "false" {
		t.Fatalf("updates %+v", ups)
	}
	_, err = e.svc.CancelSubscription(ctx, tenant, uuid.New())
	wantKind(t, err, errs.KindNotFound)
}

// Stripe offers at most 10 products in a portal configuration: the oldest
// 10 plans on sale are offered; retiring one makes room for the next.
func TestPortalConfigurationOffersTenPlans(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, _ := e.mustSellingTenant(t)
	var plans []billing.Plan
	for range 11 {
		plans = append(plans, e.mustPlan(t, tenant, libraryPlan(false, 0)))
	}
	calls := e.configCalls()
	o := offered(calls[len(calls)-1])
	if len(o) != 10 || o[productOf(t, e, plans[10])] != nil || o[productOf(t, e, plans[0])] == nil {
		t.Fatalf("offered %d products: %v", len(o), o)
	}
	if _, err := e.svc.RetirePlan(ctx, tenant, plans[0].ID); err != nil {
		t.Fatal(err)
	}
	calls = e.configCalls()
	if o := offered(calls[len(calls)-1]); len(o) != 10 || o[productOf(t, e, plans[10])] == nil || o[productOf(t, e, plans[0])] != nil {
		t.Fatalf("after retiring the oldest: %v", o)
	}
}
