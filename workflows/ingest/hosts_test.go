package ingest_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

// started records, per activity started, its name and the task queue it
// was sent to.
type started struct {
	mu    sync.Mutex
	calls []string // "name@queue"
}

func (s *started) listen(env *testsuite.TestWorkflowEnvironment) {
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls = append(s.calls, info.ActivityType.Name+"@"+info.TaskQueue)
	})
}

func (s *started) queuesOf(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var q []string
	for _, c := range s.calls {
		if n, queue, _ := strings.Cut(c, "@"); n == name {
			q = append(q, queue)
		}
	}
	return q
}

// fanOutFakes registers fakes of the fan-out activities on env, counting
// calls in f.
func fanOutFakes(env *testsuite.TestWorkflowEnvironment, f *fake, chunks *[]int) {
	var mu sync.Mutex
	env.RegisterActivityWithOptions(func(_ context.Context, in ingest.ChunkInput) error {
		f.record(ingest.ActivityTranscodeChunk)
		mu.Lock()
		*chunks = append(*chunks, in.Index)
		mu.Unlock()
		return nil
	}, activity.RegisterOptions{Name: ingest.ActivityTranscodeChunk})
	env.RegisterActivityWithOptions(func(_ context.Context, in ingest.TranscodeInput) error {
		f.record(ingest.ActivityTranscodeAudio)
		return nil
	}, activity.RegisterOptions{Name: ingest.ActivityTranscodeAudio})
	env.RegisterActivityWithOptions(func(_ context.Context, in ingest.ChunkInput) error {
		f.record(ingest.ActivityJoin)
		return nil
	}, activity.RegisterOptions{Name: ingest.ActivityJoin})
	env.RegisterActivityWithOptions(func(_ context.Context, in ingest.CleanupInput) error {
		f.record(ingest.ActivityCleanup)
		return nil
	}, activity.RegisterOptions{Name: ingest.ActivityCleanup})
}

func runWith(t *testing.T, f *fake, in ingest.Input, chunks *[]int) (*started, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f.register(env)
	if chunks == nil {
		chunks = new([]int)
	}
	fanOutFakes(env, f, chunks)
	st := &started{}
	st.listen(env)
	env.ExecuteWorkflow(ingest.WorkflowName, in)
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	return st, env.GetWorkflowError()
}

// Probe runs on the shared queue and names its host's queue; every activity
// that reads or writes the job folder runs on that queue.
func TestIngestRoutesTheJobToTheProbingHost(t *testing.T) {
	f := &fake{probe: func(int32) (ingest.ProbeResult, error) {
		return ingest.ProbeResult{Probe: media.Probe{Duration: 2 * time.Second}, HostQueue: "media@host-a"}, nil
	}}
	st, err := runWith(t, f, input(), nil)
	if err != nil {
		t.Fatal(err)
	}
	shared := st.queuesOf(ingest.ActivityStart)
	if len(shared) != 1 || shared[0] == "media@host-a" {
		t.Fatalf("Start ran on %v, want the shared queue", shared)
	}
	if q := st.queuesOf(ingest.ActivityProbe); !slices.Equal(q, shared) {
		t.Errorf("Probe ran on %v, want the shared queue %v", q, shared)
	}
	for _, name := range []string{ingest.ActivityTranscode, ingest.ActivityPackage, ingest.ActivityUpload, ingest.ActivityFinish} {
		if q := st.queuesOf(name); !slices.Equal(q, []string{"media@host-a"}) {
			t.Errorf("%s ran on %v, want media@host-a", name, q)
		}
	}
}

// A host that stops taking its queue's tasks (its worker died after the
// download) is noticed by the ScheduleToStart timeout; the ingest starts
// again from the download on another host and finishes there.
func TestIngestStartsAgainOnAnotherHostWhenItsHostIsLost(t *testing.T) {
	hosts := []string{"media@host-a", "media@host-b"}
	f := &fake{
		probe: func(int32) (ingest.ProbeResult, error) {
			return ingest.ProbeResult{Probe: media.Probe{Duration: 2 * time.Second}, HostQueue: hosts[0]}, nil
		},
	}
	f.transcode = func(int32) error {
		if f.count(ingest.ActivityTranscode) == 1 {
			hosts = hosts[1:] // the next probe lands on host b
			return temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START, nil)
		}
		return nil
	}
	st, err := runWith(t, f, input(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(ingest.ActivityProbe); n != 2 {
		t.Errorf("probed (downloaded) %d times, want 2", n)
	}
	if q := st.queuesOf(ingest.ActivityTranscode); !slices.Equal(q, []string{"media@host-a", "media@host-b"}) {
		t.Errorf("transcode ran on %v, want host a then host b", q)
	}
	for _, name := range []string{ingest.ActivityPackage, ingest.ActivityUpload, ingest.ActivityFinish} {
		if q := st.queuesOf(name); !slices.Equal(q, []string{"media@host-b"}) {
			t.Errorf("%s ran on %v, want media@host-b", name, q)
		}
	}
	if f.failed != nil {
		t.Errorf("marked failed: %+v", f.failed)
	}
}

// Hosts that keep getting lost are given up on after a few restarts: the
// workflow ends FAILED instead of looping.
func TestIngestGivesUpWhenHostsKeepGettingLost(t *testing.T) {
	f := &fake{
		probe: func(int32) (ingest.ProbeResult, error) {
			return ingest.ProbeResult{Probe: media.Probe{Duration: 2 * time.Second}, HostQueue: "media@flaky"}, nil
		},
		transcode: func(int32) error { return temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START, nil) },
	}
	if _, err := runWith(t, f, input(), nil); err == nil {
		t.Fatal("the workflow succeeded")
	}
	if n := f.count(ingest.ActivityProbe); n != 3 {
		t.Errorf("probed %d times, want 3", n)
	}
	if f.failed == nil || f.failed.Reason == "" {
		t.Errorf("failed %+v", f.failed)
	}
}

