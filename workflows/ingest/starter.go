package ingest

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
)

// Starter implements assets.Pipeline with Temporal.
type Starter struct {
	Client    client.Client
	TaskQueue string // default "default"
	// SegmentDuration is passed to the workflows it starts; zero is the default.
	SegmentDuration time.Duration
	// FanOutAbove, ChunkDuration and HostTimeout are passed on as Input's;
	// zero is the default.
	FanOutAbove, ChunkDuration, HostTimeout time.Duration
}

var _ assets.Pipeline = (*Starter)(nil)

// StartIngest starts the asset's workflow; starting it again while it runs
// changes nothing.
func (s *Starter) StartIngest(ctx context.Context, r assets.IngestRequest) error {
	id := WorkflowID(r.Tenant, r.Asset)
	queue := s.TaskQueue
	if queue == "" {
		queue = "default"
	}
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
		WorkflowName, Input{Tenant: r.Tenant, AssetID: r.Asset, Title: r.Title, SegmentDuration: s.SegmentDuration,
			FanOutAbove: s.FanOutAbove, ChunkDuration: s.ChunkDuration, HostTimeout: s.HostTimeout})
	if err != nil {
		return errs.Unavailable(fmt.Errorf("ingest.StartIngest %s: %w", id, err), "processing is unavailable; try again shortly")
	}
	return nil
}
