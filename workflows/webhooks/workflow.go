// Package webhooks sends a tenant's webhook deliveries: one Temporal workflow
// per endpoint takes the endpoint's pending deliveries one at a time in event
// order, and retries a failing endpoint with exponential backoff while its
// later events wait, so order holds and one slow or broken endpoint holds up
// no other. Starter implements outbox.Dispatcher. What to send (and whether)
// is the outbox package's; this package decides only when.
package webhooks

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names registered with Temporal. They are part of recorded histories: a
// rename breaks running workflows.
const (
	WorkflowName       = "webhooks.DeliverEndpoint"
	SignalQueued       = "webhooks.queued" // no payload: "look at the queue again"
	QueryStatus        = "webhooks.status"
	ActivityPending    = "webhooks.Pending"
	ActivitySend       = "webhooks.Send"
	ActivityMarkFailed = "webhooks.MarkFailed"
)

// Input starts (and continues) an endpoint's workflow.
type Input struct {
	Tenant   uuid.UUID
	Endpoint uuid.UUID
	Policy   Policy
}

// Policy tunes delivery; zero fields take the defaults. Tests shorten it.
type Policy struct {
	InitialInterval time.Duration // first retry of a failing endpoint; default 1s, then doubling
	MaximumInterval time.Duration // cap between retries; default 1h
	GiveUpAfter     time.Duration // from when a delivery was queued; default 72h, then it is marked failed
	AttemptTimeout  time.Duration // one attempt, request included; default 30s
	IdleTimeout     time.Duration // an empty queue ends the run after this; default 5m
	BatchSize       int           // deliveries read from the queue at a time; default 100
	MaxPerRun       int           // deliveries before continue-as-new; default 500
}

func (p Policy) withDefaults() Policy {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&p.InitialInterval, time.Second)
	def(&p.MaximumInterval, time.Hour)
	def(&p.GiveUpAfter, 72*time.Hour)
	def(&p.AttemptTimeout, 30*time.Second)
	def(&p.IdleTimeout, 5*time.Minute)
	if p.BatchSize <= 0 {
		p.BatchSize = 100
	}
	if p.MaxPerRun <= 0 {
		p.MaxPerRun = 500
	}
	return p
}

// Status answers QueryStatus.
type Status struct {
	Handled int       // deliveries finished in this run
	Current uuid.UUID // the delivery being sent; zero when idle
}

// Registry is where Register puts the workflow and activities: a worker, or
// the SDK's test environment.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers the workflow and a's activities under their names.
func Register(r Registry, a *Activities) {
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(a.Pending, activity.RegisterOptions{Name: ActivityPending})
	r.RegisterActivityWithOptions(a.Send, activity.RegisterOptions{Name: ActivitySend})
	r.RegisterActivityWithOptions(a.MarkFailed, activity.RegisterOptions{Name: ActivityMarkFailed})
}

// Workflow delivers one endpoint's queue until it stays empty for IdleTimeout,
// the endpoint is disabled or deleted, or MaxPerRun deliveries make it
// continue as new. The queue lives in PostgreSQL, so a signal carries nothing
// and a new run loses nothing.
func Workflow(ctx workflow.Context, in Input) error {
	if in.Tenant == uuid.Nil || in.Endpoint == uuid.Nil {
		return temporal.NewNonRetryableApplicationError("webhooks: input needs a tenant and an endpoint", "BadInput", nil)
	}
	d := &deliverer{in: in, policy: in.Policy.withDefaults(), queued: workflow.GetSignalChannel(ctx, SignalQueued)}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return d.status, nil }); err != nil {
		return err
	}
	return d.run(ctx)
}

type deliverer struct {
	in     Input
	policy Policy
	queued workflow.ReceiveChannel
	status Status
}

