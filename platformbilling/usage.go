package platformbilling

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/platformbilling/internal/platformbillingsql"
	"github.com/marquee-ott/marquee/tenants"
)

// Storage measures the bytes a tenant stores (operators.Service in the
// wiring: it lists blob storage under the tenant's prefix).
type Storage interface {
	StorageUsed(ctx context.Context, tenant tenants.ID) (int64, error)
}

// Recorded is the outcome of Record.
type Recorded struct {
	ID uuid.UUID
	// Fresh is false when the key was recorded before: nothing was added.
	Fresh bool
}

// Record adds quantity of metric to the tenant's usage now, once per
// idempotency key (the same key again adds nothing and returns the first
// record). Encoded minutes and streamed hours are also added, in seconds,
// to the operator's usage counters in the same transaction. The row is
// reported to Stripe later by ReportDue.
func (s *Service) Record(ctx context.Context, tenant tenants.ID, metric Metric, quantity float64, idempotencyKey string) (Recorded, error) {
	return s.recordAt(ctx, tenant, metric, quantity, idempotencyKey, s.now())
}

func (s *Service) recordAt(ctx context.Context, tenant tenants.ID, metric Metric, quantity float64, key string, at time.Time) (Recorded, error) {
	if !metric.Valid() {
		return Recorded{}, errs.InvalidField("metric", "unknown metric %q", metric)
	}
	if math.IsNaN(quantity) || math.IsInf(quantity, 0) || quantity < 0 || quantity > maxQuantity {
		return Recorded{}, errs.InvalidField("quantity", "a quantity is 0 to 10^12")
	}
	if err := validKey(key); err != nil {
		return Recorded{}, err
	}
	if tenant == uuid.Nil {
		return Recorded{}, errs.InvalidField("tenant", "no tenant")
	}
	micros := toMicros(quantity)
	var out Recorded
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := platformbillingsql.New(tx)
		r, err := q.InsertUsage(ctx, platformbillingsql.InsertUsageParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			Metric: string(metric), QuantityMicros: micros, IdempotencyKey: key, OccurredAt: at.UTC(), Now: s.now()})
		if db.IsNoRows(err) {
			prev, err := q.GetUsageByKey(ctx, platformbillingsql.GetUsageByKeyParams{TenantID: tenant, IdempotencyKey: key})
			if err != nil {
				return err
			}
			if prev.Metric != string(metric) {
				return errs.Conflict("idempotency key %q was used for %s", key, prev.Metric)
			}
			out = Recorded{ID: prev.ID}
			return nil
		}
		if err != nil {
			return err
		}
		out = Recorded{ID: r.ID, Fresh: true}
		switch metric {
		case EncodedMinutes:
			return operators.AddUsage(ctx, tx, tenant, operators.MetricEncodedSeconds, at, int64(math.Round(quantity*60)))
		case StreamedHours:
			return operators.AddUsage(ctx, tx, tenant, operators.MetricStreamedSeconds, at, int64(math.Round(quantity*3600)))
		}
		return nil
	})
	if err != nil {
		return Recorded{}, fmt.Errorf("platformbilling.Record %s %s: %w", tenant, metric, err)
	}
	return out, nil
}

// RecordAppBuild counts one app build, once per build id. The apps
// service's build workflow calls it when a build succeeds.
func (s *Service) RecordAppBuild(ctx context.Context, tenant tenants.ID, build uuid.UUID) error {
	_, err := s.Record(ctx, tenant, AppBuilds, 1, "app_builds:build:"+build.String())
	return err
}

// RecordEncoding counts the minutes of a READY asset, once per asset (a
// replacement's new asset counts again: it was encoded again). An asset
// that is not READY, or gone, counts nothing.
func (s *Service) RecordEncoding(ctx context.Context, tenant tenants.ID, asset uuid.UUID) error {
	var row platformbillingsql.AssetDurationRow
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		row, err = platformbillingsql.New(q).AssetDuration(ctx, platformbillingsql.AssetDurationParams{TenantID: tenant, ID: asset})
		return err
	})
	if db.IsNoRows(err) {
		return errs.NotFound("no such asset")
	}
	if err != nil {
		return fmt.Errorf("platformbilling.RecordEncoding %s: %w", asset, err)
	}
	if row.Status != "READY" {
		return nil
	}
	_, err = s.Record(ctx, tenant, EncodedMinutes, float64(row.DurationMs)/60_000, "encoded_minutes:asset:"+asset.String())
	return err
}

// sessionLookback bounds how old a playback session the sweep still meters
// (Stripe takes meter events up to 35 days old).
const sessionLookback = 30 * 24 * time.Hour

