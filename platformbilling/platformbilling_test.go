package platformbilling_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/platformbilling"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
)

// request is one call we made to Stripe.
type request struct {
	Method, Path, Account, Idempotency string
	Form                               url.Values
}

// stripeFake records every request on its way to stripe-mock (which checks
// each against Stripe's OpenAPI spec and answers a fixture) and stands in
// for what stateless stripe-mock cannot do: new customers, subscriptions,
// products, prices and meters get ids of their own; a subscription made or
// changed is kept so GET /v1/subscriptions/{id} answers it as Stripe would
// (status and items as the test set them); and meter events fail with a
// 500 while down is set, as in an outage.
type stripeFake struct {
	mu   sync.Mutex
	reqs []request
	subs map[string]map[string]any
	down bool
	next http.RoundTripper
}

func (f *stripeFake) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, _ := url.ParseQuery(string(body))
	if r.Method == http.MethodGet {
		form = r.URL.Query()
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, request{Method: r.Method, Path: r.URL.Path, Account: r.Header.Get("Stripe-Account"),
		Idempotency: r.Header.Get("Idempotency-Key"), Form: form})
	down := f.down
	sub, known := f.subs[strings.TrimPrefix(r.URL.Path, "/v1/subscriptions/")]
	f.mu.Unlock()
	if down && r.URL.Path == "/v1/billing/meter_events" {
		return jsonResponse(r, 500, map[string]any{"error": map[string]any{"type": "api_error", "message": "outage"}}), nil
	}
	if r.Method == http.MethodGet && known {
		return jsonResponse(r, 200, sub), nil
	}
	resp, err := f.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost || resp.StatusCode != 200 {
		return resp, err
	}
	prefix := map[string]string{"/v1/customers": "cus_", "/v1/products": "prod_", "/v1/prices": "price_",
		"/v1/billing/meters": "mtr_", "/v1/subscriptions": "sub_"}[r.URL.Path]
	isUpdate := known && strings.HasPrefix(r.URL.Path, "/v1/subscriptions/")
	if prefix == "" && !isUpdate {
		return resp, nil
	}
	var a map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return nil, err
	}
	resp.Body.Close()
	switch {
	case isUpdate:
		a = sub
		a["items"] = items(form)
	case prefix == "sub_":
		a["id"] = prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
		a["customer"], a["status"] = form.Get("customer"), "active"
		now := time.Now().Unix()
		a["current_period_start"], a["current_period_end"] = now, now+30*86400
		a["items"] = items(form)
		f.setSub(a["id"].(string), a)
	default:
		a["id"] = prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	}
	return jsonResponse(r, 200, a), nil
}

// items is the subscription's items as Stripe would list them after a
// create or update with this form.
func items(form url.Values) map[string]any {
	var data []any
	for i := 0; ; i++ {
		p := form.Get(fmt.Sprintf("items[%d][price]", i))
		if p == "" && form.Get(fmt.Sprintf("items[%d][id]", i)) == "" {
			break
		}
		if p != "" {
			data = append(data, map[string]any{"id": "si_" + uuid.NewString()[:8], "object": "subscription_item",
				"price": map[string]any{"id": p, "object": "price"}})
		}
	}
	return map[string]any{"object": "list", "data": data}
}

func (f *stripeFake) setSub(id string, v map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = map[string]map[string]any{}
	}
	f.subs[id] = v
}

func (f *stripeFake) patchSub(id string, k string, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs[id][k] = v
}

func (f *stripeFake) setDown(v bool) { f.mu.Lock(); f.down = v; f.mu.Unlock() }

func jsonResponse(r *http.Request, code int, v any) *http.Response {
	b, _ := json.Marshal(v)
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}
}

