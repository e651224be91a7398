package platformbilling

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/platformbilling/internal/platformbillingsql"
)

// Report states of a usage record.
const (
	StatePending  = "pending"
	StateReported = "reported"
	StateUnbilled = "unbilled"
	StateFailed   = "failed"
)

const (
	// claimFor is how long a reporter owns the rows it claimed; a reporter
	// that dies leaves them to another after this.
	claimFor = 5 * time.Minute
	// meterMaxAge is how old a meter event Stripe still takes (35 days),
	// less a day of margin.
	meterMaxAge = 34 * 24 * time.Hour
)

func (s *Service) batch() int {
	if s.ReportBatch > 0 {
		return s.ReportBatch
	}
	return 100
}

func (s *Service) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return 20
}

// backoff is the wait after the n-th failed report: 1 minute doubling, at
// most 6 hours.
func backoff(n int32) time.Duration {
	d := time.Minute
	for i := int32(1); i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	return d
}

// Identifier is the meter event identifier of a usage record: the tenant and
// its idempotency key, so Stripe deduplicates a resend of the same record
// and two tenants' keys never collide.
func Identifier(tenant uuid.UUID, key string) string { return tenant.String() + ":" + key }

// Report is what one ReportDue pass did.
type Report struct {
	Reported, Unbilled, Failed int
}