// MeterPlayback records the streamed hours of every ended (or expired)
// viewer playback session not yet metered, one record per session (its
// last heartbeat minus its start), for every tenant; staff previews are
// not billed. Returns how many sessions it metered. Only tenants with such
// sessions are visited.
func (s *Service) MeterPlayback(ctx context.Context) (int, error) {
	now := s.now()
	var ids []uuid.UUID
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		ids, err = platformbillingsql.New(tx).UnmeteredPlaybackTenants(ctx, platformbillingsql.UnmeteredPlaybackTenantsParams{
			Since: now.Add(-sessionLookback), Now: now})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("platformbilling.MeterPlayback: %w", err)
	}
	n := 0
	for _, t := range ids {
		k, err := s.MeterTenantPlayback(ctx, t)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// MeterTenantPlayback is MeterPlayback for one tenant.
func (s *Service) MeterTenantPlayback(ctx context.Context, tenant tenants.ID) (int, error) {
	now := s.now()
	var rows []platformbillingsql.UnmeteredSessionsRow
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		rows, err = platformbillingsql.New(q).UnmeteredSessions(ctx, platformbillingsql.UnmeteredSessionsParams{TenantID: tenant,
			Since: now.Add(-sessionLookback), Now: now, Lim: 500})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("platformbilling.MeterPlayback %s: %w", tenant, err)
	}
	for _, r := range rows {
		hours := r.HeartbeatAt.Sub(r.StartedAt).Hours()
		if hours < 0 {
			hours = 0
		}
		if _, err := s.recordAt(ctx, tenant, StreamedHours, hours, "streamed_hours:session:"+r.ID.String(), r.HeartbeatAt); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// SnapshotStorage records each subscribed tenant's stored bytes for the day of now as
// GB / days-in-month of stored_gb, once per tenant and day, so a month's
// snapshots sum to its average GB stored. Returns how many it recorded.
func (s *Service) SnapshotStorage(ctx context.Context) (int, error) {
	if s.Storage == nil {
		return 0, nil
	}
	var ids []uuid.UUID
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		ids, err = platformbillingsql.New(tx).SubscribedTenants(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("platformbilling.SnapshotStorage: %w", err)
	}
	n := 0
	for _, t := range ids {
		fresh, err := s.SnapshotTenantStorage(ctx, t)
		if err != nil {
			return n, err
		}
		if fresh {
			n++
		}
	}
	return n, nil
}

// SnapshotTenantStorage is SnapshotStorage for one tenant; false when the
// day was recorded already.
func (s *Service) SnapshotTenantStorage(ctx context.Context, tenant tenants.ID) (bool, error) {
	now := s.now()
	key := "stored_gb:day:" + now.Format("2006-01-02")
	bytes, err := s.Storage.StorageUsed(ctx, tenant)
	if err != nil {
		return false, fmt.Errorf("platformbilling.SnapshotStorage %s: %w", tenant, err)
	}
	days := float64(time.Date(now.Year(), now.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day())
	r, err := s.Record(ctx, tenant, StoredGB, float64(bytes)/1e9/days, key)
	return r.Fresh, err
}

// MetricUsage is a metric's use in a period against the plan's terms.
type MetricUsage struct {
	Metric   Metric
	Quantity float64
	Included float64
	Overage  float64
	// EstimatedCost is the overage's price in minor units (fractional).
	EstimatedCost float64
}

// Usage is a workspace's usage in a calendar month (UTC).
type Usage struct {
	Period      string // "2026-11"
	From, Until time.Time
	// Plan is the workspace's plan now (nil: none; nothing is billed).
	Plan    *Plan
	Metrics []MetricUsage
	// EstimatedTotal is the base price plus every overage, minor units.
	EstimatedTotal float64
}

// ParsePeriod reads "2026-11" (empty: the month of now) as [from, until).
func ParsePeriod(period string, now time.Time) (string, time.Time, time.Time, error) {
	var from time.Time
	if period == "" {
		from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	} else {
		t, err := time.Parse("2006-01", period)
		if err != nil {
			return "", time.Time{}, time.Time{}, errs.InvalidField("period", "a period is a month, YYYY-MM")
		}
		from = t.UTC()
	}
	return from.Format("2006-01"), from, from.AddDate(0, 1, 0), nil
}

// Usage sums the workspace's usage per metric in the period (YYYY-MM;
// empty: this month) against its current plan's terms.
func (s *Service) Usage(ctx context.Context, tenant tenants.ID, period string) (Usage, error) {
	name, from, until, err := ParsePeriod(period, s.now())
	if err != nil {
		return Usage{}, err
	}
	sub, err := s.Subscription(ctx, tenant)
	if err != nil {
		return Usage{}, err
	}
	var rows []platformbillingsql.UsageTotalsRow
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		rows, err = platformbillingsql.New(q).UsageTotals(ctx, platformbillingsql.UsageTotalsParams{TenantID: tenant, Since: from, Until: until})
		return err
	})
	if err != nil {
		return Usage{}, fmt.Errorf("platformbilling.Usage: %w", err)
	}
	sum := map[Metric]int64{}
	for _, r := range rows {
		sum[Metric(r.Metric)] = r.Micros
	}
	out := Usage{Period: name, From: from, Until: until}
	if sub != nil {
		out.Plan = &sub.Plan
		out.EstimatedTotal = float64(sub.Plan.MonthlyAmount)
	}
	for _, m := range Metrics {
		mu := MetricUsage{Metric: m, Quantity: fromMicros(sum[m])}
		if out.Plan != nil {
			if pm, ok := out.Plan.Metric(m); ok {
				mu.Included = float64(pm.Included)
				mu.Overage = math.Max(0, mu.Quantity-mu.Included)
				mu.EstimatedCost = mu.Overage * pm.OveragePerUnit
				out.EstimatedTotal += mu.EstimatedCost
			}
		}
		out.Metrics = append(out.Metrics, mu)
	}
	return out, nil
}
