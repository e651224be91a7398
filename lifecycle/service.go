package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/lifecycle/internal/lifecyclesql"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
)

// Titles is what the Service needs of the catalog.
type Titles interface {
	GetTitle(ctx context.Context, tenant catalog.TenantID, id catalog.TitleID) (catalog.Title, error)
}

// Service runs the lifecycle of assets and titles' sources.
type Service struct {
	DB     *db.DB
	Assets *assets.Service
	Titles Titles
	Blobs  *blob.Bucket
	Purger Purger // nil: NoPurge
	Runner Runner // nil: the consumers of asset.deleted and title.source_replacing fail (and retry)
	Log    *slog.Logger
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// DeleteAsset deletes a READY or FAILED asset that no title plays: the row
// stays as DELETED, asset.deleted is emitted, and its consumer removes every
// blob under the asset's prefix and purges the CDN. Deleting a DELETED asset
// returns it as it is. Another tenant's asset is NotFound: the asset is read
// under the caller's tenant binding, and the prefix removed is made from that
// tenant, never from anything stored.
func (s *Service) DeleteAsset(ctx context.Context, tenant tenants.ID, id assets.ID) (assets.Asset, error) {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := lifecyclesql.New(tx)
		a, err := q.LockAsset(ctx, lifecyclesql.LockAssetParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such asset")
		} else if err != nil {
			return err
		}
		switch assets.Status(a.Status) {
		case assets.StatusDeleted:
			return nil
		case assets.StatusPending, assets.StatusProcessing:
			return errs.Conflict("the asset is still being ingested: delete it once it is READY or FAILED")
		}
		title, err := q.TitleUsingAsset(ctx, lifecyclesql.TitleUsingAssetParams{TenantID: tenant, AssetID: &id})
		if err == nil {
			return errs.Conflict("title %s plays this asset: replace its source or detach the asset first", title)
		} else if !db.IsNoRows(err) {
			return err
		}
		return s.retire(ctx, tx, tenant, id, nil, s.now())
	})
	if err != nil {
		return assets.Asset{}, fmt.Errorf("lifecycle.DeleteAsset %s: %w", id, err)
	}
	return s.Assets.Get(ctx, tenant, id)
}

// retire marks an asset DELETED inside tx, audited, with asset.deleted.
func (s *Service) retire(ctx context.Context, tx db.Tx, tenant tenants.ID, id assets.ID, replacedBy *assets.ID, now time.Time) error {
	row, err := lifecyclesql.New(tx).MarkAssetDeleted(ctx, lifecyclesql.MarkAssetDeletedParams{TenantID: tenant, ID: id, Now: now})
	if db.IsNoRows(err) {
		return errs.Conflict("the asset can be deleted only once it is READY or FAILED")
	} else if err != nil {
		return err
	}
	ev := DeletedEvent{AssetID: id, UploadID: row.UploadID, Prefix: assets.Prefix(tenant, id), ReplacedBy: replacedBy}
	details := map[string]any{"upload_id": row.UploadID}
	if replacedBy != nil {
		details["replaced_by"] = *replacedBy
	}
	if err := audit.Record(ctx, tx, tenant, now, assets.EventDeleted, "asset", id.String(), details); err != nil {
		return err
	}
	return outbox.Emit(ctx, tx, tenant, now, outbox.Event{Type: assets.EventDeleted, ObjectType: "asset", ObjectID: id.String(), Payload: ev})
}

// RemoveAssetBlobs removes every blob under a DELETED asset's prefix,
// tenants/{tenant}/assets/{id}/, and returns their keys; run again it
// removes what is left. The asset must be the tenant's and DELETED.
func (s *Service) RemoveAssetBlobs(ctx context.Context, tenant tenants.ID, id assets.ID) ([]string, error) {
	if err := s.mustBeDeleted(ctx, tenant, id); err != nil {
		return nil, fmt.Errorf("lifecycle.RemoveAssetBlobs %s: %w", id, err)
	}
	prefix := assets.Prefix(tenant, id)
	var keys []string
	it := s.Blobs.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("lifecycle.RemoveAssetBlobs %s: list: %w", id, err)
		}
		if obj.IsDir {
			continue
		}
		keys = append(keys, obj.Key)
	}
	for _, k := range keys {
		if err := s.Blobs.Delete(ctx, k); err != nil && !isNotFound(err) {
			return nil, fmt.Errorf("lifecycle.RemoveAssetBlobs %s: delete %s: %w", id, k, err)
		}
	}
	return keys, nil
}

func isNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }

