// Package contentkeys keeps the per-asset content keys of encrypted media and
// the tenant's media settings that ask for encryption. An encrypted asset has
// one AES-128 key (16 bytes from crypto/rand) and a key id (a UUID, the KID a
// DRM system or a CPIX document names it by); the HLS segment IVs derive from
// the segment's place by the scheme stored beside it (media.HLSIVScheme).
//
// A key is stored only sealed (sealbox: AES-256-GCM under the platform's
// secret key) with the tenant, the asset and the key id as additional data,
// so a sealed key moved onto another row does not open; it is never written
// to blob storage or logged. The ingest workflow creates the key (Create,
// idempotent per asset) and encrypts the package with it; the playback key
// endpoint reads it (AssetKey); ExportCPIX hands it, encrypted to a
// multi-DRM provider's certificate, to that provider.
//
// It is not for the encryption itself (package media: pure file
// transforms) nor for who may fetch a key (package playback).
package contentkeys

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/contentkeys/internal/contentkeysql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/sealbox"
)

// KeySize is a content key's length: AES-128.
const KeySize = 16

// IVScheme is the IV scheme of the keys this package creates.
const IVScheme = media.HLSIVScheme

// Key is an asset's content key.
type Key struct {
	ID     uuid.UUID // the key id (KID)
	Tenant uuid.UUID
	Asset  uuid.UUID
	// Value is the key in clear, KeySize bytes: hand it to the encrypter or
	// the key endpoint only; never log or store it.
	Value    []byte
	IVScheme string
	// CreatedAt is UTC.
	CreatedAt time.Time
}

// String and LogValue leave the key's value out, so a Key printed or logged
// by mistake does not leak it.
func (k Key) String() string {
	return fmt.Sprintf("contentkeys.Key{ID: %s, Asset: %s, IVScheme: %s}", k.ID, k.Asset, k.IVScheme)
}

// LogValue implements slog.LogValuer without the value.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.ID.String()), slog.String("asset", k.Asset.String()))
}

// Store keeps content keys and media settings.
type Store struct {
	DB *db.DB
	// Box seals the keys: the platform's secret key. nil: keys are unavailable.
	Box *sealbox.Box
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// additionalData binds a sealed key to its row.
func additionalData(tenant, asset, kid uuid.UUID) []byte {
	return []byte("marquee/contentkeys/v1|" + tenant.String() + "|" + asset.String() + "|" + kid.String())
}

// Create returns the asset's content key, creating it the first time: a
// retried ingest activity gets the same key. Another tenant's or a missing
// asset is NotFound.
func (s *Store) Create(ctx context.Context, tenant, asset uuid.UUID) (Key, error) {
	if s.Box == nil {
		return Key{}, errs.Unavailable(fmt.Errorf("contentkeys.Create: no sealing key"), "encryption is unavailable")
	}
	value := make([]byte, KeySize)
	if _, err := rand.Read(value); err != nil {
		return Key{}, fmt.Errorf("contentkeys.Create: %w", err)
	}
	kid := uuid.New() // random (v4): a KID says nothing of when or where
	var row contentkeysql.ContentKey
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := contentkeysql.New(tx)
		ok, err := q.AssetExists(ctx, contentkeysql.AssetExistsParams{TenantID: tenant, ID: asset})
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFound("no such asset")
		}
		err = q.InsertKey(ctx, contentkeysql.InsertKeyParams{TenantID: tenant, AssetID: asset, KeyID: kid,
			SealedKey: s.Box.Seal(value, additionalData(tenant, asset, kid)), IvScheme: IVScheme, Now: s.now()})
		if err != nil {
			return err
		}
		row, err = q.GetKey(ctx, contentkeysql.GetKeyParams{TenantID: tenant, AssetID: asset})
		return err
	})
	if err != nil {
		return Key{}, fmt.Errorf("contentkeys.Create %s: %w", asset, err)
	}
	return s.open(row)
}

