package graph_test

import (
	"testing"
	"time"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// Coupons are MANAGE's (an editor and an analyst are FORBIDDEN); another
// workspace's coupon is NOT_FOUND to deactivate and absent from its list;
// a viewer's checkout takes a code and refuses one in another currency.
func TestCouponsThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	const create = `mutation($in: CreateCouponInput!) { createCoupon(input: $in) { id code name percentOff amountOff currency duration durationMonths maxRedemptions redeemed active } }`
	in := map[string]any{"in": map[string]any{"code": "spring-10", "name": "Spring", "percentOff": 12.5, "duration": "REPEATING", "durationMonths": 2}}
	if r := ten.Owner.Do(t, create, in); r.Code() != "CONFLICT" {
		t.Fatalf("a coupon before Stripe is connected: %v", r.Codes())
	}
	acct := pt.Str(ten.Owner.Must(t, `mutation { connectStripe { connection { accountId } } }`, nil), "connectStripe", "connection", "accountId")
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), accountUpdated(acct, true)); st != 200 {
		t.Fatalf("account.updated: %d", st)
	}
	for name, c := range map[string]pt.Client{"editor": ed, "analyst": an} {
		if r := c.Do(t, create, in); r.Code() != "FORBIDDEN" {
			t.Errorf("%s creating: %v", name, r.Codes())
		}
		if r := c.Do(t, `{ coupons { id } }`, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("%s listing: %v", name, r.Codes())
		}
	}
	d := ten.Owner.Must(t, create, in)
	if pt.Str(d, "createCoupon", "code") != "SPRING-10" || pt.Str(d, "createCoupon", "percentOff") != "12.5" ||
		pt.Str(d, "createCoupon", "durationMonths") != "2" || pt.Str(d, "createCoupon", "active") != "true" {
		t.Fatalf("createCoupon = %v", d)
	}
	id := pt.Str(d, "createCoupon", "id")
	if r := ten.Owner.Do(t, create, map[string]any{"in": map[string]any{"code": "BAD", "name": "x", "percentOff": 10, "amountOff": 100, "currency": "usd", "duration": "ONCE"}}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("both kinds of discount: %v", r.Codes())
	}
	euro := ten.Owner.Must(t, create, map[string]any{"in": map[string]any{"code": "EURO5", "name": "Five euros", "amountOff": 500, "currency": "eur", "duration": "ONCE"}})
	if pt.Str(euro, "createCoupon", "currency") != "eur" || pt.Str(euro, "createCoupon", "percentOff") != "<nil>" {
		t.Fatalf("amount coupon = %v", euro)
	}
	if d := other.Owner.Must(t, `{ coupons { id } }`, nil); len(pt.Get(d, "coupons").([]any)) != 0 {
		t.Errorf("another workspace lists %v", d)
	}
	const deactivate = `mutation($id: ID!) { deactivateCoupon(id: $id) { active } }`
	if r := other.Owner.Do(t, deactivate, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace deactivating: %v", r.Codes())
	}

	// A viewer's checkout with a code.
	plan := ten.Owner.Must(t, `mutation { createPlan(input: {name: "Premium", scope: LIBRARY, ads: false, prices: [{interval: MONTH, currency: "usd", amount: 999}]}) { prices { id } } }`, nil)
	price := pt.Str(plan, "createPlan", "prices", 0, "id")
	v := pt.SignUpViewer(t, m, pt.AppKey(t, ten.Owner))
	const checkout = `mutation($p: ID!, $c: String) { checkout(planPriceId: $p, promoCode: $c) { url } }`
	if d := v.Client.Must(t, checkout, map[string]any{"p": price, "c": "spring-10"}); pt.Str(d, "checkout", "url") == "" {
		t.Fatalf("checkout with a code = %v", d)
	}
	if r := v.Client.Do(t, checkout, map[string]any{"p": price, "c": "EURO5"}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a euro coupon on a dollar price: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, deactivate, map[string]any{"id": id}); pt.Str(d, "deactivateCoupon", "active") != "false" {
		t.Fatalf("deactivateCoupon = %v", d)
	}
	if r := v.Client.Do(t, checkout, map[string]any{"p": price, "c": "SPRING-10"}); r.Code() != "NOT_FOUND" {
		t.Errorf("a deactivated code: %v", r.Codes())
	}
}
