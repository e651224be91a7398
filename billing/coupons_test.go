package billing_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

func ptr[T any](v T) *T { return &v }

// A coupon is a Stripe coupon on the workspace's connected account, made
// once per code; bad input is refused before Stripe is asked, and a
// workspace that cannot sell is told why.
func TestCouponIsAStripeCouponOnTheConnectedAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	c, err := e.svc.CreateCoupon(ctx, tenant, billing.CouponInput{Code: "launch-25", Name: "Launch offer", PercentOffBP: ptr(2550),
		Duration: billing.CouponRepeating, DurationMonths: ptr(3), MaxRedemptions: ptr(100)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Code != "LAUNCH-25" || c.StripeCouponID == "" || !c.Active || c.Redeemed != 0 {
		t.Fatalf("coupon %+v", c)
	}
	calls := e.fake.calls("POST", "/v1/coupons")
	if len(calls) != 1 {
		t.Fatalf("%d coupon requests", len(calls))
	}
	f := calls[0].Form
	if pct, err := strconv.ParseFloat(f.Get("percent_off"), 64); err != nil || pct != 25.5 {
		t.Errorf("percent_off = %q, want 25.5", f.Get("percent_off"))
	}
	for k, want := range map[string]string{"duration": "repeating", "duration_in_months": "3",
		"max_redemptions": "100", "name": "Launch offer", "metadata[marquee_coupon]": c.ID.String(), "metadata[marquee_tenant]": tenant.String()} {
		if f.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, f.Get(k), want)
		}
	}
	if calls[0].Account != acct {
		t.Errorf("made on account %q, want the connected %s", calls[0].Account, acct)
	}
	// Its code is a Stripe promotion code of the coupon with the same limit,
	// in the shape of API version 2025-09-30.clover (the one stripe-mock
	// serves), sent at that version.
	promos := e.fake.calls("POST", "/v1/promotion_codes")
	if len(promos) != 1 || c.StripePromotionCodeID == "" {
		t.Fatalf("%d promotion code requests, coupon %+v", len(promos), c)
	}
	pf := promos[0].Form
	for k, want := range map[string]string{"promotion[type]": "coupon", "promotion[coupon]": c.StripeCouponID, "code": "LAUNCH-25",
		"max_redemptions": "100", "coupon": "", "expires_at": "", "metadata[marquee_coupon]": c.ID.String()} {
		if pf.Get(k) != want {
			t.Errorf("promotion code %s = %q, want %q", k, pf.Get(k), want)
		}
	}
	if promos[0].Account != acct || promos[0].Version != "2025-09-30.clover" {
		t.Errorf("promotion code made on %q at version %q", promos[0].Account, promos[0].Version)
	}
	until := e.clock.Now().Add(72 * time.Hour)
	dated, err := e.svc.CreateCoupon(ctx, tenant, billing.CouponInput{Code: "DATED", Name: "Dated", AmountOff: ptr(int64(100)), Currency: "usd",
		Duration: billing.CouponOnce, RedeemBy: &until})
	if err != nil {
		t.Fatal(err)
	}
	promos = e.fake.calls("POST", "/v1/promotion_codes")
	if len(promos) != 2 || promos[1].Form.Get("expires_at") != strconv.FormatInt(until.Unix(), 10) || promos[1].Form.Get("max_redemptions") != "" {
		t.Errorf("dated promotion code %+v", promos[len(promos)-1])
	}
	// Deactivating it archives the promotion code (Stripe first: Stripe
	// down changes nothing here).
	down := newEnvOn(t, e.db, "http://127.0.0.1:1")
	_, err = down.svc.DeactivateCoupon(ctx, tenant, dated.ID)
	wantKind(t, err, errs.KindUnavailable)
	if cs, _ := e.svc.Coupons(ctx, tenant); len(cs) != 2 || !cs[0].Active || !cs[1].Active {
		t.Errorf("after a failed deactivation: %+v", cs)
	}
	if _, err := e.svc.DeactivateCoupon(ctx, tenant, dated.ID); err != nil {
		t.Fatal(err)
	}
	if arch := e.fake.calls("POST", "/v1/promotion_codes/"+dated.StripePromotionCodeID); len(arch) != 1 ||
		arch[0].Form.Get("active") != "false" || arch[0].Account != acct {
		t.Errorf("archiving the promotion code: %+v", arch)
	}
	_, err = e.svc.CreateCoupon(ctx, tenant, billing.CouponInput{Code: "Launch-25", Name: "Again", AmountOff: ptr(int64(200)), Currency: "usd", Duration: billing.CouponOnce})
	wantKind(t, err, errs.KindConflict)
	for _, bad := range []billing.CouponInput{
		{Code: "X1", Name: "short code", PercentOffBP: ptr(1000), Duration: billing.CouponOnce},
		{Code: "BOTH", Name: "both", PercentOffBP: ptr(1000), AmountOff: ptr(int64(100)), Currency: "usd", Duration: billing.CouponOnce},
		{Code: "NOCUR", Name: "no currency", AmountOff: ptr(int64(100)), Duration: billing.CouponOnce},
		{Code: "OVER", Name: "over 100%", PercentOffBP: ptr(10001), Duration: billing.CouponForever},
		{Code: "MONTHS", Name: "months without repeating", PercentOffBP: ptr(1000), Duration: billing.CouponOnce, DurationMonths: ptr(2)},
		{Code: "PAST", Name: "expired", PercentOffBP: ptr(1000), Duration: billing.CouponOnce, RedeemBy: ptr(e.clock.Now().Add(-time.Hour))},
	} {
		_, err := e.svc.CreateCoupon(ctx, tenant, bad)
		wantKind(t, err, errs.KindInvalid)
	}
	if n := len(e.fake.calls("POST", "/v1/coupons")); n != 2 {
		t.Fatalf("bad input reached Stripe: %d coupon requests", n)
	}
	notSelling := testenv.MustTenant(t, e.db)
	_, err = e.svc.CreateCoupon(ctx, notSelling, billing.CouponInput{Code: "NOPE", Name: "n", PercentOffBP: ptr(1000), Duration: billing.CouponOnce})
	wantKind(t, err, errs.KindConflict)
}