// calls returns the recorded requests with method to path.
func (f *stripeFake) calls(method, path string) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.reqs {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// meterEvents returns the meter events sent for tenant's records.
func (f *stripeFake) meterEvents(tenant uuid.UUID) []request {
	var out []request
	for _, r := range f.calls("POST", "/v1/billing/meter_events") {
		if strings.HasPrefix(r.Form.Get("identifier"), tenant.String()+":") {
			out = append(out, r)
		}
	}
	return out
}

func (f *stripeFake) all() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type storageFunc func(ctx context.Context, tenant tenants.ID) (int64, error)

func (f storageFunc) StorageUsed(ctx context.Context, tenant tenants.ID) (int64, error) {
	return f(ctx, tenant)
}

type env struct {
	svc   *platformbilling.Service
	bill  *billing.Service
	fake  *stripeFake
	db    *db.DB
	clock *clock
}

const secret = "whsec_test_platformbilling"

func newEnv(t testing.TB) *env {
	t.Helper()
	d := testenv.DB(t)
	fake := &stripeFake{next: http.DefaultTransport}
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	sc := billing.NewStripe(testenv.Stripe(t), "sk_test_123", &http.Client{Transport: fake, Timeout: 5 * time.Second})
	svc := &platformbilling.Service{DB: d, Stripe: sc, Now: c.Now,
		Storage: storageFunc(func(context.Context, tenants.ID) (int64, error) { return 3_000_000_000, nil })}
	bill := &billing.Service{DB: d, Stripe: sc, WebhookSecret: secret, BaseURL: "http://marquee.test", Now: c.Now, Platform: svc}
	return &env{svc: svc, bill: bill, fake: fake, db: d, clock: c}
}

func owner(tenant uuid.UUID) tenants.Principal {
	return tenants.Principal{Tenant: tenant, Kind: tenants.PrincipalStaff, Subject: uuid.New(), Label: "owner@example.com"}
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("error %v, want %s", err, k)
	}
}

