package graph_test

import (
	"net/http"
	"testing"
	"time"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// Adding a price to a plan is MANAGE (an editor is FORBIDDEN); another
// workspace's plan is NOT_FOUND; the same interval and currency again, or a
// retired plan, is CONFLICT; a bad currency is BAD_USER_INPUT. The new
// price is on the storefront at once.
func TestAddPlanPriceThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten := pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	other := pt.SignUp(t, m)
	ten.Owner.Must(t, `mutation { connectStripe { url } }`, nil)
	acct := pt.Str(ten.Owner.Must(t, `{ stripeConnection { accountId } }`, nil), "stripeConnection", "accountId")
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), accountUpdated(acct, true)); st != http.StatusOK {
		t.Fatalf("account.updated: %d", st)
	}
	d := ten.Owner.Must(t, `mutation { createPlan(input: {name: "Basic", scope: LIBRARY, ads: true,
		prices: [{interval: MONTH, currency: "usd", amount: 599}]}) { id } }`, nil)
	plan := pt.Str(d, "createPlan", "id")
	const add = `mutation($p: ID!, $in: PlanPriceInput!) { addPlanPrice(planId: $p, input: $in) { id prices { interval currency amount taxInclusive } } }`
	annual := map[string]any{"p": plan, "in": map[string]any{"interval": "YEAR", "currency": "usd", "amount": 5999}}
	if r := ed.Do(t, add, annual); r.Code() != "FORBIDDEN" {
		t.Errorf("editor adding a price: %v", r.Codes())
	}
	if r := other.Owner.Do(t, add, annual); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace adding a price: %v", r.Codes())
	}
	d = ten.Owner.Must(t, add, annual)
	if n := len(pt.Get(d, "addPlanPrice", "prices").([]any)); n != 2 {
		t.Fatalf("addPlanPrice = %v", d)
	}
	app := appClient(t, m, ten.Owner)
	if d := app.Must(t, `{ storefront { plans { prices { interval amount } } } }`, nil); len(pt.Get(d, "storefront", "plans", 0, "prices").([]any)) != 2 {
		t.Errorf("storefront after adding = %v", d)
	}
	if r := ten.Owner.Do(t, add, annual); r.Code() != "CONFLICT" {
		t.Errorf("the same interval and currency again: %v", r.Codes())
	}
	if r := ten.Owner.Do(t, add, map[string]any{"p": plan, "in": map[string]any{"interval": "MONTH", "currency": "euro", "amount": 500}}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a bad currency: %v", r.Codes())
	}
	ten.Owner.Must(t, `mutation($id: ID!) { retirePlan(id: $id) { id } }`, map[string]any{"id": plan})
	if r := ten.Owner.Do(t, add, map[string]any{"p": plan, "in": map[string]any{"interval": "MONTH", "currency": "eur", "amount": 500}}); r.Code() != "CONFLICT" {
		t.Errorf("adding to a retired plan: %v", r.Codes())
	}
}
