package billing_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

// ledgerRow is an entitlement written straight into the ledger, as the
// webhook handlers would have.
type ledgerRow struct {
	viewer       uuid.UUID
	kind, status string
	verification map[string]any
	plan         *uuid.UUID
	starts       time.Time
	ends         *time.Time
	created      time.Time
	revoked      bool
}

func (e *env) seed(t *testing.T, tenant uuid.UUID, rows ...ledgerRow) {
	t.Helper()
	err := e.db.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		for _, r := range rows {
			scope, title, event, hours := "title", any(uuid.New()), any(nil), any(nil)
			switch r.kind {
			case "svod":
				scope, title = "library", nil
			case "ppv":
				scope, title, event = "event", nil, uuid.New()
			case "tvod_rent":
				hours = 48
			}
			v, _ := json.Marshal(r.verification)
			var revokedAt any
			reason := ""
			if r.revoked {
				revokedAt, reason = r.created.Add(time.Hour), "refunded"
			}
			_, err := tx.Exec(context.Background(), `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id,
				verification, kind, scope, title_id, event_id, plan_id, status, starts_at, ends_at, rental_hours, revoked_at, revoke_reason,
				created_at, updated_at) VALUES ($1, $2, $3, 'stripe', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)`,
				tenant, uuid.New(), r.viewer, "ext_"+uuid.NewString(), v, r.kind, scope, title, event, r.plan, r.status, r.starts, r.ends,
				hours, revokedAt, reason, r.created)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) mustViewer(t *testing.T, tenant uuid.UUID, email string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := e.db.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO viewers (tenant_id, id, email, password_hash, created_at) VALUES ($1, $2, $3, 'x', now())`,
			tenant, id, email)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Revenue by model from seeded ledger rows: rentals, purchases and PPV as
// paid in the span (refunds and sales outside it left out), per currency,
// in total and by month; subscriptions in the ledger are not revenue by
// themselves (SVOD is what their invoices collected:
// TestSubscriptionInvoicesAreSVODRevenue); another tenant sees none of it; a
// bad span is refused.
func TestRevenueByModel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, _ := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0)) // usd 999/month, usd 9999/year, eur 899/month
	trial := e.mustPlan(t, tenant, libraryPlan(true, 14))
	price := func(p billing.Plan, cur string, iv billing.Interval) billing.Price {
		for _, x := range p.Prices {
			if x.Currency == cur && x.Interval == iv {
				return x
			}
		}
		t.Fatalf("no %s %s price", cur, iv)
		return billing.Price{}
	}
	paid := func(cur string, amount int) map[string]any { return map[string]any{"currency": cur, "amount": amount} }
	subv := func(p billing.Price) map[string]any { return map[string]any{"price": p.StripeID} }
	endJan := day("2026-01-31")
	v := uuid.New()
	e.seed(t, tenant,
		ledgerRow{viewer: v, kind: "tvod_rent", status: "paid", verification: paid("usd", 399), starts: day("2026-01-10"), created: day("2026-01-10")},
		ledgerRow{viewer: v, kind: "tvod_rent", status: "paid", verification: paid("usd", 399), starts: day("2026-01-11"), created: day("2026-01-11"), revoked: true},
		ledgerRow{viewer: v, kind: "tvod_rent", status: "paid", verification: paid("usd", 399), starts: day("2025-12-31"), created: day("2025-12-31")},
		ledgerRow{viewer: v, kind: "tvod_buy", status: "paid", verification: paid("usd", 1299), starts: day("2026-02-05"), created: day("2026-02-05")},
		ledgerRow{viewer: v, kind: "tvod_buy", status: "paid", verification: paid("eur", 999), starts: day("2026-02-06"), created: day("2026-02-06")},
		ledgerRow{viewer: v, kind: "ppv", status: "paid", verification: paid("usd", 2000), starts: day("2026-02-20"), created: day("2026-02-20")},
		// A monthly subscription for January only (30 days paid), an annual one all along, one with a 14-day trial from 1 February,
		// one that never left its trial.
		ledgerRow{viewer: uuid.New(), kind: "svod", status: "canceled", verification: subv(price(plan, "usd", billing.Monthly)), plan: &plan.ID,
			starts: day("2026-01-01"), ends: &endJan, created: day("2026-01-01")},
		ledgerRow{viewer: uuid.New(), kind: "svod", status: "active", verification: subv(price(plan, "usd", billing.Annual)), plan: &plan.ID,
			starts: day("2025-06-01"), created: day("2025-06-01")},
		ledgerRow{viewer: uuid.New(), kind: "svod", status: "active", verification: subv(price(trial, "eur", billing.Monthly)), plan: &trial.ID,
			starts: day("2026-02-01"), created: day("2026-02-01")},
		ledgerRow{viewer: uuid.New(), kind: "svod", status: "trialing", verification: subv(price(trial, "usd", billing.Monthly)), plan: &trial.ID,
			starts: day("2026-02-10"), created: day("2026-02-10")},
	)
	r, err := e.svc.RevenueByModel(ctx, tenant, day("2026-01-01"), day("2026-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		month        string
		model, money string
	}
	got := map[key][2]int64{}
	for _, m := range r.Months {
		got[key{m.Month.Format("2006-01"), string(m.Model), m.Currency}] = [2]int64{m.Amount, int64(m.Sales)}
	}
	for _, m := range r.Totals {
		if !m.Month.IsZero() {
			t.Errorf("a total has a month: %+v", m)
		}
		got[key{"total", string(m.Model), m.Currency}] = [2]int64{m.Amount, int64(m.Sales)}
	}
	want := map[key][2]int64{
		{"2026-01", "rent", "usd"}: {399, 1},
		{"2026-02", "buy", "usd"}:  {1299, 1},
		{"2026-02", "buy", "eur"}:  {999, 1},
		{"2026-02", "ppv", "usd"}:  {2000, 1},
		{"total", "rent", "usd"}:   {399, 1},
		{"total", "buy", "usd"}:    {1299, 1},
		{"total", "buy", "eur"}:    {999, 1},
		{"total", "ppv", "usd"}:    {2000, 1},
	}
	if len(got) != len(want) {
		t.Errorf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%+v = %v, want %v", k, got[k], w)
		}
	}
	if len(r.Months) > 0 && r.Months[0].Month.After(r.Months[len(r.Months)-1].Month) {
		t.Errorf("months not oldest first: %+v", r.Months)
	}

	other, err := e.svc.RevenueByModel(ctx, testenv.MustTenant(t, e.db), day("2026-01-01"), day("2026-03-01"))
	if err != nil || len(other.Totals) != 0 || len(other.Months) != 0 {
		t.Errorf("another tenant: %+v %v", other, err)
	}
	_, err = e.svc.RevenueByModel(ctx, tenant, day("2026-03-01"), day("2026-01-01"))
	wantKind(t, err, errs.KindInvalid)
	_, err = e.svc.RevenueByModel(ctx, tenant, day("2024-01-01"), day("2026-01-01"))
	wantKind(t, err, errs.KindInvalid)
}

// The subscribers list: newest first, with the viewer's email and the
// plan's name, Stripe's status but canceling for a subscription ending at
// its period's end and ended for one over; filtered by status and paged;
// another tenant lists none.
func TestSubscribers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	end := e.clock.Now().Add(20 * 24 * time.Hour)
	emails := map[string]uuid.UUID{}
	for i, status := range []string{"active", "trialing", "past_due", "canceling", "canceled"} {
		email := status + "@example.com"
		viewer := e.mustViewer(t, tenant, email)
		emails[status] = viewer
		id := "sub_list_" + status
		stripeStatus := status
		s := sub(id, tenant, viewer, plan.Prices[0], stripeStatus, end)
		s["start_date"] = e.clock.Now().Add(time.Duration(i-10) * time.Hour).Unix()
		switch status {
		case "canceling":
			s["status"], s["cancel_at_period_end"] = "active", true
		case "canceled":
			s["ended_at"] = e.clock.Now().Add(-time.Minute).Unix()
		}
		e.fake.setSub(id, s)
		e.mustDeliver(t, event("customer.subscription.updated", acct, s))
	}
	list, total, err := e.svc.Subscribers(ctx, tenant, billing.SubscriberFilter{Take: 50})
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || len(list) != 5 {
		t.Fatalf("total %d, %d listed", total, len(list))
	}
	wantStates := []billing.SubscriberState{billing.SubEnded, billing.SubCanceling, billing.SubPastDue, billing.SubTrialing, billing.SubActive}
	for i, s := range list {
		if s.State != wantStates[i] {
			t.Errorf("#%d %s: state %s, want %s", i, s.Email, s.State, wantStates[i])
		}
		if s.PlanName != "Premium" || s.Plan == nil || *s.Plan != plan.ID || s.Email == "" || s.Viewer != emails[s.Email[:len(s.Email)-len("@example.com")]] {
			t.Errorf("#%d: %+v", i, s)
		}
		if s.CurrentPeriodEnd == nil || !s.CurrentPeriodEnd.Equal(end) {
			t.Errorf("#%d period end %v, want %v", i, s.CurrentPeriodEnd, end)
		}
	}
	if list[1].Status != "active" || list[1].Email != "canceling@example.com" {
		t.Errorf("canceling: %+v", list[1])
	}
	st := billing.SubTrialing
	trialing, total, err := e.svc.Subscribers(ctx, tenant, billing.SubscriberFilter{State: &st, Take: 50})
	if err != nil || total != 1 || len(trialing) != 1 || trialing[0].Email != "trialing@example.com" {
		t.Errorf("trialing: %+v %d %v", trialing, total, err)
	}
	page, total, err := e.svc.Subscribers(ctx, tenant, billing.SubscriberFilter{Skip: 2, Take: 2})
	if err != nil || total != 5 || len(page) != 2 || page[0].Email != "past_due@example.com" {
		t.Errorf("page 2: %+v %d %v", page, total, err)
	}
	past, total, err := e.svc.Subscribers(ctx, tenant, billing.SubscriberFilter{Skip: 10, Take: 2})
	if err != nil || total != 5 || len(past) != 0 {
		t.Errorf("past the end: %+v %d %v", past, total, err)
	}
	bad := billing.SubscriberState("gone")
	_, _, err = e.svc.Subscribers(ctx, tenant, billing.SubscriberFilter{State: &bad, Take: 5})
	wantKind(t, err, errs.KindInvalid)
	other, total, err := e.svc.Subscribers(ctx, testenv.MustTenant(t, e.db), billing.SubscriberFilter{Take: 50})
	if err != nil || total != 0 || len(other) != 0 {
		t.Errorf("another tenant: %+v %d %v", other, total, err)
	}
}

// Retiring a plan takes it and its prices off sale (the storefront's list
// and Checkout) and keeps it in the staff's list; retiring again, or
// another tenant's plan, is NotFound. Removing a title offer takes it off
// the title's prices; again, NotFound.
func TestRetirePlanAndRemoveOffer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, _ := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	other := e.mustSVODTenant(t)
	_, err := e.svc.RetirePlan(ctx, other, plan.ID)
	wantKind(t, err, errs.KindNotFound)
	retired, err := e.svc.RetirePlan(ctx, tenant, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if retired.Active || len(retired.Prices) != 3 {
		t.Errorf("retired %+v", retired)
	}
	onSale, err := e.svc.Plans(ctx, tenant, true)
	if err != nil || len(onSale) != 0 {
		t.Errorf("on sale: %+v %v", onSale, err)
	}
	all, err := e.svc.Plans(ctx, tenant, false)
	if err != nil || len(all) != 1 || all[0].Active {
		t.Errorf("all: %+v %v", all, err)
	}
	_, err = e.svc.Checkout(ctx, tenant, billing.CheckoutInput{Viewer: uuid.New(), Price: plan.Prices[0].ID})
	wantKind(t, err, errs.KindNotFound)
	_, err = e.svc.RetirePlan(ctx, tenant, plan.ID)
	wantKind(t, err, errs.KindNotFound)
	var n int
	err = e.db.InTenant(ctx, tenant, func(tx db.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'billing.plan_retired' AND target_id = $2`, tenant, plan.ID.String()).Scan(&n)
	})
	if err != nil || n != 1 {
		t.Errorf("audit: %d %v", n, err)
	}

	film := e.mustTitle(t, tenant)
	offer, err := e.svc.SetTitleOffer(ctx, tenant, billing.OfferInput{Title: film.ID, Kind: billing.Buy, Currency: "usd", Amount: 1299})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.RemoveTitleOffer(ctx, other, offer.ID)
	wantKind(t, err, errs.KindNotFound)
	if _, err := e.svc.RemoveTitleOffer(ctx, tenant, offer.ID); err != nil {
		t.Fatal(err)
	}
	left, err := e.svc.TitleOffers(ctx, tenant, film.ID)
	if err != nil || len(left) != 0 {
		t.Errorf("offers left: %+v %v", left, err)
	}
	_, err = e.svc.RemoveTitleOffer(ctx, tenant, offer.ID)
	wantKind(t, err, errs.KindNotFound)
	// Set again, it is on sale again.
	if _, err := e.svc.SetTitleOffer(ctx, tenant, billing.OfferInput{Title: film.ID, Kind: billing.Buy, Currency: "usd", Amount: 999}); err != nil {
		t.Fatal(err)
	}
	if left, _ := e.svc.TitleOffers(ctx, tenant, film.ID); len(left) != 1 || left[0].Amount != 999 {
		t.Errorf("offers after setting again: %+v", left)
	}
}

