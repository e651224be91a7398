package media_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/dash-mpd/mpd"
	"github.com/grafov/m3u8"

	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
)

const ffmpegMaster = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_A1",NAME="audio_2",DEFAULT=YES,URI="media_2.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=71818,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="group_A1"
media_0.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=41818,RESOLUTION=426x240,CODECS="avc1.640015,mp4a.40.2",AUDIO="group_A1"
media_1.m3u8
`

// The master playlist's groups are rewritten as text: the AUDIO group gets
// languages, names and the describes-video characteristic, the SUBTITLES
// group the SDH characteristics, every variant names both, and every other
// line (codecs with their comma, bandwidth, URIs) stays as it was. Pinned by
// a golden file and read back with grafov/m3u8.
func TestMasterGroupsAreRewrittenAsText(t *testing.T) {
	t.Parallel()
	audio, err := media.MasterAudio([]byte(ffmpegMaster))
	if err != nil || len(audio) != 1 || audio[0].URI != "media_2.m3u8" || !audio[0].Default {
		t.Fatalf("MasterAudio = %+v, %v", audio, err)
	}
	audio[0].Language, audio[0].Name, audio[0].Channels = "en", "English", 2
	audio = append(audio,
		media.AudioTrack{URI: "track_0/media_0.m3u8", Language: "fr", Name: "Français"},
		media.AudioTrack{URI: "track_1/media_0.m3u8", Language: "en", Name: `English "AD"`, Descriptive: true})
	out, err := media.SetMasterAudio([]byte(ffmpegMaster), audio)
	if err != nil {
		t.Fatal(err)
	}
	subs := []media.SubtitleTrack{
		{URI: "subs/a_r1.m3u8", Language: "en", Name: "English (CC)", SDH: true},
		{URI: "subs/b_r1.m3u8", Language: "pt-BR", Name: "Português"},
	}
	out, err = media.SetMasterSubtitles(out, subs)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "package/master_with_tracks.m3u8", out)

	pl, kind, err := m3u8.Decode(*bytes.NewBuffer(out), true)
	if err != nil || kind != m3u8.MASTER {
		t.Fatalf("kind %v, %v", kind, err)
	}
	master := pl.(*m3u8.MasterPlaylist)
	if len(master.Variants) != 2 {
		t.Fatalf("%d variants", len(master.Variants))
	}
	v := master.Variants[0]
	if v.Audio != media.AudioGroup || v.Subtitles != media.SubtitleGroup || v.Codecs != "avc1.64001e,mp4a.40.2" || v.Bandwidth != 71818 {
		t.Errorf("variant %+v", v.VariantParams)
	}
	var got []string
	for _, a := range v.Alternatives[:min(5, len(v.Alternatives))] { // grafov repeats them
		got = append(got, a.Type+"/"+a.Language+"/"+a.Name+"/"+a.Characteristics)
	}
	want := []string{"AUDIO/en/English/", "AUDIO/fr/Français/", "AUDIO/en/English 'AD'/" + media.CharDescribesVideo,
		"SUBTITLES/en/English (CC)/" + media.CharSDH, "SUBTITLES/pt-BR/Português/"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("renditions\n%v\nwant\n%v", got, want)
	}
	if !v.Alternatives[0].Default || v.Alternatives[1].Default || v.Alternatives[3].Default {
		t.Error("only the source's audio is the default")
	}

	// Removing every caption track removes the group and the attribute.
	none, err := media.SetMasterSubtitles(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(none), "SUBTITLES") || !strings.Contains(string(none), `AUDIO="audio"`) {
		t.Errorf("without subtitles:\n%s", none)
	}
	// Patching twice gives the same playlist.
	again, err := media.SetMasterSubtitles(out, subs)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("not idempotent: %v\n%s", err, again)
	}
}

func TestMasterPatchRefusesWhatIsNotAMaster(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"empty":          "",
		"media playlist": "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.m4s\n#EXT-X-ENDLIST\n",
		"not a playlist": "<html>",
	} {
		if _, err := media.SetMasterSubtitles([]byte(in), []media.SubtitleTrack{{URI: "s.m3u8"}}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestPackageVTTAddsTheTimestampMapOnce(t *testing.T) {
	t.Parallel()
	in := "\xef\xbb\xbfWEBVTT - film\r\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\r\n\r\n00:00.500 --> 00:01.000\r\nHello\r\n"
	out, err := media.PackageVTT([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := "WEBVTT - film\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n00:00.500 --> 00:01.000\nHello\n"
	if string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
	if _, err := media.PackageVTT([]byte("1\n00:00:01,000 --> 00:00:02,000\nhi\n")); err == nil {
		t.Error("an SRT file passed as WebVTT")
	}
	pl := media.SubtitlePlaylist("en_r1.vtt", 2500*time.Millisecond)
	p, kind, err := m3u8.Decode(*bytes.NewBuffer(pl), true)
	if err != nil || kind != m3u8.MEDIA {
		t.Fatalf("subtitle playlist: %v %v", kind, err)
	}
	mp := p.(*m3u8.MediaPlaylist)
	if mp.TargetDuration != 3 || mp.Segments[0].URI != "en_r1.vtt" || mp.Segments[0].Duration != 2.5 || !mp.Closed {
		t.Errorf("subtitle playlist:\n%s", pl)
	}
}

func TestTrickPlayGeometry(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		w, h     int
		d        time.Duration
		tw, th   int
		iv       time.Duration
		count, n int
	}{
		{640, 360, 2 * time.Second, 160, 90, time.Second, 2, 1},
		{1080, 1920, 30 * time.Second, 90, 160, 2 * time.Second, 15, 1},
		{1920, 1080, 2 * time.Hour, 160, 90, 10 * time.Second, 720, 29},
		{1920, 800, 10 * time.Minute, 160, 66, 6 * time.Second, 100, 4},
	} {
		l := media.Ladder{Source: media.LadderSource{Width: c.w, Height: c.h, Duration: c.d},
			Renditions: []media.Rendition{{Width: c.w, Height: c.h}}}
		tp := media.PlanTrickPlay(l)
		if tp.TileWidth != c.tw || tp.TileHeight != c.th || tp.Interval != c.iv || tp.Count != c.count || tp.Sheets != c.n ||
			tp.Columns != 5 || tp.Rows != 5 {
			t.Errorf("%dx%d %v: %+v", c.w, c.h, c.d, tp)
		}
	}
}

// The thumbnails track has a cue per thumbnail, back to back from 0 to the
// end, each naming its sheet and tile.
func TestThumbnailsVTTCoversTheTitle(t *testing.T) {
	t.Parallel()
	tp := media.TrickPlay{Interval: 10 * time.Second, Count: 27, TileWidth: 160, TileHeight: 90, Columns: 5, Rows: 5, Sheets: 2}
	vtt := media.ThumbnailsVTT(tp, 265*time.Second)
	golden(t, "images/thumbnails_265s.vtt", vtt)
	s := string(vtt)
	for _, want := range []string{
		"00:00:00.000 --> 00:00:10.000\nsprite_0.jpg#xywh=0,0,160,90\n",
		"00:00:10.000 --> 00:00:20.000\nsprite_0.jpg#xywh=160,0,160,90\n",
		"00:04:00.000 --> 00:04:10.000\nsprite_0.jpg#xywh=640,360,160,90\n",
		"00:04:10.000 --> 00:04:20.000\nsprite_1.jpg#xywh=0,0,160,90\n",
		"00:04:20.000 --> 00:04:25.000\nsprite_1.jpg#xywh=160,0,160,90\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("no cue %q", want)
		}
	}
}

// The images plan runs: a poster at the top rendition's size, a full sprite
// sheet of 160×90 tiles, JPEGs both; its argv is pinned.
func TestImagesMakePosterAndSprites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Width: 640, Height: 360, Rate: "30"})
	l := mustLadder(t, r, src, time.Second)
	cmd, tp := media.PlanImages(l, src, filepath.Join(dir, "images"))
	golden(t, "images/360p30_2s.txt", []byte(strings.ReplaceAll(argvText(cmd), dir, "$DIR")))
	if _, err := r.Run(testContext(t), cmd, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file string
		w, h int
	}{{media.PosterFile, 640, 360}, {media.SpriteFile(0), 5 * 160, 5 * 90}} {
		f, err := os.Open(filepath.Join(dir, "images", c.file))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != c.w || cfg.Height != c.h {
			t.Errorf("%s: %dx%d %v, want %dx%d JPEG", c.file, cfg.Width, cfg.Height, err, c.w, c.h)
		}
	}
	if tp.Sheets != 1 || tp.Count != 2 {
		t.Errorf("trick-play %+v", tp)
	}
	// The poster is picked from the content, not the first frame.
	first := filepath.Join(dir, "frame0.jpg")
	mediatest.MustFFmpeg(t, "-v", "error", "-i", src, "-frames:v", "1", "-q:v", "3", first)
	if d := meanDiff(t, first, filepath.Join(dir, "images", media.PosterFile)); d < 2 {
		t.Errorf("the poster is the first frame (mean difference %.2f)", d)
	}

	// A vertical short: portrait tiles, the sheet turned.
	vsrc := mediatest.MustClip(t, dir, "vertical.mp4", mediatest.Clip{Width: 180, Height: 320, Rate: "30"})
	vcmd, vtp := media.PlanImages(mustLadder(t, r, vsrc, time.Second), vsrc, filepath.Join(dir, "vimages"))
	if _, err := r.Run(testContext(t), vcmd, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "vimages", media.SpriteFile(0)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := jpeg.DecodeConfig(f); err != nil || vtp.TileWidth != 90 || vtp.TileHeight != 160 || cfg.Width != 450 || cfg.Height != 800 {
		t.Errorf("vertical sprite %dx%d (%v), tiles %dx%d; want 450x800 of 90x160", cfg.Width, cfg.Height, err, vtp.TileWidth, vtp.TileHeight)
	}
}

// meanDiff is the mean absolute difference of two JPEGs' luma, 0–255.
func meanDiff(t *testing.T, a, b string) float64 {
	t.Helper()
	load := func(p string) *image.YCbCr {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := jpeg.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		y, ok := img.(*image.YCbCr)
		if !ok {
			t.Fatalf("%s is not YCbCr", p)
		}
		return y
	}
	x, y := load(a), load(b)
	if x.Rect != y.Rect {
		t.Fatalf("sizes %v and %v", x.Rect, y.Rect)
	}
	var sum float64
	for i := range x.Y {
		sum += math.Abs(float64(x.Y[i]) - float64(y.Y[i]))
	}
	return sum / float64(len(x.Y))
}

// A sidecar audio track is transcoded and packaged on its own, then added
// to the package's MPD beside the source's audio with its language and the
// audio-description role; subtitles become text/vtt adaptation sets.
func TestAudioTrackJoinsTheMPD(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Width: 320, Height: 180, Rate: "30", Audio: 2})
	l := mustLadder(t, r, src, time.Second)
	trans := filepath.Join(dir, "transcode")
	if _, err := r.Run(testContext(t), media.PlanTranscode(l, src, trans), nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "package")
	if _, err := r.Run(testContext(t), media.PlanPackage(l, trans, out), nil); err != nil {
		t.Fatal(err)
	}
	extra := mediatest.MustClip(t, dir, "fr.m4a", mediatest.Clip{NoVideo: true, Audio: 1, Seconds: 1})
	trackDir := filepath.Join(out, media.AudioTrackDir(0))
	cmd := media.PlanAudioTrack(l, extra, trackDir)
	golden(t, "package/audio_track.txt", []byte(strings.ReplaceAll(argvText(cmd), dir, "$DIR")))
	if _, err := r.Run(testContext(t), cmd, nil); err != nil {
		t.Fatal(err)
	}
	main, err := os.ReadFile(filepath.Join(out, media.DASHMPD))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := os.ReadFile(filepath.Join(trackDir, media.DASHMPD))
	if err != nil {
		t.Fatal(err)
	}
	main, err = media.LabelMPDAudio(main, []media.AudioTrack{{Language: "en", Name: "English", Default: true}})
	if err != nil {
		t.Fatal(err)
	}
	main, err = media.AddMPDAudio(main, sub, media.AudioTrackDir(0), 0, media.AudioTrack{Language: "fr", Name: "Description", Descriptive: true})
	if err != nil {
		t.Fatal(err)
	}
	// Adding the same track again (a retried activity) replaces it.
	main, err = media.AddMPDAudio(main, sub, media.AudioTrackDir(0), 0, media.AudioTrack{Language: "fr", Name: "Description", Descriptive: true})
	if err != nil {
		t.Fatal(err)
	}
	main, err = media.SetMPDSubtitles(main, []media.SubtitleTrack{{VTT: "subs/x_r1.vtt", Language: "en", SDH: true}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mpd.MPDFromBytes(main)
	if err != nil {
		t.Fatal(err)
	}
	var sets []string
	for _, as := range m.Periods[0].AdaptationSets {
		s := string(as.ContentType) + ":" + as.Lang
		for _, r := range as.Roles {
			s += ":" + r.Value
		}
		for _, a := range as.Accessibilities {
			s += ":acc" + a.Value
		}
		sets = append(sets, s)
		if as.ContentType == "audio" && as.Lang == "fr" {
			init, err := as.Representations[0].GetInit()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(out, init)); err != nil {
				t.Errorf("the track's init segment: %v", err)
			}
		}
		if as.ContentType == "text" && (as.MimeType != "text/vtt" || string(as.Representations[0].BaseURLs[0].Value) != "subs/x_r1.vtt") {
			t.Errorf("text set %+v", as)
		}
	}
	want := "video: audio:en:main audio:fr:alternate:description:acc1 text:en:caption"
	if strings.Join(sets, " ") != want {
		t.Errorf("adaptation sets %v, want %s", sets, want)
	}
	// The track stops at the title's end and has the ladder's segments.
	f, err := os.Open(filepath.Join(trackDir, "media_0.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pl, kind, err := m3u8.DecodeFrom(f, true)
	if err != nil || kind != m3u8.MEDIA {
		t.Fatalf("the track's playlist: %v %v", kind, err)
	}
	var total float64
	for _, s := range pl.(*m3u8.MediaPlaylist).Segments {
		if s != nil {
			total += s.Duration
		}
	}
	if total < 1.9 || total > 2.1 {
		t.Errorf("the 1 s track lasts %.3f s in a 2 s title, want padded to 2", total)
	}
}

// A source without sound given an audio track: the variants get the AUDIO
// group and name AAC among their codecs.
func TestMasterAudioAddsAACToSilentVariants(t *testing.T) {
	t.Parallel()
	silent := "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=1000,CODECS=\"avc1.64001e\"\nmedia_0.m3u8\n"
	out, err := media.SetMasterAudio([]byte(silent), []media.AudioTrack{{URI: "track_0/media_0.m3u8", Language: "de"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `CODECS="avc1.64001e,mp4a.40.2",AUDIO="audio"`) {
		t.Errorf("got\n%s", out)
	}
}

// Customer captions reach PackageVTT after uploads.CaptionsToVTT, but it
// must never panic and must be idempotent on anything starting WEBVTT.
func FuzzPackageVTT(f *testing.F) {
	f.Add("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n")
	f.Add("WEBVTT - x\r\nX-TIMESTAMP-MAP=MPEGTS:1,LOCAL:00:00:00.000\r\n\r\nNOTE a\n")
	f.Add("\xef\xbb\xbfWEBVTT")
	f.Fuzz(func(t *testing.T, in string) {
		out, err := media.PackageVTT([]byte(in))
		if err != nil {
			return
		}
		if !strings.Contains(string(out), "\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n") {
			t.Fatalf("no map in %q", out)
		}
		again, err := media.PackageVTT(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %q → %q (%v)", out, again, err)
		}
	})
}