// A title longer than the fan-out threshold is transcoded as parallel
// chunks (a 6 s title in 2 s chunks: three) with its audio encoded once,
// then joined; all on the probing host. A shorter one is one run.
func TestIngestFansOutALongTitle(t *testing.T) {
	l := testLadder
	l.Source.Duration = 6 * time.Second
	l.Audio = []media.AudioRendition{{SourceIndex: 1, Channels: 2, Bitrate: 128000, SampleRate: 48000}}
	f := &fake{
		probe: func(int32) (ingest.ProbeResult, error) {
			return ingest.ProbeResult{Probe: media.Probe{Duration: 6 * time.Second}, HostQueue: "media@host-a"}, nil
		},
		ladder: &l,
	}
	in := input()
	in.FanOutAbove, in.ChunkDuration = 3*time.Second, 2*time.Second
	var chunks []int
	st, err := runWith(t, f, in, &chunks)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(chunks)
	if !slices.Equal(chunks, []int{0, 1, 2}) {
		t.Errorf("chunks %v, want 0 1 2", chunks)
	}
	if f.count(ingest.ActivityTranscode) != 0 || f.count(ingest.ActivityTranscodeAudio) != 1 || f.count(ingest.ActivityJoin) != 1 {
		t.Errorf("calls %v", f.calls)
	}
	for _, name := range []string{ingest.ActivityTranscodeChunk, ingest.ActivityTranscodeAudio, ingest.ActivityJoin} {
		for _, q := range st.queuesOf(name) {
			if q != "media@host-a" {
				t.Errorf("%s ran on %s, want media@host-a", name, q)
			}
		}
	}
	// The join comes after every chunk and the audio, the packaging after it.
	join := slices.Index(f.calls, ingest.ActivityJoin)
	for i, c := range f.calls {
		if (c == ingest.ActivityTranscodeChunk || c == ingest.ActivityTranscodeAudio) && i > join {
			t.Errorf("%s after the join: %v", c, f.calls)
		}
	}
	if slices.Index(f.calls, ingest.ActivityPackage) < join {
		t.Errorf("packaged before the join: %v", f.calls)
	}

	f2 := &fake{ladder: &l}
	in.FanOutAbove = 10 * time.Second
	if _, err := runWith(t, f2, in, nil); err != nil {
		t.Fatal(err)
	}
	if f2.count(ingest.ActivityTranscode) != 1 || f2.count(ingest.ActivityTranscodeChunk) != 0 {
		t.Errorf("below the threshold: calls %v", f2.calls)
	}
}

// An ingest that fails after the download has its job folder removed on the
// machine that holds it (MarkFailed runs on the shared queue, anywhere).
func TestIngestCleansTheJobFolderOnItsHostAfterAFailure(t *testing.T) {
	f := &fake{
		probe: func(int32) (ingest.ProbeResult, error) {
			return ingest.ProbeResult{Probe: media.Probe{Duration: 2 * time.Second}, HostQueue: "media@host-a"}, nil
		},
		transcode: func(int32) error {
			return temporal.NewNonRetryableApplicationError("broken", ingest.ErrInvalidSource, nil)
		},
	}
	st, err := runWith(t, f, input(), nil)
	if err == nil {
		t.Fatal("the workflow succeeded")
	}
	if q := st.queuesOf(ingest.ActivityCleanup); !slices.Equal(q, []string{"media@host-a"}) {
		t.Errorf("cleanup ran on %v, want media@host-a", q)
	}
	if f.failed == nil || f.failed.Reason != "broken" {
		t.Errorf("failed %+v", f.failed)
	}
}
