package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

// paidInvoice is a Stripe invoice of a subscription as invoice.paid carries it.
func paidInvoice(id, subscription, customer string, price billing.Price, paid, tax int64, at time.Time) map[string]any {
	return map[string]any{"id": id, "object": "invoice", "status": "paid", "paid": true, "subscription": subscription,
		"customer": customer, "currency": price.Currency, "amount_paid": paid, "total": paid, "tax": tax,
		"status_transitions": map[string]any{"paid_at": at.Unix()},
		"lines": map[string]any{"object": "list", "data": []any{map[string]any{"id": "il_" + id, "object": "line_item",
			"price": map[string]any{"id": price.StripeID, "object": "price"}}}}}
}

// refundedCharge is charge.refunded's object for an invoice's charge.
func refundedCharge(id, invoice string, amount, refunded int64) map[string]any {
	return map[string]any{"id": id, "object": "charge", "invoice": invoice, "amount": amount, "amount_refunded": refunded,
		"refunded": refunded >= amount, "currency": "usd"}
}

// svod reads SVOD revenue per month ("2006-01") and in total from RevenueByModel.
func (e *env) svod(t *testing.T, tenant uuid.UUID, from, to time.Time) map[string]int64 {
	t.Helper()
	r, err := e.svc.RevenueByModel(context.Background(), tenant, from, to)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, m := range r.Months {
		if m.Model == billing.RevenueSVOD {
			out[m.Month.Format("2006-01")+"/"+m.Currency] = m.Amount
		}
	}
	for _, m := range r.Totals {
		if m.Model == billing.RevenueSVOD {
			out["total/"+m.Currency] = m.Amount
		}
	}
	return out
}

func sameMap(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s = %v, want %v", what, got, want)
			return
		}
	}
}

// SVOD revenue is what Stripe collected: each paid invoice once (the same
// event delivered three times, and the same invoice in a second event, count
// once), net of its tax, in the month it was paid; an invoice for a
// subscription and customer that are not ours (made in the Stripe
// dashboard) is still money on the workspace's account, recorded with no
// viewer or plan; a malformed one is refused (INVALID) and records nothing.
func TestSubscriptionInvoicesAreSVODRevenue(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	usd := plan.Prices[0] // usd monthly 999
	viewer := e.mustViewer(t, tenant, "payer@example.com")
	s := sub("sub_rev", tenant, viewer, usd, "active", e.clock.Now().Add(20*24*time.Hour))
	e.fake.setSub("sub_rev", s)
	e.mustDeliver(t, event("customer.subscription.created", acct, s))

	jan := event("invoice.paid", acct, paidInvoice("in_jan", "sub_rev", s["customer"].(string), usd, 1099, 100, day("2026-01-15")))
	for range 3 {
		e.mustDeliver(t, jan)
	}
	// The same invoice in another event (a replay from the dashboard) is not a second payment.
	e.mustDeliver(t, event("invoice.paid", acct, paidInvoice("in_jan", "sub_rev", s["customer"].(string), usd, 1099, 100, day("2026-01-15"))))
	e.mustDeliver(t, event("invoice.paid", acct, paidInvoice("in_feb", "sub_rev", s["customer"].(string), usd, 999, 0, day("2026-02-01"))))
	// One outside the span asked for.
	e.mustDeliver(t, event("invoice.paid", acct, paidInvoice("in_mar", "sub_rev", s["customer"].(string), usd, 999, 0, day("2026-03-01"))))
	// A subscription made in the Stripe dashboard for a customer we do not
	// know: stripe-mock answers its refetch with an object that is not ours.
	e.mustDeliver(t, event("invoice.paid", acct, paidInvoice("in_dash", "sub_dashboard", "cus_dashboard",
		billing.Price{StripeID: "price_dashboard", Currency: "usd"}, 500, 0, day("2026-02-20"))))

	sameMap(t, "svod revenue", e.svod(t, tenant, day("2026-01-01"), day("2026-03-01")),
		map[string]int64{"2026-01/usd": 999, "2026-02/usd": 999 + 500, "total/usd": 999 + 999 + 500})

	invs, err := e.svc.SubscriptionInvoices(ctx, tenant, nil, 50)
	if err != nil || len(invs) != 4 {
		t.Fatalf("invoices %+v %v", invs, err)
	}
	byID := map[string]billing.SubscriptionInvoice{}
	for _, in := range invs {
		byID[in.InvoiceID] = in
	}
	if in := byID["in_jan"]; in.Viewer == nil || *in.Viewer != viewer || in.Plan == nil || *in.Plan != plan.ID ||
		in.AmountPaid != 1099 || in.Tax != 100 || in.Currency != "usd" || !in.PaidAt.Equal(day("2026-01-15")) || in.Subscription != "sub_rev" {
		t.Errorf("in_jan %+v", in)
	}
	if in := byID["in_dash"]; in.Viewer != nil || in.Plan != nil || in.AmountPaid != 500 {
		t.Errorf("an invoice not ours: %+v", in)
	}
	if mine, err := e.svc.SubscriptionInvoices(ctx, tenant, &viewer, 50); err != nil || len(mine) != 3 {
		t.Errorf("the viewer's invoices: %+v %v", mine, err)
	}
	_, err = e.svc.SubscriptionInvoices(ctx, tenant, nil, 0)
	wantKind(t, err, errs.KindInvalid)

	// No currency: refused, nothing recorded (not even the event, so a fixed redelivery applies).
	bad := paidInvoice("in_bad", "sub_rev", s["customer"].(string), usd, 999, 0, day("2026-01-20"))
	delete(bad, "currency")
	badEv := event("invoice.paid", acct, bad)
	wantKind(t, e.deliver(t, badEv), errs.KindInvalid)
	if out, _ := e.svc.EventOutcome(ctx, badEv["id"].(string)); out != "" {
		t.Errorf("a refused event was recorded: %q", out)
	}
	if invs, _ := e.svc.SubscriptionInvoices(ctx, tenant, nil, 50); len(invs) != 4 {
		t.Errorf("%d invoices after a refused one", len(invs))
	}
}

