package lifecycle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
)

// fixture wires the lifecycle over a real database and a file bucket, with
// hand-written fakes for what runs on Temporal and the CDN.
type fixture struct {
	db      *db.DB
	blobs   *blob.Bucket
	uploads *uploads.Service
	assets  *assets.Service
	catalog *catalog.Service
	life    *lifecycle.Service

	mu      sync.Mutex
	ingests []assets.IngestRequest
	purges  []uuid.UUID
	purged  []lifecycle.PurgeRequest
}

func (f *fixture) StartIngest(_ context.Context, r assets.IngestRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ingests = append(f.ingests, r)
	return nil
}

func (f *fixture) StartPurge(_ context.Context, _ tenants.ID, a assets.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.purges = append(f.purges, a)
	return nil
}

func (f *fixture) StartReplacement(context.Context, lifecycle.Replacement) error { return nil }

func (f *fixture) Purge(_ context.Context, r lifecycle.PurgeRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.purged = append(f.purged, r)
	return nil
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := testenv.DB(t)
	bucket, err := blobstore.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	f := &fixture{db: d, blobs: bucket, catalog: &catalog.Service{DB: d}}
	f.uploads = &uploads.Service{DB: d, Blobs: bucket, Titles: f.catalog,
		Limits: uploads.Limits{MaxSourceBytes: 1 << 20, SourceTypes: []string{"video/mp4"}, CaptionTypes: []string{"text/vtt"}, MaxCaptionBytes: 1 << 20}}
	f.assets = &assets.Service{DB: d, Uploads: f.uploads, Titles: f.catalog, Pipeline: f}
	f.life = &lifecycle.Service{DB: d, Assets: f.assets, Titles: f.catalog, Blobs: bucket, Purger: f, Runner: f}
	return f
}

