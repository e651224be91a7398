package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/outbox/internal/outboxsql"
)

// Dispatcher hands an endpoint's pending deliveries to whatever sends them
// (workflows/webhooks implements it with a Temporal workflow per endpoint).
// It must be cheap and safe to call again for an endpoint already being
// served: the relay calls it after every fan-out and on every sweep.
type Dispatcher interface {
	Dispatch(ctx context.Context, tenant uuid.UUID, endpoint EndpointID) error
}

// Relay turns committed outbox events into deliveries: it fans each event out
// to the tenant's enabled endpoints that want its type, then dispatches each
// endpoint that got one. It wakes on NOTIFY from the outbox_events trigger and
// polls as a fallback; periodically it sweeps for endpoints whose next
// delivery is overdue (a dispatch that failed, a worker that died) and
// dispatches them again. Several relays may run: each tenant is relayed by one
// at a time, which keeps its deliveries in event order.
type Relay struct {
	DB         *db.DB
	Dispatcher Dispatcher
	Log        *slog.Logger
	Poll       time.Duration // fallback poll; default 1s
	SweepEvery time.Duration // default 30s
	// StallAfter is how overdue an endpoint's next delivery must be before a
	// sweep dispatches it again; default 2m. Shorter only adds needless signals.
	StallAfter time.Duration
	Batch      int // events per tenant per pass; default 500
	Now        func() time.Time
	// Consumers handle events inside the platform, by type (upload.completed
	// starts an automatic ingest, asset.deleted a purge). See Consumer.
	Consumers map[string]Consumer
}

// Consumer handles an event type inside the platform, at least once: the
// relay calls it for each event of its type while it fans the event out,
// before the event is marked dispatched, so an event is consumed again when
// the fan-out does not commit (a crash, a failure). Consume must therefore be
// idempotent, and return an error only for a failure worth retrying (an
// outage): the tenant's whole batch, webhooks included, waits for it. A
// permanent problem (the object is gone) is the consumer's to log and skip.
// The event's Payload is its JSON (json.RawMessage).
type Consumer interface {
	Consume(ctx context.Context, tenant uuid.UUID, e Event) error
}

// ConsumerFunc is a function as a Consumer.
type ConsumerFunc func(ctx context.Context, tenant uuid.UUID, e Event) error

// Consume calls f.
func (f ConsumerFunc) Consume(ctx context.Context, tenant uuid.UUID, e Event) error {
	return f(ctx, tenant, e)
}

const (
	relayTenantsPerPass = 100
	relayPassesPerWake  = 50 // then poll the clock and the sweep again
	dispatchTimeout     = 10 * time.Second
	notifyChannel       = "outbox_events"
)

// Run relays until ctx ends, then returns nil once its listener has stopped.
// Failures are logged and retried, never returned: the outbox is durable, so
// the next pass picks up whatever this one could not.
func (r *Relay) Run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.listen(ctx, wake) }()
	defer wg.Wait()
	poll := time.NewTicker(orDefault(r.Poll, time.Second))
	defer poll.Stop()
	sweep := time.NewTicker(orDefault(r.SweepEvery, 30*time.Second))
	defer sweep.Stop()
	r.sweep(ctx) // resume what a previous worker left behind
	for {
		r.drain(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-poll.C:
		case <-sweep.C:
			r.sweep(ctx)
		}
	}
}

func (r *Relay) drain(ctx context.Context) {
	for range relayPassesPerWake {
		n, err := r.RelayOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log().Warn("outbox relay pass failed", "err", err)
		}
		if n == 0 || err != nil {
			return
		}
	}
}

func (r *Relay) sweep(ctx context.Context) {
	if _, err := r.Sweep(ctx); err != nil && ctx.Err() == nil {
		r.log().Warn("outbox sweep failed", "err", err)
	}
}

