package graph_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/media/mediatest"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/uploads"
)

func caption(lang string, kind uploads.TrackKind, name string) uploads.CreateInput {
	ct := "text/vtt"
	if strings.HasSuffix(name, ".srt") {
		ct = "application/x-subrip"
	}
	return uploads.CreateInput{Kind: uploads.KindCaption, Filename: name, ContentType: ct, Language: &lang, TrackKind: &kind}
}

// An editor ingests a source with a caption track, reads the asset's tracks,
// poster and trick-play through GraphQL, edits the caption, adds and removes
// one; each change is republished. An analyst reads but changes nothing;
// another workspace's asset, track and uploads are NOT_FOUND everywhere.
func TestAssetTracksThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	pt.RunWorker(t, m)
	ten := pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	tenant := uuid.MustParse(ten.ID)
	src, err := os.ReadFile(mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 320, Height: 180, Audio: 2}))
	if err != nil {
		t.Fatal(err)
	}
	source := pt.MustUpload(t, m, tenant, uploads.CreateInput{Kind: uploads.KindSource, Filename: "clip.mp4", ContentType: "video/mp4"}, src)
	sdh := pt.MustUpload(t, m, tenant, caption("en", uploads.TrackCaptions, "en.srt"), []byte("1\n00:00:00,100 --> 00:00:01,500\n[music]\n"))

	const ingest = `mutation($u: ID!, $tracks: [ID!]) { ingestUpload(uploadId: $u, tracks: $tracks) { id status } }`
	other := pt.SignUp(t, m)
	theirSource := pt.MustUpload(t, m, uuid.MustParse(other.ID), uploads.CreateInput{Kind: uploads.KindSource, Filename: "clip.mp4", ContentType: "video/mp4"}, src)
	if r := other.Owner.Do(t, ingest, map[string]any{"u": theirSource.String(), "tracks": []string{sdh.String()}}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace ingesting with our caption: %v", r.Codes())
	}
	d := ed.Must(t, ingest, map[string]any{"u": source.String(), "tracks": []string{sdh.String()}})
	asset := pt.Str(d, "ingestUpload", "id")

	const fields = `captionsPublished posterKey thumbnailsKey
		trickPlay { intervalSeconds count tileWidth tileHeight columns rows spriteKeys }
		tracks { id assetId kind language name trackKind revision webvtt }`
	const read = `query($id: ID!) { mediaAsset(id: $id) { status ` + fields + ` } }`
	a := pt.WaitAsset(t, an, asset, fields, 2*time.Minute)
	if pt.Str(a, "status") != "READY" || pt.Str(a, "captionsPublished") != "true" ||
		!strings.HasSuffix(pt.Str(a, "posterKey"), "/images/poster.jpg") ||
		!strings.HasSuffix(pt.Str(a, "thumbnailsKey"), "/images/thumbnails.vtt") ||
		pt.Str(a, "trickPlay", "tileWidth") != "160" || pt.Str(a, "trickPlay", "tileHeight") != "90" ||
		pt.Str(a, "trickPlay", "intervalSeconds") != "1" ||
		!strings.HasSuffix(pt.Str(a, "trickPlay", "spriteKeys", 0), "/images/sprite_0.jpg") {
		t.Fatalf("mediaAsset = %v", a)
	}
	tr := pt.Get(a, "tracks", 0)
	track := pt.Str(tr, "id")
	if pt.Str(tr, "kind") != "CAPTION" || pt.Str(tr, "language") != "en" || pt.Str(tr, "name") != "English (CC)" ||
		pt.Str(tr, "trackKind") != "CAPTIONS" || pt.Str(tr, "revision") != "1" || pt.Str(tr, "assetId") != asset ||
		!strings.Contains(pt.Str(tr, "webvtt"), "[music]") {
		t.Fatalf("track = %v", tr)
	}

	const replace = `mutation($t: ID!, $v: String) { replaceCaptionText(trackId: $t, webvtt: $v) { id revision webvtt } }`
	edited := "WEBVTT\n\n00:00.100 --> 00:01.500\n[soft music]\n"
	if r := an.Do(t, replace, map[string]any{"t": track, "v": edited}); r.Code() != "FORBIDDEN" {
		t.Errorf("an analyst's edit: %v", r.Codes())
	}
	if r := ed.Do(t, replace, map[string]any{"t": track, "v": "WEBVTT\n\nnot a cue\n"}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("invalid WebVTT: %v", r.Codes())
	}
	d = ed.Must(t, replace, map[string]any{"t": track, "v": edited})
	if pt.Str(d, "replaceCaptionText", "revision") != "2" || !strings.Contains(pt.Str(d, "replaceCaptionText", "webvtt"), "[soft music]") {
		t.Fatalf("replaceCaptionText = %v", d)
	}
	waitAsset(t, an, read, asset, func(d map[string]any) bool { return pt.Str(d, "mediaAsset", "captionsPublished") == "true" })

	es := pt.MustUpload(t, m, tenant, caption("es", uploads.TrackSubtitles, "es.vtt"), []byte("WEBVTT\n\n00:00.100 --> 00:01.500\nHola\n"))
	const add = `mutation($a: ID!, $u: ID!) { addAssetTrack(assetId: $a, uploadId: $u) { id name kind } }`
	d = ed.Must(t, add, map[string]any{"a": asset, "u": es.String()})
	added := pt.Str(d, "addAssetTrack", "id")
	if pt.Str(d, "addAssetTrack", "name") != "Español" {
		t.Errorf("addAssetTrack = %v", d)
	}
	const remove = `mutation($t: ID!) { removeAssetTrack(trackId: $t) { id tracks { id } } }`
	d = ed.Must(t, remove, map[string]any{"t": added})
	if n := len(pt.Get(d, "removeAssetTrack", "tracks").([]any)); n != 1 {
		t.Errorf("after removing: %d tracks", n)
	}
	waitAsset(t, an, read, asset, func(d map[string]any) bool { return pt.Str(d, "mediaAsset", "captionsPublished") == "true" })

	// Another workspace: everything of ours is NOT_FOUND, and ours can't take theirs.
	theirs := pt.MustUpload(t, m, uuid.MustParse(other.ID), caption("fr", uploads.TrackSubtitles, "fr.vtt"), []byte("WEBVTT\n\n00:00.100 --> 00:01.000\nSalut\n"))
	for name, r := range map[string]pt.Response{
		"read the asset":       other.Owner.Do(t, read, map[string]any{"id": asset}),
		"edit our caption":     other.Owner.Do(t, replace, map[string]any{"t": track, "v": edited}),
		"remove our caption":   other.Owner.Do(t, remove, map[string]any{"t": track}),
		"add to our asset":     other.Owner.Do(t, add, map[string]any{"a": asset, "u": theirs.String()}),
		"we add their caption": ed.Do(t, add, map[string]any{"a": asset, "u": theirs.String()}),
	} {
		if r.Code() != "NOT_FOUND" {
			t.Errorf("%s: %v", name, r.Codes())
		}
	}
}

// waitAsset polls the asset until done says so, or a deadline.
func waitAsset(t *testing.T, c pt.Client, query, id string, done func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		d := c.Must(t, query, map[string]any{"id": id})
		if done(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %v", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