// Retiring a plan archives its prices and product on the connected account
// (active=false, with the account's header); its subscriber keeps playing,
// since Stripe goes on billing an archived price.
func TestRetirePlanArchivesItsStripeObjects(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	title := e.mustTitle(t, tenant)
	viewer := uuid.New()
	s := sub("sub_keep", tenant, viewer, plan.Prices[0], "active", e.clock.Now().Add(20*24*time.Hour))
	e.fake.setSub("sub_keep", s)
	e.mustDeliver(t, event("customer.subscription.created", acct, s))
	if _, err := e.svc.RetirePlan(ctx, tenant, plan.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range plan.Prices {
		calls := e.fake.calls("POST", "/v1/prices/"+p.StripeID)
		if len(calls) != 1 || calls[0].Form.Get("active") != "false" || calls[0].Account != acct {
			t.Errorf("price %s archived by %+v", p.StripeID, calls)
		}
	}
	var product string
	err := e.db.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT stripe_product_id FROM billing_plans WHERE id = $1`, plan.ID).Scan(&product)
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls := e.fake.calls("POST", "/v1/products/"+product); len(calls) != 1 || calls[0].Form.Get("active") != "false" || calls[0].Account != acct {
		t.Errorf("product %s archived by %+v", product, calls)
	}
	if d := e.check(t, tenant, viewer, title); !d.Allowed {
		t.Errorf("the subscriber of a retired plan: %+v", d)
	}
}

// Stripe unreachable while retiring: UNAVAILABLE saying so, and nothing
// changed here (the plan still on sale, not audited); retrying once Stripe
// answers retires it.
func TestRetirePlanWithStripeUnreachable(t *testing.T) {
	up := newEnv(t)
	ctx := context.Background()
	tenant, _ := up.mustSellingTenant(t)
	plan := up.mustPlan(t, tenant, libraryPlan(false, 0))
	down := newEnvOn(t, up.db, "http://127.0.0.1:1") // nothing listens on port 1
	_, err := down.svc.RetirePlan(ctx, tenant, plan.ID)
	wantKind(t, err, errs.KindUnavailable)
	if !strings.Contains(errs.MessageOf(err), "Stripe is unreachable") {
		t.Errorf("message %q", errs.MessageOf(err))
	}
	if onSale, err := up.svc.Plans(ctx, tenant, true); err != nil || len(onSale) != 1 || len(onSale[0].Prices) != 3 {
		t.Fatalf("after a failed retire, on sale: %+v %v", onSale, err)
	}
	var n int
	err = up.db.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'billing.plan_retired'`).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Errorf("audited %d times: %v", n, err)
	}
	if r, err := up.svc.RetirePlan(ctx, tenant, plan.ID); err != nil || r.Active {
		t.Fatalf("retry: %+v %v", r, err)
	}
}

