package appbuild

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/errs"
)

// Starter implements apps.Pipeline with Temporal.
type Starter struct {
	Client    client.Client
	TaskQueue string // default TaskQueue ("builds")
}

var _ apps.Pipeline = (*Starter)(nil)

// StartBuild starts the build's workflow, once.
func (s *Starter) StartBuild(ctx context.Context, r apps.BuildRequest) error {
	q := s.TaskQueue
	if q == "" {
		q = TaskQueue
	}
	id := WorkflowID(r.Tenant, r.Build)
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: q,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
		WorkflowName, Input{Tenant: r.Tenant, Build: r.Build, Platform: r.Platform})
	if err != nil {
		return errs.Unavailable(fmt.Errorf("appbuild.StartBuild %s: %w", id, err), "building apps is unavailable; try again shortly")
	}
	return nil
}
