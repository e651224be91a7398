// Package ingest turns a source upload into a playable asset: one Temporal
// workflow per asset marks it PROCESSING, downloads the source into a job
// folder and probes it, plans the ladder, transcodes every rendition in one
// decode (heartbeating progress, resuming a finished transcode instead of
// redoing it), packages the renditions as CMAF (fMP4 segments with HLS
// playlists and a DASH MPD over the same segments), encrypts the HLS segments
// with the asset's AES-128 key when the tenant asked for it as the ingest
// started (encrypt.go; the asset is then HLS-only), uploads the package to
// tenants/{tenant}/assets/{asset}/ and marks the asset READY, attaching it to
// a title when the request named one. Any failure marks the asset FAILED with
// a reason an editor can read; a source that is not a usable video fails at
// once instead of being retried. Starter implements assets.Pipeline.
//
// The activities share the job folder on local disk, so one ingest's
// activities run on one host: Probe, on the shared queue, returns its host's
// own queue and the rest go there; a lost host restarts the ingest from the
// download elsewhere (hosts.go). A title longer than Input.FanOutAbove is
// transcoded in chunks in parallel and joined without re-encoding
// (fanout.go).
package ingest

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/media"
)

// Names registered with Temporal. They are part of recorded histories: a
// rename breaks running workflows.
const (
	WorkflowName       = "ingest.Ingest"
	ActivityStart      = "ingest.Start"
	ActivityProbe      = "ingest.Probe"
	ActivityPlan       = "ingest.Plan"
	ActivityTranscode  = "ingest.Transcode"
	ActivityPackage    = "ingest.Package"
	ActivityEncrypt    = "ingest.Encrypt"
	ActivityUpload     = "ingest.Upload"
	ActivityFinish     = "ingest.Finish"
	ActivityMarkFailed = "ingest.MarkFailed"
)

// ErrInvalidSource is the ApplicationError type of a source that cannot be
// ingested; its message is the reason for the editor. It is never retried.
const ErrInvalidSource = "InvalidSource"

// Input starts an asset's workflow.
type Input struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
	// Title, when not nil, gets the asset attached once it is READY.
	Title *uuid.UUID
	// SegmentDuration overrides the ladder's target segment length; zero is
	// media.DefaultSegmentDuration. Tests shorten it.
	SegmentDuration time.Duration
	// Encrypt, set when the tenant wanted new assets encrypted as the ingest
	// started, encrypts the HLS segments (AES-128) before the upload; the
	// asset is then HLS-only (no DASH MPD).
	Encrypt bool
	// FanOutAbove: a title longer than this is transcoded in chunks of
	// ChunkDuration; zero is DefaultFanOutAbove and DefaultChunkDuration.
	// Tests lower them.
	FanOutAbove   time.Duration `json:",omitempty"`
	ChunkDuration time.Duration `json:",omitempty"`
	// HostTimeout is how long a task may wait on the job folder's host
	// queue before the host counts as lost; zero is DefaultHostTimeout.
	HostTimeout time.Duration `json:",omitempty"`
}

// Result is what a successful ingest made.
type Result struct {
	HLSKey  string
	DASHKey string
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
	r.RegisterActivityWithOptions(a.Start, activity.RegisterOptions{Name: ActivityStart})
	r.RegisterActivityWithOptions(a.Probe, activity.RegisterOptions{Name: ActivityProbe})
	r.RegisterActivityWithOptions(a.Plan, activity.RegisterOptions{Name: ActivityPlan})
	r.RegisterActivityWithOptions(a.Transcode, activity.RegisterOptions{Name: ActivityTranscode})
	r.RegisterActivityWithOptions(a.Package, activity.RegisterOptions{Name: ActivityPackage})
	r.RegisterActivityWithOptions(a.Encrypt, activity.RegisterOptions{Name: ActivityEncrypt})
	r.RegisterActivityWithOptions(a.Upload, activity.RegisterOptions{Name: ActivityUpload})
	r.RegisterActivityWithOptions(a.Finish, activity.RegisterOptions{Name: ActivityFinish})
	r.RegisterActivityWithOptions(a.MarkFailed, activity.RegisterOptions{Name: ActivityMarkFailed})
	RegisterSidecars(r, a)
	registerFanOut(r, a)
}