// A price added to a plan is a recurring price on the plan's product on the
// connected account, listed with the plan and sold at Checkout; the same
// interval and currency again is CONFLICT, as is a retired plan; bad input
// is INVALID; another tenant's plan is NOT_FOUND; Stripe down records
// nothing.
func TestAddPlanPrice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, billing.PlanInput{Name: "Basic", Scope: billing.ScopeLibrary,
		Prices: []billing.PriceInput{{Interval: billing.Monthly, Currency: "usd", Amount: 599}}})
	var product string
	err := e.db.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT stripe_product_id FROM billing_plans WHERE id = $1`, plan.ID).Scan(&product)
	})
	if err != nil {
		t.Fatal(err)
	}
	before := len(e.fake.calls("POST", "/v1/prices"))
	got, err := e.svc.AddPlanPrice(ctx, tenant, plan.ID, billing.PriceInput{Interval: billing.Annual, Currency: " USD ", Amount: 5999})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Prices) != 2 {
		t.Fatalf("plan after adding %+v", got)
	}
	var annual billing.Price
	for _, p := range got.Prices {
		if p.Interval == billing.Annual {
			annual = p
		}
	}
	calls := e.fake.calls("POST", "/v1/prices")
	if len(calls) != before+1 {
		t.Fatalf("%d price requests", len(calls)-before)
	}
	f := calls[len(calls)-1]
	if f.Account != acct || f.Form.Get("product") != product || f.Form.Get("currency") != "usd" || f.Form.Get("unit_amount") != "5999" ||
		f.Form.Get("recurring[interval]") != "year" || f.Form.Get("tax_behavior") != "exclusive" || annual.StripeID == "" || annual.Amount != 5999 {
		t.Errorf("price request %+v, price %+v", f, annual)
	}
	if _, err := e.svc.Checkout(ctx, tenant, checkoutIn(uuid.New(), annual.ID)); err != nil {
		t.Errorf("checkout of the added price: %v", err)
	}
	made := len(e.fake.calls("POST", "/v1/prices"))
	_, err = e.svc.AddPlanPrice(ctx, tenant, plan.ID, billing.PriceInput{Interval: billing.Annual, Currency: "usd", Amount: 4999})
	wantKind(t, err, errs.KindConflict)
	_, err = e.svc.AddPlanPrice(ctx, tenant, plan.ID, billing.PriceInput{Interval: "week", Currency: "usd", Amount: 100})
	wantKind(t, err, errs.KindInvalid)
	_, err = e.svc.AddPlanPrice(ctx, tenant, plan.ID, billing.PriceInput{Interval: billing.Monthly, Currency: "euro", Amount: 100})
	wantKind(t, err, errs.KindInvalid)
	_, err = e.svc.AddPlanPrice(ctx, tenant, uuid.New(), billing.PriceInput{Interval: billing.Monthly, Currency: "eur", Amount: 100})
	wantKind(t, err, errs.KindNotFound)
	other, _ := e.mustSellingTenant(t)
	_, err = e.svc.AddPlanPrice(ctx, other, plan.ID, billing.PriceInput{Interval: billing.Monthly, Currency: "eur", Amount: 100})
	wantKind(t, err, errs.KindNotFound)
	down := newEnvOn(t, e.db, "http://127.0.0.1:1")
	_, err = down.svc.AddPlanPrice(ctx, tenant, plan.ID, billing.PriceInput{Interval: billing.Monthly, Currency: "eur", Amount: 100})
	wantKind(t, err, errs.KindUnavailable)
	if n := len(e.fake.calls("POST", "/v1/prices")); n != made {
		t.Errorf("a refused price still made %d Stripe prices", n-made)
	}
	if ps, _ := e.svc.Plans(ctx, tenant, false); len(ps) != 1 || len(ps[0].Prices) != 2 {
		t.Errorf("plans after refusals %+v", ps)
	}
	if _, err := e.svc.RetirePlan(ctx, tenant, plan.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.AddPlanPrice(ctx, tenant, plan.ID, billing.PriceInput{Interval: billing.Monthly, Currency: "eur", Amount: 100})
	wantKind(t, err, errs.KindConflict)
	var n int
	err = e.db.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'billing.plan_price_added' AND target_id = $1`, plan.ID.String()).Scan(&n)
	})
	if err != nil || n != 1 {
		t.Errorf("audited %d times: %v", n, err)
	}
}
