package webhooks

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
)

// Starter implements outbox.Dispatcher with Temporal.
type Starter struct {
	Client    client.Client
	TaskQueue string // default "default"
	Policy    Policy // for workflows it starts; a running one keeps its own
}

var _ outbox.Dispatcher = (*Starter)(nil)

// Dispatch signals the endpoint's workflow to read its queue, starting the
// workflow if none runs. Calling it again for a running workflow costs one
// signal and changes nothing else.
func (s *Starter) Dispatch(ctx context.Context, tenant uuid.UUID, endpoint outbox.EndpointID) error {
	id := WorkflowID(tenant, endpoint)
	queue := s.TaskQueue
	if queue == "" {
		queue = "default"
	}
	_, err := s.Client.SignalWithStartWorkflow(ctx, id, SignalQueued, nil,
		client.StartWorkflowOptions{ID: id, TaskQueue: queue}, WorkflowName,
		Input{Tenant: tenant, Endpoint: endpoint, Policy: s.Policy})
	if err != nil {
		return errs.Unavailable(fmt.Errorf("webhooks.Dispatch %s: %w", id, err), "webhook delivery is unavailable; it resumes automatically")
	}
	return nil
}
