package webhooks_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/workflows/webhooks"
)

// queue is a hand-written fake of the activities over an in-memory queue.
// send decides each attempt; by default every attempt succeeds.
type queue struct {
	mu       sync.Mutex
	pending  []webhooks.QueuedDelivery
	paused   bool
	send     func(in webhooks.SendInput, attempt int32) (webhooks.SendResult, error)
	attempts []uuid.UUID
	failed   map[uuid.UUID]string
	backoffs []webhooks.Backoff
}

func newQueue(n int, queuedAt time.Time) *queue {
	q := &queue{failed: map[uuid.UUID]string{}}
	for range n {
		q.pending = append(q.pending, webhooks.QueuedDelivery{ID: uuid.Must(uuid.NewV7()), QueuedAt: queuedAt})
	}
	return q
}

func (q *queue) ids() []uuid.UUID {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]uuid.UUID, len(q.pending))
	for i, d := range q.pending {
		out[i] = d.ID
	}
	return out
}

func (q *queue) Pending(_ context.Context, in webhooks.PendingInput) (webhooks.PendingResult, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.paused {
		return webhooks.PendingResult{}, nil
	}
	return webhooks.PendingResult{Deliveries: slices.Clone(q.pending[:min(in.Limit, len(q.pending))])}, nil
}

func (q *queue) Send(ctx context.Context, in webhooks.SendInput) (webhooks.SendResult, error) {
	q.mu.Lock()
	q.attempts = append(q.attempts, in.Delivery)
	q.backoffs = append(q.backoffs, in.Backoff)
	send := q.send
	q.mu.Unlock()
	res, err := webhooks.SendResult{Outcome: webhooks.OutcomeDelivered}, error(nil)
	if send != nil {
		res, err = send(in, activity.GetInfo(ctx).Attempt)
	}
	if err == nil && res.Outcome != webhooks.OutcomePaused {
		q.remove(in.Delivery)
	}
	return res, err
}

func (q *queue) MarkFailed(_ context.Context, in webhooks.MarkFailedInput) error {
	q.mu.Lock()
	q.failed[in.Delivery] = in.Reason
	q.mu.Unlock()
	q.remove(in.Delivery)
	return nil
}

func (q *queue) remove(id uuid.UUID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = slices.DeleteFunc(q.pending, func(d webhooks.QueuedDelivery) bool { return d.ID == id })
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newEnv(t *testing.T, q *queue) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflowWithOptions(webhooks.Workflow, workflow.RegisterOptions{Name: webhooks.WorkflowName})
	env.RegisterActivityWithOptions(q.Pending, activity.RegisterOptions{Name: webhooks.ActivityPending})
	env.RegisterActivityWithOptions(q.Send, activity.RegisterOptions{Name: webhooks.ActivitySend})
	env.RegisterActivityWithOptions(q.MarkFailed, activity.RegisterOptions{Name: webhooks.ActivityMarkFailed})
	return env
}

var testPolicy = webhooks.Policy{InitialInterval: 100 * time.Millisecond, MaximumInterval: time.Second,
	GiveUpAfter: time.Hour, AttemptTimeout: 10 * time.Second, IdleTimeout: time.Minute}

func input(p webhooks.Policy) webhooks.Input {
	return webhooks.Input{Tenant: uuid.New(), Endpoint: uuid.New(), Policy: p}
}

func mustComplete(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
}

func TestWorkflowDeliversTheQueueInOrderThenIdlesOut(t *testing.T) {
	q := newQueue(3, t0)
	want := q.ids()
	env := newEnv(t, q)
	env.ExecuteWorkflow(webhooks.WorkflowName, input(testPolicy))
	mustComplete(t, env)
	if !slices.Equal(q.attempts, want) || len(q.pending) != 0 || len(q.failed) != 0 {
		t.Fatalf("attempts %v, want %v; left %d, failed %d", q.attempts, want, len(q.pending), len(q.failed))
	}
	if got := env.Now().Sub(t0); got < testPolicy.IdleTimeout {
		t.Fatalf("ended %s after start, before the idle timeout", got)
	}
	if q.backoffs[0] != (webhooks.Backoff{Initial: testPolicy.InitialInterval, Max: testPolicy.MaximumInterval}) {
		t.Fatalf("send got backoff %+v", q.backoffs[0])
	}
	res, err := env.QueryWorkflow(webhooks.QueryStatus)
	var st webhooks.Status
	if err != nil || res.Get(&st) != nil || st.Handled != 3 || st.Current != uuid.Nil {
		t.Fatalf("status %+v, %v", st, err)
	}
}

