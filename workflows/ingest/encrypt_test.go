package ingest_test

import (
	"context"
	"slices"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/marquee-ott/marquee/workflows/ingest"
)

// An ingest started with Encrypt runs the Encrypt step between Package and
// Upload, and finishes HLS-only: no DASH key on the asset or in the result.
// Without Encrypt the step does not run (TestIngestRunsEveryStepAndFinishes).
func TestIngestEncryptsBeforeUploadAndDropsDASH(t *testing.T) {
	f := &fake{}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f.register(env)
	var encrypted *ingest.EncryptInput
	env.RegisterActivityWithOptions(func(_ context.Context, in ingest.EncryptInput) (ingest.EncryptResult, error) {
		f.record(ingest.ActivityEncrypt)
		encrypted = &in
		return ingest.EncryptResult{}, nil
	}, activity.RegisterOptions{Name: ingest.ActivityEncrypt})
	in := input()
	in.Encrypt = true
	env.ExecuteWorkflow(ingest.WorkflowName, in)
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var res ingest.Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	want := []string{ingest.ActivityStart, ingest.ActivityProbe, ingest.ActivityPlan, ingest.ActivityTranscode,
		ingest.ActivityPackage, ingest.ActivityTracks, ingest.ActivityImages, ingest.ActivityEncrypt, ingest.ActivityUpload, ingest.ActivityFinish}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls %v, want %v", f.calls, want)
	}
	if encrypted == nil || encrypted.AssetID != in.AssetID || encrypted.Tenant != in.Tenant {
		t.Errorf("Encrypt got %+v", encrypted)
	}
	if res.DASHKey != "" || f.finished == nil || f.finished.DASHKey != "" || f.finished.HLSKey != "a/master.m3u8" {
		t.Errorf("result %+v, finished %+v: want HLS only", res, f.finished)
	}
}