// PurgeCDN tells the CDN to forget a DELETED asset's objects.
func (s *Service) PurgeCDN(ctx context.Context, tenant tenants.ID, id assets.ID, keys []string) error {
	if err := s.mustBeDeleted(ctx, tenant, id); err != nil {
		return fmt.Errorf("lifecycle.PurgeCDN %s: %w", id, err)
	}
	paths := make([]string, len(keys))
	for i, k := range keys {
		paths[i] = "/" + k
	}
	p := s.Purger
	if p == nil {
		p = NoPurge{}
	}
	if err := p.Purge(ctx, PurgeRequest{Tenant: tenant, Asset: id, Prefix: assets.Prefix(tenant, id), Paths: paths}); err != nil {
		return fmt.Errorf("lifecycle.PurgeCDN %s: %w", id, err)
	}
	return nil
}

func (s *Service) mustBeDeleted(ctx context.Context, tenant tenants.ID, id assets.ID) error {
	a, err := s.Assets.Get(ctx, tenant, id)
	if err != nil {
		return err
	}
	if a.Status != assets.StatusDeleted {
		return errs.Conflict("the asset is %s, not DELETED", a.Status)
	}
	return nil
}

// ReplaceSource starts replacing the source of a title that has an asset:
// a new asset is made from upload (a complete source) and ingested beside the
// old one while the title keeps playing the old. One replacement at a time
// per title (Conflict).
func (s *Service) ReplaceSource(ctx context.Context, tenant tenants.ID, title catalog.TitleID, upload uploads.ID) (Replacement, error) {
	t, err := s.Titles.GetTitle(ctx, tenant, title)
	if err != nil {
		return Replacement{}, fmt.Errorf("lifecycle.ReplaceSource: %w", err)
	}
	if t.AssetID == nil {
		return Replacement{}, errs.Invalid("the title has no source yet: ingest one onto it instead")
	}
	if cur, err := s.LatestReplacement(ctx, tenant, title); err != nil {
		return Replacement{}, err
	} else if cur != nil && cur.Status == ReplacementPending {
		return Replacement{}, errs.Conflict("the title's source is already being replaced")
	}
	a, err := s.Assets.Create(ctx, tenant, upload)
	if err != nil {
		return Replacement{}, fmt.Errorf("lifecycle.ReplaceSource: %w", err)
	}
	var row lifecyclesql.TitleSourceReplacement
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := lifecyclesql.New(tx)
		cur, err := q.LockTitleSource(ctx, lifecyclesql.LockTitleSourceParams{TenantID: tenant, ID: title})
		if db.IsNoRows(err) {
			return errs.NotFound("no such title")
		} else if err != nil {
			return err
		}
		if cur.AssetID == nil {
			return errs.Invalid("the title has no source yet: ingest one onto it instead")
		}
		now := s.now()
		row, err = q.InsertReplacement(ctx, lifecyclesql.InsertReplacementParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			TitleID: title, OldAssetID: *cur.AssetID, NewAssetID: a.ID, Now: now})
		if _, dup := db.IsUniqueViolation(err); dup {
			return errs.Conflict("the title's source is already being replaced")
		} else if err != nil {
			return err
		}
		return s.record(ctx, tx, now, EventSourceReplacing, row)
	})
	if err != nil {
		// The new asset will never ingest: say so on it rather than leave it PENDING.
		if _, ferr := s.Assets.MarkFailed(context.WithoutCancel(ctx), tenant, a.ID, "not used: "+errs.MessageOf(err)); ferr != nil {
			s.log().Warn("lifecycle: marking an unused replacement asset failed", "tenant", tenant, "asset", a.ID, "err", ferr)
		}
		return Replacement{}, fmt.Errorf("lifecycle.ReplaceSource %s: %w", title, err)
	}
	return replacementFromRow(row), nil
}

// CompleteReplacement switches the title to the replacement's READY new
// asset and retires the asset it played, in one transaction: the title
// never plays nothing, and the old asset's blobs go only after the switch
// committed (asset.deleted starts the purge). A finished replacement is
// returned as it is.
func (s *Service) CompleteReplacement(ctx context.Context, tenant tenants.ID, id ReplacementID) (Replacement, error) {
	var row lifecyclesql.TitleSourceReplacement
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := lifecyclesql.New(tx)
		var err error
		row, err = q.LockReplacement(ctx, lifecyclesql.LockReplacementParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such replacement")
		} else if err != nil || ReplacementStatus(row.Status) != ReplacementPending {
			return err
		}
		now := s.now()
		na, err := q.GetAssetStatus(ctx, lifecyclesql.GetAssetStatusParams{TenantID: tenant, ID: row.NewAssetID})
		if err != nil {
			return err
		}
		if assets.Status(na.Status) != assets.StatusReady {
			return errs.Conflict("the new asset is %s, not READY", na.Status)
		}
		t, err := q.LockTitleSource(ctx, lifecyclesql.LockTitleSourceParams{TenantID: tenant, ID: row.TitleID})
		if db.IsNoRows(err) { // deleted meanwhile: nothing to switch
			row, err = s.finishReplacement(ctx, tx, row, ReplacementFailed, "the title was deleted before the new source was ready", now)
			return err
		} else if err != nil {
			return err
		}
		newID := row.NewAssetID
		if _, err := q.SwitchTitleAsset(ctx, lifecyclesql.SwitchTitleAssetParams{TenantID: tenant, ID: row.TitleID, NewAssetID: &newID, Now: now}); err != nil {
			return err
		}
		// Retire what the title played until now (the old asset, unless an
		// editor attached another meanwhile), if no other title plays it.
		if old := t.AssetID; old != nil && *old != newID {
			_, err := q.TitleUsingAsset(ctx, lifecyclesql.TitleUsingAssetParams{TenantID: tenant, AssetID: old})
			switch {
			case db.IsNoRows(err):
				if err := s.retire(ctx, tx, tenant, *old, &newID, now); err != nil && !errs.Is(err, errs.KindConflict) {
					return err
				}
			case err != nil:
				return err
			}
		}
		row, err = s.finishReplacement(ctx, tx, row, ReplacementSwitched, "", now)
		return err
	})
	if err != nil {
		return Replacement{}, fmt.Errorf("lifecycle.CompleteReplacement %s: %w", id, err)
	}
	return replacementFromRow(row), nil
}

