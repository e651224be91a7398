package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

// hosts is a harness of several worker "machines" in one process: each has
// its own job folder and its own host queue, and all share one queue.
type hosts struct {
	*harness
	shared string
	runner *media.Runner
}

func startHosts(t *testing.T, in ingest.Starter) *hosts {
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
	shared := "ingest-hosts-" + uuid.NewString()
	up := &uploads.Service{DB: d, Blobs: bucket, Limits: uploads.Limits{MaxSourceBytes: 1 << 30, SourceTypes: []string{"video/mp4"}}}
	h := &harness{uploads: up, blobs: bucket, temporal: c, catalog: &catalog.Service{DB: d}}
	in.Client, in.TaskQueue = c, shared
	h.assets = &assets.Service{DB: d, Uploads: up, Titles: h.catalog, Pipeline: &in}
	return &hosts{harness: h, shared: shared, runner: runner}
}

// host starts a machine: a worker on the shared queue and, unless dead, one
// on its own queue. Its stop function stops both.
func (hs *hosts) host(t *testing.T, name string, dead bool) (queue string, acts *ingest.Activities, stop func()) {
	t.Helper()
	queue = hs.shared + "@" + name
	acts = &ingest.Activities{Assets: hs.assets, Blobs: hs.blobs, Runner: hs.runner, Titles: hs.catalog,
		WorkDir: t.TempDir(), HostQueue: queue}
	var ws []worker.Worker
	for _, q := range []string{hs.shared, queue} {
		if dead && q == queue {
			continue // the machine's own queue has nobody listening
		}
		w := worker.New(hs.temporal, q, worker.Options{})
		ingest.Register(w, acts)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			for _, w := range ws {
				w.Stop()
			}
		}
	}
	t.Cleanup(stop)
	return queue, acts, stop
}

// scheduled lists the workflow's activities as "name@queue" in the order
// they were scheduled, and the activities that timed out waiting to start.
func (hs *hosts) scheduled(t *testing.T, id string) (acts []string, notStarted []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	byID := map[int64]string{}
	iter := hs.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch ev.EventType {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := ev.GetActivityTaskScheduledEventAttributes()
			s := a.ActivityType.Name + "@" + a.TaskQueue.Name
			byID[ev.EventId] = s
			acts = append(acts, s)
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
			a := ev.GetActivityTaskTimedOutEventAttributes()
			if a.Failure.GetTimeoutFailureInfo().GetTimeoutType() == enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START {
				notStarted = append(notStarted, byID[a.ScheduledEventId])
			}
		}
	}
	return acts, notStarted
}

