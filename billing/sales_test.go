package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/testenv"
)

// Sales from the ledger: paying and trialing subscribers, MRR per currency
// (annual as a twelfth), subscribers churned in 30 days, TVOD revenue net
// of refunds; another tenant's figures are its own.
func TestSales(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant, acct := e.mustSellingTenant(t)
	plan := e.mustPlan(t, tenant, libraryPlan(false, 0)) // usd 999/month, usd 9999/year, eur 899/month
	price := map[string]billing.Price{}
	for _, p := range plan.Prices {
		price[p.Currency+"/"+string(p.Interval)] = p
	}
	end := e.clock.Now().Add(20 * 24 * time.Hour)
	for i, c := range []struct{ price, status string }{
		{"usd/month", "active"}, {"usd/year", "active"}, {"eur/month", "past_due"}, {"usd/month", "trialing"}, {"usd/month", "canceled"},
	} {
		id := "sub_sales_" + string(rune('a'+i))
		s := sub(id, tenant, uuid.New(), price[c.price], c.status, end)
		if c.status == "canceled" {
			s["ended_at"] = e.clock.Now().Add(-time.Hour).Unix()
		}
		e.fake.setSub(id, s)
		e.mustDeliver(t, event("customer.subscription.updated", acct, s))
	}
	film := e.mustTitle(t, tenant)
	offer, err := e.svc.SetTitleOffer(ctx, tenant, billing.OfferInput{Title: film.ID, Kind: billing.Buy, Currency: "usd", Amount: 1299})
	if err != nil {
		t.Fatal(err)
	}
	for _, pi := range []string{"pi_sale_1", "pi_sale_2"} {
		e.setPayment(pi, false, false)
		e.mustDeliver(t, event("checkout.session.completed", acct, completed("cs_"+pi, tenant, uuid.New(), offer, pi)))
	}
	e.mustDeliver(t, event("charge.refunded", acct, map[string]any{"id": "ch_x", "object": "charge", "payment_intent": "pi_sale_2", "refunded": true}))

	s, err := e.svc.Sales(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if s.PayingSubscribers != 3 || s.TrialingSubscribers != 1 || s.ChurnedLast30Days != 1 {
		t.Errorf("counts %+v", s)
	}
	want := []billing.Money{{Currency: "eur", Amount: 899}, {Currency: "usd", Amount: 999 + 9999/12}}
	if len(s.MRR) != 2 || s.MRR[0] != want[0] || s.MRR[1] != want[1] {
		t.Errorf("MRR %+v, want %+v", s.MRR, want)
	}
	if s.TVODSalesLast30Days != 1 || len(s.TVODRevenueLast30Days) != 1 || s.TVODRevenueLast30Days[0] != (billing.Money{Currency: "usd", Amount: 1299}) {
		t.Errorf("TVOD %+v", s)
	}
	other, err := e.svc.Sales(ctx, testenv.MustTenant(t, e.db))
	if err != nil || other.PayingSubscribers != 0 || len(other.MRR) != 0 || other.TVODSalesLast30Days != 0 {
		t.Errorf("another tenant %+v %v", other, err)
	}
}
