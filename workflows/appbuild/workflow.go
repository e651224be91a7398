// Package appbuild runs white-label app builds (package apps) on Temporal,
// on the builds task queue: one workflow per build. A build first waits its
// turn (builds of one workspace's platform run one at a time, oldest first:
// a second build of the same platform stays QUEUED until the first ends),
// then Prepare makes and checks the Spec (bad input fails the build with the
// reason, never retried), Package runs the platform's packager and stores
// the artifact in blob storage in the same activity (artifacts can exceed
// Temporal's payload limit, so no bytes pass through the workflow), and
// Finish records the outcome and the full log. Starter implements
// apps.Pipeline.
package appbuild

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/apps"
)

// Names registered with Temporal; part of recorded histories.
const (
	WorkflowName    = "appbuild.Build"
	ActivityTurn    = "appbuild.Turn"
	ActivityPrepare = "appbuild.Prepare"
	ActivityPackage = "appbuild.Package"
	ActivityFinish  = "appbuild.Finish"
	// ErrInvalid is the ApplicationError type of a build that can never
	// succeed as asked (bad logo, name too long, no packager).
	ErrInvalid = "InvalidBuild"
)

// TaskQueue is where builds run, apart from ingest and light work: a
// build is CPU-bound image work for seconds to minutes.
const TaskQueue = "builds"

// TurnPoll is how often a waiting build asks again whether its turn came
// (a durable timer: a worker restart loses nothing). PollsPerRun bounds a
// run's history: after that many polls the workflow continues as new.
const (
	TurnPoll    = 3 * time.Second
	PollsPerRun = 400
)

// Input names one build.
type Input struct {
	Tenant   uuid.UUID
	Build    uuid.UUID
	Platform apps.Platform
}

// Result is how the build ended.
type Result struct {
	Status apps.BuildStatus
	Error  string
}

// Registry is where Register puts the workflow and activities.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers the workflow and a's activities under their names.
func Register(r Registry, a *Activities) {
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(a.Turn, activity.RegisterOptions{Name: ActivityTurn})
	r.RegisterActivityWithOptions(a.Prepare, activity.RegisterOptions{Name: ActivityPrepare})
	r.RegisterActivityWithOptions(a.Package, activity.RegisterOptions{Name: ActivityPackage})
	r.RegisterActivityWithOptions(a.Finish, activity.RegisterOptions{Name: ActivityFinish})
}

var (
	// Bookkeeping retries for a long while: database outages pass.
	bookkeeping = workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: 30, NonRetryableErrorTypes: []string{ErrInvalid}},
	}
	// Packaging heartbeats (a log line, or every few seconds); a worker that
	// dies is noticed within HeartbeatTimeout and the build runs again.
	packaging = workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: 3, NonRetryableErrorTypes: []string{ErrInvalid}},
	}
)

// Workflow runs one build: its turn, Prepare, Package, Finish. Any failure
// after the turn finishes the build FAILED with the reason.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	book := workflow.WithActivityOptions(ctx, bookkeeping)
	for polls := 0; ; polls++ {
		var turn bool
		if err := workflow.ExecuteActivity(book, ActivityTurn, TurnInput{Tenant: in.Tenant, Build: in.Build}).Get(ctx, &turn); err != nil {
			return fail(ctx, in, err)
		}
		if turn {
			break
		}
		if polls >= PollsPerRun {
			return Result{}, workflow.NewContinueAsNewError(ctx, WorkflowName, in)
		}
		if err := workflow.Sleep(ctx, TurnPoll); err != nil {
			return Result{}, err
		}
	}
	var prep PrepareResult
	if err := workflow.ExecuteActivity(book, ActivityPrepare, PrepareInput{Tenant: in.Tenant, Build: in.Build}).Get(ctx, &prep); err != nil {
		return fail(ctx, in, err)
	}
	if prep.Finished {
		return Result{Status: prep.Status}, nil // an earlier run ended it
	}
	var out apps.Output
	pctx := workflow.WithActivityOptions(ctx, packaging)
	if err := workflow.ExecuteActivity(pctx, ActivityPackage, PackageInput{Tenant: in.Tenant, Build: in.Build}).Get(ctx, &out); err != nil {
		return fail(ctx, in, err)
	}
	var fin FinishResult
	if err := workflow.ExecuteActivity(book, ActivityFinish, FinishInput{Tenant: in.Tenant, Build: in.Build, Output: out}).Get(ctx, &fin); err != nil {
		return Result{}, err
	}
	return Result(fin), nil
}

// fail finishes the build FAILED with the cause's reason: bad input's
// message (it says what to fix), a timeout, else a generic reason (other
// errors' text is internal; the worker's log has it).
func fail(ctx workflow.Context, in Input, cause error) (Result, error) {
	reason := "the build failed; try again"
	var app *temporal.ApplicationError
	if errors.As(cause, &app) && app.Type() == ErrInvalid {
		reason = app.Message() // user-safe: errs' message
	} else if isTimeout(cause) {
		reason = "the build timed out; try again"
	}
	book := workflow.WithActivityOptions(ctx, bookkeeping)
	var fin FinishResult
	if err := workflow.ExecuteActivity(book, ActivityFinish, FinishInput{Tenant: in.Tenant, Build: in.Build, Error: reason}).Get(ctx, &fin); err != nil {
		return Result{}, err
	}
	return Result(fin), nil
}

func isTimeout(err error) bool {
	var t *temporal.TimeoutError
	return errors.As(err, &t)
}
