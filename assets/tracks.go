package assets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/marquee-ott/marquee/assets/internal/assetsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
)

// TrackID identifies a sidecar track of an asset.
type TrackID = uuid.UUID

// Track is a sidecar track of an asset: an extra audio track (another
// language, audio description), packaged as an alternate audio rendition, or
// a WebVTT subtitle or caption track, packaged as a subtitle rendition.
type Track struct {
	ID        TrackID
	Tenant    tenants.ID
	AssetID   ID
	UploadID  uploads.ID        // the upload it came from (the latest, for an edited caption)
	Kind      uploads.Kind      // KindAudio or KindCaption
	TrackKind uploads.TrackKind // subtitles, captions (SDH), descriptive_audio, or none
	Language  string            // BCP 47
	Name      string            // what a player's menu shows
	Position  int               // order in the players' menus
	// Revision counts a caption's texts: 1 as uploaded, +1 per edit. The
	// package's subtitle files are named after it.
	Revision int
	// SourceKey is the blob key of the track's file: the audio upload, or the
	// caption's current WebVTT text.
	SourceKey string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SDH says whether a caption track is for the deaf and hard of hearing.
func (t Track) SDH() bool { return t.TrackKind == uploads.TrackCaptions }

// Descriptive says whether an audio track is audio description.
func (t Track) Descriptive() bool { return t.TrackKind == uploads.TrackDescriptiveAudio }

// TrickPlay is where an asset's trick-play thumbnails are: the WebVTT
// thumbnails track (ThumbnailsKey on the asset) names, per Interval, a tile
// of one of the sprite sheets.
type TrickPlay struct {
	Interval   time.Duration `json:"interval"`
	Count      int           `json:"count"`
	TileWidth  int           `json:"tileWidth"`
	TileHeight int           `json:"tileHeight"`
	Columns    int           `json:"columns"`
	Rows       int           `json:"rows"`
	SpriteKeys []string      `json:"spriteKeys"` // blob keys, sheet 0 first
}

// Images are the blob keys of an asset's poster and trick-play thumbnails.
type Images struct {
	PosterKey     string
	ThumbnailsKey string
	TrickPlay     TrickPlay
}

// TrackPublisher republishes an asset's caption tracks (the WebVTT files,
// the HLS master playlist and the MPD, no media work); workflows/ingest
// implements it with Temporal.
type TrackPublisher interface {
	PublishTracks(ctx context.Context, tenant tenants.ID, asset ID) error
}

// trackUpload checks that an upload can be a sidecar track: the tenant's
// (another's is NotFound), COMPLETE, of kind audio or caption.
func (s *Service) trackUpload(ctx context.Context, tenant tenants.ID, id uploads.ID) (uploads.Upload, string, error) {
	u, err := s.Uploads.Get(ctx, tenant, id)
	if err != nil {
		return uploads.Upload{}, "", err
	}
	if u.State == uploads.StateFailed {
		return uploads.Upload{}, "", errs.Invalid("track upload %s failed: %s", id, u.Failure)
	}
	if u.State != uploads.StateComplete || u.Key == "" {
		return uploads.Upload{}, "", errs.Conflict("track upload %s is not complete", id)
	}
	switch u.Kind {
	case uploads.KindAudio:
		return u, u.Key, nil
	case uploads.KindCaption:
		if u.CaptionsKey == "" {
			return uploads.Upload{}, "", errs.Invalid("caption upload %s has no checked WebVTT", id)
		}
		return u, u.CaptionsKey, nil
	}
	return uploads.Upload{}, "", errs.Invalid("upload %s is a %s upload: a track is an audio or caption upload", id, u.Kind)
}

func (s *Service) insertTrack(ctx context.Context, q *assetsql.Queries, tenant tenants.ID, asset ID, u uploads.Upload, key, name string) (assetsql.MediaAssetTrack, error) {
	if strings.TrimSpace(name) == "" {
		name = TrackName(u.Language, u.TrackKind)
	}
	if len(name) > 100 {
		return assetsql.MediaAssetTrack{}, errs.Invalid("a track's name is at most 100 bytes")
	}
	return q.CreateTrack(ctx, assetsql.CreateTrackParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()), AssetID: asset,
		UploadID: u.ID, Kind: string(u.Kind), TrackKind: string(u.TrackKind), Language: u.Language, Name: strings.TrimSpace(name),
		SourceKey: key, Now: s.now()})
}

