package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dashmpd "github.com/Eyevinn/dash-mpd/mpd"
	"github.com/google/uuid"
	"github.com/grafov/m3u8"
	"go.temporal.io/sdk/temporal"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

const (
	srtSDH = "1\n00:00:00,200 --> 00:00:01,000\n[door slams]\n\n2\n00:00:01,100 --> 00:00:01,900\nWho's there?\n"
	vttES  = "WEBVTT\n\n00:00.200 --> 00:01.000\n¿Quién es?\n\n00:01.100 --> 00:01.900\nSoy yo.\n"
)

// Sidecar tracks, images and caption republishing on the real services.
func TestSidecarsOnTheDevServer(t *testing.T) {
	h := startHarness(t)
	h.assets.Publisher = h.assets.Pipeline.(*ingest.Starter)
	h.assets.Blobs = h.blobs
	t.Run("extra audio and captions are packaged for HLS and DASH, with poster and trick-play", h.tracksArePackaged)
	t.Run("a bad caption, another tenant's track and an audio track with no audio are refused", h.badTracksAreRefused)
}

// track stores data as a complete sidecar upload of the tenant; a caption
// that is not one ends FAILED, and is returned as it is.
func (h *harness) track(t *testing.T, tenant uuid.UUID, kind uploads.Kind, name, ctype, lang string, tk uploads.TrackKind, data []byte) uploads.Upload {
	t.Helper()
	ctx := context.Background()
	in := uploads.CreateInput{Kind: kind, Filename: name, ContentType: ctype, Size: int64(len(data)), Language: &lang}
	if tk != "" {
		in.TrackKind = &tk
	}
	u, err := h.uploads.Create(ctx, tenants.Principal{Tenant: tenant}, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.uploads.Begin(ctx, tenant, u.ID, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if _, err := h.uploads.Complete(ctx, tenant, u.ID, bytes.NewReader(data)); err != nil && errs.KindOf(err) != errs.KindInvalid {
		t.Fatal(err)
	}
	u, err = h.uploads.Get(ctx, tenant, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (h *harness) tracksArePackaged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := testenv.MustTenant(t, h.assets.DB)
	tmp := t.TempDir()
	src := mustRead(t, mediatest.MustClip(t, tmp, "clip.mp4", mediatest.Clip{Width: 640, Height: 360, Rate: "30", Audio: 2,
		Extra: []string{"-metadata:s:a:0", "language=eng"}}))
	fr := mustRead(t, mediatest.MustClip(t, tmp, "fr.m4a", mediatest.Clip{NoVideo: true, Audio: 1}))
	audio := h.track(t, tenant, uploads.KindAudio, "fr.m4a", "audio/mp4", "fr", uploads.TrackDescriptiveAudio, fr)
	sdh := h.track(t, tenant, uploads.KindCaption, "en.srt", "application/x-subrip", "en", uploads.TrackCaptions, []byte(srtSDH))
	es := h.track(t, tenant, uploads.KindCaption, "es.vtt", "text/vtt", "es", uploads.TrackSubtitles, []byte(vttES))
	a, err := h.assets.IngestWithTracks(ctx, tenant, h.upload(t, tenant, src), nil, []uploads.ID{audio.ID, sdh.ID, es.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.wait(t, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	got, err := h.assets.Get(ctx, tenant, a.ID)
	if err != nil || got.Status != assets.StatusReady || !got.CaptionsPublished() {
		t.Fatalf("asset %+v %v", got, err)
	}
	tracks, err := h.assets.Tracks(ctx, tenant, a.ID)
	if err != nil || len(tracks) != 3 {
		t.Fatalf("tracks %+v %v", tracks, err)
	}
	if tracks[0].Name != "Français (Audio description)" || tracks[1].Name != "English (CC)" || tracks[2].Name != "Español" {
		t.Errorf("track names %q %q %q", tracks[0].Name, tracks[1].Name, tracks[2].Name)
	}
	prefix := assets.Prefix(tenant, a.ID)
	dir := download(t, h.blobs, prefix)
	masterPath := filepath.Join(dir, media.HLSMaster)

	// The master playlist: AUDIO and SUBTITLES groups with their attributes.
	pl, kind, err := m3u8.Decode(*bytes.NewBuffer(mustRead(t, masterPath)), true)
	if err != nil || kind != m3u8.MASTER {
		t.Fatalf("master: %v %v", kind, err)
	}
	master := pl.(*m3u8.MasterPlaylist)
	byType := map[string][]*m3u8.Alternative{}
	seen := map[string]bool{}
	for _, v := range master.Variants {
		if v.Audio != media.AudioGroup || v.Subtitles != media.SubtitleGroup {
			t.Errorf("variant %s: AUDIO=%q SUBTITLES=%q", v.URI, v.Audio, v.Subtitles)
		}
		for _, alt := range v.Alternatives {
			if !seen[alt.Type+alt.URI] {
				seen[alt.Type+alt.URI] = true
				byType[alt.Type] = append(byType[alt.Type], alt)
			}
		}
	}
	au, su := byType["AUDIO"], byType["SUBTITLES"]
	if len(au) != 2 || len(su) != 2 {
		t.Fatalf("%d AUDIO and %d SUBTITLES renditions, want 2 and 2:\n%s", len(au), len(su), mustRead(t, masterPath))
	}
	if !au[0].Default || au[0].Language != "en" || au[0].Name != "English" || au[1].Default || au[1].Language != "fr" || au[1].Characteristics != media.CharDescribesVideo ||
		au[1].Name != "Français (Audio description)" {
		t.Errorf("audio renditions %+v %+v", *au[0], *au[1])
	}
	if su[0].Language != "en" || su[0].Characteristics != media.CharSDH || su[1].Language != "es" || su[1].Characteristics != "" ||
		su[0].Default || su[1].Default {
		t.Errorf("subtitle renditions %+v %+v", *su[0], *su[1])
	}
	for _, s := range su {
		sp := mustSegments(t, filepath.Join(dir, s.URI))
		if len(sp) != 1 || sp[0] < 1.9 {
			t.Errorf("%s: segments %v", s.URI, sp)
		}
	}
	vtt := string(mustRead(t, filepath.Join(dir, strings.TrimSuffix(su[0].URI, ".m3u8")+".vtt")))
	if !strings.HasPrefix(vtt, "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n") || !strings.Contains(vtt, "[door slams]") {
		t.Errorf("SDH WebVTT:\n%s", vtt)
	}

	// A player's path: every variant through the master, with the audio;
	// then the extra audio rendition.
	for i := range master.Variants {
		out, err := exec.Command("ffmpeg", "-v", "error", "-protocol_whitelist", "file", "-allowed_extensions", "ALL",
			"-i", masterPath, "-map", fmt.Sprintf("0:v:%d", i), "-map", "0:a:0", "-f", "null", "-").CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("variant %d does not decode cleanly: %v\n%s", i, err, out)
		}
	}
	out, err := exec.Command("ffmpeg", "-v", "error", "-protocol_whitelist", "file", "-allowed_extensions", "ALL",
		"-i", filepath.Join(dir, au[1].URI), "-map", "0:a:0", "-f", "null", "-").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("the French rendition does not decode: %v\n%s", err, out)
	}
	var total float64
	for _, d := range mustSegments(t, filepath.Join(dir, au[1].URI)) {
		total += d
	}
	if total < 1.9 || total > 2.1 {
		t.Errorf("the 2 s French rendition lasts %.3f s", total)
	}

	// The MPD: video, the two audio sets, two text sets.
	m, err := dashmpd.ReadFromFile(filepath.Join(dir, media.DASHMPD))
	if err != nil {
		t.Fatal(err)
	}
	var sets []string
	for _, as := range m.Periods[0].AdaptationSets {
		s := string(as.ContentType) + ":" + as.Lang
		for _, r := range as.Roles {
			s += ":" + r.Value
		}
		sets = append(sets, s)
		for _, r := range as.Representations {
			var file string
			if as.ContentType == "text" {
				file = string(r.BaseURLs[0].Value)
				if as.MimeType != "text/vtt" {
					t.Errorf("text set mimeType %q", as.MimeType)
				}
			} else if file, err = r.GetInit(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
				t.Errorf("%s representation %s: %v", as.ContentType, r.Id, err)
			}
		}
	}
	if want := "video: audio:en:main audio:fr:alternate:description text:en:caption text:es:subtitle"; strings.Join(sets, " ") != want {
		t.Errorf("adaptation sets %v, want %s", sets, want)
	}
	// A DASH client's path: ffmpeg's dash demuxer reads the patched MPD (the
	// text sets too: .vtt needs allowed_extensions) and decodes the top video
	// and both audio sets.
	out, err = exec.Command("ffmpeg", "-v", "error", "-protocol_whitelist", "file", "-allowed_extensions", "ALL", "-i", filepath.Join(dir, media.DASHMPD),
		"-map", "0:v:0", "-map", "0:a", "-f", "null", "-").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("the MPD does not decode: %v\n%s", err, out)
	}
	if n := strings.Count(probeStreams(t, filepath.Join(dir, media.DASHMPD)), "audio"); n != 2 {
		t.Errorf("ffprobe finds %d audio streams in the MPD, want 2", n)
	}
	if _, err := os.Stat(filepath.Join(dir, media.AudioTrackDir(0), media.HLSMaster)); err == nil {
		t.Error("the track's own master playlist was published")
	}

	// Poster and trick-play.
	if got.PosterKey != prefix+"images/poster.jpg" || got.ThumbnailsKey != prefix+"images/thumbnails.vtt" || got.TrickPlay == nil ||
		len(got.TrickPlay.SpriteKeys) != 1 || got.TrickPlay.TileWidth != 160 || got.TrickPlay.TileHeight != 90 {
		t.Fatalf("images %q %q %+v", got.PosterKey, got.ThumbnailsKey, got.TrickPlay)
	}
	for key, size := range map[string][2]int{got.PosterKey: {640, 360}, got.TrickPlay.SpriteKeys[0]: {800, 450}} {
		attrs, err := h.blobs.Attributes(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(mustRead(t, filepath.Join(dir, strings.TrimPrefix(key, prefix)))))
		if err != nil || cfg.Width != size[0] || cfg.Height != size[1] || attrs.ContentType != "image/jpeg" {
			t.Errorf("%s: %dx%d %s %v, want a %dx%d JPEG", key, cfg.Width, cfg.Height, attrs.ContentType, err, size[0], size[1])
		}
	}
	thumbs := string(mustRead(t, filepath.Join(dir, "images", media.ThumbnailsFile)))
	cues := regexp.MustCompile(`(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(sprite_\d+\.jpg#xywh=\d+,\d+,\d+,\d+)`).FindAllStringSubmatch(thumbs, -1)
	if len(cues) != 2 || cues[0][1] != "00:00:00.000" || cues[0][2] != cues[1][1] || cues[1][2] < "00:00:01.900" ||
		cues[0][3] != "sprite_0.jpg#xywh=0,0,160,90" || cues[1][3] != "sprite_0.jpg#xywh=160,0,160,90" {
		t.Errorf("thumbnails track:\n%s", thumbs)
	}

	h.recordHistory(t, ingest.WorkflowID(tenant, a.ID), "sidecars_ready.json")

	t.Run("a caption edit republishes only the captions and the manifests", func(t *testing.T) {
		h.republishCaptions(t, tenant, a.ID, tracks)
	})
}

// objects lists a prefix: key → modification time and MD5.
func objects(t *testing.T, b *blob.Bucket, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		out[obj.Key] = fmt.Sprintf("%s %x %d", obj.ModTime.Format(time.RFC3339Nano), obj.MD5, obj.Size)
	}
}

func (h *harness) waitCaptions(t *testing.T, tenant, asset uuid.UUID) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var res ingest.CaptionsResult
	if err := h.temporal.GetWorkflow(ctx, ingest.CaptionsWorkflowID(tenant, asset), "").Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	got, err := h.assets.Get(ctx, tenant, asset)
	if err != nil || !got.CaptionsPublished() {
		t.Fatalf("after the republish: %+v %v", got, err)
	}
}

func (h *harness) republishCaptions(t *testing.T, tenant, asset uuid.UUID, tracks []assets.Track) {
	ctx := context.Background()
	prefix := assets.Prefix(tenant, asset)
	before := objects(t, h.blobs, prefix)
	time.Sleep(10 * time.Millisecond) // a rewritten file would have a later ModTime

	edited := strings.Replace(srtSDH, "Who's there?", "Who is it?", 1)
	tr, err := h.assets.ReplaceCaption(ctx, tenant, tracks[1].ID, assets.CaptionText{Body: &edited})
	if err != nil || tr.Revision != 2 {
		t.Fatalf("ReplaceCaption: %+v %v", tr, err)
	}
	h.waitCaptions(t, tenant, asset)
	after := objects(t, h.blobs, prefix)
	oldVTT, _ := media.SubtitleFiles(tracks[1].ID.String(), 1)
	newVTT, _ := media.SubtitleFiles(tracks[1].ID.String(), 2)
	for key, was := range before {
		rel := strings.TrimPrefix(key, prefix)
		switch {
		case rel == media.HLSMaster || rel == media.DASHMPD:
			if after[key] == was {
				t.Errorf("%s was not rewritten", rel)
			}
		case strings.HasPrefix(rel, "subs/"+tracks[1].ID.String()):
			if _, ok := after[key]; ok {
				t.Errorf("the old revision %s is still there", rel)
			}
		case after[key] != was:
			t.Errorf("%s changed: %s → %s", rel, was, after[key])
		}
	}
	text, err := h.blobs.ReadAll(ctx, prefix+newVTT)
	if err != nil || !strings.Contains(string(text), "Who is it?") || strings.Contains(string(text), "Who's there?") {
		t.Errorf("the new WebVTT (%v):\n%s", err, text)
	}
	master, err := h.blobs.ReadAll(ctx, prefix+media.HLSMaster)
	if err != nil || !strings.Contains(string(master), strings.TrimSuffix(newVTT, ".vtt")+".m3u8") || strings.Contains(string(master), strings.TrimSuffix(oldVTT, ".vtt")) {
		t.Errorf("master after the edit:\n%s", master)
	}
	manifest, err := h.blobs.ReadAll(ctx, prefix+media.DASHMPD)
	if err != nil || !strings.Contains(string(manifest), newVTT) {
		t.Errorf("MPD after the edit:\n%s", manifest)
	}

	h.recordHistory(t, ingest.CaptionsWorkflowID(tenant, asset), "captions_republished.json")

	// An invalid text is refused, and nothing changes.
	bad := "WEBVTT\n\n00:00.200 --> nonsense\nx\n"
	if _, err := h.assets.ReplaceCaption(ctx, tenant, tracks[1].ID, assets.CaptionText{Body: &bad}); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("an invalid WebVTT: %v", err)
	} else {
		t.Logf("invalid WebVTT: %s", errs.MessageOf(err))
	}
	// Removing the Spanish track drops it from both manifests.
	if _, err := h.assets.RemoveTrack(ctx, tenant, tracks[2].ID); err != nil {
		t.Fatal(err)
	}
	h.waitCaptions(t, tenant, asset)
	master, _ = h.blobs.ReadAll(ctx, prefix+media.HLSMaster)
	manifest, _ = h.blobs.ReadAll(ctx, prefix+media.DASHMPD)
	if strings.Contains(string(master), `LANGUAGE="es"`) || strings.Contains(string(manifest), `lang="es"`) ||
		strings.Count(string(master), "TYPE=SUBTITLES") != 1 {
		t.Errorf("after removing es:\n%s\n%s", master, manifest)
	}
	if _, err := h.assets.RemoveTrack(ctx, tenant, tracks[0].ID); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("removing an audio track: %v", err)
	}
}