// A refund of a subscription invoice's charge lowers the month the invoice
// was paid in, taking back its share of the tax (a full refund nets to 0);
// amount_refunded is cumulative, so a late, smaller figure changes nothing
// and a refund seen before its invoice.paid still counts once the invoice
// arrives.
func TestInvoiceRefundsLowerSVODRevenue(t *testing.T) {
	e := newEnv(t)
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0))
	usd := plan.Prices[0]
	viewer := uuid.New()
	s := sub("sub_ref", tenant, viewer, usd, "active", e.clock.Now().Add(20*24*time.Hour))
	e.fake.setSub("sub_ref", s)
	cus := s["customer"].(string)
	e.mustDeliver(t, event("invoice.paid", acct, paidInvoice("in_a", "sub_ref", cus, usd, 1100, 100, day("2026-01-10"))))
	e.mustDeliver(t, event("invoice.paid", acct, paidInvoice("in_b", "sub_ref", cus, usd, 999, 0, day("2026-02-10"))))
	span := func() map[string]int64 { return e.svod(t, tenant, day("2026-01-01"), day("2026-04-01")) }
	sameMap(t, "before refunds", span(), map[string]int64{"2026-01/usd": 1000, "2026-02/usd": 999, "total/usd": 1999})

	// Half of January's charge refunded (tax included): half the net.
	e.mustDeliver(t, event("charge.refunded", acct, refundedCharge("ch_a", "in_a", 1100, 550)))
	// An older event with a smaller figure arrives late: nothing changes.
	e.mustDeliver(t, event("charge.refunded", acct, refundedCharge("ch_a", "in_a", 1100, 200)))
	// February refunded in full.
	e.mustDeliver(t, event("charge.refunded", acct, refundedCharge("ch_b", "in_b", 999, 999)))
	sameMap(t, "after refunds", span(), map[string]int64{"2026-01/usd": 500, "2026-02/usd": 0, "total/usd": 500})

	// March: the refund is seen before the invoice.
	e.mustDeliver(t, event("charge.refunded", acct, refundedCharge("ch_c", "in_c", 999, 300)))
	sameMap(t, "refund before its invoice", span(), map[string]int64{"2026-01/usd": 500, "2026-02/usd": 0, "total/usd": 500})
	e.mustDeliver(t, event("invoice.paid", acct, paidInvoice("in_c", "sub_ref", cus, usd, 999, 0, day("2026-03-05"))))
	sameMap(t, "then its invoice", span(), map[string]int64{"2026-01/usd": 500, "2026-02/usd": 0, "2026-03/usd": 699, "total/usd": 1199})

	invs, err := e.svc.SubscriptionInvoices(context.Background(), tenant, nil, 10)
	if err != nil || len(invs) != 3 || invs[0].InvoiceID != "in_c" || invs[0].Refunded != 300 || invs[2].Refunded != 550 {
		t.Errorf("invoices %+v %v", invs, err)
	}
}

// Another workspace never sees a workspace's invoices or refunds, even one
// with the same invoice id on its own account, and a refund event on one
// account never lowers the other's revenue.
func TestSubscriptionInvoicesCrossTenant(t *testing.T) {
	e := newEnv(t)
	a, acctA := e.mustSellingTenant(t)
	b, acctB := e.mustSellingTenant(t)
	planA := e.mustPlan(t, a, libraryPlan(false, 0))
	planB := e.mustPlan(t, b, libraryPlan(false, 0))
	e.mustDeliver(t, event("invoice.paid", acctA, paidInvoice("in_same", "sub_a", "cus_a", planA.Prices[0], 999, 0, day("2026-01-10"))))
	e.mustDeliver(t, event("invoice.paid", acctB, paidInvoice("in_same", "sub_b", "cus_b", planB.Prices[0], 5000, 0, day("2026-01-11"))))
	e.mustDeliver(t, event("charge.refunded", acctB, refundedCharge("ch_same", "in_same", 5000, 5000)))
	sameMap(t, "a", e.svod(t, a, day("2026-01-01"), day("2026-02-01")), map[string]int64{"2026-01/usd": 999, "total/usd": 999})
	sameMap(t, "b", e.svod(t, b, day("2026-01-01"), day("2026-02-01")), map[string]int64{"2026-01/usd": 0, "total/usd": 0})
	invs, err := e.svc.SubscriptionInvoices(context.Background(), a, nil, 10)
	if err != nil || len(invs) != 1 || invs[0].AmountPaid != 999 || invs[0].Refunded != 0 {
		t.Errorf("a's invoices %+v %v", invs, err)
	}
	third := e.mustSVODTenant(t)
	sameMap(t, "a third workspace", e.svod(t, third, day("2026-01-01"), day("2026-02-01")), map[string]int64{})
	if invs, _ := e.svc.SubscriptionInvoices(context.Background(), third, nil, 10); len(invs) != 0 {
		t.Errorf("a third workspace lists %+v", invs)
	}
	// The raw rows too: RLS keeps them apart even with no tenant in the query.
	var n int
	err = e.db.ReadTenant(context.Background(), a, func(q db.Querier) error {
		return q.QueryRow(context.Background(), `SELECT count(*) FROM subscription_invoices`).Scan(&n)
	})
	if err != nil || n != 1 {
		t.Errorf("a reads %d invoice rows: %v", n, err)
	}
}
