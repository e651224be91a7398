package media_test

import (
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
)

// Probe reads every kind of source a customer uploads, each made for real with
// ffmpeg, into the typed Probe.
func TestProbeReadsRealSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srt := mediatest.MustWrite(t, dir, "subs.srt", []byte("1\n00:00:00,000 --> 00:00:01,000\nHello\n"))
	r := mustRunner(t, media.RunnerConfig{})

	cases := []struct {
		name  string
		make  func() string
		check func(t *testing.T, p media.Probe)
	}{
		{"landscape", func() string {
			return mediatest.MustClip(t, dir, "landscape.mkv", mediatest.Clip{Width: 640, Height: 360, Audio: 2,
				Extra: []string{}})
		}, func(t *testing.T, p media.Probe) {
			v := p.Video
			if v.Codec != "h264" || v.Width != 640 || v.Height != 360 || v.Rotation != 0 || v.BitDepth != 8 || v.HDR != "" {
				t.Errorf("video = %+v", v)
			}
			if v.FrameRate != (media.Rational{Num: 30, Den: 1}) || v.VariableFrameRate {
				t.Errorf("rate = %v avg %v vfr %v", v.FrameRate, v.AvgFrameRate, v.VariableFrameRate)
			}
			if len(p.Audio) != 1 || p.Audio[0].Codec != "aac" || p.Audio[0].Channels != 2 || p.Audio[0].SampleRate != 48000 {
				t.Errorf("audio = %+v", p.Audio)
			}
			if p.Duration < 1900*time.Millisecond || p.Duration > 2100*time.Millisecond {
				t.Errorf("duration = %v", p.Duration)
			}
		}},
		{"with_subtitles", func() string {
			src := mediatest.MustClip(t, dir, "plain.mp4", mediatest.Clip{Audio: 1})
			out := filepath.Join(dir, "with_subtitles.mkv")
			mediatest.MustFFmpeg(t, "-v", "error", "-y", "-i", src, "-i", srt, "-map", "0", "-map", "1", "-c", "copy",
				"-metadata:s:a:0", "language=fra", "-metadata:s:s:0", "language=eng", "-disposition:s:0", "forced", out)
			return out
		}, func(t *testing.T, p media.Probe) {
			if len(p.Audio) != 1 || p.Audio[0].Language != "fra" || p.Audio[0].Channels != 1 {
				t.Errorf("audio = %+v", p.Audio)
			}
			if len(p.Subtitles) != 1 || p.Subtitles[0].Language != "eng" || !p.Subtitles[0].Forced || p.Subtitles[0].Codec != "subrip" {
				t.Errorf("subtitles = %+v", p.Subtitles)
			}
		}},
		{"portrait", func() string {
			return mediatest.MustClip(t, dir, "portrait.mp4", mediatest.Clip{Width: 180, Height: 320})
		}, func(t *testing.T, p media.Probe) {
			if w, h := p.Video.DisplaySize(); w != 180 || h != 320 {
				t.Errorf("display %dx%d", w, h)
			}
		}},
		{"rotated_phone", func() string {
			return mustRotated(t, dir, "rotated.mp4")
		}, func(t *testing.T, p media.Probe) {
			v := p.Video
			if v.Rotation != 90 && v.Rotation != 270 {
				t.Errorf("rotation = %d", v.Rotation)
			}
			if w, h := v.DisplaySize(); w != 180 || h != 320 {
				t.Errorf("display %dx%d, want the picture turned to 180x320", w, h)
			}
		}},
		{"odd_dimensions", func() string {
			return mediatest.MustClip(t, dir, "odd.mkv", mediatest.Clip{Rate: "5", VideoFilter: "scale=1917:1079", PixFmt: "yuv444p"})
		}, func(t *testing.T, p media.Probe) {
			if p.Video.Width != 1917 || p.Video.Height != 1079 {
				t.Errorf("size %dx%d", p.Video.Width, p.Video.Height)
			}
		}},
		{"variable_frame_rate", func() string {
			// One second at 30 fps, then frames every 1/10 s.
			return mediatest.MustClip(t, dir, "vfr.mp4", mediatest.Clip{
				VideoFilter: "setpts='if(lt(N,30),N/30,1+(N-30)/10)/TB'", Extra: []string{"-fps_mode", "vfr"}})
		}, func(t *testing.T, p media.Probe) {
			v := p.Video
			if !v.VariableFrameRate {
				t.Errorf("not detected as variable: r %v avg %v", v.FrameRate, v.AvgFrameRate)
			}
		}},
		{"ten_bit_hdr_pq", func() string {
			return mediatest.MustClip(t, dir, "pq.mp4", mediatest.Clip{Rate: "24", PixFmt: "yuv420p10le",
				Extra: []string{"-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc"}})
		}, func(t *testing.T, p media.Probe) {
			v := p.Video
			if v.BitDepth != 10 || v.HDR != "PQ" || v.ColorPrimaries != "bt2020" {
				t.Errorf("video = %+v", v)
			}
		}},
		{"ten_bit_hdr_hlg", func() string {
			return mediatest.MustClip(t, dir, "hlg.mkv", mediatest.Clip{PixFmt: "yuv420p10le",
				Extra: []string{"-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc"}})
		}, func(t *testing.T, p media.Probe) {
			if p.Video.BitDepth != 10 || p.Video.HDR != "HLG" {
				t.Errorf("video = %+v", p.Video)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.make()
			p, err := r.Probe(testContext(t), path)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if p.Video == nil {
				t.Fatal("no video")
			}
			c.check(t, p)
			recordProbe(t, c.name, path)
		})
	}
}