// TrackName is a track's default name: the language in itself
// ("Français"), with "(CC)" for SDH captions and "(Audio description)".
func TrackName(lang string, kind uploads.TrackKind) string {
	name := lang
	if tag, err := language.Parse(lang); err == nil && lang != "" {
		if n := display.Self.Name(tag); n != "" {
			name = strings.ToUpper(n[:1]) + n[1:]
		}
	}
	if name == "" {
		name = "Unknown language"
	}
	switch kind {
	case uploads.TrackCaptions:
		name += " (CC)"
	case uploads.TrackDescriptiveAudio:
		name += " (Audio description)"
	}
	return name
}

// Tracks lists an asset's sidecar tracks in order; another tenant's asset
// is NotFound.
func (s *Service) Tracks(ctx context.Context, tenant tenants.ID, asset ID) ([]Track, error) {
	var rows []assetsql.MediaAssetTrack
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		if _, err := assetsql.New(q).GetAsset(ctx, assetsql.GetAssetParams{TenantID: tenant, ID: asset}); err != nil {
			return notFound(err)
		}
		var err error
		rows, err = assetsql.New(q).ListTracks(ctx, assetsql.ListTracksParams{TenantID: tenant, AssetID: asset})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assets.Tracks %s: %w", asset, err)
	}
	out := make([]Track, len(rows))
	for i, r := range rows {
		out[i] = trackFromRow(r)
	}
	return out, nil
}

// AssetTracks lists an asset's sidecar tracks in order without looking the
// asset up first: one statement, for callers that have just read the asset
// under the same tenant (a playback session). An unknown asset has none.
func (s *Service) AssetTracks(ctx context.Context, tenant tenants.ID, asset ID) ([]Track, error) {
	var rows []assetsql.MediaAssetTrack
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		rows, err = assetsql.New(q).ListTracks(ctx, assetsql.ListTracksParams{TenantID: tenant, AssetID: asset})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assets.AssetTracks %s: %w", asset, err)
	}
	out := make([]Track, len(rows))
	for i, r := range rows {
		out[i] = trackFromRow(r)
	}
	return out, nil
}

// Track returns one track; another tenant's is NotFound.
func (s *Service) Track(ctx context.Context, tenant tenants.ID, id TrackID) (Track, error) {
	var row assetsql.MediaAssetTrack
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		row, err = assetsql.New(q).GetTrack(ctx, assetsql.GetTrackParams{TenantID: tenant, ID: id})
		return trackNotFound(err)
	})
	if err != nil {
		return Track{}, fmt.Errorf("assets.Track %s: %w", id, err)
	}
	return trackFromRow(row), nil
}

// CaptionText is a caption track's current WebVTT text.
func (s *Service) CaptionText(ctx context.Context, tenant tenants.ID, id TrackID) (string, error) {
	t, err := s.Track(ctx, tenant, id)
	if err != nil {
		return "", err
	}
	if t.Kind != uploads.KindCaption {
		return "", errs.Invalid("track %s is not a caption track", id)
	}
	if s.Blobs == nil {
		return "", errs.Unavailable(fmt.Errorf("assets.CaptionText: no bucket"), "reading captions is unavailable")
	}
	b, err := s.Blobs.ReadAll(ctx, t.SourceKey)
	if err != nil {
		return "", fmt.Errorf("assets.CaptionText %s: %w", id, err)
	}
	return string(b), nil
}

// AddTrack adds a caption track to a READY asset from a COMPLETE caption
// upload and republishes the asset's captions (no re-encoding). Audio tracks
// are added at ingest (IngestWithTracks): they need media work. An empty name
// is TrackName's.
func (s *Service) AddTrack(ctx context.Context, tenant tenants.ID, asset ID, upload uploads.ID, name string) (Track, error) {
	if s.Publisher == nil {
		return Track{}, errs.Unavailable(fmt.Errorf("assets.AddTrack: no publisher"), "publishing captions is unavailable")
	}
	u, key, err := s.trackUpload(ctx, tenant, upload)
	if err != nil {
		return Track{}, fmt.Errorf("assets.AddTrack: %w", err)
	}
	if u.Kind != uploads.KindCaption {
		return Track{}, errs.Invalid("only a caption track can be added to a ready asset; give audio tracks when ingesting")
	}
	var row assetsql.MediaAssetTrack
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := assetsql.New(tx)
		if err := s.lockReady(ctx, q, tenant, asset); err != nil {
			return err
		}
		var err error
		if row, err = s.insertTrack(ctx, q, tenant, asset, u, key, name); err != nil {
			return err
		}
		_, err = q.BumpTracksVersion(ctx, assetsql.BumpTracksVersionParams{TenantID: tenant, ID: asset, Now: s.now()})
		return err
	})
	if err != nil {
		return Track{}, fmt.Errorf("assets.AddTrack: %w", err)
	}
	return trackFromRow(row), s.publish(ctx, tenant, asset)
}