// While an endpoint fails, its later events wait: the first is retried until
// it goes through, and only then does the second go.
func TestWorkflowRetriesAFailingEndpointAndHoldsTheRest(t *testing.T) {
	q := newQueue(2, t0)
	first, second := q.pending[0].ID, q.pending[1].ID
	q.send = func(in webhooks.SendInput, attempt int32) (webhooks.SendResult, error) {
		if in.Delivery == first && attempt < 4 {
			return webhooks.SendResult{}, errors.New("HTTP 503: down")
		}
		return webhooks.SendResult{Outcome: webhooks.OutcomeDelivered}, nil
	}
	env := newEnv(t, q)
	env.ExecuteWorkflow(webhooks.WorkflowName, input(testPolicy))
	mustComplete(t, env)
	if want := []uuid.UUID{first, first, first, first, second}; !slices.Equal(q.attempts, want) || len(q.failed) != 0 {
		t.Fatalf("attempts %v, want %v (failed %v)", q.attempts, want, q.failed)
	}
}

// A delivery that fails until its give-up time is marked failed, with the
// cause, and the queue moves on.
func TestWorkflowGivesUpAtTheDeadlineAndMovesOn(t *testing.T) {
	q := newQueue(2, t0)
	first, second := q.pending[0].ID, q.pending[1].ID
	q.send = func(in webhooks.SendInput, _ int32) (webhooks.SendResult, error) {
		if in.Delivery == first {
			return webhooks.SendResult{}, errors.New("HTTP 500: broken")
		}
		return webhooks.SendResult{Outcome: webhooks.OutcomeDelivered}, nil
	}
	p := testPolicy
	p.GiveUpAfter, p.AttemptTimeout = time.Second, 500*time.Millisecond
	env := newEnv(t, q)
	env.ExecuteWorkflow(webhooks.WorkflowName, input(p))
	mustComplete(t, env)
	// Attempts at 0, 0.1, 0.3 and 0.7s; the next (1.5s) is past the give-up time.
	want := []uuid.UUID{first, first, first, first, second}
	if !slices.Equal(q.attempts, want) || !strings.Contains(q.failed[first], "HTTP 500: broken") {
		t.Fatalf("attempts %v, want %v; failed %v", q.attempts, want, q.failed)
	}
}

// A delivery already past its give-up time (the endpoint was down for days)
// still gets one attempt before it is marked failed.
func TestWorkflowTriesAnOverdueDeliveryOnce(t *testing.T) {
	q := newQueue(1, t0.Add(-100*time.Hour))
	first := q.pending[0].ID
	q.send = func(webhooks.SendInput, int32) (webhooks.SendResult, error) {
		return webhooks.SendResult{}, errors.New("HTTP 503: down")
	}
	env := newEnv(t, q)
	env.ExecuteWorkflow(webhooks.WorkflowName, input(testPolicy))
	mustComplete(t, env)
	if len(q.attempts) != 1 || q.failed[first] == "" {
		t.Fatalf("attempts %d, failed %v", len(q.attempts), q.failed)
	}
}

func TestWorkflowFailsADeliveryAtOnceOnANonRetryableError(t *testing.T) {
	q := newQueue(2, t0)
	first := q.pending[0].ID
	q.send = func(in webhooks.SendInput, _ int32) (webhooks.SendResult, error) {
		if in.Delivery == first {
			return webhooks.SendResult{}, temporal.NewNonRetryableApplicationError("invalid endpoint URL", "BadURL", nil)
		}
		return webhooks.SendResult{Outcome: webhooks.OutcomeDelivered}, nil
	}
	env := newEnv(t, q)
	env.ExecuteWorkflow(webhooks.WorkflowName, input(testPolicy))
	mustComplete(t, env)
	if len(q.attempts) != 2 || q.failed[first] != "gave up: invalid endpoint URL" {
		t.Fatalf("attempts %d, failed %v", len(q.attempts), q.failed)
	}
}

