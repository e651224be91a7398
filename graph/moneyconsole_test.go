package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// The console's money fields: retiring a plan and removing a title's price
// are MANAGE (an editor is FORBIDDEN), audited, NOT_FOUND for another
// workspace's ids; the subscribers list and revenue by model are for any
// staff (an analyst reads them), list this workspace's ledger only, and
// refuse a bad filter or span.
func TestMoneyConsoleFieldsThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten := pt.SignUp(t, m)
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	other := pt.SignUp(t, m)
	ten.Owner.Must(t, `mutation { connectStripe { url } }`, nil)
	d := ten.Owner.Must(t, `mutation { createPlan(input: {name: "Premium", scope: LIBRARY, ads: false, trialDays: 0,
		prices: [{interval: MONTH, currency: "usd", amount: 999}, {interval: YEAR, currency: "eur", amount: 8999}]}) { id prices { id } } }`, nil)
	plan := pt.Str(d, "createPlan", "id")

	// Retire a plan.
	const retire = `mutation($id: ID!) { retirePlan(id: $id) { id active } }`
	if r := ed.Do(t, retire, map[string]any{"id": plan}); r.Code() != "FORBIDDEN" {
		t.Errorf("editor retiring: %v", r.Codes())
	}
	if r := other.Owner.Do(t, retire, map[string]any{"id": plan}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace retiring: %v", r.Codes())
	}
	app := appClient(t, m, ten.Owner)
	if d := app.Must(t, `{ storefront { plans { id } } }`, nil); len(pt.Get(d, "storefront", "plans").([]any)) != 1 {
		t.Fatalf("storefront before retiring = %v", d)
	}
	if d := ten.Owner.Must(t, retire, map[string]any{"id": plan}); pt.Str(d, "retirePlan", "active") != "false" {
		t.Errorf("retirePlan = %v", d)
	}
	if d := app.Must(t, `{ storefront { plans { id } } }`, nil); len(pt.Get(d, "storefront", "plans").([]any)) != 0 {
		t.Errorf("storefront lists a retired plan: %v", d)
	}
	if d := an.Must(t, `{ plans { id active } }`, nil); pt.Str(d, "plans", 0, "active") != "false" {
		t.Errorf("staff plans = %v", d)
	}
	if r := ten.Owner.Do(t, retire, map[string]any{"id": plan}); r.Code() != "NOT_FOUND" {
		t.Errorf("retiring twice: %v", r.Codes())
	}

	// Remove a title's price.
	title := pt.Str(ten.Owner.Must(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Film"}]}) { id } }`, nil), "createTitle", "id")
	d = ten.Owner.Must(t, `mutation($t: ID!) { setTitleOffer(input: {titleId: $t, kind: BUY, currency: "usd", amount: 1299}) { id } }`, map[string]any{"t": title})
	offer := pt.Str(d, "setTitleOffer", "id")
	const remove = `mutation($id: ID!) { removeTitleOffer(id: $id) { id kind } }`
	if r := ed.Do(t, remove, map[string]any{"id": offer}); r.Code() != "FORBIDDEN" {
		t.Errorf("editor removing a price: %v", r.Codes())
	}
	if r := other.Owner.Do(t, remove, map[string]any{"id": offer}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace removing a price: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, remove, map[string]any{"id": offer}); pt.Str(d, "removeTitleOffer", "kind") != "BUY" {
		t.Errorf("removeTitleOffer = %v", d)
	}
	if d := ed.Must(t, `query($t: ID!) { titleOffers(titleId: $t) { id } }`, map[string]any{"t": title}); len(pt.Get(d, "titleOffers").([]any)) != 0 {
		t.Errorf("offers after removing = %v", d)
	}
	d = ten.Owner.Must(t, `{ auditLog(first: 20) { edges { node { action } } } }`, nil)
	for _, a := range []string{"billing.plan_retired", "billing.title_offer_removed"} {
		if !strings.Contains(fmt.Sprint(d), a) {
			t.Errorf("%s not audited", a)
		}
	}

	// A subscriber and a purchase in the ledger, as Stripe's events leave them.
	v := pt.SignUpViewer(t, m, app.AppKey)
	viewer := pt.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	var stripePrice string
	tenant := uuid.MustParse(ten.ID)
	now := time.Now().UTC().Truncate(time.Second)
	err := m.DB.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		ctx := context.Background()
		if err := tx.QueryRow(ctx, `SELECT stripe_price_id FROM billing_plan_prices WHERE tenant_id = $1 AND currency = 'usd'`, tenant).Scan(&stripePrice); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, plan_id,
			status, starts_at, ends_at, created_at, updated_at) VALUES ($1, $2, $3, 'stripe', 'sub_gql', jsonb_build_object('price', $4::text,
			'current_period_end', $5::bigint), 'svod', 'library', $6, 'past_due', $7, $8, $7, $7)`,
			tenant, uuid.New(), viewer, stripePrice, now.Add(5*24*time.Hour).Unix(), plan, now.Add(-10*24*time.Hour), now.Add(8*24*time.Hour))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, title_id,
			status, starts_at, created_at, updated_at) VALUES ($1, $2, $3, 'stripe', 'pi_gql', '{"amount": 1299, "currency": "usd"}', 'tvod_buy',
			'title', $4, 'paid', $5, $5, $5)`, tenant, uuid.New(), viewer, title, now.Add(-2*24*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const subs = `query($s: SubscriberStatus) { subscribers(first: 10, status: $s) { totalCount edges { node { id viewerId email planId planName status sourceStatus since currentPeriodEnd } } } }`
	d = an.Must(t, subs, nil)
	if pt.Str(d, "subscribers", "totalCount") != "1" || pt.Str(d, "subscribers", "edges", 0, "node", "email") != v.Email ||
		pt.Str(d, "subscribers", "edges", 0, "node", "status") != "PAST_DUE" || pt.Str(d, "subscribers", "edges", 0, "node", "planName") != "Premium" ||
		pt.Str(d, "subscribers", "edges", 0, "node", "viewerId") != viewer || pt.Get(d, "subscribers", "edges", 0, "node", "currentPeriodEnd") == nil {
		t.Errorf("subscribers = %v", d)
	}
	if d := an.Must(t, subs, map[string]any{"s": "ACTIVE"}); pt.Str(d, "subscribers", "totalCount") != "0" {
		t.Errorf("active subscribers = %v", d)
	}
	if r := an.Do(t, subs, map[string]any{"s": "GONE"}); r.Code() == "" {
		t.Errorf("a bad status is accepted: %v", r)
	}
	if d := other.Owner.Must(t, subs, nil); pt.Str(d, "subscribers", "totalCount") != "0" {
		t.Errorf("another workspace lists %v", d)
	}
	if r := app.Do(t, subs, nil); r.Code() != "UNAUTHENTICATED" && r.Code() != "FORBIDDEN" {
		t.Errorf("an app key listing subscribers: %v", r.Codes())
	}

	// The subscription's invoice, paid five days ago, through the webhook: SVOD revenue is what it collected net of tax.
	acct := pt.Str(ten.Owner.Must(t, `{ stripeConnection { accountId } }`, nil), "stripeConnection", "accountId")
	inv := map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": "invoice.paid", "account": acct,
		"created": now.Unix(), "api_version": "2023-10-16", "data": map[string]any{"object": map[string]any{
			"id": "in_gql", "object": "invoice", "status": "paid", "subscription": "sub_gql", "customer": "cus_gql", "currency": "usd",
			"amount_paid": 1099, "total": 1099, "tax": 100, "status_transitions": map[string]any{"paid_at": now.Add(-5 * 24 * time.Hour).Unix()}}}}
	for range 2 { // delivered twice, counted once
		if st := postStripeEvent(t, m, "whsec_local", time.Now(), inv); st != http.StatusOK {
			t.Fatalf("invoice.paid: %d", st)
		}
	}
	const revenue = `query($f: Time!, $t: Time!) { revenueByModel(from: $f, to: $t) { from to totals { month model currency amount sales } months { month model currency amount } } }`
	span := map[string]any{"f": now.Add(-30 * 24 * time.Hour).Format(time.RFC3339), "t": now.Format(time.RFC3339)}
	d = an.Must(t, revenue, span)
	totals := map[string]string{}
	for _, x := range pt.Get(d, "revenueByModel", "totals").([]any) {
		r := x.(map[string]any)
		if r["month"] != nil {
			t.Errorf("a total with a month: %v", r)
		}
		totals[fmt.Sprint(r["model"], "/", r["currency"])] = fmt.Sprint(r["amount"], "/", r["sales"])
	}
	if totals["BUY/usd"] != "1299/1" || totals["SVOD/usd"] != "999/0" || len(totals) != 2 {
		t.Errorf("revenue totals = %v", totals)
	}
	if len(pt.Get(d, "revenueByModel", "months").([]any)) < 2 {
		t.Errorf("revenue months = %v", d)
	}
	if d := other.Owner.Must(t, revenue, span); len(pt.Get(d, "revenueByModel", "totals").([]any)) != 0 {
		t.Errorf("another workspace's revenue = %v", d)
	}
	if r := an.Do(t, revenue, map[string]any{"f": span["t"], "t": span["f"]}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a backwards span: %v", r.Codes())
	}

	// Support sees the viewer's invoice (managers only); another workspace sees none of it.
	const invoices = `query($v: ID!, $n: Int) { viewerInvoices(viewerId: $v, first: $n) { invoiceId subscriptionId viewerId currency amountPaid tax refunded paidAt } }`
	d = ten.Owner.Must(t, invoices, map[string]any{"v": viewer})
	if got := pt.Get(d, "viewerInvoices").([]any); len(got) != 1 || pt.Str(got[0], "invoiceId") != "in_gql" || pt.Str(got[0], "amountPaid") != "1099" ||
		pt.Str(got[0], "tax") != "100" || pt.Str(got[0], "refunded") != "0" || pt.Str(got[0], "subscriptionId") != "sub_gql" {
		t.Errorf("viewerInvoices = %v", d)
	}
	if r := an.Do(t, invoices, map[string]any{"v": viewer}); r.Code() != "FORBIDDEN" {
		t.Errorf("an analyst listing invoices: %v", r.Codes())
	}
	if d := other.Owner.Must(t, invoices, map[string]any{"v": viewer}); len(pt.Get(d, "viewerInvoices").([]any)) != 0 {
		t.Errorf("another workspace lists the viewer's invoices: %v", d)
	}
	if r := ten.Owner.Do(t, invoices, map[string]any{"v": viewer, "n": 0}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("first: 0: %v", r.Codes())
	}
}

