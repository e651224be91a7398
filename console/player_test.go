package console_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/platform/platformtest"
)

// A 7-second clip goes through the real ingest workflow; its title's
// Preview opens the console's player, which starts a preview session and
// plays the tokenized HLS through the origin with hls.js: currentTime passes
// 5 seconds and hls.js reports no error.
func TestPlayerPreviewsAnIngestedAsset(t *testing.T) {
	m := platformtest.Start(t, nil)
	platformtest.RunWorker(t, m)
	tn := platformtest.SignUp(t, m)
	api := tn.Owner
	upload := platformtest.MustClipUpload(t, m, uuid.MustParse(tn.ID), mediatest.Clip{Width: 320, Height: 180, Seconds: 7, Audio: 2})
	title := platformtest.Str(api.Must(t, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"kind": "MOVIE", "localizations": []any{map[string]any{"language": "en", "title": "Test pattern"}}}}), "createTitle", "id")
	d := api.Must(t, `mutation($u: ID!, $t: ID) { ingestUpload(uploadId: $u, titleId: $t) { id } }`, map[string]any{"u": upload.String(), "t": title})
	asset := platformtest.Str(d, "ingestUpload", "id")
	if a := platformtest.WaitAsset(t, api, asset, "failureReason", 3*time.Minute); platformtest.Str(a, "status") != "READY" {
		t.Fatalf("ingest: %v", a)
	}

	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/library")
	b.wait("the title's preview link", `document.getElementById('preview-title-`+title+`')`)
	b.click("preview-title-" + title)
	b.wait("the player", `document.body.dataset.page === 'player' && document.getElementById('player-video')`)
	b.wait("a session", `document.getElementById('player-video').dataset.session`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ct := eval[float64](b, `document.getElementById('player-video').currentTime`)
		if ct > 5 {
			break
		}
		if errs := eval[[]string](b, `window.playerErrors`); len(errs) > 0 {
			t.Fatalf("player errors at %.2fs: %v", ct, errs)
		}
		if time.Now().After(deadline) {
			t.Fatalf("currentTime %.2f after a minute; state %s\n%s", ct, eval[string](b, `document.getElementById('player-video').dataset.state`), b.diagnose())
		}
		time.Sleep(250 * time.Millisecond)
	}
	if errs := eval[[]string](b, `window.playerErrors`); len(errs) > 0 {
		t.Errorf("hls.js errors: %v", errs)
	}
	b.noBanner()
	// The preview was audited.
	d = api.Must(t, `{ auditLog(first: 50) { edges { node { action targetID } } } }`, nil)
	found := false
	for _, e := range platformtest.Get(d, "auditLog", "edges").([]any) {
		if platformtest.Str(e, "node", "action") == "playback.previewed" && platformtest.Str(e, "node", "targetID") == asset {
			found = true
		}
	}
	if !found {
		t.Errorf("no playback.previewed audit entry: %v", d)
	}
}