// ReportDue sends every due pending usage record to Stripe as a Billing
// meter event (event_name of the metric's meter, payload stripe_customer_id
// and value, identifier = Identifier, timestamp = when it happened) and marks
// it reported. Rows are claimed first, so concurrent reporters never send
// the same row; a row Stripe did not take is retried later with backoff
// (failed after MaxAttempts), and a resend after a crash between Stripe and
// our commit carries the same identifier, which Stripe deduplicates. A
// tenant with no platform subscription has nothing to bill: its rows become
// unbilled.
func (s *Service) ReportDue(ctx context.Context) (Report, error) {
	var out Report
	var meters []platformbillingsql.PlatformMeter
	var tenantIDs []uuid.UUID
	now := s.now()
	err := s.DB.System(ctx, func(tx db.Tx) error {
		q := platformbillingsql.New(tx)
		var err error
		if meters, err = q.ListMeters(ctx); err != nil {
			return err
		}
		tenantIDs, err = q.DueTenants(ctx, platformbillingsql.DueTenantsParams{Now: now, Lim: 100})
		return err
	})
	if err != nil {
		return out, fmt.Errorf("platformbilling.ReportDue: %w", err)
	}
	events := map[string]string{}
	for _, m := range meters {
		events[m.Metric] = m.EventName
	}
	for _, t := range tenantIDs {
		if err := s.reportTenant(ctx, t, events, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (s *Service) reportTenant(ctx context.Context, tenant uuid.UUID, events map[string]string, out *Report) error {
	now := s.now()
	var rows []platformbillingsql.UsageRecord
	var sub *platformbillingsql.PlatformSubscription
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := platformbillingsql.New(tx)
		var err error
		until := now.Add(claimFor)
		rows, err = q.ClaimDue(ctx, platformbillingsql.ClaimDueParams{TenantID: tenant, ClaimUntil: &until, Now: now, Lim: int32(s.batch())})
		if err != nil {
			return err
		}
		r, err := q.GetSubscription(ctx, tenant)
		if db.IsNoRows(err) {
			return nil
		}
		sub = &r
		return err
	})
	if err != nil {
		return fmt.Errorf("platformbilling.ReportDue %s: %w", tenant, err)
	}
	for _, r := range rows {
		switch {
		case sub == nil:
			err = s.mark(ctx, tenant, r.ID, func(q *platformbillingsql.Queries) error {
				return q.MarkUnbilled(ctx, platformbillingsql.MarkUnbilledParams{TenantID: tenant, ID: r.ID, Reason: "no platform plan"})
			})
			out.Unbilled++
		case now.Sub(r.OccurredAt) > meterMaxAge:
			err = s.mark(ctx, tenant, r.ID, func(q *platformbillingsql.Queries) error {
				return q.MarkFailedAttempt(ctx, platformbillingsql.MarkFailedAttemptParams{TenantID: tenant, ID: r.ID,
					Error: "older than Stripe takes meter events", NextAttemptAt: now, MaxAttempts: 0})
			})
			out.Failed++
		default:
			err = s.send(ctx, tenant, sub.StripeCustomerID, events[r.Metric], r, out)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// send reports one row and records the outcome; only a database failure is
// returned (a Stripe failure is the row's, retried later).
func (s *Service) send(ctx context.Context, tenant uuid.UUID, customer, event string, r platformbillingsql.UsageRecord, out *Report) error {
	id := Identifier(tenant, r.IdempotencyKey)
	p := &stripe.BillingMeterEventParams{EventName: stripe.String(event), Identifier: stripe.String(id),
		Payload:   map[string]string{"stripe_customer_id": customer, "value": decimal(r.QuantityMicros)},
		Timestamp: stripe.Int64(r.OccurredAt.Unix())}
	p.SetIdempotencyKey("marquee-usage-" + id)
	_, err := s.Stripe.BillingMeterEvents.New(p)
	if err != nil && duplicate(err) {
		err = nil // Stripe has this identifier: it was reported
	}
	now := s.now()
	if err == nil {
		out.Reported++
		return s.mark(ctx, tenant, r.ID, func(q *platformbillingsql.Queries) error {
			return q.MarkReported(ctx, platformbillingsql.MarkReportedParams{TenantID: tenant, ID: r.ID, Now: &now})
		})
	}
	s.log().Warn("platformbilling: meter event not taken; will retry", "tenant", tenant, "usage", r.ID, "err", err)
	msg := err.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	if int(r.ReportAttempts)+1 >= s.maxAttempts() {
		out.Failed++
	}
	return s.mark(ctx, tenant, r.ID, func(q *platformbillingsql.Queries) error {
		return q.MarkFailedAttempt(ctx, platformbillingsql.MarkFailedAttemptParams{TenantID: tenant, ID: r.ID, Error: msg,
			NextAttemptAt: now.Add(backoff(r.ReportAttempts + 1)), MaxAttempts: int32(s.maxAttempts())})
	})
}

// duplicate reports whether Stripe refused a meter event because it has
// its identifier already.
func duplicate(err error) bool {
	var se *stripe.Error
	return errors.As(err, &se) && (strings.Contains(string(se.Code), "duplicate") || strings.Contains(se.Msg, "identifier already"))
}

func (s *Service) mark(ctx context.Context, tenant, id uuid.UUID, fn func(*platformbillingsql.Queries) error) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error { return fn(platformbillingsql.New(tx)) })
	if err != nil {
		return fmt.Errorf("platformbilling.ReportDue %s %s: %w", tenant, id, err)
	}
	return nil
}

// ReportStates counts a tenant's usage records by report state, for tests
// and support.
func (s *Service) ReportStates(ctx context.Context, tenant uuid.UUID) (map[string]int, error) {
	out := map[string]int{}
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := platformbillingsql.New(q).ReportStates(ctx, tenant)
		for _, r := range rows {
			out[r.ReportState] = int(r.N)
		}
		return err
	})
	return out, err
}

// Run meters and reports until ctx ends: every interval (zero: one minute)
// it meters ended playback sessions and reports due usage to Stripe, and
// once a day (at start, then when the UTC date changes) it snapshots each
// tenant's storage. Several workers may run it: records are idempotent by
// key, reports are claimed and carry Stripe identifiers. Failures are
// logged and retried on the next tick.
//
// It is a ticker in the worker process rather than a Temporal schedule: its
// state is rows in PostgreSQL (claims, attempts, next attempt), every step is
// idempotent, and a lost tick is made up by the next, so a workflow would add
// history and registration without adding durability.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	lastDay := ""
	for {
		if day := s.now().Format("2006-01-02"); day != lastDay {
			if _, err := s.SnapshotStorage(ctx); err != nil {
				s.log().Error("platformbilling: storage snapshot", "err", err)
			} else {
				lastDay = day
			}
		}
		if _, err := s.MeterPlayback(ctx); err != nil {
			s.log().Error("platformbilling: playback metering", "err", err)
		}
		if _, err := s.ReportDue(ctx); err != nil {
			s.log().Error("platformbilling: usage report", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
