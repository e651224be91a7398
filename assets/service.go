package assets

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/assets/internal/assetsql"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
)

// Uploads is what the Service needs of package uploads.
type Uploads interface {
	Get(ctx context.Context, tenant tenants.ID, id uploads.ID) (uploads.Upload, error)
}

// Titles is what the Service needs of the catalog: that a title named for
// an asset is there.
type Titles interface {
	GetTitle(ctx context.Context, tenant catalog.TenantID, id catalog.TitleID) (catalog.Title, error)
}

// Service records assets.
type Service struct {
	DB       *db.DB
	Uploads  Uploads
	Titles   Titles   // nil: an Ingest naming a title is refused
	Pipeline Pipeline // nil: Ingest is refused
	Changes  *Changes // nil: Follow is refused
	// Publisher republishes captions after a track change; nil: caption
	// changes are refused.
	Publisher TrackPublisher
	// Blobs stores caption text given inline; nil: only uploads may replace
	// a caption's text.
	Blobs *blob.Bucket
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Ingest creates an asset from a complete source upload and starts its
// ingest; title, when not nil, gets the asset once it is READY.
func (s *Service) Ingest(ctx context.Context, tenant tenants.ID, upload uploads.ID, title *uuid.UUID) (Asset, error) {
	return s.IngestWithTracks(ctx, tenant, upload, title, nil)
}

// IngestWithTracks is Ingest with sidecar tracks: COMPLETE audio and caption
// uploads of the tenant (another tenant's is NotFound), recorded on the asset
// in the order given and packaged with it (audio as alternate renditions,
// captions as WebVTT subtitles).
func (s *Service) IngestWithTracks(ctx context.Context, tenant tenants.ID, upload uploads.ID, title *uuid.UUID, tracks []uploads.ID) (Asset, error) {
	if s.Pipeline == nil {
		return Asset{}, errs.Unavailable(fmt.Errorf("assets.Ingest: no pipeline"), "ingest is unavailable")
	}
	if title != nil {
		if s.Titles == nil {
			return Asset{}, errs.Unavailable(fmt.Errorf("assets.Ingest: no catalog"), "attaching to a title is unavailable")
		}
		if _, err := s.Titles.GetTitle(ctx, tenant, *title); err != nil {
			return Asset{}, fmt.Errorf("assets.Ingest: %w", err)
		}
	}
	a, err := s.create(ctx, tenant, upload, tracks)
	if err != nil {
		return Asset{}, err
	}
	if err := s.Pipeline.StartIngest(ctx, IngestRequest{Tenant: tenant, Asset: a.ID, Title: title}); err != nil {
		return Asset{}, fmt.Errorf("assets.Ingest: %w", err)
	}
	return a, nil
}

// Create records a PENDING asset for a complete source upload.
func (s *Service) Create(ctx context.Context, tenant tenants.ID, upload uploads.ID) (Asset, error) {
	return s.create(ctx, tenant, upload, nil)
}

// maxTracks bounds the sidecar tracks of one asset.
const maxTracks = 32

func (s *Service) create(ctx context.Context, tenant tenants.ID, upload uploads.ID, trackIDs []uploads.ID) (Asset, error) {
	if len(trackIDs) > maxTracks {
		return Asset{}, errs.Invalid("at most %d tracks", maxTracks)
	}
	type sidecar struct {
		u   uploads.Upload
		key string
	}
	var sidecars []sidecar
	seen := map[uploads.ID]bool{}
	for _, id := range trackIDs {
		if seen[id] {
			return Asset{}, errs.Invalid("track upload %s is given twice", id)
		}
		seen[id] = true
		u, key, err := s.trackUpload(ctx, tenant, id)
		if err != nil {
			return Asset{}, fmt.Errorf("assets.Create: %w", err)
		}
		sidecars = append(sidecars, sidecar{u, key})
	}
	u, err := s.Uploads.Get(ctx, tenant, upload)
	if err != nil {
		return Asset{}, fmt.Errorf("assets.Create: %w", err)
	}
	if u.Kind != uploads.KindSource {
		return Asset{}, errs.Invalid("only a source upload can be ingested, not a %s", u.Kind)
	}
	if u.State != uploads.StateComplete || u.Key == "" {
		return Asset{}, errs.Conflict("the upload is not complete")
	}
	var row assetsql.MediaAsset
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		var err error
		q := assetsql.New(tx)
		row, err = q.CreateAsset(ctx, assetsql.CreateAssetParams{
			TenantID: tenant, ID: uuid.Must(uuid.NewV7()), UploadID: u.ID, SourceKey: u.Key, Now: s.now()})
		if err != nil {
			return err
		}
		for _, sc := range sidecars {
			if _, err := s.insertTrack(ctx, q, tenant, row.ID, sc.u, sc.key, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Asset{}, fmt.Errorf("assets.Create: %w", err)
	}
	return fromRow(row), nil
}

// Get returns one asset; another tenant's is NotFound.
func (s *Service) Get(ctx context.Context, tenant tenants.ID, id ID) (Asset, error) {
	var row assetsql.MediaAsset
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		row, err = assetsql.New(q).GetAsset(ctx, assetsql.GetAssetParams{TenantID: tenant, ID: id})
		return notFound(err)
	})
	if err != nil {
		return Asset{}, fmt.Errorf("assets.Get %s: %w", id, err)
	}
	return fromRow(row), nil
}

