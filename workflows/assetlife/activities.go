package assetlife

import (
	"context"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/lifecycle"
)

// Activities holds the lifecycle service the activities call.
type Activities struct {
	Lifecycle *lifecycle.Service
}

// RemoveBlobsInput names the asset whose blobs go.
type RemoveBlobsInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
}

// RemoveBlobsResult lists the removed keys.
type RemoveBlobsResult struct {
	Keys []string
}

// RemoveBlobs removes every blob under the DELETED asset's prefix.
func (a *Activities) RemoveBlobs(ctx context.Context, in RemoveBlobsInput) (RemoveBlobsResult, error) {
	keys, err := a.Lifecycle.RemoveAssetBlobs(ctx, in.Tenant, in.AssetID)
	if err != nil {
		return RemoveBlobsResult{}, domainError(err)
	}
	return RemoveBlobsResult{Keys: keys}, nil
}

// PurgeCDNInput lists what to purge.
type PurgeCDNInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
	Keys    []string
}

// PurgeCDN tells the CDN to forget the asset's objects.
func (a *Activities) PurgeCDN(ctx context.Context, in PurgeCDNInput) error {
	return domainError(a.Lifecycle.PurgeCDN(ctx, in.Tenant, in.AssetID, in.Keys))
}

// CheckInput names a replacement.
type CheckInput struct {
	Tenant        uuid.UUID
	ReplacementID uuid.UUID
}

// CheckReplacement says whether the replacement is still PENDING.
func (a *Activities) CheckReplacement(ctx context.Context, in CheckInput) (bool, error) {
	r, err := a.Lifecycle.Replacement(ctx, in.Tenant, in.ReplacementID)
	if err != nil {
		return false, domainError(err)
	}
	return r.Status == lifecycle.ReplacementPending, nil
}

// SwitchInput names the replacement to complete.
type SwitchInput struct {
	Tenant        uuid.UUID
	ReplacementID uuid.UUID
}

// Switch moves the title to the new asset and retires the old one.
func (a *Activities) Switch(ctx context.Context, in SwitchInput) error {
	_, err := a.Lifecycle.CompleteReplacement(ctx, in.Tenant, in.ReplacementID)
	return domainError(err)
}

// FailInput names the replacement that failed.
type FailInput struct {
	Tenant        uuid.UUID
	ReplacementID uuid.UUID
}

// FailReplacement records the failure with the new asset's reason.
func (a *Activities) FailReplacement(ctx context.Context, in FailInput) error {
	_, err := a.Lifecycle.FailReplacement(ctx, in.Tenant, in.ReplacementID, "")
	return domainError(err)
}

// domainError makes the errors a retry cannot fix (invalid, missing,
// conflicting) non-retryable; the rest are retried.
func domainError(err error) error {
	if err == nil {
		return nil
	}
	switch errs.KindOf(err) {
	case errs.KindInvalid, errs.KindNotFound, errs.KindConflict, errs.KindForbidden:
		return temporal.NewNonRetryableApplicationError(errs.MessageOf(err), ErrPermanent, err)
	}
	return err
}