// Retry policies. Bookkeeping (database) and blob transfers retry for a long
// while: their failures are outages that pass. ffmpeg runs get few attempts:
// a run that failed twice on the same input will fail the third time too.
var (
	bookkeeping = workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: 20, NonRetryableErrorTypes: []string{ErrInvalidSource}},
	}
	transfer = workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: 2 * time.Minute, MaximumAttempts: 10, NonRetryableErrorTypes: []string{ErrInvalidSource}},
	}
	ffmpegRetry = &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2,
		MaximumInterval: time.Minute, MaximumAttempts: 3, NonRetryableErrorTypes: []string{ErrInvalidSource}}
)

// ffmpegOptions bound a run of cmd: its own deadline and a little more, a
// heartbeat every progress report.
func ffmpegOptions(cmd media.Command) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: cmd.Timeout + time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         ffmpegRetry,
	}
}

// Workflow ingests one asset.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	res, err := ingestOnSomeHost(ctx, in)
	if err == nil {
		return res, nil
	}
	fail := MarkFailedInput{Tenant: in.Tenant, AssetID: in.AssetID, Reason: reasonOf(err)}
	// Mark the asset failed even when the workflow was cancelled.
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	if ferr := workflow.ExecuteActivity(workflow.WithActivityOptions(dctx, bookkeeping), ActivityMarkFailed, fail).Get(dctx, nil); ferr != nil {
		workflow.GetLogger(ctx).Error("could not mark the asset failed", "asset", in.AssetID, "error", ferr)
	}
	return Result{}, err
}

func ingest(ctx workflow.Context, in Input) (Result, error) {
	book := workflow.WithActivityOptions(ctx, bookkeeping)
	var start StartResult
	if err := workflow.ExecuteActivity(book, ActivityStart, StartInput{Tenant: in.Tenant, AssetID: in.AssetID}).Get(ctx, &start); err != nil {
		return Result{}, err
	}
	var probe ProbeResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, transfer), ActivityProbe,
		ProbeInput{Tenant: in.Tenant, AssetID: in.AssetID, SourceKey: start.SourceKey}).Get(ctx, &probe)
	if err != nil {
		return Result{}, err
	}
	host := newHostRoute(ctx, probe.HostQueue, in)
	var plan PlanResult
	err = workflow.ExecuteActivity(book, ActivityPlan,
		PlanInput{Tenant: in.Tenant, AssetID: in.AssetID, Probe: probe.Probe, SegmentDuration: in.SegmentDuration}).Get(ctx, &plan)
	if err != nil {
		return Result{}, err
	}
	// One run for the whole title, or chunks in parallel for a long one.
	if err := transcode(ctx, host, in, start.SourceKey, plan.Ladder); err != nil {
		return Result{}, err
	}
	pin := PackageInput{Tenant: in.Tenant, AssetID: in.AssetID, Ladder: plan.Ladder}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, host.options(ffmpegOptions(media.PlanPackage(plan.Ladder, "", "")))),
		ActivityPackage, pin).Get(ctx, nil); err != nil {
		return Result{}, err
	}
	if err := sidecars(ctx, host, in, start.SourceKey, plan.Ladder); err != nil { // tracks.go
		return Result{}, err
	}
	if in.Encrypt { // encrypt.go; histories before it have no Encrypt and replay unchanged
		// It rewrites the job folder's package: on its host.
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, host.options(transfer)), ActivityEncrypt,
			EncryptInput{Tenant: in.Tenant, AssetID: in.AssetID}).Get(ctx, nil); err != nil {
			return Result{}, err
		}
	}
	var up UploadResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, host.options(transfer)), ActivityUpload,
		UploadInput{Tenant: in.Tenant, AssetID: in.AssetID}).Get(ctx, &up); err != nil {
		return Result{}, err
	}
	if in.Encrypt {
		up.DASHKey = "" // DASH cannot signal AES-128: an encrypted asset is HLS-only
	}
	fin := FinishInput{Tenant: in.Tenant, AssetID: in.AssetID, HLSKey: up.HLSKey, DASHKey: up.DASHKey, Title: in.Title}
	// Finish removes the job folder: on its host.
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, host.options(bookkeeping)), ActivityFinish, fin).Get(ctx, nil); err != nil {
		return Result{}, err
	}
	return Result(up), nil
}

// genericReason is what an editor reads when the failure was ours, not the
// source's; the details are in the workflow's history and the logs.
const genericReason = "processing failed on our side; try again later"

// reasonOf is the reason recorded on a failed asset: an invalid source's own
// reason, or the generic one.
func reasonOf(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == ErrInvalidSource {
		return app.Message()
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return "processing was cancelled"
	}
	return genericReason
}