// Get returns the asset's content key; a clear asset, a missing one or
// another tenant's is NotFound.
func (s *Store) Get(ctx context.Context, tenant, asset uuid.UUID) (Key, error) {
	if s.Box == nil {
		return Key{}, errs.Unavailable(fmt.Errorf("contentkeys.Get: no sealing key"), "encryption is unavailable")
	}
	var row contentkeysql.ContentKey
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		row, err = contentkeysql.New(q).GetKey(ctx, contentkeysql.GetKeyParams{TenantID: tenant, AssetID: asset})
		if db.IsNoRows(err) {
			return errs.NotFound("the asset has no content key")
		}
		return err
	})
	if err != nil {
		return Key{}, fmt.Errorf("contentkeys.Get %s: %w", asset, err)
	}
	return s.open(row)
}

// AssetKey returns the asset's 16-byte AES-128 key, for the playback key
// endpoint; a clear asset, a missing one or another tenant's is NotFound.
func (s *Store) AssetKey(ctx context.Context, tenant, asset uuid.UUID) ([]byte, error) {
	k, err := s.Get(ctx, tenant, asset)
	if err != nil {
		return nil, err
	}
	return k.Value, nil
}

func (s *Store) open(r contentkeysql.ContentKey) (Key, error) {
	v, err := s.Box.Open(r.SealedKey, additionalData(r.TenantID, r.AssetID, r.KeyID))
	if err != nil || len(v) != KeySize {
		// Another secret key, or a sealed value moved between rows.
		return Key{}, errs.Internal(fmt.Errorf("contentkeys: the key of asset %s does not open: %v", r.AssetID, err))
	}
	return Key{ID: r.KeyID, Tenant: r.TenantID, Asset: r.AssetID, Value: v, IVScheme: r.IvScheme, CreatedAt: r.CreatedAt.UTC()}, nil
}

// Settings are a tenant's media settings.
type Settings struct {
	// EncryptNewAssets makes every ingest started while it is on encrypt
	// the asset's HLS segments (AES-128); such assets are HLS-only.
	EncryptNewAssets bool
	// UpdatedAt is when they last changed; nil while they are the defaults.
	UpdatedAt *time.Time
}

// Settings returns the tenant's media settings (the defaults when never set).
func (s *Store) Settings(ctx context.Context, tenant uuid.UUID) (Settings, error) {
	var out Settings
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		row, err := contentkeysql.New(q).GetSettings(ctx, tenant)
		if db.IsNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		out = settingsOf(row)
		return nil
	})
	if err != nil {
		return Settings{}, fmt.Errorf("contentkeys.Settings: %w", err)
	}
	return out, nil
}

// EncryptNewAssets says whether the tenant wants new assets encrypted; the
// ingest reads it when it starts.
func (s *Store) EncryptNewAssets(ctx context.Context, tenant uuid.UUID) (bool, error) {
	st, err := s.Settings(ctx, tenant)
	return st.EncryptNewAssets, err
}

// SetEncryptNewAssets turns encryption of new assets on or off, audited.
// Assets already ingested keep what they are.
func (s *Store) SetEncryptNewAssets(ctx context.Context, tenant uuid.UUID, on bool) (Settings, error) {
	var out Settings
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		row, err := contentkeysql.New(tx).UpsertSettings(ctx, contentkeysql.UpsertSettingsParams{TenantID: tenant, EncryptNewAssets: on, Now: now})
		if err != nil {
			return err
		}
		out = settingsOf(row)
		return audit.Record(ctx, tx, tenant, now, "media_settings.updated", "tenant", tenant.String(),
			map[string]any{"encryptNewAssets": on})
	})
	if err != nil {
		return Settings{}, fmt.Errorf("contentkeys.SetEncryptNewAssets: %w", err)
	}
	return out, nil
}

func settingsOf(r contentkeysql.MediaSetting) Settings {
	at := r.UpdatedAt.UTC()
	return Settings{EncryptNewAssets: r.EncryptNewAssets, UpdatedAt: &at}
}
