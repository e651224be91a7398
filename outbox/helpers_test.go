package outbox_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/testenv"
)

// These tests share the package database, and the relay and the sweep work
// across tenants: they do not run in parallel, and each asserts only on its
// own tenants' rows.

func MustEmit(tb testing.TB, d *db.DB, tenant uuid.UUID, eventType string) outbox.EventID {
	tb.Helper()
	id := uuid.Must(uuid.NewV7())
	err := d.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		return outbox.Emit(context.Background(), tx, tenant, time.Now().UTC(), outbox.Event{ID: id, Type: eventType,
			ObjectType: "thing", ObjectID: "1", Payload: map[string]any{"n": eventType}})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func MustEndpoint(tb testing.TB, s *outbox.Service, tenant uuid.UUID, in outbox.EndpointInput) outbox.Endpoint {
	tb.Helper()
	e, _, err := s.CreateEndpoint(context.Background(), tenant, in)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func MustDeliveries(tb testing.TB, s *outbox.Service, tenant uuid.UUID, endpoint outbox.EndpointID) []outbox.Delivery {
	tb.Helper()
	ds, _, err := s.ListDeliveries(context.Background(), tenant, endpoint, outbox.DeliveryPage{First: 200})
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

// dispatches is a Dispatcher that records what it was asked.
type dispatches struct {
	mu    sync.Mutex
	calls []outbox.EndpointID
	err   error
}

func (d *dispatches) Dispatch(_ context.Context, _ uuid.UUID, endpoint outbox.EndpointID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, endpoint)
	return d.err
}

func (d *dispatches) count(endpoint outbox.EndpointID) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.calls {
		if c == endpoint {
			n++
		}
	}
	return n
}

func newService(tb testing.TB) (*outbox.Service, *dispatches) {
	tb.Helper()
	disp := &dispatches{}
	return &outbox.Service{DB: testenv.DB(tb), Dispatcher: disp}, disp
}

func types(ds []outbox.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.EventType
	}
	slices.Sort(out)
	return out
}

func ptr[T any](v T) *T { return &v }
