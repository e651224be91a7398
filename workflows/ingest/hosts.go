package ingest

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Host queues. An ingest's job folder (the source, the transcode, the
// package) is on the local disk of the worker that downloaded the source, so
// every activity that reads or writes it must run on that machine. Probe runs
// on the shared queue, downloads the source and returns the queue of its own
// host (Activities.HostQueue; every worker also listens on it); the
// activities after it are sent to that queue. A host that dies takes its
// queue's pollers with it: a task on that queue then waits without being
// started, its ScheduleToStart timeout fires (Temporal does not retry that
// timeout), and the workflow starts again from the download on whichever
// host takes Probe from the shared queue. This is the pattern of
// temporalio/samples-go fileprocessing.

// Defaults of Input's fan-out and host settings.
const (
	// DefaultHostTimeout is how long a task may wait on a host's queue
	// before the host counts as lost: long enough for a worker to restart
	// on the same machine (which then resumes the job from its folder).
	DefaultHostTimeout = 5 * time.Minute
	// maxHostAttempts bounds the restarts on another host.
	maxHostAttempts = 3
)

// hostRoute sends activities to the queue of the host holding the job
// folder. Its zero value (a worker without a host queue, as in a single
// worker set-up and the unit tests) sends them to the workflow's own queue.
type hostRoute struct {
	queue string
	wait  time.Duration
}

func newHostRoute(ctx workflow.Context, queue string, in Input) hostRoute {
	wait := in.HostTimeout
	if wait <= 0 {
		wait = DefaultHostTimeout
	}
	if last, ok := ctx.Value(lastHostKey{}).(*string); ok {
		*last = queue
	}
	return hostRoute{queue: queue, wait: wait}
}

// lastHostKey holds, in the workflow context, where ingest records the host
// queue of its job folder.
type lastHostKey struct{}

// ActivityCleanup removes an asset's job folder on its host after a failure
// (MarkFailed runs on the shared queue, on any machine).
const ActivityCleanup = "ingest.Cleanup"

// CleanupInput is ActivityCleanup's.
type CleanupInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
}

// Cleanup removes the asset's job folder on this machine.
func (a *Activities) Cleanup(_ context.Context, in CleanupInput) error {
	return a.cleanup(in.Tenant, in.AssetID)
}

// cleanupOnHost removes a failed ingest's job folder on the machine that
// holds it, best effort: a machine that is gone has no folder to clean.
func cleanupOnHost(ctx workflow.Context, in Input, queue string) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	opts := workflow.ActivityOptions{TaskQueue: queue, ScheduleToStartTimeout: time.Minute, StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3}}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(dctx, opts), ActivityCleanup,
		CleanupInput{Tenant: in.Tenant, AssetID: in.AssetID}).Get(dctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not remove the job folder on its host", "asset", in.AssetID, "queue", queue, "error", err)
	}
}

// options are o sent to the host's queue, with the timeout that notices a
// lost host.
func (h hostRoute) options(o workflow.ActivityOptions) workflow.ActivityOptions {
	if h.queue == "" {
		return o
	}
	o.TaskQueue = h.queue
	o.ScheduleToStartTimeout = h.wait
	return o
}

// ingestOnSomeHost runs ingest, again from the download when the host that
// held the job folder was lost, at most maxHostAttempts times.
func ingestOnSomeHost(ctx workflow.Context, in Input) (Result, error) {
	var host string
	ctx = workflow.WithValue(ctx, lastHostKey{}, &host)
	for attempt := 1; ; attempt++ {
		host = ""
		res, err := ingest(ctx, in)
		if err != nil && host != "" && !hostLost(err) {
			cleanupOnHost(ctx, in, host)
		}
		if err == nil || !hostLost(err) || attempt >= maxHostAttempts {
			return res, err
		}
		workflow.GetLogger(ctx).Warn("the host holding the job folder is lost; starting again from the download",
			"asset", in.AssetID, "attempt", attempt, "error", err)
	}
}

// Errors of an activity that found the job folder incomplete on its host:
// the folder was removed, or the machine was replaced under the same queue.
const (
	errMissingTranscode = "MissingTranscode"
	errMissingPackage   = "MissingPackage"
	errMissingChunks    = "MissingChunks"
)

// hostLost says whether err means that the job folder's host is gone: a
// task on its queue was never started, or the folder is no longer there.
func hostLost(err error) bool {
	var te *temporal.TimeoutError
	if errors.As(err, &te) && te.TimeoutType() == enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START {
		return true
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		switch app.Type() {
		case errMissingTranscode, errMissingPackage, errMissingChunks:
			return true
		}
	}
	return false
}