func (d *deliverer) run(ctx workflow.Context) error {
	for {
		queue, err := d.pending(ctx)
		if err != nil {
			return err
		}
		if len(queue) == 0 {
			if d.idle(ctx) {
				continue
			}
			return nil
		}
		for _, q := range queue {
			outcome, err := d.send(ctx, q)
			if err != nil {
				return err
			}
			if outcome == OutcomePaused {
				break // disabled: the queue now reads empty, so the run idles out
			}
			d.status.Handled++
			if d.status.Handled >= d.policy.MaxPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
				// Pending signals are dropped with this run; the next one reads the queue first anyway.
				return workflow.NewContinueAsNewError(ctx, WorkflowName, d.in)
			}
		}
		d.drainSignals() // the queue is read again next, which is what they asked for
	}
}

func (d *deliverer) pending(ctx workflow.Context) ([]QueuedDelivery, error) {
	var res PendingResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, bookkeeping),
		ActivityPending, PendingInput{Tenant: d.in.Tenant, Endpoint: d.in.Endpoint, Limit: d.policy.BatchSize}).Get(ctx, &res)
	return res.Deliveries, err
}

// bookkeeping is for the activities that only touch our database: retried
// until it answers, since the queue cannot move without it.
var bookkeeping = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// send delivers one, retrying per the policy until its give-up time. A
// delivery that cannot be sent by then is marked failed and the queue moves
// on: its order guarantee ends where holding the rest back forever would begin.
func (d *deliverer) send(ctx workflow.Context, q QueuedDelivery) (Outcome, error) {
	d.status.Current = q.ID
	defer func() { d.status.Current = uuid.Nil }()
	in := SendInput{Tenant: d.in.Tenant, Delivery: q.ID,
		Backoff: Backoff{Initial: d.policy.InitialInterval, Max: d.policy.MaximumInterval}}
	var res SendResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, d.sendOptions(ctx, q)), ActivitySend, in).Get(ctx, &res)
	if err == nil {
		return res.Outcome, nil
	}
	if temporal.IsCanceledError(err) || ctx.Err() != nil {
		return "", err
	}
	fail := MarkFailedInput{Tenant: d.in.Tenant, Delivery: q.ID, Reason: "gave up: " + cause(err)}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, bookkeeping), ActivityMarkFailed, fail).Get(ctx, nil); err != nil {
		return "", err
	}
	return OutcomeFailed, nil
}

// sendOptions lets attempts run until the delivery's give-up time, and at
// least one attempt however late it is: an endpoint that was down for days
// still gets its backlog tried once each, without retries.
func (d *deliverer) sendOptions(ctx workflow.Context, q QueuedDelivery) workflow.ActivityOptions {
	o := workflow.ActivityOptions{
		StartToCloseTimeout:    d.policy.AttemptTimeout,
		ScheduleToCloseTimeout: q.QueuedAt.Add(d.policy.GiveUpAfter).Sub(workflow.Now(ctx)),
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: d.policy.InitialInterval, BackoffCoefficient: 2,
			MaximumInterval: d.policy.MaximumInterval},
	}
	if o.ScheduleToCloseTimeout <= d.policy.AttemptTimeout {
		o.ScheduleToCloseTimeout = d.policy.AttemptTimeout
		o.RetryPolicy.MaximumAttempts = 1
	}
	return o
}

// idle waits for news of more deliveries and reports whether some came before
// IdleTimeout. A signal that arrives as the run completes makes the server
// refuse the completion and run this again with the signal, so none is lost.
func (d *deliverer) idle(ctx workflow.Context) bool {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	woke := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(d.queued, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); woke = true })
	sel.AddFuture(workflow.NewTimer(tctx, d.policy.IdleTimeout), func(workflow.Future) {})
	sel.Select(ctx)
	return d.drainSignals() || woke
}

func (d *deliverer) drainSignals() bool {
	got := false
	for d.queued.ReceiveAsync(nil) {
		got = true
	}
	return got
}

// cause is the innermost message of an activity error, for the delivery's
// record (the wrapping names event ids and workers, no use to the tenant).
func cause(err error) string {
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return "timed out (" + timeout.TimeoutType().String() + ")"
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}