// A disabled endpoint stops its workflow; its deliveries stay queued for
// when it is enabled again.
func TestWorkflowStopsWhileTheEndpointIsDisabled(t *testing.T) {
	q := newQueue(2, t0)
	q.send = func(webhooks.SendInput, int32) (webhooks.SendResult, error) {
		q.mu.Lock()
		q.paused = true
		q.mu.Unlock()
		return webhooks.SendResult{Outcome: webhooks.OutcomePaused}, nil
	}
	env := newEnv(t, q)
	env.ExecuteWorkflow(webhooks.WorkflowName, input(testPolicy))
	mustComplete(t, env)
	if len(q.attempts) != 1 || len(q.pending) != 2 || len(q.failed) != 0 {
		t.Fatalf("attempts %d, pending %d, failed %d", len(q.attempts), len(q.pending), len(q.failed))
	}
}

// Deleted (or already delivered) deliveries are skipped without a failure.
func TestWorkflowSkipsDeliveriesThatAreGone(t *testing.T) {
	q := newQueue(2, t0)
	q.send = func(webhooks.SendInput, int32) (webhooks.SendResult, error) {
		return webhooks.SendResult{Outcome: webhooks.OutcomeSkipped}, nil
	}
	env := newEnv(t, q)
	env.ExecuteWorkflow(webhooks.WorkflowName, input(testPolicy))
	mustComplete(t, env)
	if len(q.attempts) != 2 || len(q.pending) != 0 || len(q.failed) != 0 {
		t.Fatalf("attempts %d, pending %d, failed %d", len(q.attempts), len(q.pending), len(q.failed))
	}
}

func TestWorkflowContinuesAsNewAfterMaxPerRun(t *testing.T) {
	q := newQueue(5, t0)
	p := testPolicy
	p.MaxPerRun, p.BatchSize = 3, 2
	in := input(p)
	env := newEnv(t, q)
	env.ExecuteWorkflow(webhooks.WorkflowName, in)
	var can *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("got %v, want continue-as-new", env.GetWorkflowError())
	}
	var next webhooks.Input
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if can.WorkflowType.Name != webhooks.WorkflowName || next != in || len(q.attempts) != 3 || len(q.pending) != 2 {
		t.Fatalf("continued as %s with %+v after %d attempts, %d left", can.WorkflowType.Name, next, len(q.attempts), len(q.pending))
	}
}

// A signal while idle makes the workflow read the queue again.
func TestWorkflowWakesOnSignalWhileIdle(t *testing.T) {
	q := newQueue(0, t0)
	env := newEnv(t, q)
	late := uuid.Must(uuid.NewV7())
	env.RegisterDelayedCallback(func() {
		q.mu.Lock()
		q.pending = append(q.pending, webhooks.QueuedDelivery{ID: late, QueuedAt: env.Now()})
		q.mu.Unlock()
		env.SignalWorkflow(webhooks.SignalQueued, nil)
	}, testPolicy.IdleTimeout/2)
	env.ExecuteWorkflow(webhooks.WorkflowName, input(testPolicy))
	mustComplete(t, env)
	if !slices.Equal(q.attempts, []uuid.UUID{late}) {
		t.Fatalf("attempts %v, want the late delivery", q.attempts)
	}
}

func TestWorkflowRefusesInputWithoutTenant(t *testing.T) {
	env := newEnv(t, newQueue(0, t0))
	env.ExecuteWorkflow(webhooks.WorkflowName, webhooks.Input{Endpoint: uuid.New()})
	var app *temporal.ApplicationError
	if !errors.As(env.GetWorkflowError(), &app) || !app.NonRetryable() {
		t.Fatalf("got %v, want a non-retryable error", env.GetWorkflowError())
	}
}
