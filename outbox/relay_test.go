package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/testenv"
)

func TestRelayFansOutEachEventToTheEndpointsThatWantIt(t *testing.T) {
	s, disp := newService(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, s.DB)
	all := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/all"})
	staff := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/staff", EventTypes: []string{"staff.*"}})
	exact := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/exact", EventTypes: []string{"tenant.updated"}})
	off := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/off", Enabled: ptr(false)})
	for _, typ := range []string{"staff.invited", "tenant.updated", "staff.joined", "api_key.created"} {
		MustEmit(t, s.DB, tenant, typ)
	}
	relay := &outbox.Relay{DB: s.DB, Dispatcher: disp}
	if n, err := relay.RelayOnce(ctx); err != nil || n < 4 {
		t.Fatalf("relayed %d, %v", n, err)
	}
	want := map[outbox.EndpointID][]string{
		all.ID:   {"api_key.created", "staff.invited", "staff.joined", "tenant.updated"},
		staff.ID: {"staff.invited", "staff.joined"},
		exact.ID: {"tenant.updated"},
		off.ID:   {},
	}
	for id, w := range want {
		if got := types(MustDeliveries(t, s, tenant, id)); !slices.Equal(got, w) {
			t.Errorf("endpoint %s got %v, want %v", id, got, w)
		}
	}
	for id, w := range map[outbox.EndpointID]int{all.ID: 1, staff.ID: 1, exact.ID: 1, off.ID: 0} {
		if got := disp.count(id); got != w {
			t.Errorf("endpoint %s dispatched %d times, want %d", id, got, w)
		}
	}
	MustEmit(t, s.DB, tenant, "tenant.updated") // only new events are fanned out next time
	if _, err := relay.RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(MustDeliveries(t, s, tenant, all.ID)); got != 5 {
		t.Fatalf("after a second pass the catch-all has %d deliveries, want 5", got)
	}
}

