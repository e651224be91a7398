package graph_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/media/mediatest"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// An editor ingests a complete source upload into a title through GraphQL;
// the worker takes it to READY and attaches it to the title. An analyst may
// follow an asset but not start one; another workspace's asset is NOT_FOUND.
func TestIngestUploadThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	pt.RunWorker(t, m)
	ten := pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	title := mustTitle(t, ed, movie("Clip"))

	upload := pt.MustClipUpload(t, m, uuid.MustParse(ten.ID), mediatest.Clip{Width: 640, Height: 360, Audio: 2})

	const ingest = `mutation($u: ID!, $t: ID) { ingestUpload(uploadId: $u, titleId: $t) { id uploadId status } }`
	if r := an.Do(t, ingest, map[string]any{"u": upload.String(), "t": title}); r.Code() != "FORBIDDEN" {
		t.Fatalf("an analyst's ingest: %v", r.Codes())
	}
	d := ed.Must(t, ingest, map[string]any{"u": upload.String(), "t": title})
	asset := pt.Str(d, "ingestUpload", "id")
	if pt.Str(d, "ingestUpload", "uploadId") != upload.String() || pt.Str(d, "ingestUpload", "status") != "PENDING" {
		t.Fatalf("ingestUpload = %v", d)
	}

	const follow = `query($id: ID!) { mediaAsset(id: $id) { status percent failureReason durationSeconds width height } }`
	a := pt.WaitAsset(t, an, asset, "percent failureReason durationSeconds width height", 2*time.Minute)
	if pt.Str(a, "status") != "READY" || pt.Str(a, "percent") != "100" ||
		pt.Get(a, "failureReason") != nil || pt.Str(a, "width") != "640" {
		t.Fatalf("mediaAsset = %v", a)
	}
	d = ed.Must(t, `query($id: ID!) { title(id: $id) { assetId } }`, map[string]any{"id": title})
	if pt.Str(d, "title", "assetId") != asset {
		t.Errorf("title's asset = %v, want %s", d, asset)
	}

	other := pt.SignUp(t, m)
	if r := other.Owner.Do(t, follow, map[string]any{"id": asset}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace reading the asset: %v", r.Codes())
	}
	if r := other.Owner.Do(t, ingest, map[string]any{"u": upload.String()}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace ingesting the upload: %v", r.Codes())
	}
}
