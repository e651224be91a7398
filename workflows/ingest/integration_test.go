package ingest_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grafov/m3u8"
	"github.com/jackc/pgx/v5"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/contentkeys"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

var update = flag.Bool("update", false, "record testdata/histories from this run on the dev server")

// The segment length the dev-server ingests are cut to: a 2 s clip then has
// two segments a rendition.
const testSegment = time.Second

// The whole path on the real services: a source uploaded into the bucket,
// the asset created, the workflow on the Temporal dev server with the real
// activities (ffprobe, ffmpeg, the bucket, the database), then the package
// read back as a player would.
func TestIngestOnTheDevServer(t *testing.T) {
	h := startHarness(t)
	t.Run("a clip becomes a READY asset whose every rendition decodes", h.clipBecomesReady)
	t.Run("a file that is not a video ends FAILED with the reason", h.notAVideoFails)
	t.Run("a finished transcode is not run again", h.finishedTranscodeIsKept)
	t.Run("a tenant that encrypts gets an HLS-only AES-128 package", h.encryptedClip)
	t.Run("a retried encryption does not encrypt twice", h.encryptionRetryIsIdempotent)
}

type harness struct {
	acts     *ingest.Activities
	uploads  *uploads.Service
	assets   *assets.Service
	catalog  *catalog.Service
	blobs    *blob.Bucket
	temporal client.Client
	keys     *contentkeys.Store
}