func TestQueueIsInEventOrderAndAttemptsAreRecorded(t *testing.T) {
	s, disp := newService(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, s.DB)
	e, secret, err := s.CreateEndpoint(ctx, tenant, outbox.EndpointInput{URL: "https://example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	first, second := MustEmit(t, s.DB, tenant, "staff.invited"), MustEmit(t, s.DB, tenant, "staff.joined")
	if _, err := (&outbox.Relay{DB: s.DB, Dispatcher: disp}).RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	queue, err := s.PendingDeliveries(ctx, tenant, e.ID, 10)
	if err != nil || len(queue) != 2 || queue[0].Seq >= queue[1].Seq {
		t.Fatalf("queue %+v, %v", queue, err)
	}

	at := time.Now().UTC()
	out, err := s.Outbound(ctx, tenant, queue[0].ID, at)
	if err != nil || !out.Pending || !out.Enabled || out.EventID != first || out.URL != "https://example.com/" {
		t.Fatalf("outbound %+v, %v", out, err)
	}
	var body struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		CreatedAt time.Time       `json:"created_at"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(out.Body, &body); err != nil || body.ID != first.String() || body.Type != "staff.invited" ||
		string(body.Data) != `{"n":"staff.invited"}` || body.CreatedAt.IsZero() {
		t.Fatalf("body %s (%v)", out.Body, err)
	}
	if err := outbox.VerifySignature(secret, out.Signature, out.Body, at, time.Minute); err != nil {
		t.Fatalf("signature: %v", err)
	}

	next := at.Add(time.Minute)
	if err := s.RecordAttempt(ctx, tenant, queue[0].ID, outbox.Attempt{At: at, Error: "HTTP 503: down\x00\xff", NextAttemptAt: next}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, tenant, queue[0].ID, outbox.Attempt{At: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, tenant, queue[1].ID, "gave up: timed out"); err != nil {
		t.Fatal(err)
	}
	ds := MustDeliveries(t, s, tenant, e.ID)
	byEvent := map[outbox.EventID]outbox.Delivery{ds[0].EventID: ds[0], ds[1].EventID: ds[1]}
	if d := byEvent[first]; d.Status != outbox.DeliveryDelivered || d.Attempts != 2 || d.DeliveredAt == nil || d.LastError != "" || d.NextAttemptAt != nil {
		t.Errorf("first delivery %+v", d)
	}
	if d := byEvent[second]; d.Status != outbox.DeliveryFailed || d.LastError != "gave up: timed out" {
		t.Errorf("second delivery %+v", d)
	}
	if out, err := s.Outbound(ctx, tenant, queue[0].ID, at); err != nil || out.Pending {
		t.Errorf("a delivered delivery is still pending to the sender: %+v, %v", out, err)
	}
}

func TestReplayQueuesAgainAndDispatches(t *testing.T) {
	s, disp := newService(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, s.DB)
	e := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/", EventTypes: []string{"staff.*"}})
	invited := MustEmit(t, s.DB, tenant, "staff.invited")
	filtered := MustEmit(t, s.DB, tenant, "tenant.updated")
	if _, err := (&outbox.Relay{DB: s.DB, Dispatcher: disp}).RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	d := MustDeliveries(t, s, tenant, e.ID)[0]
	if err := s.RecordAttempt(ctx, tenant, d.ID, outbox.Attempt{At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	dispatched := disp.count(e.ID)

	again, err := s.ReplayEvent(ctx, tenant, e.ID, invited)
	if err != nil || again.ID != d.ID || again.Status != outbox.DeliveryPending || again.DeliveredAt != nil || again.Attempts != 1 {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	never, err := s.ReplayEvent(ctx, tenant, e.ID, filtered) // the filter left it out: replay sends it anyway
	if err != nil || never.EventType != "tenant.updated" || never.Status != outbox.DeliveryPending {
		t.Fatalf("replay of a filtered event: %+v, %v", never, err)
	}
	if got := disp.count(e.ID); got != dispatched+2 {
		t.Fatalf("dispatched %d times after two replays, want %d", got, dispatched+2)
	}
	for _, q := range MustDeliveries(t, s, tenant, e.ID) {
		if err := s.RecordAttempt(ctx, tenant, q.ID, outbox.Attempt{At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.ReplaySince(ctx, tenant, e.ID, d.CreatedAt.Add(-time.Hour)); err != nil || n != 2 {
		t.Fatalf("replay since: %d, %v", n, err)
	}
	if n, err := s.ReplaySince(ctx, tenant, e.ID, time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("replay since the future: %d, %v", n, err)
	}
	if _, err := s.ReplayEvent(ctx, tenant, e.ID, uuid.New()); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("replay of no event: %v, want NOT_FOUND", err)
	}
	if _, err := s.UpdateEndpoint(ctx, tenant, e.ID, outbox.EndpointUpdate{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplayEvent(ctx, tenant, e.ID, invited); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("replay to a disabled endpoint: %v, want CONFLICT", err)
	}
}

func TestReEnablingAnEndpointResumesItsQueue(t *testing.T) {
	s, disp := newService(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, s.DB)
	e := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/"})
	MustEmit(t, s.DB, tenant, "staff.invited")
	if _, err := (&outbox.Relay{DB: s.DB, Dispatcher: disp}).RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateEndpoint(ctx, tenant, e.ID, outbox.EndpointUpdate{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if q, _ := s.PendingDeliveries(ctx, tenant, e.ID, 10); len(q) != 0 {
		t.Fatalf("a disabled endpoint's queue reads %d", len(q))
	}
	before := disp.count(e.ID)
	if _, err := s.UpdateEndpoint(ctx, tenant, e.ID, outbox.EndpointUpdate{Enabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if q, _ := s.PendingDeliveries(ctx, tenant, e.ID, 10); len(q) != 1 || disp.count(e.ID) != before+1 {
		t.Fatalf("re-enabled: queue %d, dispatches %d (was %d)", len(q), disp.count(e.ID), before)
	}
}

func TestDeliveriesArePagedNewestFirst(t *testing.T) {
	s, disp := newService(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, s.DB)
	e := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/"})
	for range 5 {
		MustEmit(t, s.DB, tenant, "staff.invited")
	}
	if _, err := (&outbox.Relay{DB: s.DB, Dispatcher: disp}).RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var seen []outbox.DeliveryID
	page := outbox.DeliveryPage{First: 2}
	for {
		ds, more, err := s.ListDeliveries(ctx, tenant, e.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			seen = append(seen, d.ID)
		}
		if !more {
			break
		}
		page.After = ds[len(ds)-1].Cursor()
	}
	all := MustDeliveries(t, s, tenant, e.ID)
	if len(seen) != 5 || len(all) != 5 || !slices.IsSortedFunc(all, func(a, b outbox.Delivery) int { return bytes.Compare(b.ID[:], a.ID[:]) }) {
		t.Fatalf("paged %d, listed %d (newest first: %v)", len(seen), len(all), all)
	}
	for i := range all {
		if seen[i] != all[i].ID {
			t.Fatalf("page order differs at %d", i)
		}
	}
	if _, _, err := s.ListDeliveries(ctx, tenant, e.ID, outbox.DeliveryPage{After: "nope"}); errs.FieldOf(err) != "after" {
		t.Fatalf("bad cursor: %v", err)
	}
	if _, _, err := s.ListDeliveries(ctx, tenant, e.ID, outbox.DeliveryPage{First: 201}); errs.FieldOf(err) != "first" {
		t.Fatalf("page too large: %v", err)
	}
}

// A delivery nobody is sending (its dispatch failed) is handed over again by
// the sweep once overdue; a disabled endpoint's is not.
func TestSweepDispatchesStalledEndpointsAgain(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, s.DB)
	stalled := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/a"})
	paused := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/b"})
	MustEmit(t, s.DB, tenant, "staff.invited")
	failing := &dispatches{err: errs.Unavailable(nil, "temporal down")}
	if _, err := (&outbox.Relay{DB: s.DB, Dispatcher: failing}).RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateEndpoint(ctx, tenant, paused.ID, outbox.EndpointUpdate{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	disp := &dispatches{}
	now := &outbox.Relay{DB: s.DB, Dispatcher: disp, StallAfter: time.Minute}
	if _, err := now.Sweep(ctx); err != nil || disp.count(stalled.ID) != 0 {
		t.Fatalf("swept a fresh delivery: %d, %v", disp.count(stalled.ID), err)
	}
	later := &outbox.Relay{DB: s.DB, Dispatcher: disp, StallAfter: time.Minute, Now: func() time.Time { return time.Now().Add(2 * time.Minute) }}
	if _, err := later.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if disp.count(stalled.ID) != 1 || disp.count(paused.ID) != 0 {
		t.Fatalf("sweep dispatched stalled %d, paused %d times", disp.count(stalled.ID), disp.count(paused.ID))
	}
}

// The relay wakes on the outbox trigger's NOTIFY, not only on its poll.
func TestRelayWakesOnNotify(t *testing.T) {
	s, disp := newService(t)
	tenant := testenv.MustTenant(t, s.DB)
	e := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	relay := &outbox.Relay{DB: s.DB, Dispatcher: disp, Poll: time.Hour, SweepEvery: time.Hour}
	go func() { done <- relay.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitFor(t, 10*time.Second, "the relay listening", func() bool { return listening(t, s) })
	// Twice: the first could still meet the pass the relay makes right after
	// LISTEN; the second can only be found through NOTIFY (the poll is an hour).
	for i := 1; i <= 2; i++ {
		MustEmit(t, s.DB, tenant, "staff.invited")
		waitFor(t, 10*time.Second, "a dispatch after NOTIFY", func() bool { return disp.count(e.ID) == i })
	}
}

func listening(t *testing.T, s *outbox.Service) bool {
	var n int
	err := s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN outbox_events'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %s for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A consumer gets each event of its type with its payload while the relay
// fans it out; a consumer that fails holds the batch (webhooks included),
// which the next pass retries, so an event is consumed at least once and
// never lost.
func TestRelayHandsEventsToConsumersAtLeastOnce(t *testing.T) {
	s, disp := newService(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, s.DB)
	hook := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/all"})
	id := MustEmit(t, s.DB, tenant, "upload.completed")
	MustEmit(t, s.DB, tenant, "tenant.updated")
	var got []outbox.Event
	fail := true
	relay := &outbox.Relay{DB: s.DB, Dispatcher: disp, Consumers: map[string]outbox.Consumer{
		"upload.completed": outbox.ConsumerFunc(func(_ context.Context, tn uuid.UUID, e outbox.Event) error {
			if tn != tenant {
				t.Errorf("consumed for tenant %s", tn)
			}
			got = append(got, e)
			if fail {
				return errs.Unavailable(nil, "down")
			}
			return nil
		}),
	}}
	if n, _ := relay.RelayOnce(ctx); n != 0 {
		t.Fatalf("a failing consumer let %d events through", n)
	}
	if len(MustDeliveries(t, s, tenant, hook.ID)) != 0 {
		t.Fatal("webhooks went out while the consumer failed")
	}
	fail = false
	if n, err := relay.RelayOnce(ctx); err != nil || n != 2 {
		t.Fatalf("relayed %d, %v", n, err)
	}
	if len(got) != 2 || got[1].ID != id || got[1].Type != "upload.completed" {
		t.Fatalf("consumed %+v", got)
	}
	if _, ok := got[1].Payload.(json.RawMessage); !ok {
		t.Fatalf("payload %T, want json.RawMessage", got[1].Payload)
	}
	if n, _ := relay.RelayOnce(ctx); n != 0 || len(got) != 2 {
		t.Fatalf("a relayed event was consumed again (%d events, %d consumed)", n, len(got))
	}
	if len(MustDeliveries(t, s, tenant, hook.ID)) != 2 {
		t.Fatal("webhooks missing after the consumer recovered")
	}
}