// FailReplacement records that the new asset failed: the title keeps its
// asset and the editor reads reason (the new asset's own failure reason when
// reason is empty). A finished replacement is returned as it is.
func (s *Service) FailReplacement(ctx context.Context, tenant tenants.ID, id ReplacementID, reason string) (Replacement, error) {
	var row lifecyclesql.TitleSourceReplacement
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := lifecyclesql.New(tx)
		var err error
		row, err = q.LockReplacement(ctx, lifecyclesql.LockReplacementParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such replacement")
		} else if err != nil || ReplacementStatus(row.Status) != ReplacementPending {
			return err
		}
		if reason == "" {
			na, err := q.GetAssetStatus(ctx, lifecyclesql.GetAssetStatusParams{TenantID: tenant, ID: row.NewAssetID})
			if err != nil {
				return err
			}
			reason = na.FailureReason
		}
		if reason == "" {
			reason = "the new source could not be ingested"
		}
		row, err = s.finishReplacement(ctx, tx, row, ReplacementFailed, reason, s.now())
		return err
	})
	if err != nil {
		return Replacement{}, fmt.Errorf("lifecycle.FailReplacement %s: %w", id, err)
	}
	return replacementFromRow(row), nil
}

func (s *Service) finishReplacement(ctx context.Context, tx db.Tx, row lifecyclesql.TitleSourceReplacement,
	to ReplacementStatus, reason string, now time.Time) (lifecyclesql.TitleSourceReplacement, error) {
	row, err := lifecyclesql.New(tx).FinishReplacement(ctx, lifecyclesql.FinishReplacementParams{
		TenantID: row.TenantID, ID: row.ID, Status: string(to), Reason: reason, Now: now})
	if err != nil {
		return row, err
	}
	event := EventSourceReplaced
	if to == ReplacementFailed {
		event = EventSourceReplaceFailed
	}
	return row, s.record(ctx, tx, now, event, row)
}

func (s *Service) record(ctx context.Context, tx db.Tx, now time.Time, event string, row lifecyclesql.TitleSourceReplacement) error {
	r := replacementFromRow(row)
	details := map[string]any{"replacement_id": r.ID, "old_asset_id": r.OldAsset, "new_asset_id": r.NewAsset}
	if r.Reason != "" {
		details["reason"] = r.Reason
	}
	if err := audit.Record(ctx, tx, r.Tenant, now, event, "title", r.Title.String(), details); err != nil {
		return err
	}
	return outbox.Emit(ctx, tx, r.Tenant, now, outbox.Event{Type: event, ObjectType: "title", ObjectID: r.Title.String(),
		Payload: ReplacementEvent{ReplacementID: r.ID, TitleID: r.Title, OldAssetID: r.OldAsset, NewAssetID: r.NewAsset, Status: r.Status, Reason: r.Reason}})
}

// Replacement returns one replacement; another tenant's is NotFound.
func (s *Service) Replacement(ctx context.Context, tenant tenants.ID, id ReplacementID) (Replacement, error) {
	var row lifecyclesql.TitleSourceReplacement
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		var err error
		row, err = lifecyclesql.New(tx).LockReplacement(ctx, lifecyclesql.LockReplacementParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such replacement")
		}
		return err
	})
	if err != nil {
		return Replacement{}, fmt.Errorf("lifecycle.Replacement %s: %w", id, err)
	}
	return replacementFromRow(row), nil
}