// Bad input is refused as INVALID with a reason an editor can act on.
func TestProbeRefusesBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	good := mediatest.MustClip(t, dir, "good.mp4", mediatest.Clip{Audio: 2})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 64<<10)
	rand.New(rand.NewSource(1)).Read(random)
	fifo := filepath.Join(dir, "upload.mp4.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.mp4")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, path, reason string
	}{
		{"zero bytes", mediatest.MustWrite(t, dir, "empty.mp4", nil), "the file is empty"},
		{"truncated", mediatest.MustWrite(t, dir, "half.mp4", data[:len(data)/2]), "truncated or corrupt"},
		{"random bytes", mediatest.MustWrite(t, dir, "random.mp4", random), "not a video"},
		{"text", mediatest.MustWrite(t, dir, "notes.mov", []byte(strings.Repeat("Dear editor, here is the film.\n", 200))), "not a video"},
		{"audio only", mediatest.MustClip(t, dir, "song.m4a", mediatest.Clip{NoVideo: true}), "audio only"},
		{"audio only with cover art", func() string {
			song := mediatest.MustClip(t, dir, "song2.m4a", mediatest.Clip{NoVideo: true})
			png := filepath.Join(dir, "cover.png")
			mediatest.MustFFmpeg(t, "-v", "error", "-y", "-f", "lavfi", "-i", "color=red:size=64x64", "-frames:v", "1", png)
			out := filepath.Join(dir, "song_cover.m4a")
			mediatest.MustFFmpeg(t, "-v", "error", "-y", "-i", song, "-i", png, "-map", "0", "-map", "1", "-c", "copy",
				"-disposition:v:0", "attached_pic", out)
			return out
		}(), "audio only"},
		{"one second", mediatest.MustClip(t, dir, "short.mp4", mediatest.Clip{Seconds: 1}), "too short: a title must be at least 2 seconds"},
		{"fifo", fifo, "not a regular file"},
		{"symlink", link, "not a regular file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := r.Probe(testContext(t), c.path)
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("err = %v, want INVALID", err)
			}
			if msg := errs.MessageOf(err); !strings.Contains(msg, c.reason) {
				t.Errorf("reason %q, want it to contain %q", msg, c.reason)
			}
			if strings.Contains(errs.MessageOf(err), dir) {
				t.Errorf("reason %q names a path of ours", errs.MessageOf(err))
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			t.Logf("%s: %s", c.name, errs.MessageOf(err))
		})
	}
}

// recordProbe keeps ffprobe's JSON for a source in testdata/probe (with
// -update): ParseProbe's golden test and the fuzz seeds read it, so both run
// without ffmpeg.
func recordProbe(t *testing.T, name, path string) {
	t.Helper()
	if !*update {
		return
	}
	out, err := exec.Command("ffprobe", media.PlanProbe(path).Args...).Output()
	if err != nil {
		t.Fatal(err)
	}
	out = regexp.MustCompile(`"filename": "[^"]*"`).ReplaceAll(out, []byte(`"filename": "file:/job/source"`))
	out = regexp.MustCompile(`"encoder": "[^"]*"`).ReplaceAll(out, []byte(`"encoder": "x"`))
	if err := os.WriteFile(filepath.Join("testdata", "probe", name+".json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ParseProbe turns recorded ffprobe output into the same Probe every time.
func TestParseProbeGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "probe", "*.json"))
	if len(files) == 0 {
		t.Fatal("no recorded probes: run TestProbeReadsRealSources with -update")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := media.ParseProbe(data)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(p, "", "  ")
			golden(t, "probe/"+name+".json", append(got, '\n'))
		})
	}
}

// mustRotated makes what a phone held upright records: a landscape picture
// with a display matrix turning it a quarter (the mov muxer writes the matrix
// from the rotate tag when remuxing).
func mustRotated(t *testing.T, dir, name string) string {
	t.Helper()
	src := mediatest.MustClip(t, dir, "unrotated_"+name, mediatest.Clip{Width: 320, Height: 180, Audio: 2})
	out := filepath.Join(dir, name)
	mediatest.MustFFmpeg(t, "-v", "error", "-y", "-i", src, "-c", "copy", "-metadata:s:v", "rotate=90", out)
	return out
}
