package appbuild

import "github.com/google/uuid"

// WorkflowID is one build's workflow, tenant first.
func WorkflowID(tenant, build uuid.UUID) string {
	return tenant.String() + "/app-build/" + build.String()
}
