// Package assets records media assets: what became of a source upload once it
// is ingested. An asset moves PENDING → PROCESSING → READY | FAILED; the ingest
// workflow (workflows/ingest) drives it through this package's Service, which
// keeps the probe, the planned ladder, progress and, once READY, the blob keys
// of the package (HLS master playlist and DASH MPD under
// tenants/{tenant}/assets/{id}/). Every change of status emits an outbox event
// (asset.processing, asset.ready, asset.failed) in the same transaction.
// An asset also has sidecar tracks (extra audio, WebVTT captions; tracks.go)
// and the blob keys of its poster and trick-play images; caption tracks are
// edited on a READY asset and republished through TrackPublisher.
//
// It is not for the media work itself (package media: pure planning and the
// ffmpeg runner) nor for orchestration (workflows/ingest implements Pipeline).
package assets

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/tenants"
)

// ID identifies an asset.
type ID = uuid.UUID

// Status is where an asset is.
type Status string

// Statuses.
const (
	StatusPending    Status = "PENDING"
	StatusProcessing Status = "PROCESSING"
	StatusReady      Status = "READY"
	StatusFailed     Status = "FAILED"
	// StatusDeleted: removed by an editor (package lifecycle); the row stays,
	// its blobs are gone or going.
	StatusDeleted Status = "DELETED"
)

// Finished says whether an asset in this status will change no more.
func (s Status) Finished() bool {
	return s == StatusReady || s == StatusFailed || s == StatusDeleted
}

// Outbox events, one per change of status; the payload is an Event.
const (
	EventProcessing = "asset.processing"
	EventReady      = "asset.ready"
	EventFailed     = "asset.failed"
	// EventDeleted is emitted by package lifecycle when an editor deletes an
	// asset (or a replaced source is retired); its blobs are purged after it.
	EventDeleted = "asset.deleted"
)

// Event is the payload of the asset events.
type Event struct {
	AssetID  ID     `json:"assetId"`
	UploadID ID     `json:"uploadId"`
	Status   Status `json:"status"`
	Reason   string `json:"reason,omitempty"`
	HLSKey   string `json:"hlsKey,omitempty"`
	DASHKey  string `json:"dashKey,omitempty"`
}

// Asset is one ingest of a source upload.
type Asset struct {
	ID            ID
	Tenant        tenants.ID
	UploadID      uuid.UUID
	Status        Status
	FailureReason string // a reason an editor can read, when FAILED
	Percent       int    // of the transcode, while PROCESSING
	SourceKey     string // blob key of the source
	// Probe and Ladder are media.Probe and media.Ladder as JSON, once planned.
	Probe    json.RawMessage
	Ladder   json.RawMessage
	Duration time.Duration
	Width    int // of the top rendition's source, display size
	Height   int
	HLSKey   string // blob key of the HLS master playlist, when READY
	DASHKey  string // blob key of the DASH MPD, when READY; empty for an encrypted asset
	// Encrypted says the HLS segments are AES-128 encrypted with the asset's
	// content key (package contentkeys); such an asset is HLS-only.
	Encrypted bool
	// PosterKey and ThumbnailsKey are the blob keys of the poster JPEG and
	// the WebVTT trick-play thumbnails track (empty until made); TrickPlay
	// locates the sprite sheets the track points into.
	PosterKey     string
	ThumbnailsKey string
	TrickPlay     *TrickPlay
	// TracksVersion counts the changes of the caption tracks;
	// TracksPublished is the one the package carries.
	TracksVersion   int
	TracksPublished int
	// AutoIngest: made from an upload that asked to be ingested on completion.
	AutoIngest bool
	DeletedAt  *time.Time
	// CreatedAt and UpdatedAt are UTC.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Prefix is the blob key folder of an asset's package.
func Prefix(tenant tenants.ID, id ID) string {
	return "tenants/" + tenant.String() + "/assets/" + id.String() + "/"
}

// IngestRequest asks for an asset to be ingested.
type IngestRequest struct {
	Tenant tenants.ID
	Asset  ID
	// Title, when not nil, gets the asset attached once it is READY.
	Title *uuid.UUID
}

// Pipeline runs ingests; workflows/ingest implements it with Temporal.
type Pipeline interface {
	StartIngest(ctx context.Context, r IngestRequest) error
}
