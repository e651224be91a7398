package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/tenants"
)

// Money is an amount in a currency's minor units.
type Money struct {
	Currency string
	Amount   int64
}

// Sales is a tenant's subscription and TVOD figures now, from the ledger.
type Sales struct {
	PayingSubscribers   int
	TrialingSubscribers int
	// MRR is monthly recurring revenue per currency (an annual price counts
	// a twelfth), before Stripe's and the platform's fees.
	MRR []Money
	// ChurnedLast30Days counts subscribers whose subscription ended
	// (cancelled or unpaid) in the last 30 days.
	ChurnedLast30Days int
	// TVODRevenueLast30Days is rentals and purchases paid in the last 30
	// days and not refunded, per currency.
	TVODRevenueLast30Days []Money
	TVODSalesLast30Days   int
}

// Sales computes the tenant's figures from the ledger.
func (s *Service) Sales(ctx context.Context, tenant tenants.ID) (Sales, error) {
	now := s.now()
	since := now.Add(-30 * 24 * time.Hour)
	out := Sales{MRR: []Money{}, TVODRevenueLast30Days: []Money{}}
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		c, err := bq.SubscriberCounts(ctx, billingsql.SubscriberCountsParams{TenantID: tenant, Now: now})
		if err != nil {
			return err
		}
		out.PayingSubscribers, out.TrialingSubscribers = int(c.Paying), int(c.Trialing)
		mrr, err := bq.MonthlyRecurringRevenue(ctx, billingsql.MonthlyRecurringRevenueParams{TenantID: tenant, Now: now})
		if err != nil {
			return err
		}
		for _, m := range mrr {
			out.MRR = append(out.MRR, Money{Currency: m.Currency, Amount: m.Amount})
		}
		churned, err := bq.ChurnedSubscribers(ctx, billingsql.ChurnedSubscribersParams{TenantID: tenant, Since: since, Now: now})
		if err != nil {
			return err
		}
		out.ChurnedLast30Days = int(churned)
		tv, err := bq.TVODRevenue(ctx, billingsql.TVODRevenueParams{TenantID: tenant, Since: since})
		for _, r := range tv {
			out.TVODRevenueLast30Days = append(out.TVODRevenueLast30Days, Money{Currency: r.Currency, Amount: r.Amount})
			out.TVODSalesLast30Days += int(r.Sales)
		}
		return err
	})
	if err != nil {
		return Sales{}, fmt.Errorf("billing.Sales: %w", err)
	}
	return out, nil
}