func startHarness(t *testing.T) *harness {
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
	queue := "ingest-test-" + uuid.NewString() // no other package's worker takes our tasks
	up := &uploads.Service{DB: d, Blobs: bucket, Limits: uploads.Limits{MaxSourceBytes: 1 << 30, SourceTypes: []string{"video/mp4"},
		MaxCaptionBytes: 1 << 20, CaptionTypes: []string{"text/vtt", "application/x-subrip"}, MaxAudioBytes: 1 << 30, AudioTypes: []string{"audio/mp4"}}}
	h := &harness{uploads: up, blobs: bucket, temporal: c, catalog: &catalog.Service{DB: d}, keys: mustKeyStore(t, d)}
	h.assets = &assets.Service{DB: d, Uploads: up, Titles: h.catalog,
		Pipeline: &ingest.Starter{Client: c, TaskQueue: queue, SegmentDuration: testSegment, Encryption: h.keys}}
	w := worker.New(c, queue, worker.Options{})
	h.acts = &ingest.Activities{Assets: h.assets, Blobs: bucket, Runner: runner, Titles: h.catalog, WorkDir: t.TempDir(), Keys: h.keys}
	ingest.Register(w, h.acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return h
}

// upload stores data as a complete source upload of the tenant.
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

// wait waits for the asset's workflow to end and returns its error.
func (h *harness) wait(t *testing.T, tenant, asset uuid.UUID) (ingest.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var res ingest.Result
	err := h.temporal.GetWorkflow(ctx, ingest.WorkflowID(tenant, asset), "").Get(ctx, &res)
	return res, err
}

func (h *harness) clipBecomesReady(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := testenv.MustTenant(t, h.assets.DB)
	src := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 640, Height: 360, Rate: "30", Audio: 2})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	title, err := h.catalog.CreateTitle(ctx, tenant, catalog.TitleInput{Kind: catalog.KindMovie, Localizations: []catalog.Localization{{Language: "en", Title: "Clip"}}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.assets.Ingest(ctx, tenant, h.upload(t, tenant, data), &title.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.wait(t, tenant, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.assets.Get(ctx, tenant, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	prefix := assets.Prefix(tenant, a.ID)
	if got.Status != assets.StatusReady || got.Percent != 100 || got.HLSKey != prefix+media.HLSMaster ||
		got.DASHKey != prefix+media.DASHMPD || got.HLSKey != res.HLSKey || got.Width != 640 || got.Height != 360 ||
		got.Duration < 1900*time.Millisecond || len(got.Ladder) == 0 || len(got.Probe) == 0 {
		t.Fatalf("asset %+v", got)
	}
	if tt, err := h.catalog.GetTitle(ctx, tenant, title.ID); err != nil || tt.AssetID == nil || *tt.AssetID != a.ID {
		t.Errorf("title's asset %v (%v), want %s", tt.AssetID, err, a.ID)
	}
	mustEvents(t, h, tenant, a.ID, assets.EventProcessing, assets.EventReady)

	dir := download(t, h.blobs, prefix)
	variants := mustVariants(t, filepath.Join(dir, media.HLSMaster))
	if len(variants) != 2 {
		t.Fatalf("%d variants, want 360p and 240p", len(variants))
	}
	var first []float64
	for i, v := range variants {
		// A player's path: the master playlist, the variant, its segments.
		out, err := exec.Command("ffmpeg", "-v", "error", "-protocol_whitelist", "file", "-i", filepath.Join(dir, media.HLSMaster),
			"-map", fmt.Sprintf("0:v:%d", i), "-map", "0:a:0", "-f", "null", "-").CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("variant %d (%s) does not decode cleanly: %v\n%s", i, v.URI, err, out)
		}
		durations := mustSegments(t, filepath.Join(dir, v.URI))
		var total float64
		for k, d := range durations {
			total += d
			if k < len(durations)-1 && math.Abs(d-testSegment.Seconds()) > 0.05 {
				t.Errorf("%s: segment %d lasts %.3f s, want %.3f", v.URI, k, d, testSegment.Seconds())
			}
		}
		if math.Abs(total-2) > 0.1 {
			t.Errorf("%s: segments %v add up to %.3f s, want 2", v.URI, durations, total)
		}
		// Segments start on keyframes: aligned keyframes give every
		// rendition the same segment boundaries, so a player switches cleanly.
		if i == 0 {
			first = durations
		} else if fmt.Sprint(durations) != fmt.Sprint(first) {
			t.Errorf("%s: segments %v, top rendition %v: not aligned", v.URI, durations, first)
		}
	}
	audio := mustSegments(t, filepath.Join(dir, variants[0].Alternatives[0].URI))
	if len(audio) == 0 {
		t.Error("the audio playlist has no segments")
	}

	mpd := mustMPD(t, filepath.Join(dir, media.DASHMPD))
	var reps []string
	for _, as := range mpd.Period.AdaptationSets {
		for _, r := range as.Representations {
			reps = append(reps, fmt.Sprintf("%s:%dx%d", as.ContentType, r.Width, r.Height))
			init := strings.ReplaceAll(r.SegmentTemplate.Initialization, "$RepresentationID$", r.ID)
			if _, err := os.Stat(filepath.Join(dir, init)); err != nil {
				t.Errorf("representation %s: %v", r.ID, err)
			}
		}
	}
	want := []string{"video:640x360", "video:426x240", "audio:0x0"}
	if strings.Join(reps, " ") != strings.Join(want, " ") {
		t.Errorf("MPD representations %v, want %v (the HLS variants and audio)", reps, want)
	}

	if _, err := os.Stat(filepath.Join(dir, "init_0.mp4")); err != nil {
		t.Error("HLS and DASH do not share the segments: ", err)
	}
	h.recordHistory(t, ingest.WorkflowID(tenant, a.ID), "clip_becomes_ready.json")
}

func (h *harness) notAVideoFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := testenv.MustTenant(t, h.assets.DB)
	a, err := h.assets.Ingest(ctx, tenant, h.upload(t, tenant, []byte("this is not a video, only some text\n")), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.wait(t, tenant, a.ID)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != ingest.ErrInvalidSource {
		t.Fatalf("workflow error %v, want %s", err, ingest.ErrInvalidSource)
	}
	got, err := h.assets.Get(ctx, tenant, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != assets.StatusFailed || got.FailureReason == "" || got.FailureReason != app.Message() {
		t.Fatalf("asset %s %q, want FAILED with %q", got.Status, got.FailureReason, app.Message())
	}
	t.Logf("reason: %s", got.FailureReason)
	mustEvents(t, h, tenant, a.ID, assets.EventProcessing, assets.EventFailed)
	h.recordHistory(t, ingest.WorkflowID(tenant, a.ID), "not_a_video_fails.json")
}

// A retried or restarted transcode whose outputs are complete (the
// checkpoint is there and every output) does not run ffmpeg again; one with
// an output missing does.
func (h *harness) finishedTranscodeIsKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := testenv.MustTenant(t, h.assets.DB)
	src := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 320, Height: 180, Audio: 1})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.assets.Create(ctx, tenant, h.upload(t, tenant, data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.assets.MarkProcessing(ctx, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(h.acts.Probe, activity.RegisterOptions{Name: ingest.ActivityProbe})
	env.RegisterActivityWithOptions(h.acts.Plan, activity.RegisterOptions{Name: ingest.ActivityPlan})
	env.RegisterActivityWithOptions(h.acts.Transcode, activity.RegisterOptions{Name: ingest.ActivityTranscode})
	var probe ingest.ProbeResult
	mustActivity(t, env, &probe, ingest.ActivityProbe, ingest.ProbeInput{Tenant: tenant, AssetID: a.ID, SourceKey: a.SourceKey})
	var plan ingest.PlanResult
	mustActivity(t, env, &plan, ingest.ActivityPlan, ingest.PlanInput{Tenant: tenant, AssetID: a.ID, Probe: probe.Probe})
	in := ingest.TranscodeInput{Tenant: tenant, AssetID: a.ID, SourceKey: a.SourceKey, Ladder: plan.Ladder}
	outputs := media.PlanTranscode(plan.Ladder, "", filepath.Join(h.acts.WorkDir, tenant.String(), a.ID.String(), "transcode")).Outputs

	mustActivity(t, env, nil, ingest.ActivityTranscode, in)
	before := modTimes(t, outputs)
	time.Sleep(20 * time.Millisecond)
	mustActivity(t, env, nil, ingest.ActivityTranscode, in)
	if after := modTimes(t, outputs); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a complete transcode ran again: %v then %v", before, after)
	}
	if err := os.Remove(outputs[0]); err != nil {
		t.Fatal(err)
	}
	mustActivity(t, env, nil, ingest.ActivityTranscode, in)
	if after := modTimes(t, outputs); after[1].Equal(before[1]) {
		t.Error("a transcode with an output missing was not run again")
	}
	if got, err := h.assets.Get(ctx, tenant, a.ID); err != nil || got.Percent != 100 {
		t.Errorf("asset %+v %v, want 100%%", got, err)
	}
}

func mustActivity(t *testing.T, env *testsuite.TestActivityEnvironment, result any, name string, in any) {
	t.Helper()
	v, err := env.ExecuteActivity(name, in)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if result != nil {
		if err := v.Get(result); err != nil {
			t.Fatal(err)
		}
	}
}

func modTimes(t *testing.T, files []string) []time.Time {
	t.Helper()
	var out []time.Time
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fi.ModTime())
	}
	return out
}

// mustEvents checks the asset's outbox events, in order.
func mustEvents(t *testing.T, h *harness, tenant, asset uuid.UUID, want ...string) {
	t.Helper()
	var got []string
	err := h.assets.DB.ReadTenant(context.Background(), tenant, func(q db.Querier) error {
		rows, err := q.Query(context.Background(),
			`SELECT type FROM outbox_events WHERE tenant_id = $1 AND object_type = 'asset' AND object_id = $2 ORDER BY seq`,
			tenant, asset.String())
		if err != nil {
			return err
		}
		got, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v", got, want)
	}
}

// download copies every blob under prefix into a new folder.
func download(t *testing.T, b *blob.Bucket, prefix string) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		data, err := b.ReadAll(ctx, obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(obj.Key, prefix)))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustVariants(t *testing.T, file string) []*m3u8.Variant {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pl, kind, err := m3u8.DecodeFrom(f, true)
	if err != nil || kind != m3u8.MASTER {
		t.Fatalf("%s: kind %v, %v", file, kind, err)
	}
	vs := pl.(*m3u8.MasterPlaylist).Variants
	for _, v := range vs {
		if len(v.Alternatives) == 0 || v.Alternatives[0].Type != "AUDIO" || v.Alternatives[0].URI == "" {
			t.Fatalf("variant %s has no AUDIO rendition", v.URI)
		}
	}
	return vs
}

// mustSegments returns the durations of a media playlist's segments.
func mustSegments(t *testing.T, file string) []float64 {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pl, kind, err := m3u8.DecodeFrom(f, true)
	if err != nil || kind != m3u8.MEDIA {
		t.Fatalf("%s: kind %v, %v", file, kind, err)
	}
	var ds []float64
	for _, s := range pl.(*m3u8.MediaPlaylist).Segments {
		if s == nil {
			break
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(file), path.Clean(s.URI))); err != nil {
			t.Errorf("%s names %s: %v", file, s.URI, err)
		}
		ds = append(ds, s.Duration)
	}
	return ds
}

// mpd is the part of a DASH MPD the test reads.
type mpd struct {
	XMLName xml.Name `xml:"MPD"`
	Type    string   `xml:"type,attr"`
	Period  struct {
		AdaptationSets []struct {
			ContentType     string `xml:"contentType,attr"`
			Representations []struct {
				ID              string `xml:"id,attr"`
				Width           int    `xml:"width,attr"`
				Height          int    `xml:"height,attr"`
				SegmentTemplate struct {
					Initialization string `xml:"initialization,attr"`
					Media          string `xml:"media,attr"`
				} `xml:"SegmentTemplate"`
			} `xml:"Representation"`
		} `xml:"AdaptationSet"`
	} `xml:"Period"`
}

func mustMPD(t *testing.T, file string) mpd {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m mpd
	if err := xml.Unmarshal(data, &m); err != nil || m.Type != "static" {
		t.Fatalf("%s: type %q, %v", file, m.Type, err)
	}
	return m
}

// recordHistory fetches the workflow's history and, with -update, keeps it
// in testdata/histories for the replay test.
func (h *harness) recordHistory(t *testing.T, id, name string) {
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
