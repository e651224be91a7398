package webhooks

import "github.com/google/uuid"

// WorkflowID is an endpoint's workflow id: one per endpoint, so dispatching
// an endpoint twice signals the one workflow instead of starting a rival that
// would break the order; tenant first, so an operator can list a tenant's.
func WorkflowID(tenant, endpoint uuid.UUID) string {
	return tenant.String() + "/webhooks/" + endpoint.String()
}
