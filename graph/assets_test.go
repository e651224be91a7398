package graph_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/media/mediatest"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
)

// An editor ingests a complete source upload into a title through GraphQL;
// the worker takes it to READY and attaches it to the title. An analyst may
// follow an asset but not start one; another workspace's asset is NOT_FOUND.
func TestIngestUploadThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	worker := make(chan error, 1)
	go func() { worker <- m.RunWorker(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-worker; err != nil {
			t.Errorf("RunWorker: %v", err)
		}
	})
	ten := pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	title := mustTitle(t, ed, movie("Clip"))

	src := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 640, Height: 360, Audio: 2})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tenant := uuid.MustParse(ten.ID)
	u, err := m.Uploads.Create(ctx, tenants.Principal{Tenant: tenant},
		uploads.CreateInput{Kind: uploads.KindSource, Filename: "clip.mp4", ContentType: "video/mp4", Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Uploads.Begin(ctx, tenant, u.ID, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Uploads.Complete(ctx, tenant, u.ID, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}

	const ingest = `mutation($u: ID!, $t: ID) { ingestUpload(uploadId: $u, titleId: $t) { id uploadId status } }`
	if r := an.Do(t, ingest, map[string]any{"u": u.ID.String(), "t": title}); r.Code() != "FORBIDDEN" {
		t.Fatalf("an analyst's ingest: %v", r.Codes())
	}
	d := ed.Must(t, ingest, map[string]any{"u": u.ID.String(), "t": title})
	asset := pt.Str(d, "ingestUpload", "id")
	if pt.Str(d, "ingestUpload", "uploadId") != u.ID.String() || pt.Str(d, "ingestUpload", "status") != "PENDING" {
		t.Fatalf("ingestUpload = %v", d)
	}

	const follow = `query($id: ID!) { mediaAsset(id: $id) { status percent failureReason durationSeconds width height } }`
	deadline := time.Now().Add(2 * time.Minute)
	for {
		d = an.Must(t, follow, map[string]any{"id": asset})
		if s := pt.Str(d, "mediaAsset", "status"); s == "READY" || s == "FAILED" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if pt.Str(d, "mediaAsset", "status") != "READY" || pt.Str(d, "mediaAsset", "percent") != "100" ||
		pt.Get(d, "mediaAsset", "failureReason") != nil || pt.Str(d, "mediaAsset", "width") != "640" {
		t.Fatalf("mediaAsset = %v", d)
	}
	d = ed.Must(t, `query($id: ID!) { title(id: $id) { assetId } }`, map[string]any{"id": title})
	if pt.Str(d, "title", "assetId") != asset {
		t.Errorf("title's asset = %v, want %s", d, asset)
	}

	other := pt.SignUp(t, m)
	if r := other.Owner.Do(t, follow, map[string]any{"id": asset}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace reading the asset: %v", r.Codes())
	}
	if r := other.Owner.Do(t, ingest, map[string]any{"u": u.ID.String()}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace ingesting the upload: %v", r.Codes())
	}
}