func (h *harness) badTracksAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := testenv.MustTenant(t, h.assets.DB)
	tmp := t.TempDir()
	src := mustRead(t, mediatest.MustClip(t, tmp, "clip.mp4", mediatest.Clip{Width: 320, Height: 180, Audio: 1}))

	// A caption upload that is not captions fails as an upload, and cannot be a track.
	junk := h.track(t, tenant, uploads.KindCaption, "en.srt", "application/x-subrip", "en", uploads.TrackSubtitles, []byte("this is not a caption file\n"))
	if junk.State != uploads.StateFailed {
		t.Fatalf("junk captions: %s", junk.State)
	}
	_, err := h.assets.IngestWithTracks(ctx, tenant, h.upload(t, tenant, src), nil, []uploads.ID{junk.ID})
	if errs.KindOf(err) != errs.KindInvalid || !strings.Contains(errs.MessageOf(err), "captions") {
		t.Errorf("ingest with junk captions: %v", err)
	} else {
		t.Logf("junk captions: %s", errs.MessageOf(err))
	}

	// Another tenant's track upload is not found.
	other := testenv.MustTenant(t, h.assets.DB)
	theirs := h.track(t, other, uploads.KindCaption, "en.vtt", "text/vtt", "en", uploads.TrackSubtitles, []byte(vttES))
	if _, err := h.assets.IngestWithTracks(ctx, tenant, h.upload(t, tenant, src), nil, []uploads.ID{theirs.ID}); errs.KindOf(err) != errs.KindNotFound {
		t.Errorf("another tenant's track: %v", err)
	}
	// A source upload is not a track.
	if _, err := h.assets.IngestWithTracks(ctx, tenant, h.upload(t, tenant, src), nil, []uploads.ID{h.upload(t, tenant, src)}); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("a source as a track: %v", err)
	}

	// An "audio" track with no audio (a silent video) fails the asset with
	// the reason, and nothing is published.
	silent := mustRead(t, mediatest.MustClip(t, tmp, "silent.m4a", mediatest.Clip{Width: 320, Height: 180}))
	mute := h.track(t, tenant, uploads.KindAudio, "silent.m4a", "audio/mp4", "de", "", silent)
	a, err := h.assets.IngestWithTracks(ctx, tenant, h.upload(t, tenant, src), nil, []uploads.ID{mute.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.wait(t, tenant, a.ID)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != ingest.ErrInvalidSource {
		t.Fatalf("workflow error %v", err)
	}
	got, err := h.assets.Get(ctx, tenant, a.ID)
	if err != nil || got.Status != assets.StatusFailed || !strings.Contains(got.FailureReason, "audio track 1") ||
		!strings.Contains(got.FailureReason, "no audio") {
		t.Fatalf("asset %s %q %v", got.Status, got.FailureReason, err)
	}
	t.Logf("reason: %s", got.FailureReason)
	if objs := objects(t, h.blobs, assets.Prefix(tenant, a.ID)); len(objs) != 0 {
		t.Errorf("a failed asset published %d files", len(objs))
	}
}

func probeStreams(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-protocol_whitelist", "file", "-allowed_extensions", "ALL",
		"-show_entries", "stream=codec_type", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	// The top-level streams only: programs list them again.
	var j struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &j); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, s := range j.Streams {
		types = append(types, s.CodecType)
	}
	return strings.Join(types, " ")
}
