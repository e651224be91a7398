package platformtest

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/platform"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
)

// RunWorker runs the platform's worker (ingest, lifecycle, webhooks) until the
// test ends, then stops it and fails the test if it returned an error.
func RunWorker(tb testing.TB, m *platform.Main) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	worker := make(chan error, 1)
	go func() { worker <- m.RunWorker(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-worker; err != nil {
			tb.Errorf("RunWorker: %v", err)
		}
	})
}

// MustUpload stores data as a complete upload of the tenant's (create, begin,
// complete) and returns its id. A zero in.Size is taken from data.
func MustUpload(tb testing.TB, m *platform.Main, tenant uuid.UUID, in uploads.CreateInput, data []byte) uuid.UUID {
	tb.Helper()
	ctx := context.Background()
	if in.Size == 0 {
		in.Size = int64(len(data))
	}
	u, err := m.Uploads.Create(ctx, tenants.Principal{Tenant: tenant}, in)
	if err != nil {
		tb.Fatalf("create upload: %v", err)
	}
	if _, err := m.Uploads.Begin(ctx, tenant, u.ID, in.Size); err != nil {
		tb.Fatalf("begin upload: %v", err)
	}
	if _, err := m.Uploads.Complete(ctx, tenant, u.ID, bytes.NewReader(data)); err != nil {
		tb.Fatalf("complete upload: %v", err)
	}
	return u.ID
}

// MustClipUpload makes the synthetic clip (as clip.mp4, in a temporary
// directory) and stores it as a complete SOURCE upload of the tenant's
// (video/mp4); it returns the upload's id.
func MustClipUpload(tb testing.TB, m *platform.Main, tenant uuid.UUID, clip mediatest.Clip) uuid.UUID {
	tb.Helper()
	data, err := os.ReadFile(mediatest.MustClip(tb, tb.TempDir(), "clip.mp4", clip))
	if err != nil {
		tb.Fatal(err)
	}
	return MustUpload(tb, m, tenant, uploads.CreateInput{
		Kind: uploads.KindSource, Filename: "clip.mp4", ContentType: "video/mp4",
	}, data)
}

// WaitAsset polls the media asset (with `status` and the extra fields, e.g.
// "percent failureReason") every 100 ms until it is READY or FAILED, and
// returns the mediaAsset object. It fails the test if neither comes within
// timeout.
func WaitAsset(tb testing.TB, c Client, asset string, fields string, timeout time.Duration) map[string]any {
	tb.Helper()
	query := `query($id: ID!) { mediaAsset(id: $id) { status ` + fields + ` } }`
	deadline := time.Now().Add(timeout)
	for {
		d := c.Must(tb, query, map[string]any{"id": asset})
		a, _ := d["mediaAsset"].(map[string]any)
		if s := Str(a, "status"); s == "READY" || s == "FAILED" {
			return a
		}
		if time.Now().After(deadline) {
			tb.Fatalf("asset %s not READY or FAILED after %s: %v", asset, timeout, a)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
