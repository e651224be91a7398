package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
)

func principal(tenant uuid.UUID) tenants.Principal {
	return tenants.Principal{Tenant: tenant, Kind: tenants.PrincipalStaff, Subject: uuid.New(), Label: "owner@example.com"}
}

// A tenant gets one Express connected account however often the owner
// starts onboarding, and a fresh account link each time; the account's
// status comes from account.updated, and until it says charges are enabled
// the tenant cannot sell, with the reason.
func TestConnectStripeOnceThenStatusFromWebhook(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, e.db)
	if a, err := e.svc.StripeAccount(ctx, tenant); err != nil || a != nil {
		t.Fatalf("before connecting: %v %v", a, err)
	}
	if ok, why := (*billing.Account)(nil).CanSell(); ok || !strings.Contains(why, "not connected") {
		t.Errorf("no account: %v %q", ok, why)
	}
	ob1, err := e.svc.ConnectStripe(ctx, principal(tenant))
	if err != nil {
		t.Fatal(err)
	}
	ob2, err := e.svc.ConnectStripe(ctx, principal(tenant))
	if err != nil {
		t.Fatal(err)
	}
	if ob1.Account.ID != ob2.Account.ID || !strings.HasPrefix(ob1.Account.ID, "acct_") {
		t.Errorf("accounts %q and %q", ob1.Account.ID, ob2.Account.ID)
	}
	if ob1.URL == "" {
		t.Error("no onboarding URL")
	}
	accts := e.fake.calls("POST", "/v1/accounts")
	if len(accts) != 1 || accts[0].Form.Get("type") != "express" || accts[0].Form.Get("metadata[marquee_tenant]") != tenant.String() {
		t.Errorf("account creations %+v", accts)
	}
	links := e.fake.calls("POST", "/v1/account_links")
	if len(links) != 2 || links[0].Form.Get("account") != ob1.Account.ID || links[0].Form.Get("type") != "account_onboarding" ||
		!strings.HasPrefix(links[0].Form.Get("return_url"), "http://marquee.test/") {
		t.Errorf("account links %+v", links)
	}
	a, err := e.svc.StripeAccount(ctx, tenant)
	if err != nil || a == nil || a.ChargesEnabled {
		t.Fatalf("stored account %+v %v", a, err)
	}
	if ok, why := a.CanSell(); ok || !strings.Contains(why, "onboarding is unfinished") {
		t.Errorf("unfinished onboarding: %v %q", ok, why)
	}
	e.mustDeliver(t, event("account.updated", a.ID, map[string]any{"id": a.ID, "object": "account",
		"charges_enabled": true, "details_submitted": true, "payouts_enabled": false}))
	a, _ = e.svc.StripeAccount(ctx, tenant)
	if !a.ChargesEnabled || !a.DetailsSubmitted || a.PayoutsEnabled {
		t.Errorf("after account.updated: %+v", a)
	}
	if ok, _ := a.CanSell(); !ok {
		t.Error("cannot sell with charges enabled")
	}
	// Another tenant's account.updated does not touch this one.
	_, other := e.mustSellingTenant(t)
	e.mustDeliver(t, event("account.updated", other, map[string]any{"id": other, "object": "account", "charges_enabled": false, "details_submitted": true}))
	if a, _ = e.svc.StripeAccount(ctx, tenant); !a.ChargesEnabled {
		t.Error("another tenant's event changed this account")
	}
}

// A tenant that has not connected, or whose account cannot charge yet,
// cannot sell: Checkout is a CONFLICT naming why, and nothing reaches Stripe.
func TestCheckoutRefusedWithoutChargesEnabledAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, e.db)
	_, err := e.svc.Checkout(ctx, tenant, checkoutIn(uuid.New(), uuid.New()))
	wantKind(t, err, errs.KindConflict)
	if !strings.Contains(errs.MessageOf(err), "not connected a Stripe account") {
		t.Errorf("message %q", errs.MessageOf(err))
	}
	if _, err := e.svc.ConnectStripe(ctx, principal(tenant)); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Checkout(ctx, tenant, checkoutIn(uuid.New(), uuid.New()))
	wantKind(t, err, errs.KindConflict)
	if !strings.Contains(errs.MessageOf(err), "onboarding is unfinished") {
		t.Errorf("message %q", errs.MessageOf(err))
	}
	if n := len(e.fake.calls("POST", "/v1/checkout/sessions")); n != 0 {
		t.Errorf("%d checkout sessions made", n)
	}
}

// account.updated events out of order: an older event arriving after a
// newer one does not overwrite the newer status.
func TestAccountUpdatedOutOfOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	older := event("account.updated", acct, map[string]any{"id": acct, "object": "account", "charges_enabled": false, "details_submitted": true})
	newer := event("account.updated", acct, map[string]any{"id": acct, "object": "account", "charges_enabled": true, "details_submitted": true, "payouts_enabled": true})
	older["created"] = time.Now().Add(time.Minute).Unix()
	newer["created"] = time.Now().Add(2 * time.Minute).Unix()
	e.mustDeliver(t, newer)
	e.mustDeliver(t, older)
	a, err := e.svc.StripeAccount(ctx, tenant)
	if err != nil || !a.ChargesEnabled || !a.PayoutsEnabled {
		t.Errorf("after a late older event: %+v %v", a, err)
	}
}