// mustPlan defines a plan with a unique name: $49/month, 100 encoded
// minutes included then 1.5¢ each, 50 streamed hours then 2¢, 10 GB-months
// then 10¢, app builds at $1 each.
func (e *env) mustPlan(t testing.TB, name string, monthly int64) platformbilling.Plan {
	t.Helper()
	p, err := e.svc.DefinePlan(context.Background(), platformbilling.PlanInput{Name: name + " " + uuid.NewString()[:6], Currency: "USD",
		MonthlyAmount: monthly, Metrics: []platformbilling.PlanMetricInput{
			{Metric: platformbilling.EncodedMinutes, Included: 100, OveragePerUnit: 1.5},
			{Metric: platformbilling.StreamedHours, Included: 50, OveragePerUnit: 2},
			{Metric: platformbilling.StoredGB, Included: 10, OveragePerUnit: 10},
			{Metric: platformbilling.AppBuilds, Included: 0, OveragePerUnit: 100},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func noConnectedAccount(t *testing.T, reqs []request) {
	t.Helper()
	for _, r := range reqs {
		if r.Account != "" {
			t.Errorf("%s %s named connected account %s: platform billing is on the platform's own account", r.Method, r.Path, r.Account)
		}
	}
}

// A plan is a product on the platform's account with a monthly base price
// and, per metric, a metered price on that metric's Billing meter,
// graduated so the included units are free; every request goes to
// stripe-mock, which checks it against Stripe's API.
func TestDefinePlanMakesMeteredPricesOnThePlatformAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	meters, err := e.svc.EnsureMeters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(meters) != 4 {
		t.Fatalf("meters %v", meters)
	}
	for _, r := range e.fake.calls("POST", "/v1/billing/meters") {
		if r.Form.Get("default_aggregation[formula]") != "sum" || r.Form.Get("customer_mapping[event_payload_key]") != "stripe_customer_id" ||
			r.Form.Get("value_settings[event_payload_key]") != "value" || !strings.HasPrefix(r.Form.Get("event_name"), "marquee_") ||
			!strings.HasPrefix(r.Idempotency, "marquee-meter-") {
			t.Errorf("meter request %v (%s)", r.Form, r.Idempotency)
		}
	}
	again, err := e.svc.EnsureMeters(ctx)
	if err != nil || fmt.Sprint(again) != fmt.Sprint(meters) {
		t.Fatalf("meters again: %v %v", again, err)
	}
	before := len(e.fake.calls("POST", "/v1/billing/meters"))

	p := e.mustPlan(t, "Growth", 4900)
	if len(e.fake.calls("POST", "/v1/billing/meters")) != before {
		t.Error("meters made twice")
	}
	if p.MonthlyAmount != 4900 || p.Currency != "usd" || len(p.Metrics) != 4 || !p.Active {
		t.Fatalf("plan %+v", p)
	}
	prices := e.fake.calls("POST", "/v1/prices")
	if len(prices) != 5 {
		t.Fatalf("%d price requests", len(prices))
	}
	base := prices[0].Form
	if base.Get("unit_amount") != "4900" || base.Get("recurring[interval]") != "month" || base.Get("currency") != "usd" ||
		base.Get("recurring[usage_type]") != "" {
		t.Errorf("base price %v", base)
	}
	enc := prices[1].Form
	if enc.Get("recurring[usage_type]") != "metered" || enc.Get("recurring[meter]") != meters[platformbilling.EncodedMinutes] ||
		enc.Get("billing_scheme") != "tiered" || enc.Get("tiers_mode") != "graduated" ||
		enc.Get("tiers[0][up_to]") != "100" || enc.Get("tiers[0][unit_amount]") != "0" ||
		enc.Get("tiers[1][up_to]") != "inf" || enc.Get("tiers[1][unit_amount_decimal]") != "1.5" {
		t.Errorf("encoded minutes price %v", enc)
	}
	builds := prices[4].Form
	if builds.Get("unit_amount_decimal") != "100" || builds.Get("billing_scheme") != "" || builds.Get("recurring[meter]") != meters[platformbilling.AppBuilds] {
		t.Errorf("app builds price %v", builds)
	}
	noConnectedAccount(t, e.fake.all())

	list, err := e.svc.Plans(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range list {
		if l.ID == p.ID {
			found = true
			if m, ok := l.Metric(platformbilling.EncodedMinutes); !ok || m.Included != 100 || m.OveragePerUnit != 1.5 {
				t.Errorf("listed terms %+v", l.Metrics)
			}
		}
	}
	if !found {
		t.Fatal("plan not listed")
	}
}

// Bad plans are refused before Stripe hears of them.
func TestDefinePlanRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cases := map[string]platformbilling.PlanInput{
		"no name":        {Name: " ", Currency: "usd", MonthlyAmount: 1},
		"bad currency":   {Name: "X", Currency: "dollars", MonthlyAmount: 1},
		"negative price": {Name: "X", Currency: "usd", MonthlyAmount: -1},
		"unknown metric": {Name: "X", Currency: "usd", Metrics: []platformbilling.PlanMetricInput{{Metric: "seats"}}},
		"twice":          {Name: "X", Currency: "usd", Metrics: []platformbilling.PlanMetricInput{{Metric: "app_builds"}, {Metric: "app_builds"}}},
		"negative included": {Name: "X", Currency: "usd",
			Metrics: []platformbilling.PlanMetricInput{{Metric: "app_builds", Included: -1}}},
		"negative overage": {Name: "X", Currency: "usd",
			Metrics: []platformbilling.PlanMetricInput{{Metric: "app_builds", OveragePerUnit: -0.5}}},
	}
	for name, in := range cases {
		if _, err := e.svc.DefinePlan(ctx, in); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(e.fake.all()); n != 0 {
		t.Errorf("%d Stripe requests for bad input", n)
	}
	p := e.mustPlan(t, "Dup", 100)
	_, err := e.svc.DefinePlan(ctx, platformbilling.PlanInput{Name: p.Name, Currency: "usd", MonthlyAmount: 100})
	wantKind(t, err, errs.KindConflict)
}

// Retiring a plan takes it off the choices: a workspace on it stays on it,
// another cannot choose it, the operator still lists it; retiring twice
// changes nothing and an unknown plan is NotFound.
func TestRetirePlanLeavesItsWorkspacesOnIt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.mustPlan(t, "Retiring", 900)
	a, b := testenv.MustTenant(t, e.db), testenv.MustTenant(t, e.db)
	if _, err := e.svc.ChoosePlan(ctx, owner(a), p.ID); err != nil {
		t.Fatal(err)
	}
	r, err := e.svc.RetirePlan(ctx, p.ID)
	if err != nil || r.Active || len(r.Metrics) != len(p.Metrics) {
		t.Fatalf("retired %+v %v", r, err)
	}
	if _, err := e.svc.RetirePlan(ctx, p.ID); err != nil {
		t.Fatalf("retiring again: %v", err)
	}
	_, err = e.svc.RetirePlan(ctx, uuid.New())
	wantKind(t, err, errs.KindNotFound)
	active, err := e.svc.Plans(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range active {
		if l.ID == p.ID {
			t.Error("a retired plan is offered")
		}
	}
	if s, err := e.svc.Subscription(ctx, a); err != nil || s == nil || s.Plan.ID != p.ID {
		t.Fatalf("the workspace on it: %+v %v", s, err)
	}
	_, err = e.svc.ChoosePlan(ctx, owner(b), p.ID)
	wantKind(t, err, errs.KindNotFound)
}

// Choosing a plan the first time makes one Stripe customer and one
// subscription (base price + each metered price) on the platform account;
// choosing it again changes nothing; choosing another moves the
// subscription's items to the new prices. An unknown plan is NOT_FOUND, and
// another workspace sees none of it.
func TestChoosePlanSubscribesOnThePlatformAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	growth, scale := e.mustPlan(t, "Growth", 4900), e.mustPlan(t, "Scale", 19900)
	a, b := testenv.MustTenant(t, e.db), testenv.MustTenant(t, e.db)

	if s, err := e.svc.Subscription(ctx, a); err != nil || s != nil {
		t.Fatalf("before: %v %v", s, err)
	}
	_, err := e.svc.ChoosePlan(ctx, owner(a), uuid.New())
	wantKind(t, err, errs.KindNotFound)

	sub, err := e.svc.ChoosePlan(ctx, owner(a), growth.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Plan.ID != growth.ID || sub.Status != "active" || !strings.HasPrefix(sub.CustomerID, "cus_") ||
		!strings.HasPrefix(sub.SubscriptionID, "sub_") || !sub.PeriodEnd.After(sub.PeriodStart) {
		t.Fatalf("subscription %+v", sub)
	}
	cus := e.fake.calls("POST", "/v1/customers")
	if len(cus) != 1 || cus[0].Form.Get("metadata[marquee_tenant]") != a.String() || cus[0].Form.Get("email") != "owner@example.com" ||
		cus[0].Idempotency != "marquee-platform-customer-"+a.String() {
		t.Fatalf("customer requests %+v", cus)
	}
	subs := e.fake.calls("POST", "/v1/subscriptions")
	if len(subs) != 1 {
		t.Fatalf("%d subscription requests", len(subs))
	}
	f := subs[0].Form
	if f.Get("customer") != sub.CustomerID || f.Get("items[0][price]") != growth.StripeBasePriceID || f.Get("items[0][quantity]") != "1" ||
		f.Get("items[1][price]") != growth.Metrics[0].StripePriceID || f.Get("items[4][price]") != growth.Metrics[3].StripePriceID ||
		f.Get("items[1][quantity]") != "" || f.Get("collection_method") != "send_invoice" || f.Get("days_until_due") != "14" {
		t.Errorf("subscription form %v", f)
	}

	n := len(e.fake.all())
	if again, err := e.svc.ChoosePlan(ctx, owner(a), growth.ID); err != nil || again.SubscriptionID != sub.SubscriptionID {
		t.Fatalf("again: %+v %v", again, err)
	}
	if len(e.fake.all()) != n {
		t.Error("choosing the current plan called Stripe")
	}

	moved, err := e.svc.ChoosePlan(ctx, owner(a), scale.ID)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Plan.ID != scale.ID || moved.SubscriptionID != sub.SubscriptionID || moved.CustomerID != sub.CustomerID {
		t.Fatalf("moved %+v", moved)
	}
	up := e.fake.calls("POST", "/v1/subscriptions/"+sub.SubscriptionID)
	if len(up) != 1 {
		t.Fatalf("%d update requests", len(up))
	}
	uf := up[0].Form
	if uf.Get("items[0][price]") != scale.StripeBasePriceID || uf.Get("items[5][deleted]") != "true" ||
		!strings.HasPrefix(uf.Get("items[5][id]"), "si_") || uf.Get("proration_behavior") != "create_prorations" {
		t.Errorf("update form %v", uf)
	}
	if len(e.fake.calls("POST", "/v1/customers")) != 1 {
		t.Error("a second customer was made")
	}
	noConnectedAccount(t, e.fake.all())

	// Invariant: another workspace sees nothing of A's subscription.
	if s, err := e.svc.Subscription(ctx, b); err != nil || s != nil {
		t.Fatalf("B sees %+v %v", s, err)
	}
	if inv, err := e.svc.Invoices(ctx, b); err != nil || len(inv) != 0 {
		t.Fatalf("B's invoices %v %v", inv, err)
	}
}

// The workspace's invoices come from Stripe's list for its platform
// customer (stripe-mock answers a canned list).
func TestInvoicesListTheWorkspaceCustomer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.mustPlan(t, "Starter", 900)
	a := testenv.MustTenant(t, e.db)
	sub, err := e.svc.ChoosePlan(ctx, owner(a), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := e.svc.Invoices(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv) == 0 || !strings.HasPrefix(inv[0].ID, "in_") {
		t.Fatalf("invoices %+v", inv)
	}
	gets := e.fake.calls("GET", "/v1/invoices")
	if len(gets) != 1 || gets[0].Form.Get("customer") != sub.CustomerID || gets[0].Account != "" {
		t.Fatalf("invoice list requests %+v", gets)
	}
}

// The same usage key twice counts once; bad input is refused with a clear
// error; the month's usage is set against the plan's included units.
func TestRecordIsIdempotentAndUsageAgainstThePlan(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.mustPlan(t, "Growth", 4900)
	a, b := testenv.MustTenant(t, e.db), testenv.MustTenant(t, e.db)
	if _, err := e.svc.ChoosePlan(ctx, owner(a), p.ID); err != nil {
		t.Fatal(err)
	}
	first, err := e.svc.Record(ctx, a, platformbilling.EncodedMinutes, 120.5, "enc-1")
	if err != nil || !first.Fresh {
		t.Fatalf("first %+v %v", first, err)
	}
	second, err := e.svc.Record(ctx, a, platformbilling.EncodedMinutes, 120.5, "enc-1")
	if err != nil || second.Fresh || second.ID != first.ID {
		t.Fatalf("second %+v %v", second, err)
	}
	if _, err := e.svc.Record(ctx, a, platformbilling.StreamedHours, 10, "enc-1"); !errs.Is(err, errs.KindConflict) {
		t.Errorf("a key reused for another metric: %v", err)
	}
	for name, c := range map[string]struct {
		m   platformbilling.Metric
		q   float64
		key string
	}{
		"unknown metric": {"seats", 1, "k1"}, "negative": {platformbilling.AppBuilds, -1, "k2"},
		"NaN": {platformbilling.AppBuilds, math.NaN(), "k3"}, "infinite": {platformbilling.AppBuilds, math.Inf(1), "k4"},
		"no key": {platformbilling.AppBuilds, 1, ""}, "spaces in key": {platformbilling.AppBuilds, 1, "a b"},
		"long key": {platformbilling.AppBuilds, 1, strings.Repeat("k", 201)},
	} {
		if _, err := e.svc.Record(ctx, a, c.m, c.q, c.key); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := e.svc.RecordAppBuild(ctx, a, uuid.New()); err != nil {
		t.Fatal(err)
	}
	build := uuid.New()
	for i := 0; i < 2; i++ {
		if err := e.svc.RecordAppBuild(ctx, a, build); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Record(ctx, b, platformbilling.EncodedMinutes, 999, "enc-1"); err != nil {
		t.Fatal(err) // B's key space is its own
	}

	u, err := e.svc.Usage(ctx, a, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[platformbilling.Metric]platformbilling.MetricUsage{}
	for _, m := range u.Metrics {
		got[m.Metric] = m
	}
	enc := got[platformbilling.EncodedMinutes]
	if enc.Quantity != 120.5 || enc.Included != 100 || enc.Overage != 20.5 || math.Abs(enc.EstimatedCost-30.75) > 1e-9 {
		t.Errorf("encoded minutes %+v", enc)
	}
	if got[platformbilling.AppBuilds].Quantity != 2 || got[platformbilling.AppBuilds].EstimatedCost != 200 {
		t.Errorf("app builds %+v", got[platformbilling.AppBuilds])
	}
	if math.Abs(u.EstimatedTotal-(4900+30.75+200)) > 1e-9 || u.Plan == nil || u.Plan.ID != p.ID {
		t.Errorf("total %v plan %v", u.EstimatedTotal, u.Plan)
	}
	if u.Period != e.clock.Now().Format("2006-01") {
		t.Errorf("period %s", u.Period)
	}
	if last, err := e.svc.Usage(ctx, a, e.clock.Now().AddDate(0, -1, 0).Format("2006-01")); err != nil || last.Metrics[0].Quantity != 0 {
		t.Errorf("last month %+v %v", last, err)
	}
	if _, err := e.svc.Usage(ctx, a, "November"); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("bad period: %v", err)
	}
	// Invariant: B's usage holds only B's record.
	ub, err := e.svc.Usage(ctx, b, "")
	if err != nil || ub.Metrics[0].Quantity != 999 || ub.Plan != nil || ub.Metrics[3].Quantity != 0 {
		t.Fatalf("B's usage %+v %v", ub, err)
	}
}

// The reporter sends each usage record to Stripe once as a meter event
// (event name of its meter, the platform customer, the exact value, the
// record's identifier and time); a failed report is retried after its
// backoff, and a rerun sends nothing again. A workspace without a plan has
// nothing to bill: its usage is marked unbilled and never sent.
func TestReporterSendsEachRecordOnceAndRetriesFailures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.mustPlan(t, "Growth", 4900)
	a, none := testenv.MustTenant(t, e.db), testenv.MustTenant(t, e.db)
	sub, err := e.svc.ChoosePlan(ctx, owner(a), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := e.clock.Now()
	if _, err := e.svc.Record(ctx, a, platformbilling.StreamedHours, 1.5, "session-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Record(ctx, a, platformbilling.EncodedMinutes, 0.000001, "asset-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Record(ctx, none, platformbilling.AppBuilds, 1, "build-1"); err != nil {
		t.Fatal(err)
	}

	e.fake.setDown(true)
	if _, err := e.svc.ReportDue(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.svc.ReportStates(ctx, a); st[platformbilling.StatePending] != 2 {
		t.Fatalf("states during the outage %v", st)
	}
	tried := len(e.fake.meterEvents(a))
	if tried != 2 {
		t.Fatalf("%d meter event attempts", tried)
	}
	e.fake.setDown(false)
	if _, err := e.svc.ReportDue(ctx); err != nil || len(e.fake.meterEvents(a)) != tried {
		t.Fatalf("retried before the backoff (%v)", err)
	}

	e.clock.Add(2 * time.Minute)
	if _, err := e.svc.ReportDue(ctx); err != nil {
		t.Fatal(err)
	}
	evs := e.fake.meterEvents(a)[tried:]
	if len(evs) != 2 {
		t.Fatalf("%d meter events after the outage", len(evs))
	}
	byID := map[string]url.Values{}
	for _, r := range evs {
		byID[r.Form.Get("identifier")] = r.Form
		if r.Account != "" || r.Idempotency != "marquee-usage-"+r.Form.Get("identifier") {
			t.Errorf("meter event headers %+v", r)
		}
	}
	hours := byID[platformbilling.Identifier(a, "session-1")]
	if hours.Get("event_name") != "marquee_streamed_hours" || hours.Get("payload[stripe_customer_id]") != sub.CustomerID ||
		hours.Get("payload[value]") != "1.5" || hours.Get("timestamp") != fmt.Sprint(at.Unix()) {
		t.Errorf("streamed hours event %v", hours)
	}
	if v := byID[platformbilling.Identifier(a, "asset-1")].Get("payload[value]"); v != "0.000001" {
		t.Errorf("tiny value sent as %q", v)
	}
	if st, _ := e.svc.ReportStates(ctx, a); st[platformbilling.StateReported] != 2 {
		t.Fatalf("states %v", st)
	}
	if st, _ := e.svc.ReportStates(ctx, none); st[platformbilling.StateUnbilled] != 1 || len(e.fake.meterEvents(none)) != 0 {
		t.Fatalf("no-plan states %v", st)
	}

	e.clock.Add(time.Hour)
	if _, err := e.svc.ReportDue(ctx); err != nil || len(e.fake.meterEvents(a)) != tried+2 {
		t.Fatalf("rerun reported again (%v)", err)
	}
}

// A record Stripe keeps refusing becomes failed after MaxAttempts, and is
// never sent again.
func TestReporterGivesUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t)
	e.svc.MaxAttempts = 2
	ctx := context.Background()
	p := e.mustPlan(t, "Growth", 4900)
	a := testenv.MustTenant(t, e.db)
	if _, err := e.svc.ChoosePlan(ctx, owner(a), p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Record(ctx, a, platformbilling.AppBuilds, 1, "b"); err != nil {
		t.Fatal(err)
	}
	e.fake.setDown(true)
	for i := 0; i < 3; i++ {
		if _, err := e.svc.ReportDue(ctx); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(time.Hour)
	}
	if n := len(e.fake.meterEvents(a)); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
	if st, _ := e.svc.ReportStates(ctx, a); st[platformbilling.StateFailed] != 1 {
		t.Fatalf("states %v", st)
	}
}

func event(typ, account string, object map[string]any) map[string]any {
	ev := map[string]any{"id": "evt_" + uuid.NewString()[:12], "object": "event", "type": typ,
		"created": time.Now().Unix(), "api_version": "2023-10-16", "livemode": false, "data": map[string]any{"object": object}}
	if account != "" {
		ev["account"] = account
	}
	return ev
}

func (e *env) deliver(t *testing.T, ev map[string]any) {
	t.Helper()
	b, _ := json.Marshal(ev)
	if err := e.bill.HandleWebhook(context.Background(), b, sign(t, b)); err != nil {
		t.Fatalf("deliver %s: %v", ev["type"], err)
	}
}

// The platform account's own events (no "account") about a workspace's
// platform customer update its platform subscription from Stripe's current
// copy, once per event; the same event types of a connected account go to
// the tenant's own billing and leave the platform subscription alone; a
// platform event for a customer no workspace has is recorded and ignored.
func TestPlatformWebhooksUpdateTheWorkspacesSubscription(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	growth, scale := e.mustPlan(t, "Growth", 4900), e.mustPlan(t, "Scale", 19900)
	a := testenv.MustTenant(t, e.db)
	sub, err := e.svc.ChoosePlan(ctx, owner(a), growth.ID)
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{"id": sub.SubscriptionID, "object": "subscription", "customer": sub.CustomerID, "status": "active"}

	// invoice.payment_failed: Stripe now says past_due.
	e.fake.patchSub(sub.SubscriptionID, "status", "past_due")
	failed := event("invoice.payment_failed", "", map[string]any{"id": "in_1", "object": "invoice", "customer": sub.CustomerID,
		"subscription": sub.SubscriptionID})
	e.deliver(t, failed)
	if s, _ := e.svc.Subscription(ctx, a); s.Status != "past_due" {
		t.Fatalf("after payment_failed: %s", s.Status)
	}
	if o, _ := e.bill.EventOutcome(ctx, failed["id"].(string)); o != billing.OutcomeApplied {
		t.Fatalf("outcome %q", o)
	}
	// A redelivery changes nothing even though Stripe's copy moved on.
	e.fake.patchSub(sub.SubscriptionID, "status", "active")
	e.deliver(t, failed)
	if s, _ := e.svc.Subscription(ctx, a); s.Status != "past_due" {
		t.Fatalf("a redelivery applied again: %s", s.Status)
	}
	e.deliver(t, event("invoice.paid", "", map[string]any{"id": "in_2", "object": "invoice", "customer": sub.CustomerID,
		"subscription": sub.SubscriptionID}))
	if s, _ := e.svc.Subscription(ctx, a); s.Status != "active" {
		t.Fatalf("after invoice.paid: %s", s.Status)
	}

	// customer.subscription.updated: Stripe's items are now Scale's (a change
	// made in Stripe's dashboard): the workspace's plan follows.
	e.fake.patchSub(sub.SubscriptionID, "items", map[string]any{"object": "list", "data": []any{
		map[string]any{"id": "si_x", "object": "subscription_item", "price": map[string]any{"id": scale.StripeBasePriceID, "object": "price"}}}})
	e.deliver(t, event("customer.subscription.updated", "", obj))
	if s, _ := e.svc.Subscription(ctx, a); s.Plan.ID != scale.ID {
		t.Fatalf("plan after update: %s", s.Plan.Name)
	}

	// The same type from a connected account is the tenant's own billing's.
	e.fake.patchSub(sub.SubscriptionID, "status", "canceled")
	connected := event("customer.subscription.deleted", "acct_nobody", obj)
	e.deliver(t, connected)
	if s, _ := e.svc.Subscription(ctx, a); s.Status != "active" {
		t.Fatalf("a connected account's event touched the platform subscription: %s", s.Status)
	}
	if o, _ := e.bill.EventOutcome(ctx, connected["id"].(string)); o != billing.OutcomeUnknownAccount {
		t.Fatalf("connected outcome %q", o)
	}
	// The platform's own deletion does.
	e.deliver(t, event("customer.subscription.deleted", "", obj))
	if s, _ := e.svc.Subscription(ctx, a); s.Status != "canceled" {
		t.Fatalf("after deletion: %s", s.Status)
	}

	// A workspace whose subscription ended subscribes again, same customer.
	again, err := e.svc.ChoosePlan(ctx, owner(a), growth.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.SubscriptionID == sub.SubscriptionID || again.CustomerID != sub.CustomerID || again.Status != "active" || again.Plan.ID != growth.ID {
		t.Fatalf("resubscribed %+v (was %s)", again, sub.SubscriptionID)
	}
	if subs := e.fake.calls("POST", "/v1/subscriptions"); subs[len(subs)-1].Form.Get("customer") != sub.CustomerID {
		t.Fatalf("resubscription form %v", subs[len(subs)-1].Form)
	}

	stranger := event("invoice.paid", "", map[string]any{"id": "in_3", "object": "invoice", "customer": "cus_nobody", "subscription": "sub_nobody"})
	e.deliver(t, stranger)
	if o, _ := e.bill.EventOutcome(ctx, stranger["id"].(string)); o != billing.OutcomeIgnored {
		t.Fatalf("stranger outcome %q", o)
	}
}

func sign(t testing.TB, payload []byte) string {
	t.Helper()
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header
}
