package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/testenv"
)

// stripeProxy stands between the platform and stripe-mock, giving every new
// connected account, product and price its own id (stripe-mock answers each
// create with one fixture id, and two tenants cannot share an account).
func stripeProxy(t *testing.T) string {
	t.Helper()
	return stripeProxyDown(t, nil)
}

// stripeProxyDown is stripeProxy answering 500 to every GET while down()
// says so (nil: never), as Stripe does in an outage.
func stripeProxyDown(t *testing.T, down func() bool) string {
	t.Helper()
	target, err := url.Parse(testenv.Stripe(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down != nil && down() && r.Method == http.MethodGet {
			http.Error(w, `{"error":{"type":"api_error","message":"outage"}}`, http.StatusInternalServerError)
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		prefix := map[string]string{"/v1/accounts": "acct_", "/v1/products": "prod_", "/v1/prices": "price_"}[r.URL.Path]
		if r.Method == http.MethodPost && prefix != "" && resp.StatusCode == 200 {
			var v map[string]any
			if json.Unmarshal(body, &v) == nil {
				v["id"] = prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
				if prefix == "acct_" {
					v["charges_enabled"], v["details_submitted"] = false, false
				}
				body, _ = json.Marshal(v)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func startWithStripe(t *testing.T) *platform.Main {
	t.Helper()
	proxy := stripeProxy(t)
	return pt.Start(t, func(c *platform.Config) { c.StripeURL = proxy })
}

// postStripeEvent signs an event as Stripe would and POSTs it to the API.
func postStripeEvent(t *testing.T, m *platform.Main, key string, at time.Time, ev map[string]any) int {
	t.Helper()
	b, _ := json.Marshal(ev)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: b, Secret: key, Timestamp: at})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/webhooks/stripe", bytes.NewReader(b))
	req.Header.Set("Stripe-Signature", sp.Header)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func accountUpdated(acct string, charges bool) map[string]any {
	return map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": "account.updated", "account": acct,
		"created": time.Now().Unix(), "api_version": "2023-10-16",
		"data": map[string]any{"object": map[string]any{"id": acct, "object": "account", "charges_enabled": charges, "details_submitted": true}}}
}

// Connecting Stripe is the owner's alone; the connection's status is
// MANAGE to read; account.updated through POST /webhooks/stripe (signed)
// makes the workspace able to sell; a forged or stale signature is 400; an
// unknown account is acknowledged. Another workspace sees its own (none).
func TestStripeConnectionThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten := pt.SignUp(t, m)
	admin, _ := pt.AddStaff(t, m, ten, "ad@"+ten.Slug+".example.com", "ADMIN")
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	const connect = `mutation { connectStripe { url expiresAt connection { accountId chargesEnabled canSell reason } } }`
	const read = `{ stripeConnection { accountId chargesEnabled detailsSubmitted canSell reason automaticTax } }`

	if d := ten.Owner.Must(t, read, nil); pt.Get(d, "stripeConnection") != nil {
		t.Fatalf("before connecting: %v", d)
	}
	for name, c := range map[string]pt.Client{"admin": admin, "editor": ed} {
		if r := c.Do(t, connect, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("%s connecting: %v", name, r.Codes())
		}
	}
	if r := ed.Do(t, read, nil); r.Code() != "FORBIDDEN" {
		t.Errorf("editor reading the connection: %v", r.Codes())
	}
	d := ten.Owner.Must(t, connect, nil)
	acct := pt.Str(d, "connectStripe", "connection", "accountId")
	if !strings.HasPrefix(acct, "acct_") || pt.Str(d, "connectStripe", "url") == "" || pt.Str(d, "connectStripe", "connection", "canSell") != "false" {
		t.Fatalf("connect = %v", d)
	}
	if st := postStripeEvent(t, m, "whsec_forged", time.Now(), accountUpdated(acct, true)); st != http.StatusBadRequest {
		t.Errorf("forged signature: %d", st)
	}
	if st := postStripeEvent(t, m, "whsec_local", time.Now().Add(-time.Hour), accountUpdated(acct, true)); st != http.StatusBadRequest {
		t.Errorf("stale timestamp: %d", st)
	}
	if pt.Str(admin.Must(t, read, nil), "stripeConnection", "canSell") != "false" {
		t.Fatal("a refused event changed the account")
	}
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), accountUpdated("acct_unknown0000", true)); st != http.StatusOK {
		t.Errorf("unknown account: %d", st)
	}
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), accountUpdated(acct, true)); st != http.StatusOK {
		t.Fatalf("account.updated: %d", st)
	}
	d = admin.Must(t, read, nil)
	if pt.Str(d, "stripeConnection", "canSell") != "true" || pt.Get(d, "stripeConnection", "reason") != nil {
		t.Errorf("after account.updated: %v", d)
	}
	if d := admin.Must(t, `mutation { setStripeAutomaticTax(on: true) { automaticTax } }`, nil); pt.Str(d, "setStripeAutomaticTax", "automaticTax") != "true" {
		t.Errorf("automatic tax: %v", d)
	}
	other := pt.SignUp(t, m)
	if d := other.Owner.Must(t, read, nil); pt.Get(d, "stripeConnection") != nil {
		t.Errorf("another workspace sees %v", d)
	}
	if r := other.Owner.Do(t, `mutation { setStripeAutomaticTax(on: true) { automaticTax } }`, nil); r.Code() != "CONFLICT" {
		t.Errorf("automatic tax without Stripe: %v", r.Codes())
	}
	// A connection of the other workspace gets its own account.
	d = other.Owner.Must(t, connect, nil)
	if pt.Str(d, "connectStripe", "connection", "accountId") == acct {
		t.Error("two workspaces share an account")
	}
}