// waitScheduled polls the history until an activity is scheduled on queue.
func (hs *hosts) waitScheduled(t *testing.T, id, queue string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		acts, _ := hs.scheduled(t, id)
		for _, a := range acts {
			if strings.HasSuffix(a, "@"+queue) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("nothing was scheduled on %s", queue)
}

var onHost = []string{ingest.ActivityTranscode, ingest.ActivityTranscodeChunk, ingest.ActivityTranscodeAudio,
	ingest.ActivityJoin, ingest.ActivityPackage, ingest.ActivityUpload, ingest.ActivityFinish}

// checkRouting checks that the download ran on the shared queue and every
// activity of the job folder after it on one host's queue, which it returns.
func checkRouting(t *testing.T, acts []string, shared string) string {
	t.Helper()
	host := ""
	for _, a := range acts {
		name, queue, _ := strings.Cut(a, "@")
		switch {
		case name == ingest.ActivityStart || name == ingest.ActivityProbe:
			if queue != shared {
				t.Errorf("%s ran on %s, want the shared queue", name, queue)
			}
		case contains(onHost, name):
			if host == "" {
				host = queue
			}
			if queue != host || queue == shared {
				t.Errorf("%s ran on %s, want the host queue %s", name, queue, host)
			}
		}
	}
	return host
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Two worker machines in one process, each with its own job folder and host
// queue: a 6 s title above the (lowered) fan-out threshold is cut into three
// 2 s chunks transcoded as parallel activities with the audio encoded once,
// joined per rendition without re-encoding, packaged and uploaded, all on
// the machine that downloaded it; every rendition decodes through the master
// playlist, its segments are aligned across renditions (keyframes across the
// chunk borders), and video and audio last the title's 6 s.
func TestIngestFansOutOnOneOfTwoHosts(t *testing.T) {
	hs := startHosts(t, ingest.Starter{SegmentDuration: testSegment, FanOutAbove: 3 * time.Second,
		ChunkDuration: 2 * time.Second, HostTimeout: 30 * time.Second})
	qa, _, _ := hs.host(t, "a", false)
	qb, _, _ := hs.host(t, "b", false)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, hs.assets.DB)
	src := mediatest.MustClip(t, t.TempDir(), "long.mp4", mediatest.Clip{Width: 640, Height: 360, Rate: "30", Seconds: 6, Audio: 2})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := hs.assets.Ingest(ctx, tenant, hs.upload(t, tenant, data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hs.wait(t, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	got, err := hs.assets.Get(ctx, tenant, a.ID)
	if err != nil || got.Status != assets.StatusReady || got.Percent != 100 {
		t.Fatalf("asset %+v %v", got, err)
	}
	acts, _ := hs.scheduled(t, ingest.WorkflowID(tenant, a.ID))
	host := checkRouting(t, acts, hs.shared)
	if host != qa && host != qb {
		t.Errorf("the job ran on %q, not on a host queue (%s, %s)", host, qa, qb)
	}
	var chunks int
	for _, s := range acts {
		if strings.HasPrefix(s, ingest.ActivityTranscodeChunk+"@") {
			chunks++
		}
		if strings.HasPrefix(s, ingest.ActivityTranscode+"@") {
			t.Errorf("a fanned-out title was also transcoded whole: %v", acts)
		}
	}
	if chunks != 3 {
		t.Errorf("%d chunks, want 3: %v", chunks, acts)
	}
	checkPlayable(t, hs.harness, tenant, a.ID, 6)
	hs.recordHistory(t, ingest.WorkflowID(tenant, a.ID), "fan_out_on_one_of_two_hosts.json")
}

// checkPlayable downloads the asset's package and checks it as a player
// would: every variant decodes through the master playlist with its audio,
// segments are aligned across renditions and add up to the title's length,
// and the audio lasts as long as the video (no gap or drift at the joins).
func checkPlayable(t *testing.T, h *harness, tenant, asset uuid.UUID, seconds float64) {
	t.Helper()
	dir := download(t, h.blobs, assets.Prefix(tenant, asset))
	variants := mustVariants(t, filepath.Join(dir, media.HLSMaster))
	var first []float64
	for i, v := range variants {
		out, err := exec.Command("ffmpeg", "-v", "error", "-protocol_whitelist", "file", "-i", filepath.Join(dir, media.HLSMaster),
			"-map", fmt.Sprintf("0:v:%d", i), "-map", "0:a:0", "-f", "null", "-").CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("variant %d (%s) does not decode cleanly: %v\n%s", i, v.URI, err, out)
		}
		ds := mustSegments(t, filepath.Join(dir, v.URI))
		var total float64
		for _, d := range ds {
			total += d
		}
		if math.Abs(total-seconds) > 0.1 {
			t.Errorf("%s: segments %v add up to %.3f s, want %.0f", v.URI, ds, total, seconds)
		}
		if i == 0 {
			first = ds
		} else if fmt.Sprint(ds) != fmt.Sprint(first) {
			t.Errorf("%s: segments %v, top rendition %v: not aligned", v.URI, ds, first)
		}
	}
	var audio float64
	for _, d := range mustSegments(t, filepath.Join(dir, variants[0].Alternatives[0].URI)) {
		audio += d
	}
	if math.Abs(audio-seconds) > 0.1 {
		t.Errorf("the audio lasts %.3f s, the video %.0f s", audio, seconds)
	}
	// Decoded, the audio is one unbroken run of samples: as many as its
	// length says, so there is no gap at a chunk border.
	out, err := exec.Command("ffprobe", "-v", "error", "-protocol_whitelist", "file", "-select_streams", "a:0", "-count_packets",
		"-show_entries", "stream=nb_read_packets,sample_rate", "-of", "csv=p=0", filepath.Join(dir, variants[0].Alternatives[0].URI)).Output()
	if err != nil {
		t.Fatalf("ffprobe the audio: %v", err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), ",")
	rate, _ := strconv.Atoi(f[0])
	packets, _ := strconv.Atoi(f[len(f)-1])
	if rate == 0 || math.Abs(float64(packets*1024)/float64(rate)-seconds) > 0.1 {
		t.Errorf("audio: %d AAC frames at %d Hz, want %.0f s of them", packets, rate, seconds)
	}
}

// A machine that downloads the source and then dies (its own queue has no
// worker any more) does not hang the ingest: the task waiting on its queue
// times out before it starts, and the workflow starts again from the
// download on the other machine, which finishes it.
func TestIngestMovesToAnotherHostWhenItsHostDies(t *testing.T) {
	hs := startHosts(t, ingest.Starter{SegmentDuration: testSegment, HostTimeout: 10 * time.Second})
	qa, _, stopA := hs.host(t, "a", true) // takes the download, then is gone
	ctx := context.Background()
	tenant := testenv.MustTenant(t, hs.assets.DB)
	src := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 320, Height: 180, Audio: 1})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := hs.assets.Ingest(ctx, tenant, hs.upload(t, tenant, data), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := ingest.WorkflowID(tenant, a.ID)
	hs.waitScheduled(t, id, qa)
	stopA()
	qb, _, _ := hs.host(t, "b", false)
	if _, err := hs.wait(t, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := hs.assets.Get(ctx, tenant, a.ID); err != nil || got.Status != assets.StatusReady {
		t.Fatalf("asset %+v %v", got, err)
	}
	acts, lost := hs.scheduled(t, id)
	if len(lost) != 1 || !strings.HasSuffix(lost[0], "@"+qa) {
		t.Errorf("timed out before starting: %v, want one task on %s", lost, qa)
	}
	var probes int
	for _, s := range acts {
		if strings.HasPrefix(s, ingest.ActivityProbe+"@") {
			probes++
		}
	}
	if probes != 2 {
		t.Errorf("downloaded %d times, want 2: %v", probes, acts)
	}
	// After the loss, everything ran on b.
	last := acts[len(acts)-1]
	if !strings.HasSuffix(last, "@"+qb) || !strings.HasPrefix(last, ingest.ActivityFinish) {
		t.Errorf("the last activity was %s, want Finish on %s: %v", last, qb, acts)
	}
	checkPlayable(t, hs.harness, tenant, a.ID, 2)
	hs.recordHistory(t, id, "host_lost_moves_the_job.json")
}

// A worker killed in the middle of a fanned-out transcode leaves finished
// chunks in the job folder: on restart they are not encoded again, the
// unfinished one is, and the join makes whole renditions of them.
func TestIngestResumesAFanOutWithoutRedoingChunks(t *testing.T) {
	hs := startHosts(t, ingest.Starter{})
	_, acts, _ := hs.host(t, "a", false)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, hs.assets.DB)
	src := mediatest.MustClip(t, t.TempDir(), "long.mp4", mediatest.Clip{Width: 320, Height: 180, Seconds: 6, Audio: 1})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := hs.assets.Create(ctx, tenant, hs.upload(t, tenant, data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hs.assets.MarkProcessing(ctx, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	ingest.Register(registryOf{env}, acts)
	var probe ingest.ProbeResult
	mustActivity(t, env, &probe, ingest.ActivityProbe, ingest.ProbeInput{Tenant: tenant, AssetID: a.ID, SourceKey: a.SourceKey})
	var plan ingest.PlanResult
	mustActivity(t, env, &plan, ingest.ActivityPlan, ingest.PlanInput{Tenant: tenant, AssetID: a.ID, Probe: probe.Probe, SegmentDuration: testSegment})
	out := filepath.Join(acts.WorkDir, tenant.String(), a.ID.String(), "transcode")
	chunks := media.PlanChunks(plan.Ladder, "", out, 2*time.Second)
	if len(chunks) != 3 {
		t.Fatalf("%d chunks, want 3", len(chunks))
	}
	in := func(i int) ingest.ChunkInput {
		return ingest.ChunkInput{Tenant: tenant, AssetID: a.ID, SourceKey: a.SourceKey, Ladder: plan.Ladder, Every: 2 * time.Second, Index: i}
	}
	// The killed worker finished chunks 0 and 2 and half of chunk 1.
	mustActivity(t, env, nil, ingest.ActivityTranscodeChunk, in(0))
	mustActivity(t, env, nil, ingest.ActivityTranscodeChunk, in(2))
	half := chunks[1].Command.Outputs[0]
	if err := os.MkdirAll(filepath.Dir(half), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(half, []byte("half an mp4"), 0o640); err != nil {
		t.Fatal(err)
	}
	before := modTimes(t, append(chunks[0].Command.Outputs, chunks[2].Command.Outputs...))
	time.Sleep(20 * time.Millisecond) // modification times must be able to differ

	// The restarted worker: every chunk again, the audio, the join.
	for i := range chunks {
		mustActivity(t, env, nil, ingest.ActivityTranscodeChunk, in(i))
	}
	if after := modTimes(t, append(chunks[0].Command.Outputs, chunks[2].Command.Outputs...)); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("finished chunks were encoded again: %v then %v", before, after)
	}
	if s := mediatest.MustStream(t, half); s.Frames != chunks[1].Frames {
		t.Errorf("the unfinished chunk has %d frames, want %d", s.Frames, chunks[1].Frames)
	}
	mustActivity(t, env, nil, ingest.ActivityTranscodeAudio, ingest.TranscodeInput{Tenant: tenant, AssetID: a.ID, SourceKey: a.SourceKey, Ladder: plan.Ladder})
	mustActivity(t, env, nil, ingest.ActivityJoin, in(0))
	for _, r := range plan.Ladder.Renditions {
		if s := mediatest.MustStream(t, media.VideoOutput(out, r)); s.Frames != 180 {
			t.Errorf("%s: %d frames joined, want 180", r.Name, s.Frames)
		}
	}
	if got, err := hs.assets.Get(ctx, tenant, a.ID); err != nil || got.Percent != 100 {
		t.Errorf("asset %+v %v, want 100%%", got, err)
	}
	// A join found complete is not run again (the chunks are gone by now).
	mustActivity(t, env, nil, ingest.ActivityJoin, in(0))
}

// registryOf lets Register fill a test activity environment.
type registryOf struct {
	env *testsuite.TestActivityEnvironment
}

func (r registryOf) RegisterWorkflowWithOptions(any, workflow.RegisterOptions) {}
func (r registryOf) RegisterActivityWithOptions(a any, o activity.RegisterOptions) {
	r.env.RegisterActivityWithOptions(a, o)
}
