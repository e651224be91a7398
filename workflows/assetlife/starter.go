package assetlife

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

// Starter implements lifecycle.Runner with Temporal.
type Starter struct {
	Client    client.Client
	TaskQueue string // default "default"
	// SegmentDuration is passed to replacement ingests; zero is the default.
	SegmentDuration time.Duration
	// Ingest makes a replacement ingest's input as a direct ingest's
	// (ingest.Starter.Input: encryption, fan-out); nil: NewAssetID and
	// SegmentDuration alone.
	Ingest func(context.Context, assets.IngestRequest) (ingest.Input, error)
}

var _ lifecycle.Runner = (*Starter)(nil)

func (s *Starter) queue() string {
	if s.TaskQueue == "" {
		return "default"
	}
	return s.TaskQueue
}

// StartPurge starts the asset's purge; starting it while it runs changes
// nothing, and after it ended runs it again (it is idempotent).
func (s *Starter) StartPurge(ctx context.Context, tenant tenants.ID, asset assets.ID) error {
	id := PurgeWorkflowID(tenant, asset)
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.queue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
		PurgeWorkflowName, PurgeInput{Tenant: tenant, AssetID: asset})
	if err != nil {
		return errs.Unavailable(fmt.Errorf("assetlife.StartPurge %s: %w", id, err), "deleting is unavailable; try again shortly")
	}
	return nil
}

// StartReplacement starts the replacement's workflow, once.
func (s *Starter) StartReplacement(ctx context.Context, r lifecycle.Replacement) error {
	id := ReplaceWorkflowID(r.Tenant, r.ID)
	in := ReplaceInput{Tenant: r.Tenant, ReplacementID: r.ID, NewAssetID: r.NewAsset, SegmentDuration: s.SegmentDuration}
	if s.Ingest != nil {
		child, err := s.Ingest(ctx, assets.IngestRequest{Tenant: r.Tenant, Asset: r.NewAsset})
		if err != nil {
			return errs.Unavailable(fmt.Errorf("assetlife.StartReplacement %s: %w", id, err), "replacing is unavailable; try again shortly")
		}
		in.Ingest = child
	}
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.queue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
		ReplaceWorkflowName, in)
	if err != nil {
		return errs.Unavailable(fmt.Errorf("assetlife.StartReplacement %s: %w", id, err), "replacing is unavailable; try again shortly")
	}
	return nil
}
