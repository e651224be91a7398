package ingest

import "github.com/google/uuid"

// WorkflowID is an asset's workflow id: one per asset, so asking twice to
// ingest an asset runs it once; tenant first, so an operator can list a
// tenant's.
func WorkflowID(tenant, asset uuid.UUID) string {
	return tenant.String() + "/ingest/" + asset.String()
}
