package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/uploads"
)

// An owner opens an ingested asset's tracks in the library, edits a
// caption's text and sees it republished (the master playlist in storage
// names the new revision), uploads a captions file and adds it as a track,
// replaces the first caption's text with that upload, then removes the first
// track.
func TestLibraryEditsAndRepublishesCaptions(t *testing.T) {
	m := platformtest.Start(t, nil)
	platformtest.RunWorker(t, m)
	ctx := context.Background()
	tn := platformtest.SignUp(t, m)
	tenant := uuid.MustParse(tn.ID)
	lang, kind := "en", uploads.TrackSubtitles
	source := platformtest.MustClipUpload(t, m, tenant, mediatest.Clip{Width: 320, Height: 180, Audio: 1})
	capt := platformtest.MustUpload(t, m, tenant, uploads.CreateInput{Kind: uploads.KindCaption, Filename: "en.vtt", ContentType: "text/vtt",
		Language: &lang, TrackKind: &kind}, []byte("WEBVTT\n\n00:00.100 --> 00:01.500\nGood evening.\n"))
	svc := m.AssetService()
	a, err := svc.IngestWithTracks(ctx, tenant, source, nil, []uploads.ID{capt})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		a, err = svc.Get(ctx, tenant, a.ID)
		if err != nil || a.Status.Finished() || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a.Status != assets.StatusReady {
		t.Fatalf("asset %s %q %v", a.Status, a.FailureReason, err)
	}
	tracks, err := svc.Tracks(ctx, tenant, a.ID)
	if err != nil || len(tracks) != 1 {
		t.Fatalf("tracks %v %v", tracks, err)
	}
	track := tracks[0].ID.String()

	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/library")
	b.wait("titles loaded", `document.getElementById('title-list').dataset.loaded === 'true'`)
	b.typeIn("tracks-asset", a.ID.String())
	b.click("tracks-load")
	b.wait("tracks shown", `document.getElementById('track-`+track+`') !== null`)
	b.labelled()
	if got := b.text("tracks-published"); !strings.Contains(got, "Published") {
		t.Errorf("published state %q", got)
	}
	if got := b.text("asset-images"); !strings.Contains(got, "poster.jpg") || !strings.Contains(got, "160×90") {
		t.Errorf("images %q", got)
	}
	b.click("track-edit-" + track)
	b.setInput("track-edit-text", "WEBVTT\n\n00:00.100 --> 00:01.500\nGood evening, everyone.\n")
	b.click("track-edit-save")
	b.wait("revision 2 published", `document.getElementById('track-`+track+`')?.dataset.revision === '2' &&
		document.getElementById('tracks-published').dataset.published === 'true'`)
	b.noBanner()
	master, err := m.Blobs.ReadAll(ctx, a.HLSKey)
	if err != nil || !strings.Contains(string(master), track+"_r2.m3u8") {
		t.Errorf("master after the edit (%v):\n%s", err, master)
	}

	// A captions file uploaded on the page becomes a new track, then the
	// first track's text is replaced by another upload.
	addVTT := writeFile(t, "fr.vtt", []byte("WEBVTT\n\n00:00.100 --> 00:01.500\nBonsoir.\n"))
	b.do("choose the captions", chromedp.SetUploadFiles(chromedp.ID("caption-file"), []string{addVTT}))
	b.typeIn("caption-language", "fr")
	b.press("caption-start")
	b.wait("captions upload complete", `document.getElementById('caption-state').dataset.state === 'COMPLETE'`)
	b.click("track-add")
	b.wait("track added and published", `document.querySelectorAll('#track-list tr[data-kind="CAPTION"]').length === 2 &&
		document.getElementById('tracks-published').dataset.published === 'true'`)
	if got := b.text("track-list"); !strings.Contains(got, "Français") {
		t.Errorf("tracks %q", got)
	}
	b.click("track-replace-" + track)
	b.wait("revision 3 published", `document.getElementById('track-`+track+`')?.dataset.revision === '3' &&
		document.getElementById('tracks-published').dataset.published === 'true'`)
	text, err := svc.CaptionText(ctx, tenant, tracks[0].ID)
	if err != nil || !strings.Contains(text, "Bonsoir.") {
		t.Errorf("text after the replace from an upload (%v): %q", err, text)
	}
	b.noBanner()

	b.click("track-remove-" + track)
	b.wait("track removed", `document.getElementById('track-`+track+`') === null && document.getElementById('tracks-published').dataset.published === 'true'`)
	master, _ = m.Blobs.ReadAll(ctx, a.HLSKey)
	if strings.Count(string(master), "TYPE=SUBTITLES") != 1 || !strings.Contains(string(master), `LANGUAGE="fr"`) {
		t.Errorf("master after removing the track:\n%s", master)
	}
}