// Follow streams an asset as it changes: first its current state, then each
// new status or percent, ending after READY or FAILED or when ctx ends. Every
// state is read under tenant, so another tenant's asset is NotFound here, at
// once. States that pass quickly may be skipped; the last one never is.
func (s *Service) Follow(ctx context.Context, tenant tenants.ID, id ID) (<-chan Asset, error) {
	if s.Changes == nil {
		return nil, errs.Unavailable(fmt.Errorf("assets.Follow: no change listener"), "following an asset is unavailable")
	}
	wake, stop := s.Changes.Subscribe(tenant, id) // before the first read: no change falls between
	cur, err := s.Get(ctx, tenant, id)
	if err != nil {
		stop()
		return nil, err
	}
	out := make(chan Asset, 1)
	out <- cur
	go func() {
		defer close(out)
		defer stop()
		for !cur.Status.Finished() {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			}
			a, err := s.Get(ctx, tenant, id)
			if err != nil {
				return // gone, or the database is: the client may follow again
			}
			if a.Status == cur.Status && a.Percent == cur.Percent {
				continue
			}
			cur = a
			select {
			case out <- a:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// MarkProcessing moves a PENDING asset to PROCESSING, emitting
// asset.processing once; an asset already PROCESSING is returned as it is
// (a retried activity), a finished one is a Conflict.
func (s *Service) MarkProcessing(ctx context.Context, tenant tenants.ID, id ID) (Asset, error) {
	return s.transition(ctx, tenant, id, StatusProcessing, EventProcessing, func(q *assetsql.Queries, now time.Time) (assetsql.MediaAsset, error) {
		return q.MarkProcessing(ctx, assetsql.MarkProcessingParams{TenantID: tenant, ID: id, Now: now})
	})
}

// SetPlan stores the probe and the ladder (any JSON-encodable values) of a
// PROCESSING asset with the source's duration and display size.
func (s *Service) SetPlan(ctx context.Context, tenant tenants.ID, id ID, probe, ladder any, d time.Duration, width, height int) error {
	p, err := json.Marshal(probe)
	if err != nil {
		return fmt.Errorf("assets.SetPlan: %w", err)
	}
	l, err := json.Marshal(ladder)
	if err != nil {
		return fmt.Errorf("assets.SetPlan: %w", err)
	}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := assetsql.New(tx).SetPlan(ctx, assetsql.SetPlanParams{TenantID: tenant, ID: id, Probe: p, Ladder: l,
			DurationMs: d.Milliseconds(), Width: int32(width), Height: int32(height), Now: s.now()})
		if db.IsNoRows(err) {
			return errs.Conflict("the asset is not processing")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("assets.SetPlan %s: %w", id, err)
	}
	return nil
}

// SetProgress records the transcode's progress in percent (clamped to 0..100)
// of a PROCESSING asset; on any other asset it does nothing.
func (s *Service) SetProgress(ctx context.Context, tenant tenants.ID, id ID, percent int) error {
	percent = min(max(percent, 0), 100)
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := assetsql.New(tx).SetPercent(ctx, assetsql.SetPercentParams{TenantID: tenant, ID: id, Percent: int32(percent), Now: s.now()})
		return err
	})
	if err != nil {
		return fmt.Errorf("assets.SetProgress %s: %w", id, err)
	}
	return nil
}

// MarkEncrypted records that a PROCESSING asset's package is encrypted (the
// ingest does it before uploading). Marking it again changes nothing.
func (s *Service) MarkEncrypted(ctx context.Context, tenant tenants.ID, id ID) (Asset, error) {
	var row assetsql.MediaAsset
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := assetsql.New(tx)
		cur, err := q.GetAsset(ctx, assetsql.GetAssetParams{TenantID: tenant, ID: id})
		if err != nil {
			return notFound(err)
		}
		if cur.Encrypted {
			row = cur
			return nil
		}
		row, err = q.MarkEncrypted(ctx, assetsql.MarkEncryptedParams{TenantID: tenant, ID: id, Now: s.now()})
		if db.IsNoRows(err) {
			return errs.Conflict("the asset is %s", cur.Status)
		}
		return err
	})
	if err != nil {
		return Asset{}, fmt.Errorf("assets.MarkEncrypted %s: %w", id, err)
	}
	return fromRow(row), nil
}

