package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
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
)

// subStripe stands before stripeProxy: it answers GET and POST of the
// subscriptions a test set (stripe-mock is stateless), applying updates as
// Stripe would, records every POST, and while down answers 500 to all.
type subStripe struct {
	mu    sync.Mutex
	subs  map[string]map[string]any
	posts []url.Values
	paths []string
	down  bool
}

func (s *subStripe) start(t *testing.T) string {
	next, _ := url.Parse(stripeProxy(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		if r.Method == http.MethodPost {
			s.posts, s.paths = append(s.posts, form), append(s.paths, r.URL.Path)
		}
		if s.down {
			s.mu.Unlock()
			http.Error(w, `{"error":{"type":"api_error","message":"outage"}}`, http.StatusInternalServerError)
			return
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
		if ok {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			return
		}
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, next.String()+r.URL.RequestURI(), strings.NewReader(string(body)))
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// posted returns the forms POSTed to path.
func (s *subStripe) posted(path string) []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []url.Values
	for i, p := range s.paths {
		if p == path {
			out = append(out, s.posts[i])
		}
	}
	return out
}

// A signed-in viewer sees their subscription, switches plan price (with
// prorations), cancels at the period's end and resumes, through GraphQL;
// mySubscription follows Stripe's webhook, not the mutation. Another
// workspace's price, a price in another currency, the same price, no
// subscription, no viewer and Stripe down are refused with their codes.
// The portal session names Marquee's portal configuration.
func TestSubscriptionChangesThroughGraphQL(t *testing.T) {
	fake := &subStripe{subs: map[string]map[string]any{}}
	proxy := fake.start(t)
	m := pt.Start(t, func(c *platform.Config) { c.StripeURL = proxy })
	ten := pt.SignUp(t, m)
	acct := pt.Str(ten.Owner.Must(t, `mutation { connectStripe { connection { accountId } } }`, nil), "connectStripe", "connection", "accountId")
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), accountUpdated(acct, true)); st != http.StatusOK {
		t.Fatal(st)
	}
	const create = `mutation($n: String!, $a: Int!) { createPlan(input: {name: $n, scope: LIBRARY, ads: false, trialDays: 0,
		prices: [{interval: MONTH, currency: "usd", amount: $a}, {interval: MONTH, currency: "eur", amount: $a}]}) { id prices { id currency } } }`
	basic := ten.Owner.Must(t, create, map[string]any{"n": "Basic", "a": 599})
	premium := ten.Owner.Must(t, create, map[string]any{"n": "Premium", "a": 1299})
	basicUSD, premiumUSD, premiumEUR := pt.Str(basic, "createPlan", "prices", 0, "id"), pt.Str(premium, "createPlan", "prices", 0, "id"),
		pt.Str(premium, "createPlan", "prices", 1, "id")
	app := appClient(t, m, ten.Owner)
	v := pt.SignUpViewer(t, m, app.AppKey)
	viewer := pt.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	const my = `{ storefront { mySubscription { id status cancelAtPeriodEnd currentPeriodEnd plan { name } price { id currency } } } }`
	if d := v.Client.Must(t, my, nil); pt.Get(d, "storefront", "mySubscription") != nil {
		t.Fatalf("before subscribing: %v", d)
	}
	// Checkout makes the viewer's Stripe customer (for the portal below).
	v.Client.Must(t, `mutation($p: ID!) { checkout(planPriceId: $p) { url } }`, map[string]any{"p": basicUSD})

	// The subscription as Stripe's events leave it in the ledger, and as
	// Stripe answers for it.
	tenant := uuid.MustParse(ten.ID)
	stripePrice := map[string]string{}
	end := time.Now().UTC().Add(20 * 24 * time.Hour).Truncate(time.Second)
	err := m.DB.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		ctx := context.Background()
		rows, err := tx.Query(ctx, `SELECT id::text, stripe_price_id FROM billing_plan_prices WHERE tenant_id = $1`, tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, sp string
			if err := rows.Scan(&id, &sp); err != nil {
				return err
			}
			stripePrice[id] = sp
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, plan_id,
			status, starts_at, ends_at, created_at, updated_at) VALUES ($1, $2, $3, 'stripe', 'sub_gqlchange', jsonb_build_object('subscription',
			'sub_gqlchange', 'price', $4::text, 'status', 'active', 'current_period_end', $5::bigint, 'cancel_at_period_end', false),
			'svod', 'library', $6, 'active', $7, $8, $7, $7)`,
			tenant, uuid.New(), viewer, stripePrice[basicUSD], end.Unix(), pt.Str(basic, "createPlan", "id"), time.Now().Add(-10*24*time.Hour), end)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	fake.subs["sub_gqlchange"] = map[string]any{"id": "sub_gqlchange", "object": "subscription", "status": "active", "currency": "usd",
		"current_period_end": end.Unix(), "cancel_at_period_end": false,
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_gqlchange", "object": "subscription_item",
			"price": map[string]any{"id": stripePrice[basicUSD], "object": "price"}}}}}
	fake.mu.Unlock()

	d := v.Client.Must(t, my, nil)
	if pt.Str(d, "storefront", "mySubscription", "plan", "name") != "Basic" || pt.Str(d, "storefront", "mySubscription", "price", "id") != basicUSD ||
		pt.Str(d, "storefront", "mySubscription", "status") != "active" || pt.Str(d, "storefront", "mySubscription", "cancelAtPeriodEnd") != "false" ||
		pt.Str(d, "storefront", "mySubscription", "id") != "sub_gqlchange" {
		t.Fatalf("mySubscription = %v", d)
	}

	const change = `mutation($p: ID!) { changeSubscriptionPlan(planPriceId: $p) { id plan { name } price { id } status cancelAtPeriodEnd } }`
	d = v.Client.Must(t, change, map[string]any{"p": premiumUSD})
	if pt.Str(d, "changeSubscriptionPlan", "plan", "name") != "Premium" || pt.Str(d, "changeSubscriptionPlan", "price", "id") != premiumUSD {
		t.Fatalf("changeSubscriptionPlan = %v", d)
	}
	ups := fake.posted("/v1/subscriptions/sub_gqlchange")
	if len(ups) != 1 || ups[0].Get("proration_behavior") != "create_prorations" || ups[0].Get("items[0][id]") != "si_gqlchange" ||
		ups[0].Get("items[0][price]") != stripePrice[premiumUSD] {
		t.Fatalf("Stripe updates %v", ups)
	}
	if d := v.Client.Must(t, my, nil); pt.Str(d, "storefront", "mySubscription", "plan", "name") != "Basic" {
		t.Errorf("mySubscription moved before Stripe's webhook: %v", d)
	}

	// Refusals, none reaching Stripe.
	other := pt.SignUp(t, m)
	other.Owner.Must(t, `mutation { connectStripe { url } }`, nil)
	foreign := pt.Str(other.Owner.Must(t, create, map[string]any{"n": "Theirs", "a": 100}), "createPlan", "prices", 0, "id")
	otherApp := appClient(t, m, other.Owner)
	ov := pt.SignUpViewer(t, m, otherApp.AppKey)
	for name, c := range map[string]struct {
		client pt.Client
		price  string
		code   string
	}{
		"another workspace's price":           {v.Client, foreign, "NOT_FOUND"},
		"this workspace's price from another": {ov.Client, premiumUSD, "NOT_FOUND"},
		"another currency":                    {v.Client, premiumEUR, "BAD_USER_INPUT"},
		"the price already paid":              {v.Client, basicUSD, "CONFLICT"},
		"no viewer":                           {app, premiumUSD, "UNAUTHENTICATED"},
		"a bad id":                            {v.Client, "nope", "BAD_USER_INPUT"},
	} {
		if r := c.client.Do(t, change, map[string]any{"p": c.price}); r.Code() != c.code {
			t.Errorf("%s: %v, want %s", name, r.Codes(), c.code)
		}
	}
	noSub := pt.SignUpViewer(t, m, app.AppKey)
	for _, q := range []string{`mutation { cancelSubscription { id } }`, `mutation { resumeSubscription { id } }`} {
		if r := noSub.Client.Do(t, q, nil); r.Code() != "NOT_FOUND" {
			t.Errorf("%s without a subscription: %v", q, r.Codes())
		}
		if r := ov.Client.Do(t, q, nil); r.Code() != "NOT_FOUND" {
			t.Errorf("%s by another workspace's viewer: %v", q, r.Codes())
		}
	}
	if n := len(fake.posted("/v1/subscriptions/sub_gqlchange")); n != 1 {
		t.Errorf("refused changes reached Stripe: %d updates", n)
	}

	d = v.Client.Must(t, `mutation { cancelSubscription { cancelAtPeriodEnd } }`, nil)
	if pt.Str(d, "cancelSubscription", "cancelAtPeriodEnd") != "true" {
		t.Errorf("cancelSubscription = %v", d)
	}
	d = v.Client.Must(t, `mutation { resumeSubscription { cancelAtPeriodEnd } }`, nil)
	if pt.Str(d, "resumeSubscription", "cancelAtPeriodEnd") != "false" {
		t.Errorf("resumeSubscription = %v", d)
	}
	ups = fake.posted("/v1/subscriptions/sub_gqlchange")
	if len(ups) != 3 || ups[1].Get("cancel_at_period_end") != "true" || ups[2].Get("cancel_at_period_end") != "false" {
		t.Fatalf("Stripe updates %v", ups)
	}

	// The portal session names the configuration Marquee keeps.
	d = v.Client.Must(t, `mutation { portal(returnURL: "https://app.example/account") }`, nil)
	if !strings.HasPrefix(pt.Str(d, "portal"), "http") {
		t.Errorf("portal = %v", d)
	}
	sessions := fake.posted("/v1/billing_portal/sessions")
	if len(sessions) != 1 || !strings.HasPrefix(sessions[0].Get("configuration"), "bpc_") {
		t.Errorf("portal sessions %v", sessions)
	}

	// Stripe down: UNAVAILABLE with a reason, and nothing changed.
	fake.mu.Lock()
	fake.down = true
	fake.mu.Unlock()
	for _, q := range []string{`mutation { cancelSubscription { id } }`, `mutation($p: ID!) { changeSubscriptionPlan(planPriceId: $p) { id } }`} {
		r := v.Client.Do(t, q, map[string]any{"p": premiumUSD})
		if r.Code() != "UNAVAILABLE" || !strings.Contains(fmt.Sprint(r.Errors), "Stripe is unreachable") {
			t.Errorf("%s with Stripe down: %v", q, r)
		}
	}
	fake.mu.Lock()
	fake.down = false
	fake.mu.Unlock()
	d = v.Client.Must(t, my, nil)
	if pt.Str(d, "storefront", "mySubscription", "plan", "name") != "Basic" || pt.Str(d, "storefront", "mySubscription", "cancelAtPeriodEnd") != "false" {
		t.Errorf("after Stripe was down: %v", d)
	}
}
