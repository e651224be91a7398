package ingest_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

// fake is a hand-written fake of the activities: every one succeeds unless
// its function field says otherwise, and every call is recorded.
type fake struct {
	mu        sync.Mutex
	calls     []string
	probe     func(attempt int32) (ingest.ProbeResult, error)
	transcode func(attempt int32) error
	tracks    func() error
	ladder    *media.Ladder // nil: testLadder
	finished  *ingest.FinishInput
	failed    *ingest.MarkFailedInput
}

func (f *fake) record(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
}

func (f *fake) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == name {
			n++
		}
	}
	return n
}

var testLadder = media.Ladder{
	Source:          media.LadderSource{Width: 640, Height: 360, Duration: 2 * time.Second},
	FrameRate:       media.Rational{Num: 30, Den: 1},
	SegmentDuration: time.Second, GOP: 30,
	Renditions: []media.Rendition{{Name: "360p", Width: 640, Height: 360}, {Name: "240p", Width: 426, Height: 240}},
}

func (f *fake) register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterWorkflowWithOptions(ingest.Workflow, workflow.RegisterOptions{Name: ingest.WorkflowName})
	reg := func(fn any, name string) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(func(_ context.Context, in ingest.StartInput) (ingest.StartResult, error) {
		f.record(ingest.ActivityStart)
		return ingest.StartResult{SourceKey: "tenants/t/uploads/u/source"}, nil
	}, ingest.ActivityStart)
	reg(func(ctx context.Context, in ingest.ProbeInput) (ingest.ProbeResult, error) {
		f.record(ingest.ActivityProbe)
		if f.probe != nil {
			return f.probe(activity.GetInfo(ctx).Attempt)
		}
		return ingest.ProbeResult{Probe: media.Probe{Duration: 2 * time.Second}}, nil
	}, ingest.ActivityProbe)
	reg(func(_ context.Context, in ingest.PlanInput) (ingest.PlanResult, error) {
		f.record(ingest.ActivityPlan)
		if f.ladder != nil {
			return ingest.PlanResult{Ladder: *f.ladder}, nil
		}
		return ingest.PlanResult{Ladder: testLadder}, nil
	}, ingest.ActivityPlan)
	reg(func(ctx context.Context, in ingest.TranscodeInput) error {
		f.record(ingest.ActivityTranscode)
		if f.transcode != nil {
			return f.transcode(activity.GetInfo(ctx).Attempt)
		}
		return nil
	}, ingest.ActivityTranscode)
	reg(func(_ context.Context, in ingest.PackageInput) error {
		f.record(ingest.ActivityPackage)
		return nil
	}, ingest.ActivityPackage)
	reg(func(_ context.Context, in ingest.TracksInput) error {
		f.record(ingest.ActivityTracks)
		if f.tracks != nil {
			return f.tracks()
		}
		return nil
	}, ingest.ActivityTracks)
	reg(func(_ context.Context, in ingest.ImagesInput) error {
		f.record(ingest.ActivityImages)
		return nil
	}, ingest.ActivityImages)
	reg(func(_ context.Context, in ingest.UploadInput) (ingest.UploadResult, error) {
		f.record(ingest.ActivityUpload)
		return ingest.UploadResult{HLSKey: "a/master.m3u8", DASHKey: "a/manifest.mpd"}, nil
	}, ingest.ActivityUpload)
	reg(func(_ context.Context, in ingest.FinishInput) error {
		f.record(ingest.ActivityFinish)
		f.finished = &in
		return nil
	}, ingest.ActivityFinish)
	reg(func(_ context.Context, in ingest.MarkFailedInput) error {
		f.record(ingest.ActivityMarkFailed)
		f.failed = &in
		return nil
	}, ingest.ActivityMarkFailed)
}

func run(t *testing.T, f *fake, in ingest.Input) (ingest.Result, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f.register(env)
	env.ExecuteWorkflow(ingest.WorkflowName, in)
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	var res ingest.Result
	err := env.GetWorkflowError()
	if err == nil {
		if gerr := env.GetWorkflowResult(&res); gerr != nil {
			t.Fatal(gerr)
		}
	}
	return res, err
}

func input() ingest.Input {
	title := uuid.New()
	return ingest.Input{Tenant: uuid.New(), AssetID: uuid.New(), Title: &title}
}

// A good source goes through every step in order and ends READY with the
// manifests' keys, attached to the title named.
func TestIngestRunsEveryStepAndFinishes(t *testing.T) {
	f := &fake{}
	in := input()
	res, err := run(t, f, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ingest.ActivityStart, ingest.ActivityProbe, ingest.ActivityPlan, ingest.ActivityTranscode,
		ingest.ActivityPackage, ingest.ActivityTracks, ingest.ActivityImages, ingest.ActivityUpload, ingest.ActivityFinish}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls %v, want %v", f.calls, want)
	}
	if res.HLSKey != "a/master.m3u8" || res.DASHKey != "a/manifest.mpd" {
		t.Errorf("result %+v", res)
	}
	if f.finished == nil || f.finished.HLSKey != res.HLSKey || f.finished.Title == nil || *f.finished.Title != *in.Title || f.finished.AssetID != in.AssetID {
		t.Errorf("finished with %+v", f.finished)
	}
}