// MarkReady records the package's keys and makes the asset READY, emitting
// asset.ready. Marking a READY asset again with the same keys changes nothing.
func (s *Service) MarkReady(ctx context.Context, tenant tenants.ID, id ID, hlsKey, dashKey string) (Asset, error) {
	return s.transition(ctx, tenant, id, StatusReady, EventReady, func(q *assetsql.Queries, now time.Time) (assetsql.MediaAsset, error) {
		return q.MarkReady(ctx, assetsql.MarkReadyParams{TenantID: tenant, ID: id, HlsKey: hlsKey, DashKey: dashKey, Now: now})
	})
}

// MarkFailed makes the asset FAILED with a reason an editor can read,
// emitting asset.failed. Marking a FAILED asset again changes nothing.
func (s *Service) MarkFailed(ctx context.Context, tenant tenants.ID, id ID, reason string) (Asset, error) {
	return s.transition(ctx, tenant, id, StatusFailed, EventFailed, func(q *assetsql.Queries, now time.Time) (assetsql.MediaAsset, error) {
		return q.MarkFailed(ctx, assetsql.MarkFailedParams{TenantID: tenant, ID: id, FailureReason: reason, Now: now})
	})
}

// transition moves an asset to status to with update, emitting event once:
// an asset already there is returned as it is (a retried activity), one the
// update does not take (it is elsewhere) is a Conflict.
func (s *Service) transition(ctx context.Context, tenant tenants.ID, id ID, to Status, event string,
	update func(*assetsql.Queries, time.Time) (assetsql.MediaAsset, error)) (Asset, error) {
	var row assetsql.MediaAsset
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := assetsql.New(tx)
		cur, err := q.GetAsset(ctx, assetsql.GetAssetParams{TenantID: tenant, ID: id})
		if err != nil {
			return notFound(err)
		}
		if Status(cur.Status) == to {
			row = cur
			return nil
		}
		now := s.now()
		row, err = update(q, now)
		if db.IsNoRows(err) {
			return errs.Conflict("the asset is %s", cur.Status)
		} else if err != nil {
			return err
		}
		return emit(ctx, tx, now, row, event)
	})
	if err != nil {
		return Asset{}, fmt.Errorf("assets: %s %s: %w", to, id, err)
	}
	return fromRow(row), nil
}

func emit(ctx context.Context, tx db.Tx, now time.Time, r assetsql.MediaAsset, event string) error {
	return outbox.Emit(ctx, tx, r.TenantID, now, outbox.Event{Type: event, ObjectType: "asset", ObjectID: r.ID.String(),
		Payload: Event{AssetID: r.ID, UploadID: r.UploadID, Status: Status(r.Status), Reason: r.FailureReason, HLSKey: r.HlsKey, DASHKey: r.DashKey}})
}

