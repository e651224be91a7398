package billing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

const secret = "whsec_test_billing"

// request is one call we made to Stripe.
type request struct {
	Method, Path, Account string
	Version               string // the Stripe-Version header
	Form                  url.Values
}

// stripeFake records every request to stripe-mock and stands in for the two
// things stripe-mock cannot do, being stateless: it gives each new connected
// account its own id (stripe-mock answers every POST /v1/accounts with one
// fixture id), and it answers GET /v1/subscriptions/{id} from the state a
// test set (GET /v1/payment_intents/{id} too), as Stripe would after the
// events the test delivers.
type stripeFake struct {
	mu   sync.Mutex
	reqs []request
	objs map[string]map[string]any // GET path → object
	next http.RoundTripper
	// down, when set, makes requests it matches fail as if Stripe were
	// unreachable (recorded all the same).
	down func(*http.Request) bool
}

func (f *stripeFake) setDown(down func(*http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
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
		Version: r.Header.Get("Stripe-Version"), Form: form})
	obj, known := f.objs[r.URL.Path]
	down := f.down != nil && f.down(r)
	if known && r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/subscriptions/") && !down {
		// An update of a subscription the test set: applied as Stripe would,
		// so the next GET (the webhook's) sees it.
		obj = updateSub(obj, form)
		f.objs[r.URL.Path] = obj
	}
	f.mu.Unlock()
	if down {
		return nil, fmt.Errorf("stripeFake: %s %s: connection refused", r.Method, r.URL.Path)
	}
	if known && (r.Method == http.MethodGet || strings.HasPrefix(r.URL.Path, "/v1/subscriptions/")) {
		return jsonResponse(r, obj), nil
	}
	resp, err := f.next.RoundTrip(r)
	prefix := map[string]string{"/v1/accounts": "acct_", "/v1/products": "prod_", "/v1/prices": "price_", "/v1/customers": "cus_",
		"/v1/promotion_codes": "promo_"}[r.URL.Path]
	if err != nil || r.Method != http.MethodPost || prefix == "" || resp.StatusCode != 200 {
		return resp, err
	}
	var a map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return nil, err
	}
	resp.Body.Close()
	a["id"] = prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	if prefix == "acct_" {
		a["charges_enabled"], a["details_submitted"] = false, false
	}
	return jsonResponse(r, a), nil
}

// updateSub applies a subscription update's cancel_at_period_end and item
// price to a copy of the object.
func updateSub(obj map[string]any, form url.Values) map[string]any {
	b, _ := json.Marshal(obj)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if v := form.Get("cancel_at_period_end"); v != "" {
		out["cancel_at_period_end"] = v == "true"
		if v == "true" {
			out["cancel_at"] = out["current_period_end"]
		} else {
			delete(out, "cancel_at")
		}
	}
	if p := form.Get("items[0][price]"); p != "" {
		item := out["items"].(map[string]any)["data"].([]any)[0].(map[string]any)
		item["price"] = map[string]any{"id": p, "object": "price", "currency": out["currency"]}
	}
	return out
}

func jsonResponse(r *http.Request, v any) *http.Response {
	b, _ := json.Marshal(v)
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}
}

func (f *stripeFake) setSub(id string, v map[string]any) { f.setObj("/v1/subscriptions/"+id, v) }

// setObj makes GET path answer v, as Stripe would after the events a test delivers.
func (f *stripeFake) setObj(path string, v map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.objs == nil {
		f.objs = map[string]map[string]any{}
	}
	f.objs[path] = v
}

// calls returns the recorded requests to path (method POST unless GET given).
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

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type env struct {
	svc   *billing.Service
	fake  *stripeFake
	db    *db.DB
	clock *clock
	cat   *catalog.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, testenv.DB(t), testenv.Stripe(t))
}

func newEnvOn(t *testing.T, d *db.DB, stripeURL string) *env { return newEnvOnTB(t, d, stripeURL) }

func newEnvOnTB(_ testing.TB, d *db.DB, stripeURL string) *env {
	fake := &stripeFake{next: http.DefaultTransport}
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	svc := &billing.Service{DB: d, Stripe: billing.NewStripe(stripeURL, "sk_test_123", &http.Client{Transport: fake, Timeout: 5 * time.Second}),
		FeePercent: 12.5, WebhookSecret: secret, BaseURL: "http://marquee.test", Now: c.Now}
	return &env{svc: svc, fake: fake, db: d, clock: c, cat: &catalog.Service{DB: d}}
}

// mustSellingTenant makes a tenant, connects Stripe and delivers the
// account.updated that says charges are enabled; it returns the tenant and
// its account id.
func (e *env) mustSellingTenant(t testing.TB) (uuid.UUID, string) {
	t.Helper()
	tenant := e.mustSVODTenant(t)
	ob, err := e.svc.ConnectStripe(context.Background(), principal(tenant))
	if err != nil {
		t.Fatal(err)
	}
	e.mustDeliver(t, event("account.updated", ob.Account.ID, map[string]any{"id": ob.Account.ID, "object": "account",
		"charges_enabled": true, "details_submitted": true, "payouts_enabled": true}))
	return tenant, ob.Account.ID
}

var evSeq int

// event builds a Stripe event of a connected account.
func event(typ, account string, object map[string]any) map[string]any {
	evSeq++
	return map[string]any{"id": fmt.Sprintf("evt_%d_%s", evSeq, uuid.NewString()[:8]), "object": "event", "type": typ,
		"account": account, "created": time.Now().Unix(), "api_version": "2023-10-16", "livemode": false,
		"data": map[string]any{"object": object}}
}

func sign(t testing.TB, payload []byte, key string, at time.Time) string {
	t.Helper()
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: key, Timestamp: at})
	return sp.Header
}

func (e *env) deliver(t testing.TB, ev map[string]any) error {
	t.Helper()
	b, _ := json.Marshal(ev)
	return e.svc.HandleWebhook(context.Background(), b, sign(t, b, secret, time.Now()))
}

func (e *env) mustDeliver(t testing.TB, ev map[string]any) {
	t.Helper()
	if err := e.deliver(t, ev); err != nil {
		t.Fatalf("deliver %s: %v", ev["type"], err)
	}
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("error %v, want %s", err, k)
	}
}

// mustSVODTenant is a new tenant whose titles are sold by subscription
// unless set otherwise (the default is free).
func (e *env) mustSVODTenant(tb testing.TB) uuid.UUID {
	tb.Helper()
	tenant := testenv.MustTenant(tb, e.db)
	if err := e.svc.SetDefaultTitleAccess(context.Background(), tenant, billing.ModelSVOD); err != nil {
		tb.Fatal(err)
	}
	return tenant
}
