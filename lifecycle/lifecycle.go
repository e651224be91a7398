// Package lifecycle is what happens to content after its ingest: deleting a
// media asset (its row kept as DELETED, every blob under its prefix removed,
// the CDN told to forget it), replacing the source of a title (a new asset
// ingests beside the old one while the title keeps playing the old; when the
// new one is READY the title switches to it in one transaction and the old
// asset is retired and purged; when it fails the title keeps the old one and
// the replacement says why), and the automatic ingest of an upload that asked
// for it (uploads.AutoIngest) from upload.completed. Unpublishing and
// publishing a title again are the catalog's (catalog.Service.UnpublishTitle).
//
// Every change is audited and emitted as an outbox event in its transaction;
// the long parts (blob removal and CDN purge, the replacement's ingest) are
// started from those events by the outbox relay's consumers (Consumers), so a
// crash between the commit and the start loses nothing. workflows/assetlife
// implements Runner with Temporal.
//
// It is not for the ingest itself (workflows/ingest) nor for how a CDN is
// told (package cdn implements Purger over HTTP).
package lifecycle

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/tenants"
)

// Outbox events (and audit actions) of the lifecycle. asset.deleted is
// assets.EventDeleted; title.unpublished and title.published are the catalog's.
const (
	EventSourceReplacing     = "title.source_replacing"      // a replacement started
	EventSourceReplaced      = "title.source_replaced"       // the title switched to the new asset
	EventSourceReplaceFailed = "title.source_replace_failed" // the new asset failed; the title kept the old
)

// ReplacementID identifies a replacement of a title's source.
type ReplacementID = uuid.UUID

// ReplacementStatus is where a replacement is.
type ReplacementStatus string

// Replacement statuses.
const (
	ReplacementPending  ReplacementStatus = "PENDING"  // the new asset is ingesting; the title plays the old one
	ReplacementSwitched ReplacementStatus = "SWITCHED" // the title plays the new asset; the old one is deleted
	ReplacementFailed   ReplacementStatus = "FAILED"   // the new asset failed; the title kept the old one
)

// Replacement is one replacement of a title's source.
type Replacement struct {
	ID       ReplacementID
	Tenant   tenants.ID
	Title    catalog.TitleID
	OldAsset assets.ID
	NewAsset assets.ID
	Status   ReplacementStatus
	Reason   string // why it FAILED, for the editor
	// CreatedAt and UpdatedAt are UTC.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ReplacementEvent is the payload of the title.source_* events.
type ReplacementEvent struct {
	ReplacementID ReplacementID     `json:"replacementId"`
	TitleID       catalog.TitleID   `json:"titleId"`
	OldAssetID    assets.ID         `json:"oldAssetId"`
	NewAssetID    assets.ID         `json:"newAssetId"`
	Status        ReplacementStatus `json:"status"`
	Reason        string            `json:"reason,omitempty"`
}

// DeletedEvent is the payload of asset.deleted.
type DeletedEvent struct {
	AssetID  assets.ID `json:"assetId"`
	UploadID uuid.UUID `json:"uploadId"`
	// Prefix is the blob folder being removed (and purged from the CDN).
	Prefix string `json:"prefix"`
	// ReplacedBy is the asset that took its place on a title, if any.
	ReplacedBy *assets.ID `json:"replacedBy,omitempty"`
}

// PurgeRequest asks a CDN to forget an asset's objects.
type PurgeRequest struct {
	Tenant tenants.ID
	Asset  assets.ID
	// Prefix is the asset's folder (tenants/{tenant}/assets/{id}/), for CDNs
	// that purge by prefix or wildcard; Paths are the removed objects' keys,
	// each with a leading slash, for CDNs that purge by URL path.
	Prefix string
	Paths  []string
}

// Purger tells a CDN to forget objects; package cdn implements it over HTTP
// (an operator-configured, HMAC-signed POST). Purge must be safe to call
// again with the same request.
type Purger interface {
	Purge(ctx context.Context, r PurgeRequest) error
}

// NoPurge is the Purger when no CDN is configured: it does nothing.
type NoPurge struct{}

// Purge does nothing.
func (NoPurge) Purge(context.Context, PurgeRequest) error { return nil }

// Runner runs the long parts durably; workflows/assetlife implements it.
// Both starts must be idempotent: the relay may deliver an event twice.
type Runner interface {
	// StartPurge removes a DELETED asset's blobs and purges the CDN.
	StartPurge(ctx context.Context, tenant tenants.ID, asset assets.ID) error
	// StartReplacement ingests the new asset and switches the title, or
	// records the failure.
	StartReplacement(ctx context.Context, r Replacement) error
}
