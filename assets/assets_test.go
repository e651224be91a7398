package assets_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
)

type fixture struct {
	db      *db.DB
	uploads *uploads.Service
	assets  *assets.Service
	started []assets.IngestRequest
}

// StartIngest is the fixture's Pipeline: it only records.
func (f *fixture) StartIngest(_ context.Context, r assets.IngestRequest) error {
	f.started = append(f.started, r)
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
	f := &fixture{db: d, uploads: &uploads.Service{DB: d, Blobs: bucket,
		Limits: uploads.Limits{MaxSourceBytes: 1 << 20, SourceTypes: []string{"video/mp4"}, CaptionTypes: []string{"text/vtt"}, MaxCaptionBytes: 1 << 20}}}
	f.assets = &assets.Service{DB: d, Uploads: f.uploads, Titles: &catalog.Service{DB: d}, Pipeline: f}
	return f
}

// mustUpload makes a complete upload of kind.
func (f *fixture) mustUpload(t *testing.T, tenant uuid.UUID, kind uploads.Kind, contentType string, data []byte) uploads.ID {
	return f.mustUploadAs(t, tenant, kind, contentType, data, true)
}

// mustUploadAs makes an upload of kind, complete or left pending.
func (f *fixture) mustUploadAs(t *testing.T, tenant uuid.UUID, kind uploads.Kind, contentType string, data []byte, complete bool) uploads.ID {
	t.Helper()
	ctx := context.Background()
	u, err := f.uploads.Create(ctx, tenants.Principal{Tenant: tenant},
		uploadInput(kind, contentType, len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !complete {
		return u.ID
	}
	if _, err := f.uploads.Begin(ctx, tenant, u.ID, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uploads.Complete(ctx, tenant, u.ID, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func uploadInput(kind uploads.Kind, contentType string, size int) uploads.CreateInput {
	in := uploads.CreateInput{Kind: kind, Filename: "f.mp4", ContentType: contentType, Size: int64(size)}
	if kind == uploads.KindCaption {
		en := "en"
		in.Filename, in.Language = "f.vtt", &en
	}
	return in
}

func (f *fixture) events(t *testing.T, tenant uuid.UUID, asset uuid.UUID) []string {
	t.Helper()
	var got []string
	err := f.db.ReadTenant(context.Background(), tenant, func(q db.Querier) error {
		rows, err := q.Query(context.Background(),
			`SELECT type FROM outbox_events WHERE object_type = 'asset' AND object_id = $1 ORDER BY seq`, asset.String())
		if err != nil {
			return err
		}
		got, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// An asset goes PENDING → PROCESSING → READY, each change once (repeating
// one changes nothing), each with its event; a finished asset cannot move.
func TestAssetLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.db)
	up := f.mustUpload(t, tenant, uploads.KindSource, "video/mp4", []byte("video bytes"))
	missing := uuid.New()
	if _, err := f.assets.Ingest(ctx, tenant, up, &missing); !errs.Is(err, errs.KindNotFound) || len(f.started) != 0 {
		t.Fatalf("ingest for a missing title: %v, started %v; want NotFound, nothing started", err, f.started)
	}
	tt, err := (&catalog.Service{DB: f.db}).CreateTitle(ctx, tenant,
		catalog.TitleInput{Kind: catalog.KindMovie, Localizations: []catalog.Localization{{Language: "en", Title: "T"}}})
	if err != nil {
		t.Fatal(err)
	}
	title := tt.ID
	a, err := f.assets.Ingest(ctx, tenant, up, &title)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != assets.StatusPending || a.UploadID != up || !strings.HasSuffix(a.SourceKey, "/source") {
		t.Fatalf("created %+v", a)
	}
	if len(f.started) != 1 || f.started[0] != (assets.IngestRequest{Tenant: tenant, Asset: a.ID, Title: &title}) {
		t.Fatalf("started %+v", f.started)
	}
	for range 2 {
		if a, err = f.assets.MarkProcessing(ctx, tenant, a.ID); err != nil || a.Status != assets.StatusProcessing {
			t.Fatalf("processing: %+v %v", a, err)
		}
	}
	if err := f.assets.SetPlan(ctx, tenant, a.ID, map[string]int{"p": 1}, map[string]int{"l": 2}, 2*time.Second, 640, 360); err != nil {
		t.Fatal(err)
	}
	if err := f.assets.SetProgress(ctx, tenant, a.ID, 140); err != nil {
		t.Fatal(err)
	}
	if a, err = f.assets.Get(ctx, tenant, a.ID); err != nil || a.Percent != 100 || a.Width != 640 || a.Duration != 2*time.Second ||
		!strings.Contains(string(a.Ladder), `"l"`) {
		t.Fatalf("planned: %+v %v", a, err)
	}
	for range 2 {
		if a, err = f.assets.MarkReady(ctx, tenant, a.ID, "k/master.m3u8", "k/manifest.mpd"); err != nil || a.Status != assets.StatusReady || a.HLSKey != "k/master.m3u8" {
			t.Fatalf("ready: %+v %v", a, err)
		}
	}
	if _, err := f.assets.MarkFailed(ctx, tenant, a.ID, "late"); !errs.Is(err, errs.KindConflict) {
		t.Errorf("failing a READY asset: %v, want Conflict", err)
	}
	if _, err := f.assets.MarkProcessing(ctx, tenant, a.ID); !errs.Is(err, errs.KindConflict) {
		t.Errorf("restarting a READY asset: %v, want Conflict", err)
	}
	if got := f.events(t, tenant, a.ID); strings.Join(got, " ") != "asset.processing asset.ready" {
		t.Errorf("events %v", got)
	}
}

// A failed asset keeps its reason and says so once.
func TestAssetFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.db)
	a, err := f.assets.Create(ctx, tenant, f.mustUpload(t, tenant, uploads.KindSource, "video/mp4", []byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if a, err = f.assets.MarkFailed(ctx, tenant, a.ID, "not a video"); err != nil || a.Status != assets.StatusFailed || a.FailureReason != "not a video" {
			t.Fatalf("failed: %+v %v", a, err)
		}
	}
	if got := f.events(t, tenant, a.ID); strings.Join(got, " ") != "asset.failed" {
		t.Errorf("events %v", got)
	}
}

// Only a complete source upload can be ingested.
func TestAssetNeedsACompleteSource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.db)
	if _, err := f.assets.Create(ctx, tenant, f.mustUploadAs(t, tenant, uploads.KindSource, "video/mp4", []byte("x"), false)); !errs.Is(err, errs.KindConflict) {
		t.Errorf("pending upload: %v, want Conflict", err)
	}
	if _, err := f.assets.Create(ctx, tenant, f.mustUpload(t, tenant, uploads.KindCaption, "text/vtt", []byte("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n"))); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("caption upload: %v, want Invalid", err)
	}
	if _, err := f.assets.Create(ctx, tenant, uuid.New()); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("no upload: %v, want NotFound", err)
	}
}

// Invariant: a tenant can neither read nor change another tenant's asset,
// nor ingest another tenant's upload; row-level security holds it even
// where the service's own checks would not.
func TestAssetsAreTenantIsolated(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a1, other := testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db)
	up := f.mustUpload(t, a1, uploads.KindSource, "video/mp4", []byte("x"))
	a, err := f.assets.Create(ctx, a1, up)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.Get(ctx, other, a.ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("reading another tenant's asset: %v, want NotFound", err)
	}
	if _, err := f.assets.MarkFailed(ctx, other, a.ID, "x"); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("failing another tenant's asset: %v, want NotFound", err)
	}
	if _, err := f.assets.Create(ctx, other, up); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("ingesting another tenant's upload: %v, want NotFound", err)
	}
	var n int
	err = f.db.ReadTenant(ctx, other, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM media_assets`).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Errorf("another tenant sees %d assets (%v)", n, err)
	}
}
