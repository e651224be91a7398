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

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/platformbilling"
	"github.com/marquee-ott/marquee/testenv"
)

// platformStripeProxy stands between the platform and stripe-mock (which
// checks every request against Stripe's API), giving each new customer,
// subscription, product, price and meter an id of its own: stripe-mock
// answers every create with one fixture id, and two workspaces cannot share
// a customer.
//
// A subscription's status set in statuses is what GET
// /v1/subscriptions/{id} answers for it (stripe-mock is stateless), as
// Stripe would after the events a test delivers.
func platformStripeProxy(t *testing.T, statuses *sync.Map) string {
	t.Helper()
	target, err := url.Parse(testenv.Stripe(t))
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]string{"/v1/customers": "cus_", "/v1/subscriptions": "sub_", "/v1/products": "prod_",
		"/v1/prices": "price_", "/v1/billing/meters": "mtr_", "/v1/accounts": "acct_"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		id := strings.TrimPrefix(r.URL.Path, "/v1/subscriptions/")
		if st, ok := statuses.Load(id); ok && r.Method == http.MethodGet && resp.StatusCode == 200 {
			var v map[string]any
			if json.Unmarshal(body, &v) == nil {
				v["id"], v["status"] = id, st
				body, _ = json.Marshal(v)
			}
		}
		if prefix := prefixes[r.URL.Path]; r.Method == http.MethodPost && prefix != "" && resp.StatusCode == 200 {
			var v map[string]any
			if json.Unmarshal(body, &v) == nil {
				v["id"] = prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
				if prefix == "sub_" {
					v["status"] = "active"
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

const platformPlanFields = `id name currency monthlyAmount active metrics { metric unit included overagePerUnit }`

func definePlatformPlan(t *testing.T, op pt.Client, name string) string {
	t.Helper()
	d := op.Must(t, `mutation($in: PlatformPlanInput!) { definePlatformPlan(input: $in) { `+platformPlanFields+` } }`,
		map[string]any{"in": map[string]any{"name": name + " " + uuid.NewString()[:6], "currency": "usd", "monthlyAmount": 4900,
			"metrics": []any{
				map[string]any{"metric": "ENCODED_MINUTES", "included": 100, "overagePerUnit": 1.5},
				map[string]any{"metric": "STREAMED_HOURS", "included": 50, "overagePerUnit": 2},
			}}})
	if pt.Str(d, "definePlatformPlan", "metrics", 0, "unit") != "minutes" || pt.Str(d, "definePlatformPlan", "monthlyAmount") != "4900" {
		t.Fatalf("defined %v", d)
	}
	return pt.Str(d, "definePlatformPlan", "id")
}

// The operator defines platform plans; every workspace's staff may read
// them, only the owner chooses one (admins and editors are FORBIDDEN, tenant
// staff cannot define plans); the workspace's plan, usage and invoices are
// its own: another workspace sees no plan, no usage of the first and no
// invoices. The operator sees each tenant's platform usage.
func TestPlatformPlanAndUsageThroughGraphQL(t *testing.T) {
	var statuses sync.Map
	proxy := platformStripeProxy(t, &statuses)
	m := pt.Start(t, func(c *platform.Config) { c.StripeURL = proxy })
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	admin, _ := pt.AddStaff(t, m, a, "ad@"+a.Slug+".example.com", "ADMIN")
	ed, _ := pt.AddStaff(t, m, a, "ed@"+a.Slug+".example.com", "EDITOR")
	op := pt.SignedInOperator(t, m)

	const define = `mutation($in: PlatformPlanInput!) { definePlatformPlan(input: $in) { id } }`
	in := map[string]any{"in": map[string]any{"name": "Sneaky", "currency": "usd", "monthlyAmount": 1, "metrics": []any{}}}
	if r := a.Owner.Do(t, define, in); r.Code() != "FORBIDDEN" {
		t.Fatalf("tenant owner defining a plan: %v", r.Codes())
	}
	bad := map[string]any{"in": map[string]any{"name": "Bad", "currency": "usd", "monthlyAmount": -5, "metrics": []any{}}}
	if r := op.Client.Do(t, define, bad); r.Code() != "BAD_USER_INPUT" && r.Code() != "INVALID" {
		t.Fatalf("negative price: %v", r.Codes())
	}
	growth := definePlatformPlan(t, op.Client, "Growth")

	d := ed.Must(t, `{ platformPlans { `+platformPlanFields+` } workspacePlatformPlan { status } }`, nil)
	if !strings.Contains(fmt.Sprint(pt.Get(d, "platformPlans")), growth) || pt.Get(d, "workspacePlatformPlan") != nil {
		t.Fatalf("plans = %v", d)
	}

	const choose = `mutation($id: ID!) { choosePlatformPlan(planId: $id) { status periodStart periodEnd plan { id name } } }`
	for name, c := range map[string]pt.Client{"admin": admin, "editor": ed} {
		if r := c.Do(t, choose, map[string]any{"id": growth}); r.Code() != "FORBIDDEN" {
			t.Errorf("%s choosing: %v", name, r.Codes())
		}
	}
	if r := a.Owner.Do(t, choose, map[string]any{"id": uuid.NewString()}); r.Code() != "NOT_FOUND" {
		t.Fatalf("unknown plan: %v", r.Codes())
	}
	d = a.Owner.Must(t, choose, map[string]any{"id": growth})
	if pt.Str(d, "choosePlatformPlan", "plan", "id") != growth || pt.Str(d, "choosePlatformPlan", "status") != "active" {
		t.Fatalf("chosen = %v", d)
	}

	// The platform account's invoice.payment_failed through POST
	// /webhooks/stripe (no "account"): the workspace's subscription is past due.
	ta := uuid.MustParse(a.ID)
	sub, err := m.PlatformBilling.Subscription(context.Background(), ta)
	if err != nil || sub == nil {
		t.Fatalf("subscription %v %v", sub, err)
	}
	statuses.Store(sub.SubscriptionID, "past_due")
	ev := map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": "invoice.payment_failed", "created": time.Now().Unix(),
		"api_version": "2023-10-16", "data": map[string]any{"object": map[string]any{"id": "in_x", "object": "invoice",
			"customer": sub.CustomerID, "subscription": sub.SubscriptionID}}}
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), ev); st != http.StatusOK {
		t.Fatalf("platform event answered %d", st)
	}
	if d := ed.Must(t, `{ workspacePlatformPlan { status } }`, nil); pt.Str(d, "workspacePlatformPlan", "status") != "past_due" {
		t.Fatalf("after payment_failed: %v", d)
	}

	if _, err := m.PlatformBilling.Record(context.Background(), ta, platformbilling.EncodedMinutes, 130, "graph-enc-1"); err != nil {
		t.Fatal(err)
	}
	const usage = `{ workspaceUsage { period plan { name } estimatedTotal metrics { metric unit quantity included overage estimatedCost } } }`
	d = ed.Must(t, usage, nil)
	if pt.Str(d, "workspaceUsage", "metrics", 0, "metric") != "ENCODED_MINUTES" || pt.Str(d, "workspaceUsage", "metrics", 0, "quantity") != "130" ||
		pt.Str(d, "workspaceUsage", "metrics", 0, "overage") != "30" || pt.Str(d, "workspaceUsage", "metrics", 0, "estimatedCost") != "45" ||
		pt.Str(d, "workspaceUsage", "estimatedTotal") != "4945" {
		t.Fatalf("usage = %v", d)
	}
	if r := ed.Do(t, `{ workspaceUsage(period: "last month") { period } }`, nil); r.Code() != "BAD_USER_INPUT" && r.Code() != "INVALID" {
		t.Fatalf("bad period: %v", r.Codes())
	}

	const invoices = `{ workspaceInvoices { id number status total hostedInvoiceUrl invoicePdf } }`
	if r := ed.Do(t, invoices, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("editor reading invoices: %v", r.Codes())
	}
	d = admin.Must(t, invoices, nil)
	if list, _ := pt.Get(d, "workspaceInvoices").([]any); len(list) == 0 || !strings.HasPrefix(pt.Str(list[0], "id"), "in_") {
		t.Fatalf("invoices = %v", d)
	}

	// Invariant: workspace B sees none of A's plan, usage or invoices.
	d = b.Owner.Must(t, `{ workspacePlatformPlan { status } workspaceInvoices { id } `+usage[1:], nil)
	if pt.Get(d, "workspacePlatformPlan") != nil || len(pt.Get(d, "workspaceInvoices").([]any)) != 0 ||
		pt.Get(d, "workspaceUsage", "plan") != nil || pt.Str(d, "workspaceUsage", "metrics", 0, "quantity") != "0" {
		t.Fatalf("B sees %v", d)
	}

	d = op.Client.Must(t, `query($id: ID!) { operatorTenant(id: $id) { usage { encodedMinutes } platformUsage { plan { id } metrics { metric quantity } } } }`,
		map[string]any{"id": a.ID})
	if pt.Str(d, "operatorTenant", "usage", "encodedMinutes") != "130" || pt.Str(d, "operatorTenant", "platformUsage", "plan", "id") != growth ||
		pt.Str(d, "operatorTenant", "platformUsage", "metrics", 0, "quantity") != "130" {
		t.Fatalf("operator sees %v", d)
	}
	if r := a.Owner.Do(t, `{ operatorPlatformPlans { id } }`, nil); r.Code() != "FORBIDDEN" && r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("tenant reading the operator's plans: %v", r.Codes())
	}

	// Retiring: only the operator; the plan leaves the choices, a workspace
	// on it stays, and nobody chooses it any more.
	const retire = `mutation($id: ID!) { retirePlatformPlan(id: $id) { id active } }`
	if r := a.Owner.Do(t, retire, map[string]any{"id": growth}); r.Code() != "FORBIDDEN" && r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("tenant owner retiring: %v", r.Codes())
	}
	if r := op.Client.Do(t, retire, map[string]any{"id": uuid.NewString()}); r.Code() != "NOT_FOUND" {
		t.Fatalf("retiring an unknown plan: %v", r.Codes())
	}
	if d := op.Client.Must(t, retire, map[string]any{"id": growth}); pt.Str(d, "retirePlatformPlan", "active") != "false" {
		t.Fatalf("retired = %v", d)
	}
	d = a.Owner.Must(t, `{ platformPlans { id } workspacePlatformPlan { plan { id active } } }`, nil)
	if strings.Contains(fmt.Sprint(pt.Get(d, "platformPlans")), growth) || pt.Str(d, "workspacePlatformPlan", "plan", "id") != growth {
		t.Fatalf("after retiring: %v", d)
	}
	if r := b.Owner.Do(t, choose, map[string]any{"id": growth}); r.Code() != "NOT_FOUND" {
		t.Fatalf("choosing a retired plan: %v", r.Codes())
	}
	if d := op.Client.Must(t, `{ operatorPlatformPlans { id active } }`, nil); !strings.Contains(fmt.Sprint(pt.Get(d, "operatorPlatformPlans")), growth) {
		t.Fatalf("the operator no longer sees the retired plan: %v", d)
	}
}
