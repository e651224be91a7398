package ingest_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

// Every kind of file a customer may upload, through the whole workflow on
// the dev server: each ends READY and playable (every variant decodes
// through its master playlist, segments aligned, the length kept) or FAILED
// with a reason an editor can read, and none hangs (h.wait has a deadline).
func TestIngestBadInputOnTheDevServer(t *testing.T) {
	h := startHarness(t)
	dir := t.TempDir()
	clip := func(name string, c mediatest.Clip) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return mustRead(t, mediatest.MustClip(t, dir, name, c)) }
	}
	// A real video on this machine, which a playlist disguised as a video
	// names: were it read, the ingest would succeed.
	target := mediatest.MustClip(t, dir, "target.mp4", mediatest.Clip{Audio: 1})
	cases := []struct {
		name string
		data func(t *testing.T) []byte
		// ready: playable, with this display size; else FAILED with a
		// reason containing reason.
		ready         bool
		width, height int
		reason        string
	}{
		{name: "not a video", data: func(*testing.T) []byte { return []byte("Quarterly report\nnot a video at all\n") }, reason: "not a video"},
		{name: "truncated", data: func(t *testing.T) []byte {
			b := mustRead(t, mediatest.MustClip(t, dir, "whole.mp4", mediatest.Clip{Audio: 2}))
			return b[:len(b)/2]
		}, reason: "truncated or corrupt"},
		{name: "zero bytes", data: func(*testing.T) []byte { return nil }, reason: "empty"},
		{name: "audio only", data: clip("audio.mp4", mediatest.Clip{NoVideo: true}), reason: "no picture"},
		{name: "one second", data: clip("short.mp4", mediatest.Clip{Seconds: 1, Audio: 1}), reason: "too short"},
		{name: "variable frame rate", data: clip("vfr.mp4", mediatest.Clip{Audio: 1,
			// 40 fps for a second, then 20: two seconds, as long as its sound.
			VideoFilter: "setpts='if(lt(N,40),N/40,1+(N-40)/20)/TB'", Extra: []string{"-fps_mode", "vfr"}}),
			ready: true, width: 320, height: 180},
		{name: "rotated phone video", data: func(t *testing.T) []byte {
			src := mediatest.MustClip(t, dir, "upright.mp4", mediatest.Clip{Width: 320, Height: 180, Audio: 2})
			out := filepath.Join(dir, "rotated.mp4")
			mediatest.MustFFmpeg(t, "-v", "error", "-y", "-i", src, "-c", "copy", "-metadata:s:v", "rotate=90", out)
			return mustRead(t, out)
		}, ready: true, width: 180, height: 320},
		{name: "odd dimensions 1917x1079", data: clip("odd.mp4", mediatest.Clip{Rate: "5", VideoFilter: "scale=1917:1079,setsar=1", PixFmt: "yuv444p", Audio: 1}),
			ready: true, width: 1917, height: 1079},
		{name: "10-bit HDR PQ", data: clip("pq.mp4", mediatest.Clip{Rate: "24", PixFmt: "yuv420p10le", Audio: 1,
			Extra: []string{"-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc"}}),
			ready: true, width: 320, height: 180},
		{name: "HLS playlist saved as .mp4 naming an absolute path", data: func(*testing.T) []byte {
			return []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + target + "\n#EXT-X-ENDLIST\n")
		}, reason: "playlist"},
		{name: "ffconcat saved as .mov naming a file URL", data: func(*testing.T) []byte {
			return []byte("ffconcat version 1.0\nfile 'file://" + target + "'\n")
		}, reason: "playlist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tenant := testenv.MustTenant(t, h.assets.DB)
			data := c.data(t)
			var a assets.Asset
			if len(data) == 0 {
				// An empty upload is refused at the door...
				_, err := h.uploads.Create(ctx, tenants.Principal{Tenant: tenant},
					uploads.CreateInput{Kind: uploads.KindSource, Filename: "clip.mp4", ContentType: "video/mp4", Size: 0})
				if err == nil || !strings.Contains(errs.MessageOf(err), "empty") {
					t.Fatalf("an empty upload: %v, want refused as empty", err)
				}
				// ...and a source that is empty in storage all the same
				// (emptied after its upload) fails the workflow.
				a, err = h.assets.Create(ctx, tenant, h.upload(t, tenant, []byte("placeholder")))
				if err != nil {
					t.Fatal(err)
				}
				if err := h.blobs.WriteAll(ctx, a.SourceKey, nil, nil); err != nil {
					t.Fatal(err)
				}
				if err := h.assets.Pipeline.StartIngest(ctx, assets.IngestRequest{Tenant: tenant, Asset: a.ID}); err != nil {
					t.Fatal(err)
				}
			} else {
				var err error
				if a, err = h.assets.Ingest(ctx, tenant, h.upload(t, tenant, data), nil); err != nil {
					t.Fatal(err)
				}
			}
			_, werr := h.wait(t, tenant, a.ID)
			got, err := h.assets.Get(ctx, tenant, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.ready {
				if werr != nil || got.Status != assets.StatusReady {
					t.Fatalf("asset %s %q (%v), want READY", got.Status, got.FailureReason, werr)
				}
				if got.Width != c.width || got.Height != c.height {
					t.Errorf("display %dx%d, want %dx%d", got.Width, got.Height, c.width, c.height)
				}
				checkPlayable(t, h, tenant, a.ID, got.Duration.Seconds())
				return
			}
			var app *temporal.ApplicationError
			if !errors.As(werr, &app) || app.Type() != ingest.ErrInvalidSource {
				t.Fatalf("workflow error %v, want %s", werr, ingest.ErrInvalidSource)
			}
			if got.Status != assets.StatusFailed || !strings.Contains(got.FailureReason, c.reason) {
				t.Fatalf("asset %s %q, want FAILED with a reason about %q", got.Status, got.FailureReason, c.reason)
			}
			t.Logf("reason: %s", got.FailureReason)
		})
	}
}
