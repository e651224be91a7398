package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/testenv"
)

// planStripe stands before stripe-mock: new products and prices get their
// own ids (stripe-mock answers each create with one fixture id), the
// subscriptions a test set are answered and updated as Stripe would, and
// every POST is recorded.
type planStripe struct {
	mu    sync.Mutex
	subs  map[string]map[string]any
	posts map[string][]url.Values
}

func (s *planStripe) start(t *testing.T) string {
	target, _ := url.Parse(testenv.Stripe(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		if r.Method == http.MethodPost {
			s.posts[r.URL.Path] = append(s.posts[r.URL.Path], form)
		}
		obj, ok := s.subs[strings.TrimPrefix(r.URL.Path, "/v1/subscriptions/")]
		if ok && r.Method == http.MethodPost {
			if v := form.Get("cancel_at_period_end"); v != "" {
				obj["cancel_at_period_end"] = v == "true"
			}
			if p := form.Get("items[0][price]"); p != "" {
				obj["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"] = map[string]any{"id": p, "object": "price"}
			}
		}
		var b []byte
		if ok {
			b, _ = json.Marshal(obj)
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if ok {
			_, _ = w.Write(b)
			return
		}
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, target.String()+r.URL.RequestURI(), strings.NewReader(string(body)))
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		rb, _ := io.ReadAll(resp.Body)
		prefix := map[string]string{"/v1/products": "prod_", "/v1/prices": "price_"}[r.URL.Path]
		if r.Method == http.MethodPost && prefix != "" && resp.StatusCode == 200 {
			var v map[string]any
			if json.Unmarshal(rb, &v) == nil {
				v["id"] = prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
				rb, _ = json.Marshal(v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(rb)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// "Your plan" on the plans page: a subscribed viewer sees their plan and
// its renewal, is offered the other prices of their currency only, switches
// price, cancels at the period's end and resumes, all through our API.
func TestYourPlanInTheApp(t *testing.T) {
	fake := &planStripe{subs: map[string]map[string]any{}, posts: map[string][]url.Values{}}
	proxy := fake.start(t)
	m := pt.Start(t, func(c *platform.Config) { c.StripeURL = proxy })
	tn := pt.SignUp(t, m)
	tn.Owner.Must(t, `mutation { connectStripe { url } }`, nil)
	const create = `mutation($n: String!, $a: Int!) { createPlan(input: {name: $n, scope: LIBRARY, ads: false, trialDays: 0,
		prices: [{interval: MONTH, currency: "usd", amount: $a}, {interval: MONTH, currency: "eur", amount: $a}]}) { id prices { id } } }`
	basic := tn.Owner.Must(t, create, map[string]any{"n": "Basic", "a": 599})
	premium := tn.Owner.Must(t, create, map[string]any{"n": "Premium", "a": 1299})
	basicUSD, premiumUSD := pt.Str(basic, "createPlan", "prices", 0, "id"), pt.Str(premium, "createPlan", "prices", 0, "id")
	v := pt.SignUpViewer(t, m, pt.AppKey(t, tn.Owner))
	viewer := pt.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")

	// The subscription as Stripe's events leave it in the ledger.
	tenant := uuid.MustParse(tn.ID)
	end := time.Now().UTC().Add(20 * 24 * time.Hour)
	var basicStripe, premiumStripe string
	err := m.DB.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		ctx := context.Background()
		q := `SELECT stripe_price_id FROM billing_plan_prices WHERE tenant_id = $1 AND id = $2`
		if err := tx.QueryRow(ctx, q, tenant, basicUSD).Scan(&basicStripe); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, q, tenant, premiumUSD).Scan(&premiumStripe); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, plan_id,
			status, starts_at, ends_at, created_at, updated_at) VALUES ($1, $2, $3, 'stripe', 'sub_app', jsonb_build_object('subscription',
			'sub_app', 'price', $4::text, 'status', 'active', 'current_period_end', $5::bigint, 'cancel_at_period_end', false),
			'svod', 'library', $6, 'active', $7, $8, $7, $7)`,
			tenant, uuid.New(), viewer, basicStripe, end.Unix(), pt.Str(basic, "createPlan", "id"), time.Now().Add(-10*24*time.Hour), end)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	fake.subs["sub_app"] = map[string]any{"id": "sub_app", "object": "subscription", "status": "active", "currency": "usd",
		"current_period_end": end.Unix(), "cancel_at_period_end": false,
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_app", "object": "subscription_item",
			"price": map[string]any{"id": basicStripe, "object": "price"}}}}}
	fake.mu.Unlock()

	s := seeded{m: m, tn: tn, viewer: v, base: m.URL() + "/t/" + tn.Slug}
	b := newBrowser(t)
	signInAs(b, s, &v)
	b.load(s.base + "/plans")
	b.wait("your plan", `document.getElementById('your-plan-name')`)
	if got := eval[string](b, `document.getElementById('your-plan').textContent`); !strings.Contains(got, "Basic") ||
		!strings.Contains(got, "5.99") || !strings.Contains(got, "Renews on") {
		t.Errorf("your plan %q", got)
	}
	if got := eval[string](b, `document.querySelector('.plans').textContent`); strings.Contains(got, "€") {
		t.Errorf("a euro price offered to a dollar subscriber: %q", got)
	}
	if !eval[bool](b, `!!document.querySelector('[data-current-price="`+basicUSD+`"]')`) {
		t.Errorf("the current price is not marked")
	}
	b.clickSel(`[data-price="` + premiumUSD + `"]`)
	b.wait("the switched plan", `document.getElementById('your-plan-name').textContent.indexOf('Premium') >= 0`)
	if !eval[bool](b, `!!document.querySelector('[data-current-price="`+premiumUSD+`"]') && !!document.querySelector('[data-price="`+basicUSD+`"]')`) {
		t.Errorf("the plans grid does not follow the switch: %s", eval[string](b, `document.querySelector('.plans').innerHTML`))
	}
	fake.mu.Lock()
	ups := fake.posts["/v1/subscriptions/sub_app"]
	fake.mu.Unlock()
	if len(ups) != 1 || ups[0].Get("items[0][price]") != premiumStripe || ups[0].Get("proration_behavior") != "create_prorations" {
		t.Fatalf("Stripe updates %v", ups)
	}
	b.click("cancel-plan")
	b.wait("cancelled at the period's end", `document.getElementById('resume-plan')`)
	if got := eval[string](b, `document.getElementById('your-plan-renewal').textContent`); !strings.HasPrefix(got, "Ends on") {
		t.Errorf("after cancelling %q", got)
	}
	b.click("resume-plan")
	b.wait("resumed", `document.getElementById('cancel-plan')`)
	fake.mu.Lock()
	ups = fake.posts["/v1/subscriptions/sub_app"]
	fake.mu.Unlock()
	if len(ups) != 3 || ups[1].Get("cancel_at_period_end") != "true" || ups[2].Get("cancel_at_period_end") != "false" {
		t.Fatalf("Stripe updates %v", ups)
	}
}
