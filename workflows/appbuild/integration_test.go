package appbuild_test

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appstest"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/workflows/appbuild"
)

var update = flag.Bool("update", false, "record testdata/histories from this run on the dev server")

// Builds on the Temporal dev server with the real activities: two builds
// of one platform run one after the other (the second stays QUEUED while
// the first runs, and starts after it finished), and a build whose name is
// too long for Roku fails with the reason.
func TestBuildsOnTheDevServer(t *testing.T) {
	ctx := context.Background()
	d := testenv.DB(t)
	quiet := log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	c, err := client.Dial(client.Options{HostPort: testenv.Temporal(t), Namespace: "default", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	bucket, err := blobstore.Open(ctx, "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	queue := "appbuild-test-" + uuid.NewString()
	ts := &tenants.Service{DB: d, Blobs: bucket}
	gate, started := make(chan struct{}), make(chan int, 4)
	svc := &apps.Service{DB: d, Tenants: ts, Blobs: bucket, Pipeline: &appbuild.Starter{Client: c, TaskQueue: queue},
		BaseURL: "https://api.example.com", SigningKey: []byte("k")}
	svc.Register(&appstest.Packager{P: apps.Web, Gate: gate, Started: started})
	svc.Register(&appstest.Packager{P: apps.Roku})
	w := worker.New(c, queue, worker.Options{})
	appbuild.Register(w, &appbuild.Activities{Apps: svc, Heartbeat: time.Second})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	tenant := testenv.MustTenant(t, d)
	ed := tenants.Principal{Tenant: tenant, Kind: tenants.PrincipalStaff, Subject: uuid.New(), Role: authz.RoleEditor, Label: "ed"}
	first, err := svc.RequestBuild(ctx, ed, apps.Web)
	if err != nil {
		t.Fatal(err)
	}
	second, err := svc.RequestBuild(ctx, ed, apps.Web)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-started:
		if n != 1 {
			t.Fatalf("build %d packaged first", n)
		}
	case <-time.After(time.Minute):
		t.Fatal("the first build never started packaging")
	}
	if b, _ := svc.Get(ctx, tenant, second.ID); b.Status != apps.StatusQueued {
		t.Fatalf("the second build is %s while the first runs", b.Status)
	}
	close(gate)
	wait(t, c, appbuild.WorkflowID(tenant, first.ID))
	wait(t, c, appbuild.WorkflowID(tenant, second.ID))
	record(t, c, appbuild.WorkflowID(tenant, first.ID), "build_succeeds.json")
	record(t, c, appbuild.WorkflowID(tenant, second.ID), "second_build_waits.json")
	b1, _ := svc.Get(ctx, tenant, first.ID)
	b2, _ := svc.Get(ctx, tenant, second.ID)
	if b1.Status != apps.StatusSucceeded || b2.Status != apps.StatusSucceeded || !b1.HasArtifact || !b2.HasLog {
		t.Fatalf("builds %+v %+v", b1, b2)
	}
	if b2.StartedAt.Before(*b1.FinishedAt) {
		t.Fatalf("the second started at %s, before the first finished at %s", b2.StartedAt, b1.FinishedAt)
	}

	long := "The Extremely Long Name Of A Streaming Service"
	if _, err := ts.UpdateBranding(ctx, tenants.Principal{Tenant: tenant}, tenants.BrandingUpdate{AppName: &long}); err != nil {
		t.Fatal(err)
	}
	bad, err := svc.RequestBuild(ctx, ed, apps.Roku)
	if err != nil {
		t.Fatal(err)
	}
	wait(t, c, appbuild.WorkflowID(tenant, bad.ID))
	record(t, c, appbuild.WorkflowID(tenant, bad.ID), "bad_input_fails.json")
	got, _ := svc.Get(ctx, tenant, bad.ID)
	if got.Status != apps.StatusFailed || !strings.Contains(got.Error, "Roku allows at most 30") || !got.HasLog {
		t.Fatalf("bad build %+v", got)
	}
}

func wait(t *testing.T, c client.Client, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
}

// record keeps the workflow's history in testdata/histories with -update.
func record(t *testing.T, c client.Client, id, name string) {
	t.Helper()
	if !*update {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hist := &historypb.History{}
	iter := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
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
