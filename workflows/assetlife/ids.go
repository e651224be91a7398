package assetlife

import "github.com/google/uuid"

// PurgeWorkflowID is a deleted asset's purge: one per asset, tenant first.
func PurgeWorkflowID(tenant, asset uuid.UUID) string {
	return tenant.String() + "/asset-purge/" + asset.String()
}

// ReplaceWorkflowID is one replacement of a title's source.
func ReplaceWorkflowID(tenant, replacement uuid.UUID) string {
	return tenant.String() + "/source-replace/" + replacement.String()
}
