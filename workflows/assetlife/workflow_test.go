package assetlife_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/workflows/assetlife"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

// fake records the activities called; each succeeds unless told otherwise.
type fake struct {
	mu          sync.Mutex
	calls       []string
	pending     bool
	ingestFails bool
	purgeFails  int // first n CDN purges fail
	purged      []string
}

func (f *fake) record(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
}

func (f *fake) register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterWorkflowWithOptions(assetlife.PurgeWorkflow, workflow.RegisterOptions{Name: assetlife.PurgeWorkflowName})
	env.RegisterWorkflowWithOptions(assetlife.ReplaceWorkflow, workflow.RegisterOptions{Name: assetlife.ReplaceWorkflowName})
	// The child ingest: a stand-in that succeeds or fails as told.
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in ingest.Input) (ingest.Result, error) {
		f.record(ingest.WorkflowName)
		if f.ingestFails {
			return ingest.Result{}, temporal.NewNonRetryableApplicationError("not a video", ingest.ErrInvalidSource, nil)
		}
		return ingest.Result{HLSKey: "h", DASHKey: "d"}, nil
	}, workflow.RegisterOptions{Name: ingest.WorkflowName})
	reg := func(fn any, name string) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(func(_ context.Context, in assetlife.RemoveBlobsInput) (assetlife.RemoveBlobsResult, error) {
		f.record(assetlife.ActivityRemoveBlobs)
		return assetlife.RemoveBlobsResult{Keys: []string{"tenants/t/assets/a/hls/master.m3u8"}}, nil
	}, assetlife.ActivityRemoveBlobs)
	reg(func(_ context.Context, in assetlife.PurgeCDNInput) error {
		f.record(assetlife.ActivityPurgeCDN)
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.purgeFails > 0 {
			f.purgeFails--
			return errors.New("cdn down")
		}
		f.purged = in.Keys
		return nil
	}, assetlife.ActivityPurgeCDN)
	reg(func(_ context.Context, in assetlife.CheckInput) (bool, error) {
		f.record(assetlife.ActivityCheckReplace)
		return f.pending, nil
	}, assetlife.ActivityCheckReplace)
	reg(func(_ context.Context, in assetlife.SwitchInput) error {
		f.record(assetlife.ActivitySwitch)
		return nil
	}, assetlife.ActivitySwitch)
	reg(func(_ context.Context, in assetlife.FailInput) error {
		f.record(assetlife.ActivityFailReplace)
		return nil
	}, assetlife.ActivityFailReplace)
}

func run(t *testing.T, f *fake, name string, in any) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f.register(env)
	env.ExecuteWorkflow(name, in)
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
}

// The purge removes the blobs, then tells the CDN the removed keys,
// retrying a CDN that is down.
func TestPurgeRemovesThenPurgesRetryingTheCDN(t *testing.T) {
	f := &fake{purgeFails: 2}
	run(t, f, assetlife.PurgeWorkflowName, assetlife.PurgeInput{Tenant: uuid.New(), AssetID: uuid.New()})
	want := []string{assetlife.ActivityRemoveBlobs, assetlife.ActivityPurgeCDN, assetlife.ActivityPurgeCDN, assetlife.ActivityPurgeCDN}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls %v, want %v", f.calls, want)
	}
	if len(f.purged) != 1 {
		t.Fatalf("purged %v", f.purged)
	}
}

// A ready new source switches the title; the old asset is retired by the
// switch itself (one transaction, tested in package lifecycle).
func TestReplaceSwitchesWhenTheIngestSucceeds(t *testing.T) {
	f := &fake{pending: true}
	run(t, f, assetlife.ReplaceWorkflowName, assetlife.ReplaceInput{Tenant: uuid.New(), ReplacementID: uuid.New(), NewAssetID: uuid.New()})
	want := []string{assetlife.ActivityCheckReplace, ingest.WorkflowName, assetlife.ActivitySwitch}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls %v, want %v", f.calls, want)
	}
}

// A failed ingest records the failure and never switches.
func TestReplaceRecordsAFailedIngestAndKeepsTheOldSource(t *testing.T) {
	f := &fake{pending: true, ingestFails: true}
	run(t, f, assetlife.ReplaceWorkflowName, assetlife.ReplaceInput{Tenant: uuid.New(), ReplacementID: uuid.New(), NewAssetID: uuid.New()})
	want := []string{assetlife.ActivityCheckReplace, ingest.WorkflowName, assetlife.ActivityFailReplace}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls %v, want %v", f.calls, want)
	}
}

// A replacement already finished (an event delivered again) does nothing.
func TestReplaceOfAFinishedReplacementDoesNothing(t *testing.T) {
	f := &fake{pending: false}
	run(t, f, assetlife.ReplaceWorkflowName, assetlife.ReplaceInput{Tenant: uuid.New(), ReplacementID: uuid.New(), NewAssetID: uuid.New()})
	if !slices.Equal(f.calls, []string{assetlife.ActivityCheckReplace}) {
		t.Fatalf("calls %v", f.calls)
	}
}