// LatestReplacement returns the title's latest replacement, or nil.
func (s *Service) LatestReplacement(ctx context.Context, tenant tenants.ID, title catalog.TitleID) (*Replacement, error) {
	var out *Replacement
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		row, err := lifecyclesql.New(q).LatestReplacement(ctx, lifecyclesql.LatestReplacementParams{TenantID: tenant, TitleID: title})
		if db.IsNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		r := replacementFromRow(row)
		out = &r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lifecycle.LatestReplacement %s: %w", title, err)
	}
	return out, nil
}

func replacementFromRow(r lifecyclesql.TitleSourceReplacement) Replacement {
	return Replacement{ID: r.ID, Tenant: r.TenantID, Title: r.TitleID, OldAsset: r.OldAssetID, NewAsset: r.NewAssetID,
		Status: ReplacementStatus(r.Status), Reason: r.Reason, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Consumers are the outbox relay's consumers of the lifecycle (see
// outbox.Consumer): upload.completed starts an automatic ingest,
// asset.deleted the purge, title.source_replacing the replacement.
func (s *Service) Consumers() map[string]outbox.Consumer {
	return map[string]outbox.Consumer{
		uploads.EventCompleted: outbox.ConsumerFunc(s.consumeUploadCompleted),
		assets.EventDeleted:    outbox.ConsumerFunc(s.consumeAssetDeleted),
		EventSourceReplacing:   outbox.ConsumerFunc(s.consumeReplacing),
	}
}

// permanent reports whether a consumer's error will not pass with a retry:
// such events are logged and skipped, never allowed to hold the outbox.
func permanent(err error) bool {
	switch errs.KindOf(err) {
	case errs.KindInvalid, errs.KindNotFound, errs.KindConflict, errs.KindForbidden:
		return true
	}
	return false
}

func (s *Service) skip(e outbox.Event, tenant tenants.ID, err error) error {
	if err == nil || !permanent(err) {
		return err
	}
	s.log().Warn("lifecycle: event skipped", "event", e.Type, "id", e.ID, "tenant", tenant, "err", err)
	return nil
}

func payload(e outbox.Event, v any) error {
	raw, _ := e.Payload.(json.RawMessage)
	if err := json.Unmarshal(raw, v); err != nil {
		return errs.Invalid("lifecycle: the %s payload: %v", e.Type, err)
	}
	return nil
}

// consumeUploadCompleted ingests an upload that asked for it; a second
// delivery finds the asset the first one made (assets.IngestOnCompletion).
func (s *Service) consumeUploadCompleted(ctx context.Context, tenant uuid.UUID, e outbox.Event) error {
	var ev uploads.CompletedEvent
	if err := payload(e, &ev); err != nil {
		return s.skip(e, tenant, err)
	}
	if !ev.AutoIngest || ev.Kind != uploads.KindSource {
		return nil
	}
	title := ev.TitleID
	if title != nil {
		if _, err := s.Titles.GetTitle(ctx, tenant, *title); errs.Is(err, errs.KindNotFound) {
			title = nil // deleted since the upload began: the asset still ingests
		} else if err != nil {
			return err
		}
	}
	_, err := s.Assets.IngestOnCompletion(ctx, tenant, ev.UploadID, title)
	return s.skip(e, tenant, err)
}

func (s *Service) consumeAssetDeleted(ctx context.Context, tenant uuid.UUID, e outbox.Event) error {
	var ev DeletedEvent
	if err := payload(e, &ev); err != nil {
		return s.skip(e, tenant, err)
	}
	if s.Runner == nil {
		return errors.New("lifecycle: no runner to purge with")
	}
	return s.Runner.StartPurge(ctx, tenant, ev.AssetID)
}

func (s *Service) consumeReplacing(ctx context.Context, tenant uuid.UUID, e outbox.Event) error {
	var ev ReplacementEvent
	if err := payload(e, &ev); err != nil {
		return s.skip(e, tenant, err)
	}
	r, err := s.Replacement(ctx, tenant, ev.ReplacementID)
	if err != nil {
		return s.skip(e, tenant, err)
	}
	if r.Status != ReplacementPending {
		return nil // delivered again after it finished
	}
	if s.Runner == nil {
		return errors.New("lifecycle: no runner to replace with")
	}
	return s.Runner.StartReplacement(ctx, r)
}

// LatestReplacements returns each title's latest replacement, for
// dataloaders; titles without one are left out.
func (s *Service) LatestReplacements(ctx context.Context, tenant tenants.ID, titles []catalog.TitleID) (map[catalog.TitleID]Replacement, error) {
	out := make(map[catalog.TitleID]Replacement, len(titles))
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := lifecyclesql.New(q).LatestReplacements(ctx, lifecyclesql.LatestReplacementsParams{TenantID: tenant, TitleIds: titles})
		for _, r := range rows {
			out[r.TitleID] = replacementFromRow(r)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("lifecycle.LatestReplacements: %w", err)
	}
	return out, nil
}
