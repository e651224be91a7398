package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
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
	// Encryption says whether the tenant wants new assets encrypted, read
	// as each ingest starts; nil: never encrypt.
	Encryption EncryptionSetting
	// FanOutAbove, ChunkDuration and HostTimeout are passed on as Input's;
	// zero is the default.
	FanOutAbove, ChunkDuration, HostTimeout time.Duration
}

var (
	_ assets.Pipeline       = (*Starter)(nil)
	_ assets.TrackPublisher = (*Starter)(nil)
)

// StartIngest starts the asset's workflow; starting it again while it runs
// changes nothing.
func (s *Starter) StartIngest(ctx context.Context, r assets.IngestRequest) error {
	id := WorkflowID(r.Tenant, r.Asset)
	queue := s.TaskQueue
	if queue == "" {
		queue = "default"
	}
	in, err := s.Input(ctx, r)
	if err != nil {
		return fmt.Errorf("ingest.StartIngest: %w", err)
	}
	_, err = s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
		WorkflowName, in)
	if err != nil {
		return errs.Unavailable(fmt.Errorf("ingest.StartIngest %s: %w", id, err), "processing is unavailable; try again shortly")
	}
	return nil
}

// Input is the workflow input of an ingest as this starter would start it:
// the tenant's encryption setting read now, the fan-out and host settings.
// A workflow that runs an ingest as its child (a source replacement) takes
// its input from here too, so the child is the ingest a direct one would be.
func (s *Starter) Input(ctx context.Context, r assets.IngestRequest) (Input, error) {
	in := Input{Tenant: r.Tenant, AssetID: r.Asset, Title: r.Title, SegmentDuration: s.SegmentDuration,
		FanOutAbove: s.FanOutAbove, ChunkDuration: s.ChunkDuration, HostTimeout: s.HostTimeout}
	if s.Encryption != nil {
		on, err := s.Encryption.EncryptNewAssets(ctx, r.Tenant)
		if err != nil {
			return Input{}, err
		}
		in.Encrypt = on
	}
	return in, nil
}

// PublishTracks starts the asset's caption republish, or signals the one
// running, which then publishes again.
func (s *Starter) PublishTracks(ctx context.Context, tenant, asset uuid.UUID) error {
	id := CaptionsWorkflowID(tenant, asset)
	queue := s.TaskQueue
	if queue == "" {
		queue = "default"
	}
	_, err := s.Client.SignalWithStartWorkflow(ctx, id, SignalCaptionsChanged, nil,
		client.StartWorkflowOptions{ID: id, TaskQueue: queue},
		CaptionsWorkflowName, CaptionsInput{Tenant: tenant, AssetID: asset})
	if err != nil {
		return errs.Unavailable(fmt.Errorf("ingest.PublishTracks %s: %w", id, err), "publishing captions is unavailable; try again shortly")
	}
	return nil
}