// A viewer's code puts the coupon on the Checkout session (in place of
// Checkout's own promotion-code box); each completed session counts once
// however often its event comes; a coupon past its limit, past its date, in
// another currency, deactivated or another workspace's is refused before
// any session is made.
func TestCheckoutAppliesACouponAndCountsRedemptionsOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	var usd billing.Price
	for _, p := range plan.Prices {
		if p.Currency == "usd" && p.Interval == billing.Monthly {
			usd = p
		}
	}
	coupon, err := e.svc.CreateCoupon(ctx, tenant, billing.CouponInput{Code: "TWICE", Name: "Two only", AmountOff: ptr(int64(300)),
		Currency: "USD", Duration: billing.CouponOnce, MaxRedemptions: ptr(2), RedeemBy: ptr(e.clock.Now().Add(48 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	checkout := func(viewer uuid.UUID, code string) error {
		in := checkoutIn(viewer, usd.ID)
		in.PromoCode = code
		_, err := e.svc.Checkout(ctx, tenant, in)
		return err
	}
	complete := func(session string, viewer uuid.UUID) {
		for range 3 { // delivered three times
			e.mustDeliver(t, event("checkout.session.completed", acct, map[string]any{"id": session, "object": "checkout.session",
				"mode": "subscription", "status": "complete", "payment_status": "paid",
				"metadata": map[string]any{"marquee_tenant": tenant.String(), "marquee_viewer": viewer.String(), "marquee_coupon": coupon.ID.String()}}))
		}
	}
	redeemed := func() int {
		cs, err := e.svc.Coupons(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.ID == coupon.ID {
				return c.Redeemed
			}
		}
		t.Fatalf("coupon %s not listed", coupon.ID)
		return 0
	}

	first := uuid.New()
	if err := checkout(first, " twice "); err != nil {
		t.Fatal(err)
	}
	sessions := e.fake.calls("POST", "/v1/checkout/sessions")
	f := sessions[len(sessions)-1].Form
	if f.Get("discounts[0][promotion_code]") != coupon.StripePromotionCodeID || coupon.StripePromotionCodeID == "" || f.Get("discounts[0][coupon]") != "" ||
		f.Get("allow_promotion_codes") != "" || f.Get("metadata[marquee_coupon]") != coupon.ID.String() {
		t.Fatalf("session form %v", f)
	}
	complete("cs_first", first)
	if n := redeemed(); n != 1 {
		t.Fatalf("redeemed %d after one session delivered three times", n)
	}
	second := uuid.New()
	if err := checkout(second, "TWICE"); err != nil {
		t.Fatal(err)
	}
	complete("cs_second", second)
	if n := redeemed(); n != 2 {
		t.Fatalf("redeemed %d after two sessions", n)
	}
	made := len(e.fake.calls("POST", "/v1/checkout/sessions"))
	wantKind(t, checkout(uuid.New(), "TWICE"), errs.KindInvalid) // past its limit

	euro, err := e.svc.CreateCoupon(ctx, tenant, billing.CouponInput{Code: "EURO", Name: "Euros off", AmountOff: ptr(int64(200)), Currency: "eur", Duration: billing.CouponOnce})
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, checkout(uuid.New(), "EURO"), errs.KindInvalid) // currency mismatch
	if _, err := e.svc.DeactivateCoupon(ctx, tenant, euro.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, checkout(uuid.New(), "EURO"), errs.KindNotFound)
	_, err = e.svc.CreateCoupon(ctx, tenant, billing.CouponInput{Code: "SOON", Name: "Ends soon", PercentOffBP: ptr(5000),
		Duration: billing.CouponOnce, RedeemBy: ptr(e.clock.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(2 * time.Hour)
	wantKind(t, checkout(uuid.New(), "SOON"), errs.KindInvalid) // expired
	wantKind(t, checkout(uuid.New(), "NOSUCH"), errs.KindNotFound)
	if n := len(e.fake.calls("POST", "/v1/checkout/sessions")); n != made {
		t.Fatalf("a refused code still made %d sessions", n-made)
	}

	other, _ := e.mustSellingTenant(t)
	_, err = e.svc.DeactivateCoupon(ctx, other, coupon.ID)
	wantKind(t, err, errs.KindNotFound)
	otherPlan := e.mustPlan(t, other, libraryPlan(false, 0))
	in := checkoutIn(uuid.New(), otherPlan.Prices[0].ID)
	in.PromoCode = "TWICE"
	_, err = e.svc.Checkout(ctx, other, in)
	wantKind(t, err, errs.KindNotFound)
}
