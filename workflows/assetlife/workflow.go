// Package assetlife runs the long parts of the content lifecycle (package
// lifecycle) on Temporal: Purge removes a DELETED asset's blobs and tells the
// CDN, and Replace ingests a title's new source as a child ingest workflow
// (workflows/ingest) and then switches the title to it in one transaction, or
// records the failure while the title keeps its old asset. Both start from
// outbox events (lifecycle.Service.Consumers); Starter implements
// lifecycle.Runner.
package assetlife

import (
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/workflows/ingest"
)

// Names registered with Temporal; part of recorded histories.
const (
	PurgeWorkflowName   = "assetlife.Purge"
	ReplaceWorkflowName = "assetlife.Replace"

	ActivityRemoveBlobs  = "assetlife.RemoveBlobs"
	ActivityPurgeCDN     = "assetlife.PurgeCDN"
	ActivityCheckReplace = "assetlife.CheckReplacement"
	ActivitySwitch       = "assetlife.Switch"
	ActivityFailReplace  = "assetlife.FailReplacement"
	ErrPermanent         = "Permanent" // ApplicationError type of a request that can never succeed
)

// PurgeInput names the DELETED asset to purge.
type PurgeInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
}

// ReplaceInput names a replacement of a title's source.
type ReplaceInput struct {
	Tenant        uuid.UUID
	ReplacementID uuid.UUID
	NewAssetID    uuid.UUID
	// SegmentDuration is passed to the child ingest; zero is the default.
	SegmentDuration time.Duration
	// Ingest is the child ingest's input as ingest.Starter makes it (the
	// tenant's encryption setting, fan-out); a zero AssetID (runs started
	// before it existed) falls back to NewAssetID and SegmentDuration alone.
	Ingest ingest.Input
}

// Registry is where Register puts the workflows and activities.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers the workflows and a's activities under their names.
func Register(r Registry, a *Activities) {
	r.RegisterWorkflowWithOptions(PurgeWorkflow, workflow.RegisterOptions{Name: PurgeWorkflowName})
	r.RegisterWorkflowWithOptions(ReplaceWorkflow, workflow.RegisterOptions{Name: ReplaceWorkflowName})
	r.RegisterActivityWithOptions(a.RemoveBlobs, activity.RegisterOptions{Name: ActivityRemoveBlobs})
	r.RegisterActivityWithOptions(a.PurgeCDN, activity.RegisterOptions{Name: ActivityPurgeCDN})
	r.RegisterActivityWithOptions(a.CheckReplacement, activity.RegisterOptions{Name: ActivityCheckReplace})
	r.RegisterActivityWithOptions(a.Switch, activity.RegisterOptions{Name: ActivitySwitch})
	r.RegisterActivityWithOptions(a.FailReplacement, activity.RegisterOptions{Name: ActivityFailReplace})
}

// Bookkeeping and storage retry for a long while (outages pass); a CDN
// that refuses keeps being asked, with backoff, for a day.
var (
	bookkeeping = workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: 30, NonRetryableErrorTypes: []string{ErrPermanent}},
	}
	purging = workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: 10 * time.Minute, NonRetryableErrorTypes: []string{ErrPermanent}},
	}
)

// PurgeWorkflow removes every blob under the asset's prefix, then purges
// them from the CDN. Run again, it removes what is left and purges again.
func PurgeWorkflow(ctx workflow.Context, in PurgeInput) error {
	var removed RemoveBlobsResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, bookkeeping), ActivityRemoveBlobs,
		RemoveBlobsInput(in)).Get(ctx, &removed); err != nil {
		return err
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purging), ActivityPurgeCDN,
		PurgeCDNInput{Tenant: in.Tenant, AssetID: in.AssetID, Keys: removed.Keys}).Get(ctx, nil)
}

// ReplaceWorkflow ingests the new asset (the ingest workflow, as a child
// with the asset's own ingest id) and switches the title to it; when the
// ingest fails, the replacement is FAILED with the asset's reason and the
// title keeps its old asset.
func ReplaceWorkflow(ctx workflow.Context, in ReplaceInput) error {
	book := workflow.WithActivityOptions(ctx, bookkeeping)
	var pending bool
	if err := workflow.ExecuteActivity(book, ActivityCheckReplace, CheckInput{Tenant: in.Tenant, ReplacementID: in.ReplacementID}).Get(ctx, &pending); err != nil {
		return err
	}
	if !pending {
		return nil // finished by an earlier run
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        ingest.WorkflowID(in.Tenant, in.NewAssetID),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON, // an ingest outlives a cancelled replacement
	})
	var res ingest.Result
	child := in.Ingest
	if child.AssetID == uuid.Nil {
		child = ingest.Input{Tenant: in.Tenant, AssetID: in.NewAssetID, SegmentDuration: in.SegmentDuration}
	}
	err := workflow.ExecuteChildWorkflow(cctx, ingest.WorkflowName, child).Get(ctx, &res)
	if err != nil {
		// The ingest marked the asset FAILED with its reason; the
		// replacement takes that reason.
		return workflow.ExecuteActivity(book, ActivityFailReplace, FailInput{Tenant: in.Tenant, ReplacementID: in.ReplacementID}).Get(ctx, nil)
	}
	return workflow.ExecuteActivity(book, ActivitySwitch, SwitchInput{Tenant: in.Tenant, ReplacementID: in.ReplacementID}).Get(ctx, nil)
}
