package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/marquee-ott/marquee/contentkeys"
	"github.com/marquee-ott/marquee/media"
)

// ContentKeys is what the activities need of package contentkeys: the
// asset's key, the same one on every retry.
type ContentKeys interface {
	Create(ctx context.Context, tenant, asset uuid.UUID) (contentkeys.Key, error)
}

// EncryptionSetting is what the Starter needs to know whether a tenant wants
// new assets encrypted; contentkeys.Store implements it.
type EncryptionSetting interface {
	EncryptNewAssets(ctx context.Context, tenant uuid.UUID) (bool, error)
}

// EncryptInput is ActivityEncrypt's.
type EncryptInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
}

// EncryptResult names the key the package is encrypted with.
type EncryptResult struct {
	KeyID uuid.UUID
}

// Encrypt creates the asset's content key and encrypts the package in the
// job folder for HLS AES-128 (media.EncryptHLS): the packager's clear output
// moves to package.clear/, the encrypted package (without the DASH MPD) is
// written to package.aes/ and renamed to package/, which Upload then copies.
// The asset is marked encrypted.
//
// A retry never encrypts twice: with package.clear/ present, package/ is the
// encrypted one once it exists (it only comes back by the last rename), and
// otherwise the encryption starts again from the clear copy into a fresh
// package.aes/. The key is never written into the job folder.
func (a *Activities) Encrypt(ctx context.Context, in EncryptInput) (EncryptResult, error) {
	if a.Keys == nil {
		return EncryptResult{}, temporal.NewNonRetryableApplicationError("encryption is not configured on this worker", "NoContentKeys", nil)
	}
	key, err := a.Keys.Create(ctx, in.Tenant, in.AssetID)
	if err != nil {
		return EncryptResult{}, domainError(err)
	}
	job := a.jobDir(in.Tenant, in.AssetID)
	pkg, clear, tmp := filepath.Join(job, "package"), filepath.Join(job, "package.clear"), filepath.Join(job, "package.aes")
	switch _, err := os.Stat(clear); {
	case errors.Is(err, os.ErrNotExist):
		if _, err := os.Stat(filepath.Join(pkg, media.HLSMaster)); err != nil {
			return EncryptResult{}, temporal.NewNonRetryableApplicationError("the package is not in this worker's job folder", "MissingPackage", err)
		}
		if err := os.Rename(pkg, clear); err != nil {
			return EncryptResult{}, err
		}
	case err != nil:
		return EncryptResult{}, err
	}
	if _, err := os.Stat(pkg); err != nil {
		if err := os.RemoveAll(tmp); err != nil {
			return EncryptResult{}, err
		}
		if err := media.EncryptHLS(ctx, clear, tmp, key.Value, func(name string) { activity.RecordHeartbeat(ctx, name) }); err != nil {
			return EncryptResult{}, temporal.NewNonRetryableApplicationError("the package could not be encrypted", "EncryptFailed", err)
		}
		if err := os.Rename(tmp, pkg); err != nil {
			return EncryptResult{}, err
		}
	}
	if _, err := a.Assets.MarkEncrypted(ctx, in.Tenant, in.AssetID); err != nil {
		return EncryptResult{}, domainError(err)
	}
	return EncryptResult{KeyID: key.ID}, nil
}