// Support tools on a viewer: free access for a period and signing every
// device out are MANAGE (an analyst is FORBIDDEN), audited, and NOT_FOUND
// for another workspace's viewer; signed out, the viewer's refresh token no
// longer works.
func TestSupportToolsThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	other := pt.SignUp(t, m)
	app := appClient(t, m, ten.Owner)
	v := pt.SignUpViewer(t, m, app.AppKey)
	viewer := pt.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	until := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
	const grant = `mutation($in: GrantAccessInput!) { grantAccess(input: $in) { id kind scope endsAt } }`
	in := map[string]any{"in": map[string]any{"viewerId": viewer, "scope": "LIBRARY", "until": until.Format(time.RFC3339), "note": "outage"}}
	if r := an.Do(t, grant, in); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst granting: %v", r.Codes())
	}
	if r := other.Owner.Do(t, grant, in); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace granting to this viewer: %v", r.Codes())
	}
	if r := ten.Owner.Do(t, grant, map[string]any{"in": map[string]any{"viewerId": uuid.NewString(), "scope": "LIBRARY", "until": until.Format(time.RFC3339)}}); r.Code() != "NOT_FOUND" {
		t.Errorf("granting to no viewer: %v", r.Codes())
	}
	d := ten.Owner.Must(t, grant, in)
	if pt.Str(d, "grantAccess", "kind") != "grant" || pt.Str(d, "grantAccess", "endsAt") != until.Format(time.RFC3339) {
		t.Errorf("grant = %v", d)
	}
	if d := other.Owner.Must(t, `query($v: ID!) { viewerEntitlements(viewerId: $v) { id } }`, map[string]any{"v": viewer}); len(pt.Get(d, "viewerEntitlements").([]any)) != 0 {
		t.Errorf("another workspace sees %v", d)
	}

	const signOut = `mutation($v: ID!) { signOutViewer(viewerId: $v) }`
	if r := an.Do(t, signOut, map[string]any{"v": viewer}); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst signing out: %v", r.Codes())
	}
	if r := other.Owner.Do(t, signOut, map[string]any{"v": viewer}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace signing out: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, signOut, map[string]any{"v": viewer}); pt.Str(d, "signOutViewer") != "true" {
		t.Errorf("signOutViewer = %v", d)
	}
	if r := app.Do(t, `mutation($r: String!) { viewerRefresh(refreshToken: $r) { accessToken } }`, map[string]any{"r": v.Refresh}); r.Code() == "" {
		t.Errorf("the refresh token works after signing out: %v", r)
	}
	d = ten.Owner.Must(t, `{ auditLog(first: 20) { edges { node { action } } } }`, nil)
	for _, a := range []string{"billing.access_granted", "viewer.signed_out_everywhere"} {
		if !strings.Contains(fmt.Sprint(d), a) {
			t.Errorf("%s not audited", a)
		}
	}
}
