package uploads_test

import (
	"context"
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
)

// Import records a complete source upload, stored at its key with its size
// and SHA-256; a wrong type or an oversized file is refused.
func TestImportRecordsACompleteSourceUpload(t *testing.T) {
	ctx := context.Background()
	d := testenv.DB(t)
	bucket, err := blobstore.Open(ctx, "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	s := &uploads.Service{DB: d, Blobs: bucket, Limits: uploads.Limits{MaxSourceBytes: 16, SourceTypes: []string{"video/mp4"}}}
	tenant := testenv.MustTenant(t, d)

	u, err := s.Import(ctx, tenant, "film.mp4", "video/mp4", strings.NewReader("not really mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if u.State != uploads.StateComplete || u.Kind != uploads.KindSource || u.Size != 14 || u.SHA256 == "" ||
		u.Key != uploads.SourceKey(tenant, u.ID) {
		t.Fatalf("imported upload = %+v", u)
	}
	if data, err := bucket.ReadAll(ctx, u.Key); err != nil || string(data) != "not really mp4" {
		t.Fatalf("stored %q, %v", data, err)
	}
	if got, err := s.Get(ctx, tenant, u.ID); err != nil || got.State != uploads.StateComplete {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	if _, err := s.Import(ctx, tenant, "a.txt", "text/plain", strings.NewReader("x")); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("a text file imported: %v", err)
	}
	if _, err := s.Import(ctx, tenant, "big.mp4", "video/mp4", strings.NewReader(strings.Repeat("x", 17))); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("an oversized file imported: %v", err)
	}
}