func (f *fixture) upload(t *testing.T, tenant uuid.UUID, in uploads.CreateInput) uploads.ID {
	t.Helper()
	ctx := context.Background()
	data := []byte("not really a video, but a complete upload")
	in.Kind, in.Filename, in.ContentType, in.Size = uploads.KindSource, "f.mp4", "video/mp4", int64(len(data))
	u, err := f.uploads.Create(ctx, tenants.Principal{Tenant: tenant}, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.uploads.Begin(ctx, tenant, u.ID, in.Size); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uploads.Complete(ctx, tenant, u.ID, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// readyAsset makes a READY asset with a few blobs under its prefix.
func (f *fixture) readyAsset(t *testing.T, tenant uuid.UUID) assets.Asset {
	t.Helper()
	ctx := context.Background()
	a, err := f.assets.Create(ctx, tenant, f.upload(t, tenant, uploads.CreateInput{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.MarkProcessing(ctx, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	p := assets.Prefix(tenant, a.ID)
	for _, k := range []string{"hls/master.m3u8", "hls/360p/seg1.m4s", "dash/manifest.mpd"} {
		if err := f.blobs.WriteAll(ctx, p+k, []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
	}
	a, err = f.assets.MarkReady(ctx, tenant, a.ID, p+"hls/master.m3u8", p+"dash/manifest.mpd")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) title(t *testing.T, tenant uuid.UUID, asset *uuid.UUID) catalog.Title {
	t.Helper()
	tt, err := f.catalog.CreateTitle(context.Background(), tenant, catalog.TitleInput{Kind: catalog.KindMovie,
		Localizations: []catalog.Localization{{Language: "en", Title: "Film"}}, AssetID: asset})
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

func (f *fixture) keys(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	it := f.blobs.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(context.Background())
		if err != nil {
			return out
		}
		out = append(out, o.Key)
	}
}

func (f *fixture) events(t *testing.T, tenant uuid.UUID, typ string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	err := f.db.ReadTenant(context.Background(), tenant, func(q db.Querier) error {
		rows, err := q.Query(context.Background(), `SELECT payload FROM outbox_events WHERE type = $1 ORDER BY seq`, typ)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) audited(t *testing.T, tenant uuid.UUID, action string) int {
	t.Helper()
	var n int
	err := f.db.ReadTenant(context.Background(), tenant, func(q db.Querier) error {
		return q.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1`, action).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// upload.completed of an upload that asked for an automatic ingest makes
// exactly one asset and starts its ingest onto the title, however many times
// it is delivered, also at once; an upload that did not ask makes none.
func TestAutoIngestMakesOneAssetPerUploadWhateverTheDeliveries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.db)
	title := f.title(t, tenant, nil)
	up := f.upload(t, tenant, uploads.CreateInput{AutoIngest: true, TitleID: &title.ID})
	plain := f.upload(t, tenant, uploads.CreateInput{})

	payloads := f.events(t, tenant, uploads.EventCompleted)
	if len(payloads) != 2 {
		t.Fatalf("%d upload.completed events", len(payloads))
	}
	consume := f.life.Consumers()[uploads.EventCompleted]
	var wg sync.WaitGroup
	for range 4 { // delivered four times, two at once
		for _, p := range payloads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := consume.Consume(ctx, tenant, outbox.Event{Type: uploads.EventCompleted, Payload: p}); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	var n int
	err := f.db.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM media_assets WHERE upload_id = $1`, up).Scan(&n)
	})
	if err != nil || n != 1 {
		t.Fatalf("%d assets for the upload (%v), want 1", n, err)
	}
	a, err := f.assets.OfUpload(ctx, tenant, up)
	if err != nil || !a.AutoIngest {
		t.Fatalf("asset %+v, %v", a, err)
	}
	for _, r := range f.ingests {
		if r.Asset != a.ID || r.Title == nil || *r.Title != title.ID {
			t.Fatalf("ingest started for %+v, want asset %s onto title %s", r, a.ID, title.ID)
		}
	}
	if len(f.ingests) == 0 {
		t.Fatal("no ingest started")
	}
	if _, err := f.assets.OfUpload(ctx, tenant, plain); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("an upload without autoIngest got an asset: %v", err)
	}
	// Once the asset's ingest has begun, a late delivery starts nothing.
	if _, err := f.assets.MarkProcessing(ctx, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	before := len(f.ingests)
	if err := consume.Consume(ctx, tenant, outbox.Event{Type: uploads.EventCompleted, Payload: payloads[0]}); err != nil {
		t.Fatal(err)
	}
	if len(f.ingests) != before {
		t.Fatal("a late delivery started a second ingest")
	}
}

// Auto-ingest is for sources, and a title it names must be the tenant's.
func TestAutoIngestRefusesCaptionsAndOtherTenantsTitles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant, other := testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db)
	theirs := f.title(t, other, nil)
	en := "en"
	_, err := f.uploads.Create(ctx, tenants.Principal{Tenant: tenant}, uploads.CreateInput{Kind: uploads.KindCaption,
		Filename: "f.vtt", ContentType: "text/vtt", Size: 10, Language: &en, AutoIngest: true})
	if !errs.Is(err, errs.KindInvalid) || errs.FieldOf(err) != "autoIngest" {
		t.Fatalf("captions with autoIngest: %v", err)
	}
	_, err = f.uploads.Create(ctx, tenants.Principal{Tenant: tenant}, uploads.CreateInput{Kind: uploads.KindSource,
		Filename: "f.mp4", ContentType: "video/mp4", Size: 10, AutoIngest: true, TitleID: &theirs.ID})
	if !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("another tenant's title: %v", err)
	}
	playing := f.readyAsset(t, tenant)
	withVideo := f.title(t, tenant, &playing.ID)
	_, err = f.uploads.Create(ctx, tenants.Principal{Tenant: tenant}, uploads.CreateInput{Kind: uploads.KindSource,
		Filename: "f.mp4", ContentType: "video/mp4", Size: 10, AutoIngest: true, TitleID: &withVideo.ID})
	if !errs.Is(err, errs.KindInvalid) || errs.FieldOf(err) != "titleId" {
		t.Fatalf("auto-ingest onto a title that has a video: %v", err)
	}
	_, err = f.uploads.Create(ctx, tenants.Principal{Tenant: tenant}, uploads.CreateInput{Kind: uploads.KindSource,
		Filename: "f.mp4", ContentType: "video/mp4", Size: 10, TitleID: &theirs.ID})
	if !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("a title without autoIngest: %v", err)
	}
}

// Deleting an asset keeps its row as DELETED with an audit entry and
// asset.deleted, whose consumer starts the purge; the purge removes every
// blob under the asset's prefix and tells the CDN their paths. An asset a
// title plays, or one still ingesting, cannot be deleted.
func TestDeleteAssetRemovesItsBlobsAndPurges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.db)
	a := f.readyAsset(t, tenant)

	playing := f.readyAsset(t, tenant)
	f.title(t, tenant, &playing.ID)
	if _, err := f.life.DeleteAsset(ctx, tenant, playing.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("deleting an asset a title plays: %v", err)
	}
	busy, err := f.assets.Create(ctx, tenant, f.upload(t, tenant, uploads.CreateInput{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.life.DeleteAsset(ctx, tenant, busy.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("deleting a PENDING asset: %v", err)
	}
	// Blobs are removed only once an asset is DELETED.
	if _, err := f.life.RemoveAssetBlobs(ctx, tenant, a.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("removing a READY asset's blobs: %v", err)
	}

	got, err := f.life.DeleteAsset(ctx, tenant, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != assets.StatusDeleted || got.DeletedAt == nil {
		t.Fatalf("after delete: %+v", got)
	}
	if again, err := f.life.DeleteAsset(ctx, tenant, a.ID); err != nil || again.Status != assets.StatusDeleted {
		t.Fatalf("deleting again: %+v %v", again, err)
	}
	evs := f.events(t, tenant, assets.EventDeleted)
	if len(evs) != 1 || f.audited(t, tenant, assets.EventDeleted) != 1 {
		t.Fatalf("asset.deleted events %d, audited %d", len(evs), f.audited(t, tenant, assets.EventDeleted))
	}
	if err := f.life.Consumers()[assets.EventDeleted].Consume(ctx, tenant, outbox.Event{Type: assets.EventDeleted, Payload: evs[0]}); err != nil {
		t.Fatal(err)
	}
	if len(f.purges) != 1 || f.purges[0] != a.ID {
		t.Fatalf("purges started %v", f.purges)
	}
	keys, err := f.life.RemoveAssetBlobs(ctx, tenant, a.ID)
	if err != nil || len(keys) != 3 {
		t.Fatalf("removed %v, %v", keys, err)
	}
	if left := f.keys(t, assets.Prefix(tenant, a.ID)); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
	if err := f.life.PurgeCDN(ctx, tenant, a.ID, keys); err != nil {
		t.Fatal(err)
	}
	if len(f.purged) != 1 || len(f.purged[0].Paths) != 3 || f.purged[0].Paths[0][0] != '/' || f.purged[0].Prefix != assets.Prefix(tenant, a.ID) {
		t.Fatalf("purged %+v", f.purged)
	}
	// The other assets' blobs are untouched.
	if left := f.keys(t, assets.Prefix(tenant, playing.ID)); len(left) != 3 {
		t.Fatalf("the playing asset's blobs: %v", left)
	}
}

// Security: deleting can never reach another tenant's blobs. Another
// tenant's asset id is NOT_FOUND for DeleteAsset and RemoveAssetBlobs, and
// the prefix removed is made from the caller's tenant: blobs stored under
// another tenant's folder with the same asset id stay.
func TestDeleteNeverRemovesAnotherTenantsBlobs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	owner, intruder := testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db)
	a := f.readyAsset(t, owner)
	if _, err := f.life.DeleteAsset(ctx, intruder, a.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("another tenant deleting: %v", err)
	}
	if _, err := f.life.RemoveAssetBlobs(ctx, intruder, a.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("another tenant removing blobs: %v", err)
	}
	if left := f.keys(t, assets.Prefix(owner, a.ID)); len(left) != 3 {
		t.Fatalf("the owner's blobs after the intruder: %v", left)
	}
	// Same asset id under the intruder's own folder, as if planted: the
	// owner's deletion removes only the owner's folder.
	planted := assets.Prefix(intruder, a.ID) + "hls/master.m3u8"
	if err := f.blobs.WriteAll(ctx, planted, []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.life.DeleteAsset(ctx, owner, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.life.RemoveAssetBlobs(ctx, owner, a.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.blobs.Exists(ctx, planted); !ok {
		t.Fatal("the owner's deletion removed a blob under another tenant's folder")
	}
}

// Replacing a title's source: the title keeps its asset while the new one
// ingests; when the new one is READY the switch moves the title and
// retires the old asset in one transaction (asset.deleted for the purge);
// when the new one fails the title keeps the old asset and the replacement
// carries the asset's reason. One replacement at a time.
func TestReplaceSourceSwitchesAtomicallyOrKeepsTheOld(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.db)
	old := f.readyAsset(t, tenant)
	title := f.title(t, tenant, &old.ID)
	if _, err := f.catalog.PublishTitle(ctx, tenant, title.ID); err != nil {
		t.Fatal(err)
	}
	bare := f.title(t, tenant, nil)
	if _, err := f.life.ReplaceSource(ctx, tenant, bare.ID, f.upload(t, tenant, uploads.CreateInput{})); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("replacing a title without a source: %v", err)
	}

	r, err := f.life.ReplaceSource(ctx, tenant, title.ID, f.upload(t, tenant, uploads.CreateInput{}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != lifecycle.ReplacementPending || r.OldAsset != old.ID {
		t.Fatalf("replacement %+v", r)
	}
	if _, err := f.life.ReplaceSource(ctx, tenant, title.ID, f.upload(t, tenant, uploads.CreateInput{})); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("a second replacement at once: %v", err)
	}
	// Not READY yet: no switch, the title still plays the old asset.
	if _, err := f.life.CompleteReplacement(ctx, tenant, r.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("switching to a PENDING asset: %v", err)
	}
	if tt, _ := f.catalog.GetTitle(ctx, tenant, title.ID); *tt.AssetID != old.ID {
		t.Fatal("the title left its old asset before the new one was ready")
	}
	if _, err := f.assets.MarkProcessing(ctx, tenant, r.NewAsset); err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.MarkReady(ctx, tenant, r.NewAsset, "h", "d"); err != nil {
		t.Fatal(err)
	}
	done, err := f.life.CompleteReplacement(ctx, tenant, r.ID)
	if err != nil || done.Status != lifecycle.ReplacementSwitched {
		t.Fatalf("switch: %+v %v", done, err)
	}
	tt, _ := f.catalog.GetTitle(ctx, tenant, title.ID)
	if *tt.AssetID != r.NewAsset || tt.Status != catalog.StatusPublished {
		t.Fatalf("after the switch the title plays %v (%s)", tt.AssetID, tt.Status)
	}
	if o, _ := f.assets.Get(ctx, tenant, old.ID); o.Status != assets.StatusDeleted {
		t.Fatalf("the old asset is %s", o.Status)
	}
	if n := len(f.events(t, tenant, assets.EventDeleted)); n != 1 {
		t.Fatalf("%d asset.deleted events", n)
	}
	if n := len(f.events(t, tenant, lifecycle.EventSourceReplaced)); n != 1 || f.audited(t, tenant, lifecycle.EventSourceReplaced) != 1 {
		t.Fatalf("%d title.source_replaced events", n)
	}
	if again, err := f.life.CompleteReplacement(ctx, tenant, r.ID); err != nil || again.Status != lifecycle.ReplacementSwitched {
		t.Fatalf("switching again: %+v %v", again, err)
	}

	// A failing replacement: the title keeps the asset it plays.
	r2, err := f.life.ReplaceSource(ctx, tenant, title.ID, f.upload(t, tenant, uploads.CreateInput{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.MarkFailed(ctx, tenant, r2.NewAsset, "the file is not a video"); err != nil {
		t.Fatal(err)
	}
	failed, err := f.life.FailReplacement(ctx, tenant, r2.ID, "")
	if err != nil || failed.Status != lifecycle.ReplacementFailed || failed.Reason != "the file is not a video" {
		t.Fatalf("failed replacement %+v %v", failed, err)
	}
	tt, _ = f.catalog.GetTitle(ctx, tenant, title.ID)
	if *tt.AssetID != r.NewAsset {
		t.Fatal("a failed replacement moved the title")
	}
	latest, err := f.life.LatestReplacement(ctx, tenant, title.ID)
	if err != nil || latest == nil || latest.ID != r2.ID || latest.Reason == "" {
		t.Fatalf("latest %+v %v", latest, err)
	}
	// Another tenant sees none of it.
	other := testenv.MustTenant(t, f.db)
	if _, err := f.life.Replacement(ctx, other, r2.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("another tenant's replacement: %v", err)
	}
}

// Two replacements asked at once: one wins, the other is a CONFLICT and
// leaves no asset PENDING forever behind it.
func TestConcurrentReplacementsLeaveNoStrayAsset(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.db)
	old := f.readyAsset(t, tenant)
	title := f.title(t, tenant, &old.ID)
	ups := []uploads.ID{f.upload(t, tenant, uploads.CreateInput{}), f.upload(t, tenant, uploads.CreateInput{}), f.upload(t, tenant, uploads.CreateInput{})}
	var wg sync.WaitGroup
	errsOut := make([]error, len(ups))
	for i, u := range ups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errsOut[i] = f.life.ReplaceSource(ctx, tenant, title.ID, u)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errsOut {
		switch {
		case err == nil:
			won++
		case !errs.Is(err, errs.KindConflict):
			t.Fatalf("a losing replacement: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d replacements won", won)
	}
	var pending int
	err := f.db.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM media_assets WHERE status = 'PENDING'`).Scan(&pending)
	})
	if err != nil || pending != 1 {
		t.Fatalf("%d PENDING assets (%v), want the winner's only", pending, err)
	}
}
