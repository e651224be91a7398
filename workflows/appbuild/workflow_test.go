package appbuild_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/workflows/appbuild"
)

// fake records the activities; each succeeds unless told otherwise.
type fake struct {
	mu          sync.Mutex
	calls       []string
	waitTurns   int // Turn says no this many times
	turnErr     error
	prepareErr  error
	packageErr  error
	finishedErr string
	finished    bool // Prepare finds the build already finished
}

func (f *fake) record(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
}

func (f *fake) register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterWorkflowWithOptions(appbuild.Workflow, workflow.RegisterOptions{Name: appbuild.WorkflowName})
	reg := func(fn any, name string) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(func(_ context.Context, in appbuild.TurnInput) (bool, error) {
		f.record(appbuild.ActivityTurn)
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.turnErr != nil {
			return false, f.turnErr
		}
		if f.waitTurns > 0 {
			f.waitTurns--
			return false, nil
		}
		return true, nil
	}, appbuild.ActivityTurn)
	reg(func(_ context.Context, in appbuild.PrepareInput) (appbuild.PrepareResult, error) {
		f.record(appbuild.ActivityPrepare)
		if f.finished {
			return appbuild.PrepareResult{Finished: true, Status: apps.StatusSucceeded}, nil
		}
		return appbuild.PrepareResult{Status: apps.StatusRunning}, f.prepareErr
	}, appbuild.ActivityPrepare)
	reg(func(_ context.Context, in appbuild.PackageInput) (apps.Output, error) {
		f.record(appbuild.ActivityPackage)
		return apps.Output{ArtifactKey: "k", ArtifactName: "a.zip", ArtifactSize: 3}, f.packageErr
	}, appbuild.ActivityPackage)
	reg(func(_ context.Context, in appbuild.FinishInput) (appbuild.FinishResult, error) {
		f.record(appbuild.ActivityFinish)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.finishedErr = in.Error
		if in.Error != "" {
			return appbuild.FinishResult{Status: apps.StatusFailed, Error: in.Error}, nil
		}
		if in.Output.ArtifactKey != "k" {
			return appbuild.FinishResult{}, errors.New("finish without the package's output")
		}
		return appbuild.FinishResult{Status: apps.StatusSucceeded}, nil
	}, appbuild.ActivityFinish)
}

func run(t *testing.T, f *fake) appbuild.Result {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f.register(env)
	env.ExecuteWorkflow(appbuild.WorkflowName, appbuild.Input{Tenant: uuid.New(), Build: uuid.New(), Platform: apps.Web})
	if !env.IsWorkflowCompleted() {
		t.Fatal("not completed")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var r appbuild.Result
	if err := env.GetWorkflowResult(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func calls(f *fake) string {
	out := ""
	for _, c := range f.calls {
		out += c + " "
	}
	return out
}

func TestBuildSucceeds(t *testing.T) {
	f := &fake{}
	if r := run(t, f); r.Status != apps.StatusSucceeded {
		t.Fatalf("result %+v", r)
	}
	if got := calls(f); got != "appbuild.Turn appbuild.Prepare appbuild.Package appbuild.Finish " {
		t.Fatalf("calls %s", got)
	}
}

// A second build of a platform waits, asking again on a durable timer,
// until the first has finished.
func TestSecondBuildWaitsForItsTurn(t *testing.T) {
	f := &fake{waitTurns: 3}
	if r := run(t, f); r.Status != apps.StatusSucceeded {
		t.Fatalf("result %+v", r)
	}
	if got := calls(f); got != "appbuild.Turn appbuild.Turn appbuild.Turn appbuild.Turn appbuild.Prepare appbuild.Package appbuild.Finish " {
		t.Fatalf("calls %s", got)
	}
}

// Bad input (a non-retryable error from Prepare) fails the build with the
// reason, without packaging.
func TestBadInputFailsWithTheReason(t *testing.T) {
	f := &fake{prepareErr: temporal.NewNonRetryableApplicationError("the logo is 100×100 pixels", appbuild.ErrInvalid, nil)}
	r := run(t, f)
	if r.Status != apps.StatusFailed || r.Error != "the logo is 100×100 pixels" {
		t.Fatalf("result %+v", r)
	}
	if got := calls(f); got != "appbuild.Turn appbuild.Prepare appbuild.Finish " {
		t.Fatalf("calls %s", got)
	}
}

// A packager that keeps failing for another reason is tried three times;
// the build fails with a generic reason (the error's text stays internal).
func TestPackagingFailureRetriesThenFails(t *testing.T) {
	f := &fake{packageErr: errors.New("disk on fire at /var/x")}
	r := run(t, f)
	if r.Status != apps.StatusFailed || r.Error != "the build failed; try again" {
		t.Fatalf("result %+v", r)
	}
	n := 0
	for _, c := range f.calls {
		if c == appbuild.ActivityPackage {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("packaged %d times: %s", n, calls(f))
	}
}

// A run that finds its build finished (an earlier run ended it) stops.
func TestFinishedBuildIsLeftAlone(t *testing.T) {
	f := &fake{finished: true}
	if r := run(t, f); r.Status != apps.StatusSucceeded {
		t.Fatalf("result %+v", r)
	}
	if got := calls(f); got != "appbuild.Turn appbuild.Prepare " {
		t.Fatalf("calls %s", got)
	}
}

// A very long wait continues as new rather than growing one history.
func TestLongWaitContinuesAsNew(t *testing.T) {
	f := &fake{waitTurns: appbuild.PollsPerRun + 5}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f.register(env)
	env.ExecuteWorkflow(appbuild.WorkflowName, appbuild.Input{Tenant: uuid.New(), Build: uuid.New(), Platform: apps.Web})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("error %v, want continue-as-new", err)
	}
}

// A build that cannot even be looked up (gone) fails at once with the reason.
func TestTurnFailureFinishesTheBuild(t *testing.T) {
	f := &fake{turnErr: temporal.NewNonRetryableApplicationError("no app build x", appbuild.ErrInvalid, nil)}
	if r := run(t, f); r.Status != apps.StatusFailed || r.Error != "no app build x" {
		t.Fatalf("result %+v", r)
	}
	if got := calls(f); got != "appbuild.Turn appbuild.Finish " {
		t.Fatalf("calls %s", got)
	}
}
