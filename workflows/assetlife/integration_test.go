package assetlife_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
	"github.com/marquee-ott/marquee/workflows/assetlife"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

var update = flag.Bool("update", false, "record testdata/histories from this run on the dev server")

// recorder is the CDN: it keeps the purge requests.
type recorder struct {
	mu  sync.Mutex
	got []lifecycle.PurgeRequest
}

func (r *recorder) Purge(_ context.Context, p lifecycle.PurgeRequest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, p)
	return nil
}

type harness struct {
	life     *lifecycle.Service
	uploads  *uploads.Service
	assets   *assets.Service
	catalog  *catalog.Service
	blobs    *blob.Bucket
	temporal client.Client
	starter  *assetlife.Starter
	cdn      *recorder
}

// The replacement and the purge on the Temporal dev server with the real
// activities (and the real ingest as the child): a published title's source
// is replaced by a real clip and switched, the old asset's blobs are removed
// and purged; a replacement by a file that is not a video fails and leaves
// the title as it was.
func TestLifecycleOnTheDevServer(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, h.life.DB)
	clip := func(w, hgt int) []byte {
		p := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: w, Height: hgt, Audio: 2})
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The title's first source, ingested for real.
	old, err := h.assets.Ingest(ctx, tenant, h.upload(t, tenant, clip(320, 180)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.temporal.GetWorkflow(ctx, ingest.WorkflowID(tenant, old.ID), "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	title, err := h.catalog.CreateTitle(ctx, tenant, catalog.TitleInput{Kind: catalog.KindMovie,
		Localizations: []catalog.Localization{{Language: "en", Title: "Replaced"}}, AssetID: &old.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.catalog.PublishTitle(ctx, tenant, title.ID); err != nil {
		t.Fatal(err)
	}

	// Replace: switched.
	r, err := h.life.ReplaceSource(ctx, tenant, title.ID, h.upload(t, tenant, clip(320, 240)))
	if err != nil {
		t.Fatal(err)
	}
	h.run(t, assetlife.ReplaceWorkflowID(tenant, r.ID), func() error { return h.starter.StartReplacement(ctx, r) })
	h.record(t, assetlife.ReplaceWorkflowID(tenant, r.ID), "replace_switches.json")
	tt, _ := h.catalog.GetTitle(ctx, tenant, title.ID)
	if *tt.AssetID != r.NewAsset {
		t.Fatalf("the title plays %s, want %s", tt.AssetID, r.NewAsset)
	}
	if a, _ := h.assets.Get(ctx, tenant, old.ID); a.Status != assets.StatusDeleted {
		t.Fatalf("the old asset is %s", a.Status)
	}
	// asset.deleted's consumer starts the purge.
	h.run(t, assetlife.PurgeWorkflowID(tenant, old.ID), func() error { return h.starter.StartPurge(ctx, tenant, old.ID) })
	h.record(t, assetlife.PurgeWorkflowID(tenant, old.ID), "purge_removes_and_purges.json")
	if left := h.keys(t, assets.Prefix(tenant, old.ID)); len(left) != 0 {
		t.Fatalf("old blobs left: %v", left)
	}
	if len(h.keys(t, assets.Prefix(tenant, r.NewAsset))) == 0 {
		t.Fatal("the new asset has no blobs")
	}
	if len(h.cdn.got) != 1 || h.cdn.got[0].Asset != old.ID || len(h.cdn.got[0].Paths) < 3 {
		t.Fatalf("purges %+v", h.cdn.got)
	}

	// Replace by a file that is not a video: failed, title unchanged.
	bad, err := h.life.ReplaceSource(ctx, tenant, title.ID, h.upload(t, tenant, []byte("this is not a video")))
	if err != nil {
		t.Fatal(err)
	}
	h.run(t, assetlife.ReplaceWorkflowID(tenant, bad.ID), func() error { return h.starter.StartReplacement(ctx, bad) })
	h.record(t, assetlife.ReplaceWorkflowID(tenant, bad.ID), "replace_fails.json")
	got, err := h.life.Replacement(ctx, tenant, bad.ID)
	if err != nil || got.Status != lifecycle.ReplacementFailed || got.Reason == "" {
		t.Fatalf("replacement %+v %v", got, err)
	}
	if tt, _ := h.catalog.GetTitle(ctx, tenant, title.ID); *tt.AssetID != r.NewAsset {
		t.Fatal("a failed replacement moved the title")
	}
}

func start(t *testing.T) *harness {
	t.Helper()
	d := testenv.DB(t)
	quiet := log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	c, err := client.Dial(client.Options{HostPort: testenv.Temporal(t), Namespace: "default", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	bucket, err := blobstore.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	runner, err := media.NewRunner(media.RunnerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	queue := "assetlife-test-" + uuid.NewString()
	h := &harness{blobs: bucket, temporal: c, catalog: &catalog.Service{DB: d}, cdn: &recorder{}}
	h.uploads = &uploads.Service{DB: d, Blobs: bucket, Limits: uploads.Limits{MaxSourceBytes: 1 << 30, SourceTypes: []string{"video/mp4"}}}
	h.assets = &assets.Service{DB: d, Uploads: h.uploads, Titles: h.catalog,
		Pipeline: &ingest.Starter{Client: c, TaskQueue: queue, SegmentDuration: time.Second}}
	h.starter = &assetlife.Starter{Client: c, TaskQueue: queue, SegmentDuration: time.Second}
	h.life = &lifecycle.Service{DB: d, Assets: h.assets, Titles: h.catalog, Blobs: bucket, Purger: h.cdn, Runner: h.starter}
	w := worker.New(c, queue, worker.Options{})
	ingest.Register(w, &ingest.Activities{Assets: h.assets, Blobs: bucket, Runner: runner, Titles: h.catalog, WorkDir: t.TempDir()})
	assetlife.Register(w, &assetlife.Activities{Lifecycle: h.life})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return h
}

func (h *harness) upload(t *testing.T, tenant uuid.UUID, data []byte) uploads.ID {
	t.Helper()
	ctx := context.Background()
	u, err := h.uploads.Create(ctx, tenants.Principal{Tenant: tenant},
		uploads.CreateInput{Kind: uploads.KindSource, Filename: "clip.mp4", ContentType: "video/mp4", Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.uploads.Begin(ctx, tenant, u.ID, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if _, err := h.uploads.Complete(ctx, tenant, u.ID, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// run starts a workflow and waits for it to end well.
func (h *harness) run(t *testing.T, id string, startIt func() error) {
	t.Helper()
	if err := startIt(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := h.temporal.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
}

func (h *harness) keys(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	it := h.blobs.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(context.Background())
		if err != nil {
			return out
		}
		out = append(out, o.Key)
	}
}

// record keeps the workflow's history in testdata/histories with -update.
func (h *harness) record(t *testing.T, id, name string) {
	t.Helper()
	if !*update {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hist := &historypb.History{}
	iter := h.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join("testdata", "histories"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "histories", name), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