func fromRow(r assetsql.MediaAsset) Asset {
	a := Asset{
		ID: r.ID, Tenant: r.TenantID, UploadID: r.UploadID, Status: Status(r.Status), FailureReason: r.FailureReason,
		Percent: int(r.Percent), SourceKey: r.SourceKey, Probe: r.Probe, Ladder: r.Ladder,
		Duration: time.Duration(r.DurationMs) * time.Millisecond, Width: int(r.Width), Height: int(r.Height),
		HLSKey: r.HlsKey, DASHKey: r.DashKey, Encrypted: r.Encrypted, AutoIngest: r.AutoIngest, DeletedAt: r.DeletedAt, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		PosterKey: r.PosterKey, ThumbnailsKey: r.ThumbnailsKey, TracksVersion: int(r.TracksVersion), TracksPublished: int(r.TracksPublished),
	}
	if len(r.Trickplay) > 0 && string(r.Trickplay) != "null" {
		var tp TrickPlay
		if json.Unmarshal(r.Trickplay, &tp) == nil {
			a.TrickPlay = &tp
		}
	}
	return a
}

func notFound(err error) error {
	if db.IsNoRows(err) {
		return errs.NotFound("no such asset")
	}
	return err
}

// IngestOnCompletion is the automatic ingest of an upload that asked for it
// (uploads.AutoIngest): it creates the upload's one auto-ingested asset, or
// finds it when upload.completed is delivered again, and starts its ingest
// while it is PENDING (starting a running ingest again changes nothing).
// title, when not nil, gets the asset once READY.
func (s *Service) IngestOnCompletion(ctx context.Context, tenant tenants.ID, upload uploads.ID, title *uuid.UUID) (Asset, error) {
	if s.Pipeline == nil {
		return Asset{}, errs.Unavailable(fmt.Errorf("assets.IngestOnCompletion: no pipeline"), "ingest is unavailable")
	}
	u, err := s.Uploads.Get(ctx, tenant, upload)
	if err != nil {
		return Asset{}, fmt.Errorf("assets.IngestOnCompletion: %w", err)
	}
	if u.Kind != uploads.KindSource || u.State != uploads.StateComplete || u.Key == "" {
		return Asset{}, errs.Conflict("the upload is not a complete source")
	}
	var row assetsql.MediaAsset
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := assetsql.New(tx)
		var err error
		row, err = q.CreateAutoAsset(ctx, assetsql.CreateAutoAssetParams{
			TenantID: tenant, ID: uuid.Must(uuid.NewV7()), UploadID: u.ID, SourceKey: u.Key, Now: s.now()})
		if db.IsNoRows(err) { // delivered before: the first delivery's asset
			row, err = q.GetAutoAsset(ctx, assetsql.GetAutoAssetParams{TenantID: tenant, UploadID: u.ID})
		}
		return err
	})
	if err != nil {
		return Asset{}, fmt.Errorf("assets.IngestOnCompletion %s: %w", upload, err)
	}
	a := fromRow(row)
	if a.Status != StatusPending {
		return a, nil // its ingest ran or runs: never a second one
	}
	if err := s.Pipeline.StartIngest(ctx, IngestRequest{Tenant: tenant, Asset: a.ID, Title: title}); err != nil {
		return Asset{}, fmt.Errorf("assets.IngestOnCompletion: %w", err)
	}
	return a, nil
}

// OfUpload returns the latest asset made from an upload; NotFound when none
// is (yet).
func (s *Service) OfUpload(ctx context.Context, tenant tenants.ID, upload uploads.ID) (Asset, error) {
	var row assetsql.MediaAsset
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		row, err = assetsql.New(q).LatestAssetOfUpload(ctx, assetsql.LatestAssetOfUploadParams{TenantID: tenant, UploadID: upload})
		return notFound(err)
	})
	if err != nil {
		return Asset{}, fmt.Errorf("assets.OfUpload %s: %w", upload, err)
	}
	return fromRow(row), nil
}

// ByIDs loads assets by id, for dataloaders; missing ids (and another
// tenant's) are left out.
func (s *Service) ByIDs(ctx context.Context, tenant tenants.ID, ids []ID) (map[ID]Asset, error) {
	out := make(map[ID]Asset, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := assetsql.New(q).AssetsByIDs(ctx, assetsql.AssetsByIDsParams{TenantID: tenant, Ids: ids})
		for _, r := range rows {
			out[r.ID] = fromRow(r)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assets.ByIDs: %w", err)
	}
	return out, nil
}