// CaptionText is a caption track's new text: a COMPLETE caption upload, or
// an SRT or WebVTT body given inline (checked and stored as WebVTT).
type CaptionText struct {
	Upload *uploads.ID
	Body   *string
}

// maxCaptionBody bounds an inline caption text.
const maxCaptionBody = 5 << 20

// ReplaceCaption gives a caption track of a READY asset a new text and
// republishes the asset's captions: new subtitle files under the next
// revision, the master playlist and the MPD pointing at them, nothing else
// touched.
func (s *Service) ReplaceCaption(ctx context.Context, tenant tenants.ID, id TrackID, text CaptionText) (Track, error) {
	if s.Publisher == nil {
		return Track{}, errs.Unavailable(fmt.Errorf("assets.ReplaceCaption: no publisher"), "publishing captions is unavailable")
	}
	if (text.Upload == nil) == (text.Body == nil) {
		return Track{}, errs.Invalid("give either a caption upload or the WebVTT text, not both")
	}
	cur, err := s.Track(ctx, tenant, id)
	if err != nil {
		return Track{}, err
	}
	if cur.Kind != uploads.KindCaption {
		return Track{}, errs.Invalid("track %s is an audio track: only caption text can be replaced", id)
	}
	uploadID, key := cur.UploadID, ""
	if text.Upload != nil {
		u, k, err := s.trackUpload(ctx, tenant, *text.Upload)
		if err != nil {
			return Track{}, fmt.Errorf("assets.ReplaceCaption: %w", err)
		}
		if u.Kind != uploads.KindCaption {
			return Track{}, errs.Invalid("upload %s is not a caption upload", u.ID)
		}
		uploadID, key = u.ID, k
	} else {
		if s.Blobs == nil {
			return Track{}, errs.Unavailable(fmt.Errorf("assets.ReplaceCaption: no bucket"), "editing captions is unavailable")
		}
		if len(*text.Body) > maxCaptionBody {
			return Track{}, errs.Invalid("the captions are over %d MiB", maxCaptionBody>>20)
		}
		vtt, _, err := uploads.CaptionsToVTT([]byte(*text.Body))
		if err != nil {
			return Track{}, errs.Invalid("the captions are not valid SRT or WebVTT: %v", err)
		}
		// A name of its own: two edits at once never write the same blob.
		key = captionsPrefix(tenant, cur.AssetID) + id.String() + "_" + uuid.Must(uuid.NewV7()).String() + ".vtt"
		if err := s.Blobs.WriteAll(ctx, key, vtt, nil); err != nil {
			return Track{}, fmt.Errorf("assets.ReplaceCaption: store the text: %w", err)
		}
	}
	var row, old assetsql.MediaAssetTrack
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := assetsql.New(tx)
		if err := s.lockReady(ctx, q, tenant, cur.AssetID); err != nil {
			return err
		}
		var err error
		if old, err = q.GetTrack(ctx, assetsql.GetTrackParams{TenantID: tenant, ID: id}); err != nil {
			return trackNotFound(err)
		}
		row, err = q.ReplaceTrackText(ctx, assetsql.ReplaceTrackTextParams{TenantID: tenant, ID: id, UploadID: uploadID, SourceKey: key, Now: s.now()})
		if err != nil {
			return trackNotFound(err)
		}
		_, err = q.BumpTracksVersion(ctx, assetsql.BumpTracksVersionParams{TenantID: tenant, ID: cur.AssetID, Now: s.now()})
		return err
	})
	if err != nil {
		if text.Body != nil { // the text stored for the refused change
			_ = s.Blobs.Delete(context.WithoutCancel(ctx), key)
		}
		return Track{}, fmt.Errorf("assets.ReplaceCaption: %w", err)
	}
	// The text it replaced, when it was given inline, is ours to remove (an
	// upload's stays with the upload).
	if s.Blobs != nil && strings.HasPrefix(old.SourceKey, captionsPrefix(tenant, cur.AssetID)) && old.SourceKey != key {
		_ = s.Blobs.Delete(ctx, old.SourceKey)
	}
	return trackFromRow(row), s.publish(ctx, tenant, cur.AssetID)
}