// A source that is not a video fails at once, not retried, and the asset is
// FAILED with the reason the probe gave.
func TestIngestFailsAnInvalidSourceWithoutRetrying(t *testing.T) {
	const reason = "not a video: no video stream"
	f := &fake{probe: func(int32) (ingest.ProbeResult, error) {
		return ingest.ProbeResult{}, temporal.NewNonRetryableApplicationError(reason, ingest.ErrInvalidSource, nil)
	}}
	_, err := run(t, f, input())
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != ingest.ErrInvalidSource || !app.NonRetryable() {
		t.Fatalf("workflow error %v, want a non-retryable %s", err, ingest.ErrInvalidSource)
	}
	if n := f.count(ingest.ActivityProbe); n != 1 {
		t.Errorf("probed %d times, want once", n)
	}
	if f.count(ingest.ActivityTranscode) != 0 || f.count(ingest.ActivityFinish) != 0 {
		t.Errorf("calls %v: went on after an invalid source", f.calls)
	}
	if f.failed == nil || f.failed.Reason != reason {
		t.Errorf("marked failed with %+v, want reason %q", f.failed, reason)
	}
}

// A transcode that fails once (a killed worker, a full disk) is retried and
// the ingest finishes.
func TestIngestRetriesAFailedTranscode(t *testing.T) {
	f := &fake{transcode: func(attempt int32) error {
		if attempt == 1 {
			return errors.New("ffmpeg: signal: killed")
		}
		return nil
	}}
	if _, err := run(t, f, input()); err != nil {
		t.Fatal(err)
	}
	if n := f.count(ingest.ActivityTranscode); n != 2 {
		t.Errorf("transcoded %d times, want 2", n)
	}
	if f.failed != nil || f.count(ingest.ActivityFinish) != 1 {
		t.Errorf("calls %v, failed %+v", f.calls, f.failed)
	}
}

// A transcode that keeps failing gets a few attempts, then the asset is
// FAILED with the generic reason (the details are ours, not the editor's).
func TestIngestGivesUpOnATranscodeThatKeepsFailing(t *testing.T) {
	f := &fake{transcode: func(int32) error { return errors.New("ffmpeg: exit status 1") }}
	if _, err := run(t, f, input()); err == nil {
		t.Fatal("the workflow succeeded")
	}
	if n := f.count(ingest.ActivityTranscode); n != 3 {
		t.Errorf("transcoded %d times, want 3", n)
	}
	if f.failed == nil || f.failed.Reason == "" || f.count(ingest.ActivityPackage) != 0 {
		t.Errorf("calls %v, failed %+v", f.calls, f.failed)
	}
}

// A sidecar track that is not what it says (an "audio" file without sound)
// fails the asset with its reason before anything is uploaded.
func TestIngestFailsOnABadTrackBeforeUploading(t *testing.T) {
	const reason = "audio track 1 (Deutsch): the file has no audio"
	f := &fake{tracks: func() error { return temporal.NewNonRetryableApplicationError(reason, ingest.ErrInvalidSource, nil) }}
	if _, err := run(t, f, input()); err == nil {
		t.Fatal("the workflow succeeded")
	}
	if f.count(ingest.ActivityTracks) != 1 || f.count(ingest.ActivityImages) != 0 || f.count(ingest.ActivityUpload) != 0 {
		t.Errorf("calls %v", f.calls)
	}
	if f.failed == nil || f.failed.Reason != reason {
		t.Errorf("marked failed with %+v, want %q", f.failed, reason)
	}
}

// The captions workflow publishes again while the captions changed during
// a publish (the activity says it is behind, or a signal came), then stops.
func TestCaptionsWorkflowPublishesUntilCurrent(t *testing.T) {
	for _, c := range []struct {
		name   string
		signal bool
	}{{"behind", false}, {"signalled", true}} {
		t.Run(c.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			env.RegisterWorkflowWithOptions(ingest.CaptionsWorkflow, workflow.RegisterOptions{Name: ingest.CaptionsWorkflowName})
			calls := 0
			env.RegisterActivityWithOptions(func(_ context.Context, in ingest.CaptionsInput) (ingest.CaptionsResult, error) {
				calls++
				if calls == 1 && c.signal {
					env.SignalWorkflow(ingest.SignalCaptionsChanged, nil)
					return ingest.CaptionsResult{Version: 1}, nil
				}
				return ingest.CaptionsResult{Version: calls, Behind: calls == 1}, nil
			}, activity.RegisterOptions{Name: ingest.ActivityPublishCaptions})
			env.ExecuteWorkflow(ingest.CaptionsWorkflowName, ingest.CaptionsInput{Tenant: uuid.New(), AssetID: uuid.New()})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var res ingest.CaptionsResult
			if err := env.GetWorkflowResult(&res); err != nil || calls != 2 || res.Version != 2 || res.Behind {
				t.Errorf("%d publishes, result %+v %v; want 2", calls, res, err)
			}
		})
	}
}