// Plans: MANAGE to create, READ to list; the storefront lists active plans;
// checkout needs a signed-in viewer. Another workspace's plans, titles and
// entitlements are not found, never shown.
func TestPlansAndEntitlementsThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten := pt.SignUp(t, m)
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	const create = `mutation($in: CreatePlanInput!) { createPlan(input: $in) { id name trialDays scope ads prices { id interval currency amount taxInclusive } } }`
	in := map[string]any{"in": map[string]any{"name": "Premium", "trialDays": 7, "scope": "LIBRARY", "ads": false,
		"prices": []any{map[string]any{"interval": "MONTH", "currency": "usd", "amount": 999}, map[string]any{"interval": "YEAR", "currency": "usd", "amount": 9999}}}}
	if r := ten.Owner.Do(t, create, in); r.Code() != "CONFLICT" {
		t.Errorf("a plan before connecting Stripe: %v", r.Codes())
	}
	acct := pt.Str(ten.Owner.Must(t, `mutation { connectStripe { connection { accountId } } }`, nil), "connectStripe", "connection", "accountId")
	if r := ed.Do(t, create, in); r.Code() != "FORBIDDEN" {
		t.Errorf("editor creating a plan: %v", r.Codes())
	}
	d := ten.Owner.Must(t, create, in)
	if pt.Str(d, "createPlan", "trialDays") != "7" || len(pt.Get(d, "createPlan", "prices").([]any)) != 2 {
		t.Fatalf("createPlan = %v", d)
	}
	priceID := pt.Str(d, "createPlan", "prices", 0, "id")
	bad := map[string]any{"in": map[string]any{"name": "X", "scope": "LIBRARY", "ads": true,
		"prices": []any{map[string]any{"interval": "MONTH", "currency": "dollars", "amount": 1}}}}
	if r := ten.Owner.Do(t, create, bad); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("bad currency: %v", r.Codes())
	}
	if d := an.Must(t, `{ plans { name prices { amount } } }`, nil); len(pt.Get(d, "plans").([]any)) != 1 {
		t.Errorf("analyst plans = %v", d)
	}
	app := appClient(t, m, ten.Owner)
	if d := app.Must(t, `{ storefront { plans { name prices { currency amount interval } } } }`, nil); pt.Str(d, "storefront", "plans", 0, "name") != "Premium" {
		t.Errorf("storefront plans = %v", d)
	}
	// Checkout: the workspace cannot sell until Stripe says so; then a
	// signed-in viewer is needed (viewers are wired by the integrator).
	const checkout = `mutation($p: ID!) { checkout(planPriceId: $p) { url } }`
	if r := app.Do(t, checkout, map[string]any{"p": priceID}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("checkout without a viewer: %v", r.Codes())
	}
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), accountUpdated(acct, true)); st != http.StatusOK {
		t.Fatal(st)
	}
	// The workspace's default access model: FREE until a manager sets it;
	// another workspace keeps its own.
	if d := an.Must(t, `{ defaultTitleAccess }`, nil); pt.Str(d, "defaultTitleAccess") != "FREE" {
		t.Errorf("default access = %v", d)
	}
	const setDefault = `mutation($m: TitleAccessModel!) { setDefaultTitleAccess(model: $m) }`
	if r := ed.Do(t, setDefault, map[string]any{"m": "SVOD"}); r.Code() != "FORBIDDEN" {
		t.Errorf("editor setting the default: %v", r.Codes())
	}
	ten.Owner.Must(t, setDefault, map[string]any{"m": "SVOD"})
	if d := an.Must(t, `{ defaultTitleAccess }`, nil); pt.Str(d, "defaultTitleAccess") != "SVOD" {
		t.Errorf("default access after setting = %v", d)
	}
	// A real viewer account of the app gets a Checkout URL for the plan.
	v := pt.SignUpViewer(t, m, app.AppKey)
	if d := v.Client.Must(t, checkout, map[string]any{"p": priceID}); !strings.HasPrefix(pt.Str(d, "checkout", "url"), "http") {
		t.Errorf("checkout as a viewer = %v", d)
	}
	viewerID := pt.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")

	other := pt.SignUp(t, m)
	if d := other.Owner.Must(t, `{ plans { id } }`, nil); len(pt.Get(d, "plans").([]any)) != 0 {
		t.Errorf("another workspace lists %v", d)
	}
	if d := other.Owner.Must(t, `{ defaultTitleAccess }`, nil); pt.Str(d, "defaultTitleAccess") != "FREE" {
		t.Errorf("another workspace's default = %v", d)
	}
	otherApp := appClient(t, m, other.Owner)
	if d := otherApp.Must(t, `{ storefront { plans { id } } }`, nil); len(pt.Get(d, "storefront", "plans").([]any)) != 0 {
		t.Errorf("another storefront lists %v", d)
	}
	// Titles and entitlements across workspaces.
	title := pt.Str(ten.Owner.Must(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Film"}]}) { id } }`, nil), "createTitle", "id")
	const access = `mutation($t: ID!) { setTitleAccess(titleId: $t, model: TVOD) }`
	if r := other.Owner.Do(t, access, map[string]any{"t": title}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's title: %v", r.Codes())
	}
	if r := ed.Do(t, access, map[string]any{"t": title}); r.Code() != "FORBIDDEN" {
		t.Errorf("editor setting access: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, access, map[string]any{"t": title}); pt.Str(d, "setTitleAccess") != "true" {
		t.Errorf("setTitleAccess = %v", d)
	}
	viewer := viewerID
	const grant = `mutation($in: GrantAccessInput!) { grantAccess(input: $in) { id viewerId source kind scope titleId endsAt } }`
	gin := map[string]any{"in": map[string]any{"viewerId": viewer, "scope": "TITLE", "titleId": title,
		"until": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "note": "goodwill"}}
	if r := other.Owner.Do(t, grant, gin); r.Code() != "NOT_FOUND" {
		t.Errorf("granting another workspace's title: %v", r.Codes())
	}
	d = ten.Owner.Must(t, grant, gin)
	ent := pt.Str(d, "grantAccess", "id")
	if pt.Str(d, "grantAccess", "source") != "grant" || pt.Str(d, "grantAccess", "scope") != "TITLE" {
		t.Errorf("grant = %v", d)
	}
	if d := v.Client.Must(t, `{ storefront { myEntitlements { id } } }`, nil); !strings.Contains(fmt.Sprint(d), ent) {
		t.Errorf("the viewer's own entitlements = %v, want %s", d, ent)
	}
	const list = `query($v: ID!) { viewerEntitlements(viewerId: $v) { id revokedAt revokeReason } }`
	if d := other.Owner.Must(t, list, map[string]any{"v": viewer}); len(pt.Get(d, "viewerEntitlements").([]any)) != 0 {
		t.Errorf("another workspace lists %v", d)
	}
	if r := an.Do(t, list, map[string]any{"v": viewer}); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst listing entitlements: %v", r.Codes())
	}
	const refund = `mutation($id: ID!) { refundPurchase(entitlementId: $id, reason: "asked") { revokedAt } }`
	if r := other.Owner.Do(t, refund, map[string]any{"id": ent}); r.Code() != "NOT_FOUND" {
		t.Errorf("refunding another workspace's entitlement: %v", r.Codes())
	}
	if r := an.Do(t, refund, map[string]any{"id": ent}); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst refunding: %v", r.Codes())
	}
	if r := ten.Owner.Do(t, refund, map[string]any{"id": ent}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("refunding a grant: %v", r.Codes())
	}
	const revoke = `mutation($id: ID!) { revokeEntitlement(id: $id, reason: "chargeback") { revokedAt revokeReason } }`
	if r := other.Owner.Do(t, revoke, map[string]any{"id": ent}); r.Code() != "NOT_FOUND" {
		t.Errorf("revoking another workspace's entitlement: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, revoke, map[string]any{"id": ent}); pt.Str(d, "revokeEntitlement", "revokeReason") != "chargeback" {
		t.Errorf("revoke = %v", d)
	}
	const sales = `{ salesSummary { payingSubscribers trialingSubscribers mrr { currency amount } churnedLast30Days tvodSalesLast30Days } }`
	if d := an.Must(t, sales, nil); pt.Str(d, "salesSummary", "payingSubscribers") != "0" {
		t.Errorf("analyst sales = %v", d)
	}
	if d := other.Owner.Must(t, sales, nil); len(pt.Get(d, "salesSummary", "mrr").([]any)) != 0 {
		t.Errorf("another workspace's sales = %v", d)
	}
	d = ten.Owner.Must(t, `{ auditLog(first: 20) { edges { node { action } } } }`, nil)
	for _, a := range []string{"billing.plan_created", "billing.title_access_set", "billing.access_granted", "billing.entitlement_revoked", "billing.stripe_connected"} {
		if !strings.Contains(fmt.Sprint(d), a) {
			t.Errorf("%s not audited", a)
		}
	}
}

// TVOD prices: MANAGE to set (an editor is FORBIDDEN), READ to list;
// another workspace's title is NOT_FOUND and its offers are not listed.
// The storefront's purchase and myEntitlements need a signed-in viewer.
func TestTitleOffersThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten := pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	title := pt.Str(ten.Owner.Must(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Film"}]}) { id } }`, nil), "createTitle", "id")
	const set = `mutation($in: TitleOfferInput!) { setTitleOffer(input: $in) { id titleId kind currency amount rentalHours purchaseWindowDays } }`
	rent := map[string]any{"in": map[string]any{"titleId": title, "kind": "RENT", "currency": "USD", "amount": 399, "rentalHours": 48}}
	if r := ed.Do(t, set, rent); r.Code() != "FORBIDDEN" {
		t.Errorf("editor setting a price: %v", r.Codes())
	}
	d := ten.Owner.Must(t, set, rent)
	if pt.Str(d, "setTitleOffer", "currency") != "usd" || pt.Str(d, "setTitleOffer", "rentalHours") != "48" || pt.Str(d, "setTitleOffer", "purchaseWindowDays") != "30" {
		t.Errorf("setTitleOffer = %v", d)
	}
	offer := pt.Str(d, "setTitleOffer", "id")
	noHours := map[string]any{"in": map[string]any{"titleId": title, "kind": "RENT", "currency": "usd", "amount": 399}}
	if r := ten.Owner.Do(t, set, noHours); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a rental without hours: %v", r.Codes())
	}
	const list = `query($t: ID!) { titleOffers(titleId: $t) { id kind amount } }`
	if d := ed.Must(t, list, map[string]any{"t": title}); len(pt.Get(d, "titleOffers").([]any)) != 1 {
		t.Errorf("editor lists %v", d)
	}
	other := pt.SignUp(t, m)
	if r := other.Owner.Do(t, set, rent); r.Code() != "NOT_FOUND" {
		t.Errorf("pricing another workspace's title: %v", r.Codes())
	}
	if d := other.Owner.Must(t, list, map[string]any{"t": title}); len(pt.Get(d, "titleOffers").([]any)) != 0 {
		t.Errorf("another workspace lists %v", d)
	}
	app := appClient(t, m, ten.Owner)
	ten.Owner.Must(t, `mutation($t: ID!) { publishTitle(id: $t) { id } }`, map[string]any{"t": title})
	d = app.Must(t, `query($t: ID!) { storefront { title(id: $t) { offers { id kind currency amount rentalHours } } } }`, map[string]any{"t": title})
	if pt.Str(d, "storefront", "title", "offers", 0, "id") != offer || pt.Str(d, "storefront", "title", "offers", 0, "kind") != "RENT" {
		t.Errorf("storefront offers = %v", d)
	}
	if r := app.Do(t, `mutation($o: ID!) { purchase(offerId: $o) { url } }`, map[string]any{"o": offer}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("purchase without a viewer: %v", r.Codes())
	}
	if r := app.Do(t, `{ storefront { myEntitlements { id } } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("myEntitlements without a viewer: %v", r.Codes())
	}
}

// A webhook that cannot be applied now (Stripe down while the subscription
// is refetched) answers 503 and records nothing, so Stripe's redelivery
// applies it: the same event then answers 200.
func TestStripeWebhookFailureIs5xxThenRetried(t *testing.T) {
	var down atomic.Bool
	proxy := stripeProxyDown(t, down.Load)
	m := pt.Start(t, func(c *platform.Config) { c.StripeURL = proxy })
	ten := pt.SignUp(t, m)
	acct := pt.Str(ten.Owner.Must(t, `mutation { connectStripe { connection { accountId } } }`, nil), "connectStripe", "connection", "accountId")
	ev := map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": "customer.subscription.updated", "account": acct,
		"created": time.Now().Unix(), "api_version": "2023-10-16",
		"data": map[string]any{"object": map[string]any{"id": "sub_outage", "object": "subscription", "status": "active"}}}
	down.Store(true)
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), ev); st != http.StatusServiceUnavailable {
		t.Fatalf("Stripe down: %d", st)
	}
	if o, _ := m.Billing.EventOutcome(context.Background(), ev["id"].(string)); o != "" {
		t.Fatalf("a failed event was recorded: %q", o)
	}
	down.Store(false)
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), ev); st != http.StatusOK {
		t.Fatalf("redelivery: %d", st)
	}
	if o, _ := m.Billing.EventOutcome(context.Background(), ev["id"].(string)); o == "" {
		t.Error("the redelivered event was not recorded")
	}
}

// Promo codes: managers make and list them (an editor or analyst is
// FORBIDDEN); a signed-in viewer redeems one (UNAUTHENTICATED without a
// viewer), once; another workspace's viewer finds no such code; the title
// then plays for the viewer.
func TestPromoCodesThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	title := pt.Str(ten.Owner.Must(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Film"}]}) { id } }`, nil), "createTitle", "id")
	ten.Owner.Must(t, `mutation($t: ID!) { setTitleAccess(titleId: $t, model: TVOD) }`, map[string]any{"t": title})
	const create = `mutation($in: CreatePromoCodeInput!) { createPromoCode(input: $in) { id code titleId kind rentalHours maxRedemptions redeemed } }`
	in := map[string]any{"in": map[string]any{"code": "gift-1", "titleId": title, "kind": "RENT", "rentalHours": 48, "maxRedemptions": 5,
		"expiresAt": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}}
	if r := ed.Do(t, create, in); r.Code() != "FORBIDDEN" {
		t.Errorf("an editor making a code: %v", r.Codes())
	}
	if r := other.Owner.Do(t, create, in); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's title: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, create, in); pt.Str(d, "createPromoCode", "code") != "GIFT-1" || pt.Str(d, "createPromoCode", "rentalHours") != "48" {
		t.Fatalf("createPromoCode = %v", d)
	}
	if r := an.Do(t, `{ promoCodes { code } }`, nil); r.Code() != "FORBIDDEN" {
		t.Errorf("an analyst listing codes: %v", r.Codes())
	}
	if d := other.Owner.Must(t, `{ promoCodes { code } }`, nil); len(pt.Get(d, "promoCodes").([]any)) != 0 {
		t.Errorf("another workspace lists %v", d)
	}

	const redeem = `mutation($c: String!) { redeemPromoCode(code: $c) { id source kind titleId } }`
	key := pt.AppKey(t, ten.Owner)
	if r := (pt.Client{URL: m.URL(), AppKey: key}).Do(t, redeem, map[string]any{"c": "GIFT-1"}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("redeeming without a viewer: %v", r.Codes())
	}
	stranger := pt.SignUpViewer(t, m, pt.AppKey(t, other.Owner))
	if r := stranger.Client.Do(t, redeem, map[string]any{"c": "GIFT-1"}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's viewer: %v", r.Codes())
	}
	v := pt.SignUpViewer(t, m, key)
	d := v.Client.Must(t, redeem, map[string]any{"c": "gift-1"})
	if pt.Str(d, "redeemPromoCode", "source") != "promo" || pt.Str(d, "redeemPromoCode", "titleId") != title {
		t.Fatalf("redeemPromoCode = %v", d)
	}
	if r := v.Client.Do(t, redeem, map[string]any{"c": "GIFT-1"}); r.Code() != "CONFLICT" {
		t.Errorf("redeeming twice: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, `{ promoCodes { code redeemed } }`, nil); pt.Str(d, "promoCodes", 0, "redeemed") != "1" {
		t.Errorf("promoCodes = %v", d)
	}
}