// RemoveTrack removes a caption track from a READY asset and republishes
// its captions. Audio tracks stay: removing one needs the asset ingested
// again.
func (s *Service) RemoveTrack(ctx context.Context, tenant tenants.ID, id TrackID) (Asset, error) {
	if s.Publisher == nil {
		return Asset{}, errs.Unavailable(fmt.Errorf("assets.RemoveTrack: no publisher"), "publishing captions is unavailable")
	}
	cur, err := s.Track(ctx, tenant, id)
	if err != nil {
		return Asset{}, err
	}
	if cur.Kind != uploads.KindCaption {
		return Asset{}, errs.Invalid("track %s is an audio track: only caption tracks can be removed", id)
	}
	var row assetsql.MediaAsset
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := assetsql.New(tx)
		if err := s.lockReady(ctx, q, tenant, cur.AssetID); err != nil {
			return err
		}
		if n, err := q.DeleteTrack(ctx, assetsql.DeleteTrackParams{TenantID: tenant, ID: id}); err != nil {
			return err
		} else if n == 0 {
			return errs.NotFound("no such track")
		}
		row, err = q.BumpTracksVersion(ctx, assetsql.BumpTracksVersionParams{TenantID: tenant, ID: cur.AssetID, Now: s.now()})
		return err
	})
	if err != nil {
		return Asset{}, fmt.Errorf("assets.RemoveTrack: %w", err)
	}
	return fromRow(row), s.publish(ctx, tenant, cur.AssetID)
}

// captionsPrefix is where caption texts given inline are kept: beside the
// asset's package, so that deleting the asset removes them.
func captionsPrefix(tenant tenants.ID, asset ID) string { return Prefix(tenant, asset) + "captions/" }

// lockReady locks the asset's row for the change and checks it is READY.
func (s *Service) lockReady(ctx context.Context, q *assetsql.Queries, tenant tenants.ID, asset ID) error {
	a, err := q.LockAsset(ctx, assetsql.LockAssetParams{TenantID: tenant, ID: asset})
	if err != nil {
		return notFound(err)
	}
	if Status(a.Status) != StatusReady {
		return errs.Conflict("the asset is %s: captions are edited once it is READY", a.Status)
	}
	return nil
}

func (s *Service) publish(ctx context.Context, tenant tenants.ID, asset ID) error {
	if err := s.Publisher.PublishTracks(ctx, tenant, asset); err != nil {
		return fmt.Errorf("assets: republish %s: %w", asset, err)
	}
	return nil
}

// CaptionsPublished says whether the asset's package carries its latest
// caption changes (false while a republish is under way).
func (a Asset) CaptionsPublished() bool { return a.TracksPublished >= a.TracksVersion }

// SetImages records the blob keys of a PROCESSING asset's poster and
// trick-play thumbnails.
func (s *Service) SetImages(ctx context.Context, tenant tenants.ID, id ID, im Images) error {
	tp, err := json.Marshal(im.TrickPlay)
	if err != nil {
		return fmt.Errorf("assets.SetImages: %w", err)
	}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		n, err := assetsql.New(tx).SetImages(ctx, assetsql.SetImagesParams{TenantID: tenant, ID: id,
			PosterKey: im.PosterKey, ThumbnailsKey: im.ThumbnailsKey, Trickplay: tp, Now: s.now()})
		if err == nil && n == 0 {
			return errs.Conflict("the asset is not processing")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("assets.SetImages %s: %w", id, err)
	}
	return nil
}

// MarkTracksPublished records that the asset's package carries its
// captions as of version (never going back).
func (s *Service) MarkTracksPublished(ctx context.Context, tenant tenants.ID, id ID, version int) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := assetsql.New(tx).SetTracksPublished(ctx, assetsql.SetTracksPublishedParams{TenantID: tenant, ID: id, Version: int32(version), Now: s.now()})
		return err
	})
	if err != nil {
		return fmt.Errorf("assets.MarkTracksPublished %s: %w", id, err)
	}
	return nil
}

func trackFromRow(r assetsql.MediaAssetTrack) Track {
	return Track{ID: r.ID, Tenant: r.TenantID, AssetID: r.AssetID, UploadID: r.UploadID, Kind: uploads.Kind(r.Kind),
		TrackKind: uploads.TrackKind(r.TrackKind), Language: r.Language, Name: r.Name, Position: int(r.Position),
		Revision: int(r.Revision), SourceKey: r.SourceKey, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func trackNotFound(err error) error {
	if db.IsNoRows(err) {
		return errs.NotFound("no such track")
	}
	return err
}