// RelayOnce fans out one batch of waiting events for each tenant that has
// some, dispatches the endpoints that got deliveries, and returns how many
// events it fanned out. A tenant that fails is logged and left for the next
// pass; the others go on.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	var tenants []uuid.UUID
	err := r.DB.System(ctx, func(tx db.Tx) error {
		var err error
		tenants, err = outboxsql.New(tx).UndispatchedTenants(ctx, relayTenantsPerPass)
		return err
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, t := range tenants {
		n, endpoints, err := r.fanOut(ctx, t)
		if err != nil {
			r.log().Warn("outbox fan-out failed", "tenant", t, "err", err)
			continue
		}
		total += n
		for _, e := range endpoints {
			r.dispatch(ctx, t, e)
		}
	}
	return total, nil
}

// fanOut turns one batch of a tenant's waiting events into deliveries and
// marks them dispatched, in one transaction: an event is fanned out exactly
// once, and its deliveries exist before anyone is told about them.
func (r *Relay) fanOut(ctx context.Context, tenant uuid.UUID) (int, []EndpointID, error) {
	var n int
	var endpoints []EndpointID
	err := r.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := outboxsql.New(tx)
		if locked, err := q.TryLockTenantRelay(ctx, tenant.String()); err != nil || !locked {
			return err // another relay is on this tenant
		}
		events, err := q.UndispatchedEvents(ctx, outboxsql.UndispatchedEventsParams{TenantID: tenant, Limit: int32(orDefault(r.Batch, 500))})
		if err != nil || len(events) == 0 {
			return err
		}
		if err := r.consume(ctx, tenant, events); err != nil {
			return err
		}
		rows, err := q.EnabledEndpoints(ctx, tenant)
		if err != nil {
			return err
		}
		now := r.now()
		if endpoints, err = insertDeliveries(ctx, q, tenant, now, events, rows); err != nil {
			return err
		}
		ids := make([]uuid.UUID, len(events))
		for i, e := range events {
			ids[i] = e.ID
		}
		n = len(events)
		return q.MarkDispatched(ctx, outboxsql.MarkDispatchedParams{TenantID: tenant, Ids: ids, Now: now})
	})
	return n, endpoints, err
}

// consume hands each event to its type's consumer, in order; the first
// failure stops the batch, which is retried on the next pass.
func (r *Relay) consume(ctx context.Context, tenant uuid.UUID, events []outboxsql.UndispatchedEventsRow) error {
	if len(r.Consumers) == 0 {
		return nil
	}
	for _, ev := range events {
		c := r.Consumers[ev.Type]
		if c == nil {
			continue
		}
		e := Event{ID: ev.ID, Type: ev.Type, ObjectType: ev.ObjectType, ObjectID: ev.ObjectID,
			Payload: json.RawMessage(ev.Payload), CreatedAt: ev.CreatedAt}
		if err := c.Consume(ctx, tenant, e); err != nil {
			return fmt.Errorf("outbox: consuming %s %s: %w", ev.Type, ev.ID, err)
		}
	}
	return nil
}

// insertDeliveries creates a delivery for each (event, endpoint that wants
// it) pair and returns the endpoints that got one, each once.
func insertDeliveries(ctx context.Context, q *outboxsql.Queries, tenant uuid.UUID, now time.Time,
	events []outboxsql.UndispatchedEventsRow, rows []outboxsql.WebhookEndpoint) ([]EndpointID, error) {
	p := outboxsql.InsertDeliveriesParams{TenantID: tenant, Now: now}
	for _, ev := range events {
		for _, row := range rows {
			if endpointFromRow(row).Wants(ev.Type) {
				p.Ids = append(p.Ids, uuid.Must(uuid.NewV7()))
				p.EndpointIds = append(p.EndpointIds, row.ID)
				p.EventIds = append(p.EventIds, ev.ID)
				p.EventSeqs = append(p.EventSeqs, ev.Seq.Int64)
			}
		}
	}
	if len(p.Ids) == 0 {
		return nil, nil
	}
	got, err := q.InsertDeliveries(ctx, p)
	if err != nil {
		return nil, err
	}
	seen := map[EndpointID]bool{}
	var out []EndpointID
	for _, id := range got {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// Sweep dispatches again every enabled endpoint whose next delivery is more
// than StallAfter overdue, and returns how many it dispatched.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	var stalled []outboxsql.StalledEndpointsRow
	err := r.DB.System(ctx, func(tx db.Tx) error {
		var err error
		stalled, err = outboxsql.New(tx).StalledEndpoints(ctx, outboxsql.StalledEndpointsParams{
			Before: r.now().Add(-orDefault(r.StallAfter, 2*time.Minute)), MaxEndpoints: 1000})
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, s := range stalled {
		r.dispatch(ctx, s.TenantID, s.EndpointID)
	}
	return len(stalled), nil
}

// dispatch is bounded and only logged on failure: the deliveries are
// committed, and the sweep dispatches an endpoint again once it is overdue.
func (r *Relay) dispatch(ctx context.Context, tenant uuid.UUID, endpoint EndpointID) {
	dctx, cancel := context.WithTimeout(ctx, dispatchTimeout)
	defer cancel()
	if err := r.Dispatcher.Dispatch(dctx, tenant, endpoint); err != nil && ctx.Err() == nil {
		r.log().Warn("webhook dispatch failed; the sweep retries it", "tenant", tenant, "endpoint", endpoint, "err", err)
	}
}

// listen wakes the loop on every NOTIFY, and after every (re)connection since
// events may have committed before LISTEN took effect; while it is down the
// loop still polls.
func (r *Relay) listen(ctx context.Context, wake chan<- struct{}) {
	poke := func() {
		select {
		case wake <- struct{}{}:
		default: // a wake-up is already pending; one pass serves both
		}
	}
	r.DB.Listen(ctx, notifyChannel, r.log(), poke, func(string) { poke() })
}

func (r *Relay) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (r *Relay) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
