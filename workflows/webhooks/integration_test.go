package webhooks_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/workflows/webhooks"
)

var update = flag.Bool("update", false, "record testdata/histories from this run on the dev server")

// Short backoffs and idling, long attempt timeouts: a test endpoint that is
// made to wait must not time out.
var devServerPolicy = webhooks.Policy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 200 * time.Millisecond,
	GiveUpAfter: time.Hour, AttemptTimeout: 30 * time.Second, IdleTimeout: time.Second}

// The whole path on the real services: events emitted in tenant transactions,
// the relay, the Temporal dev server, a worker with the real activities, and
// HTTP receivers. One worker and one relay serve every scenario: the relay
// works across tenants, so two would hand each other's endpoints around.
func TestDeliveryOnTheDevServer(t *testing.T) {
	h := startHarness(t)
	t.Run("a down endpoint gets every event once it is back, in order, signed", h.downEndpointRecovers)
	t.Run("a slow endpoint does not hold up a fast one", h.slowEndpointHoldsUpNoOther)
	t.Run("the event type filter holds and a replay delivers", h.filterAndReplay)
}

type harness struct {
	db       *db.DB
	svc      *outbox.Service
	temporal client.Client
}

func startHarness(t *testing.T) *harness {
	t.Helper()
	d := testenv.DB(t)
	quiet := log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	c, err := client.Dial(client.Options{HostPort: testenv.Temporal(t), Namespace: "default", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	queue := "webhooks-test-" + uuid.NewString() // no other package's worker takes our tasks
	starter := &webhooks.Starter{Client: c, TaskQueue: queue, Policy: devServerPolicy}
	h := &harness{db: d, svc: &outbox.Service{DB: d, Dispatcher: starter}, temporal: c}
	w := worker.New(c, queue, worker.Options{})
	webhooks.Register(w, &webhooks.Activities{Webhooks: h.svc, HTTP: webhooks.NewHTTPClient(20*time.Second, true)})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&outbox.Relay{DB: d, Dispatcher: starter, Poll: 200 * time.Millisecond}).Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func (h *harness) downEndpointRecovers(t *testing.T) {
	t.Parallel()
	tenant := testenv.MustTenant(t, h.db)
	rec := newReceiver(t, func(n int) int {
		if n <= 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	e, secret := h.endpoint(t, tenant, rec.URL, nil)
	events := emit(t, h.db, tenant, "staff.invited", "staff.joined", "staff.role_changed", "staff.removed", "tenant.updated")

	got := rec.waitOK(t, len(events))
	if ids := eventIDs(got); !slices.Equal(ids, events) {
		t.Fatalf("delivered %v, want %v in order", ids, events)
	}
	all := rec.all()
	for i, r := range all {
		if err := outbox.VerifySignature(secret, r.Signature, r.Body, time.Now(), 5*time.Minute); err != nil || r.HeaderID != r.ID {
			t.Errorf("request %d: signature %v, Marquee-Event-Id %s for event %s", i, err, r.HeaderID, r.ID)
		}
		if i < 3 && r.ID != events[0] {
			t.Errorf("request %d went to %s while the first event was still failing", i, r.ID)
		}
	}

	id := webhooks.WorkflowID(tenant, e.ID)
	run := h.waitForEnd(t, id)
	if n := len(rec.ok()); n != len(events) || len(all) != len(events)+3 {
		t.Fatalf("%d requests, %d accepted; want each event accepted once", len(all), n)
	}
	ds := mustDeliveries(t, h.svc, tenant, e.ID)
	for _, d := range ds {
		want := 1
		if d.EventID == events[0] {
			want = 4
		}
		if d.Status != outbox.DeliveryDelivered || d.Attempts != want || d.DeliveredAt == nil || d.LastError != "" {
			t.Errorf("delivery of %s: %+v, want delivered after %d attempts", d.EventType, d, want)
		}
	}
	h.recordHistory(t, id, run, "down_endpoint_recovers.json")
}

func (h *harness) slowEndpointHoldsUpNoOther(t *testing.T) {
	t.Parallel()
	tenant := testenv.MustTenant(t, h.db)
	release := make(chan struct{})
	slow := newReceiver(t, alwaysOK)
	slow.wait = release
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // before the server's Close, which waits for handlers
	fast := newReceiver(t, alwaysOK)
	h.endpoint(t, tenant, slow.URL, nil)
	h.endpoint(t, tenant, fast.URL, nil)
	events := emit(t, h.db, tenant, "staff.invited", "staff.joined", "staff.removed")

	if got := eventIDs(fast.waitOK(t, len(events))); !slices.Equal(got, events) {
		t.Fatalf("fast endpoint got %v, want %v", got, events)
	}
	if n, answered := len(slow.all()), len(slow.ok()); n > 1 || answered != 0 {
		t.Fatalf("slow endpoint: %d requests, %d answered while the fast one finished; want it stuck on the first", n, answered)
	}
	once.Do(func() { close(release) })
	if got := eventIDs(slow.waitOK(t, len(events))); !slices.Equal(got, events) {
		t.Fatalf("slow endpoint got %v, want %v", got, events)
	}
}

func (h *harness) filterAndReplay(t *testing.T) {
	t.Parallel()
	tenant := testenv.MustTenant(t, h.db)
	rec := newReceiver(t, alwaysOK)
	e, _ := h.endpoint(t, tenant, rec.URL, []string{"staff.*"})
	// staff.removed comes last: delivery is in order, so once it arrives,
	// tenant.updated would already have, had the filter let it through.
	events := emit(t, h.db, tenant, "staff.invited", "tenant.updated", "staff.joined", "staff.removed")
	if got := eventTypes(rec.waitOK(t, 3)); !slices.Equal(got, []string{"staff.invited", "staff.joined", "staff.removed"}) {
		t.Fatalf("received %v", got)
	}
	if _, err := h.svc.ReplayEvent(context.Background(), tenant, e.ID, events[1]); err != nil {
		t.Fatal(err)
	}
	got := rec.waitOK(t, 4)
	if last := got[3]; last.ID != events[1] || last.Type != "tenant.updated" {
		t.Fatalf("replay delivered %s %s", last.Type, last.ID)
	}
}

func (h *harness) endpoint(t *testing.T, tenant uuid.UUID, url string, types []string) (outbox.Endpoint, string) {
	t.Helper()
	e, secret, err := h.svc.CreateEndpoint(context.Background(), tenant, outbox.EndpointInput{URL: url, EventTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	return e, secret
}

// waitForEnd waits for the endpoint's workflow to idle out and returns its run id.
func (h *harness) waitForEnd(t *testing.T, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := h.temporal.GetWorkflow(ctx, id, "")
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("workflow %s: %v", id, err)
	}
	return run.GetRunID()
}

// recordHistory replays the run's history against the current code, and with
// -update keeps it in testdata/histories for the replay test.
func (h *harness) recordHistory(t *testing.T, id, runID, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hist := &historypb.History{}
	iter := h.temporal.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(webhooks.Workflow, workflow.RegisterOptions{Name: webhooks.WorkflowName})
	if err := r.ReplayWorkflowHistory(nil, hist); err != nil {
		t.Fatalf("the run's own history does not replay: %v", err)
	}
	if !*update {
		return
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "histories", name), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// receiver is a webhook endpoint that records every request and answers
// with status(n) for the nth, after wait closes if wait is set.
type receiver struct {
	*httptest.Server
	status func(n int) int
	wait   chan struct{}
	mu     sync.Mutex
	got    []request
}

type request struct {
	ID        uuid.UUID `json:"id"`
	Type      string    `json:"type"`
	HeaderID  uuid.UUID `json:"-"`
	Signature string    `json:"-"`
	Body      []byte    `json:"-"`
	Status    int       `json:"-"` // 0 while unanswered
}

func alwaysOK(int) int { return http.StatusOK }

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	var got request
	got.Body, _ = io.ReadAll(req.Body)
	_ = json.Unmarshal(got.Body, &got)
	got.HeaderID, _ = uuid.Parse(req.Header.Get(outbox.EventIDHeader))
	got.Signature = req.Header.Get(outbox.SignatureHeader)
	r.mu.Lock()
	r.got = append(r.got, got)
	n := len(r.got)
	r.mu.Unlock()
	if r.wait != nil {
		select {
		case <-r.wait:
		case <-req.Context().Done():
			return
		}
	}
	status := r.status(n)
	r.mu.Lock()
	r.got[n-1].Status = status
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) all() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) ok() []request {
	return slices.DeleteFunc(r.all(), func(q request) bool { return q.Status != http.StatusOK })
}

// waitOK waits until n requests were answered 200 and returns them in order.
func (r *receiver) waitOK(t *testing.T, n int) []request {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got := r.ok(); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s %d of %d events accepted (%d requests)", len(r.ok()), n, len(r.all()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func eventIDs(rs []request) []uuid.UUID {
	out := make([]uuid.UUID, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func eventTypes(rs []request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Type
	}
	return out
}

// emit writes one event per type, each in its own transaction as domain code
// would, and returns their ids in order.
func emit(t *testing.T, d *db.DB, tenant uuid.UUID, types ...string) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	for i, typ := range types {
		id := uuid.Must(uuid.NewV7())
		err := d.InTenant(context.Background(), tenant, func(tx db.Tx) error {
			return outbox.Emit(context.Background(), tx, tenant, time.Now().UTC(), outbox.Event{ID: id, Type: typ,
				ObjectType: "staff", ObjectID: "s1", Payload: map[string]any{"n": i}})
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func mustDeliveries(t *testing.T, s *outbox.Service, tenant uuid.UUID, endpoint uuid.UUID) []outbox.Delivery {
	t.Helper()
	ds, _, err := s.ListDeliveries(context.Background(), tenant, endpoint, outbox.DeliveryPage{First: 200})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}
