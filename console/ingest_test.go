package console_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/platform/platformtest"
)

// waitLong polls a condition for up to within (an ingest outlasts one step).
func (b *browser) waitLong(what, cond string, within time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(within)
	for !eval[bool](b, "!!("+cond+")") {
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s (%s)\n%s", what, cond, b.diagnose())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// An owner uploads a real clip through the library with "process it as soon
// as it is uploaded" onto a title: the upload's bar fills, then the
// processing panel follows the asset live (assetProgress over the console's
// WebSocket) to READY, and the title shows its video READY with no second
// action. Then they replace the source (the title plays the new one, the
// old asset is DELETED), make poster artwork in every size, and delete the
// video after confirming.
func TestLibraryAutoIngestProgressAndLifecycle(t *testing.T) {
	m := platformtest.Start(t, nil)
	platformtest.RunWorker(t, m)
	tn := platformtest.SignUp(t, m)
	api := tn.Owner
	sfx := suffix()
	name := "Harbour Lights " + sfx
	d := api.Must(t, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"kind": "MOVIE", "localizations": []any{map[string]any{"language": "en", "title": name}}}})
	titleID := platformtest.Str(d, "createTitle", "id")

	owner := newBrowser(t)
	signIn(owner, m.URL(), tn.Slug, tn.Email)
	owner.open("#/library")
	owner.wait("titles loaded", `document.getElementById('title-list').dataset.loaded === 'true'`)
	owner.wait("live updates on", `document.getElementById('live-status')?.textContent.includes('Live updates on')`)
	owner.labelled()

	clip := mediatest.MustClip(t, t.TempDir(), "harbour-"+sfx+".mp4", mediatest.Clip{Width: 320, Height: 180, Audio: 2})
	owner.do("choose the clip", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{clip}))
	owner.click("upload-auto")
	owner.setInput("upload-title", titleID)
	owner.press("upload-start")
	owner.wait("upload complete", `document.getElementById('upload-state').dataset.state === 'COMPLETE'`)
	if v := eval[float64](owner, `document.getElementById('upload-progress').value`); v != 100 {
		t.Fatalf("upload bar at %v", v)
	}
	owner.waitLong("the video to be processed", `['READY', 'FAILED'].includes(document.getElementById('upload-ingest-state').dataset.state)`, 2*time.Minute)
	if s := eval[string](owner, `document.getElementById('upload-ingest-state').dataset.state`); s != "READY" {
		t.Fatalf("processing ended %s: %s", s, owner.text("upload-ingest-reason"))
	}
	if v := eval[float64](owner, `document.getElementById('upload-ingest-progress').value`); v != 100 {
		t.Fatalf("processing bar at %v", v)
	}
	if live := owner.text("upload-ingest-live"); live != "(live)" {
		t.Fatalf("progress was not followed live: %q", live)
	}
	owner.noBanner()
	owner.wait("the title shows its video", fmt.Sprintf(`document.getElementById('title-asset-%s')?.dataset.status === 'READY'`, titleID))
	d = api.Must(t, `query($id: ID!) { title(id: $id) { asset { id status autoIngest } } }`, map[string]any{"id": titleID})
	first := platformtest.Str(d, "title", "asset", "id")
	if platformtest.Str(d, "title", "asset", "status") != "READY" || platformtest.Str(d, "title", "asset", "autoIngest") != "true" {
		t.Fatalf("title's asset %v", d)
	}

	// Replace the source.
	owner.press("replace-title-" + titleID)
	owner.wait("replace form", `document.getElementById('replace-form')`)
	owner.labelled()
	second := mediatest.MustClip(t, t.TempDir(), "harbour2-"+sfx+".mp4", mediatest.Clip{Width: 320, Height: 240, Audio: 2})
	owner.do("choose the new source", chromedp.SetUploadFiles(chromedp.ID("replace-file"), []string{second}))
	owner.press("replace-start")
	owner.waitLong("the new source to be processed and switched", `document.getElementById('replace-form')?.dataset.result`, 2*time.Minute)
	if s := eval[string](owner, `document.getElementById('replace-ingest-state').dataset.state`); s != "READY" {
		t.Fatalf("the new source ended %s: %s", s, owner.text("replace-ingest-reason"))
	}
	if r := eval[string](owner, `document.getElementById('replace-form').dataset.result`); r != "SWITCHED" {
		t.Fatalf("replacement %s", r)
	}
	owner.noBanner()
	owner.wait("the title's video", fmt.Sprintf(`document.getElementById('title-asset-%s')?.dataset.status === 'READY'`, titleID))
	eventually(t, "the title on its new asset", 30*time.Second, func() bool {
		d = api.Must(t, `query($id: ID!) { title(id: $id) { assetId sourceReplacement { status } } }`, map[string]any{"id": titleID})
		return platformtest.Str(d, "title", "sourceReplacement", "status") == "SWITCHED"
	})
	if platformtest.Str(d, "title", "assetId") == first {
		t.Fatal("the title still plays the first asset")
	}
	if s := platformtest.Str(api.Must(t, `query($id: ID!) { mediaAsset(id: $id) { status } }`, map[string]any{"id": first}), "mediaAsset", "status"); s != "DELETED" {
		t.Fatalf("the replaced asset is %s", s)
	}
	owner.load(m.URL() + "/console/#/library") // fresh rows
	owner.wait("titles loaded", `document.getElementById('title-list').dataset.loaded === 'true'`)

	// Artwork.
	owner.press("artwork-title-" + titleID)
	owner.wait("artwork form", `document.getElementById('artwork-form')`)
	owner.labelled()
	poster := writeFile(t, "poster.png", pngOf(t, 640, 960))
	owner.do("choose the poster", chromedp.SetUploadFiles(chromedp.ID("artwork-file"), []string{poster}))
	owner.press("artwork-start")
	owner.wait("poster sizes listed", `document.querySelector('#artwork-list li[data-size="600x900"]') && document.querySelector('#artwork-list li[data-size="300x450"]')`)
	owner.noBanner()

	// Delete the video, after confirming.
	owner.load(m.URL() + "/console/#/library")
	owner.wait("titles loaded", `document.getElementById('title-list').dataset.loaded === 'true'`)
	playing := platformtest.Str(api.Must(t, `query($id: ID!) { title(id: $id) { assetId } }`, map[string]any{"id": titleID}), "title", "assetId")
	owner.press("delete-asset-" + titleID)
	owner.wait("confirmation", `document.getElementById('confirm-dialog').open`)
	owner.click("confirm-ok")
	owner.wait("no video", fmt.Sprintf(`document.getElementById('title-asset-%s')?.textContent === 'No video'`, titleID))
	owner.noBanner()
	if s := platformtest.Str(api.Must(t, `query($id: ID!) { mediaAsset(id: $id) { status } }`, map[string]any{"id": playing}), "mediaAsset", "status"); s != "DELETED" {
		t.Fatalf("the deleted video is %s", s)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pngOf encodes a w × h gradient PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 90, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
