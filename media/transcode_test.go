package media_test

import (
	"math"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
)

// mustLadder probes path and plans its ladder with segments of seg.
func mustLadder(t *testing.T, r *media.Runner, path string, seg time.Duration) media.Ladder {
	t.Helper()
	p, err := r.Probe(testContext(t), path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := media.PlanLadder(p)
	if err != nil {
		t.Fatal(err)
	}
	return l.WithSegmentDuration(seg)
}

// One ffmpeg run decodes a 2 s 360p60 clip once and makes every rendition:
// the sizes and rates the ladder planned, every frame, keyframes at the same
// instants in every rendition (the half-rate one included), the audio, and
// progress along the way.
func TestTranscodeSingleDecodeMakesAlignedRenditions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Width: 640, Height: 360, Rate: "60", Audio: 2})
	l := mustLadder(t, r, src, 500*time.Millisecond)
	if len(l.Renditions) != 2 || !l.Renditions[1].HalfRate {
		t.Fatalf("ladder %+v: want 360p60 and a half-rate 240p", l.Renditions)
	}

	out := t.TempDir()
	cmd := media.PlanTranscode(l, src, out)
	var mu sync.Mutex
	var reports []media.Progress
	if _, err := r.Run(testContext(t), cmd, func(p media.Progress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if len(reports) == 0 || !reports[len(reports)-1].Done || reports[len(reports)-1].Fraction != 1 {
		t.Errorf("progress reports %+v, want the last done at 1", reports)
	}
	for i := 1; i < len(reports); i++ {
		if reports[i].OutTime < reports[i-1].OutTime {
			t.Errorf("progress went back: %v then %v", reports[i-1].OutTime, reports[i].OutTime)
		}
	}

	var first []float64
	for i, rd := range l.Renditions {
		path := media.VideoOutput(out, rd)
		s := mediatest.MustStream(t, path)
		wantFrames := int(2 * rd.FrameRate.Float())
		if s.Width != rd.Width || s.Height != rd.Height || s.PixFmt != "yuv420p" || s.Frames != wantFrames {
			t.Errorf("%s: %+v, want %dx%d yuv420p, %d frames", rd.Name, s, rd.Width, rd.Height, wantFrames)
		}
		kf := keyframeTimes(t, path)
		t.Logf("%s keyframes %v", rd.Name, kf)
		if len(kf) != 4 {
			t.Errorf("%s: %d keyframes, want one every 0.5 s of 2 s", rd.Name, len(kf))
		}
		if i == 0 {
			first = kf
			continue
		}
		if len(kf) != len(first) {
			t.Fatalf("%s: keyframes %v, top rendition %v", rd.Name, kf, first)
		}
		for k := range kf {
			if math.Abs(kf[k]-first[k]) > 0.001 {
				t.Errorf("%s: keyframe %d at %.6f s, top rendition at %.6f s", rd.Name, k, kf[k], first[k])
			}
		}
	}
	a, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name,channels,sample_rate:stream_tags=language",
		"-of", "csv=p=0", media.AudioOutput(out, 0)).Output()
	if err != nil || !strings.HasPrefix(string(a), "aac,48000,2") {
		t.Errorf("audio: %q %v", a, err)
	}
}

// A phone's portrait video (landscape picture + rotation) comes out upright:
// portrait renditions of the turned size.
func TestTranscodeTurnsRotatedPhoneVideo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mustRotated(t, dir, "phone.mov")
	l := mustLadder(t, r, src, time.Second)
	if !l.Source.Portrait || l.Renditions[0].Width != 180 || l.Renditions[0].Height != 320 {
		t.Fatalf("ladder %+v %+v", l.Source, l.Renditions)
	}
	out := t.TempDir()
	if _, err := r.Run(testContext(t), media.PlanTranscode(l, src, out), nil); err != nil {
		t.Fatal(err)
	}
	if s := mediatest.MustStream(t, media.VideoOutput(out, l.Renditions[0])); s.Width != 180 || s.Height != 320 {
		t.Errorf("output %dx%d, want 180x320", s.Width, s.Height)
	}
}

// A 10-bit PQ source comes out 8-bit BT.709 SDR, and a 1917×1079 one comes out
// even-sized: both through real runs.
func TestTranscodeConvertsHDRAndOddSizes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	for _, c := range []struct {
		name string
		clip mediatest.Clip
		want string // pix_fmt,color_transfer of the top rendition
	}{
		{"pq.mp4", mediatest.Clip{Rate: "24", PixFmt: "yuv420p10le",
			Extra: []string{"-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc"}}, "yuv420p,bt709"},
		{"odd.mkv", mediatest.Clip{Rate: "5", VideoFilter: "scale=1917:1079", PixFmt: "yuv444p"}, "yuv420p,unknown"},
	} {
		src := mediatest.MustClip(t, dir, c.name, c.clip)
		l := mustLadder(t, r, src, time.Second)
		l.Renditions = l.Renditions[:1] // the top one is the interesting one; keep it quick
		out := t.TempDir()
		if _, err := r.Run(testContext(t), media.PlanTranscode(l, src, out), nil); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		top := media.VideoOutput(out, l.Renditions[0])
		got, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
			"stream=pix_fmt,color_transfer,width,height", "-of", "csv=p=0", top).Output()
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Split(strings.TrimSpace(string(got)), ",")
		w, _ := strconv.Atoi(f[0])
		h, _ := strconv.Atoi(f[1])
		if w != l.Renditions[0].Width || h != l.Renditions[0].Height || w%2 != 0 || h%2 != 0 {
			t.Errorf("%s: %dx%d, planned %dx%d", c.name, w, h, l.Renditions[0].Width, l.Renditions[0].Height)
		}
		if pf := f[2] + "," + strings.Join(f[3:], ","); pf != c.want {
			t.Errorf("%s: pix_fmt,transfer = %q, want %q", c.name, pf, c.want)
		}
	}
}

// Chunks of a title, encoded apart, hold exactly their frames and start on a
// keyframe: concatenated they are the title.
func TestTranscodeChunksCutOnFrames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Seconds: 3})
	l := mustLadder(t, r, src, 500*time.Millisecond)
	chunks := media.PlanChunks(l, src, t.TempDir(), time.Second)
	if len(chunks) != 3 {
		t.Fatalf("%d chunks, want 3", len(chunks))
	}
	for _, c := range chunks {
		if _, err := r.Run(testContext(t), c.Command, nil); err != nil {
			t.Fatal(err)
		}
		for _, out := range c.Command.Outputs {
			if s := mediatest.MustStream(t, out); s.Frames != 30 {
				t.Errorf("chunk %d %s: %d frames, want 30", c.Index, out, s.Frames)
			}
			if kf := keyframeTimes(t, out); len(kf) != 2 || math.Abs(kf[1]-kf[0]-0.5) > 0.001 {
				t.Errorf("chunk %d %s: keyframes %v, want two 0.5 s apart", c.Index, out, kf)
			}
		}
	}
}

// The naive plan (the benchmark's baseline) makes the same outputs.
func TestTranscodeNaivePlanMakesTheSameOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Width: 640, Height: 360, Audio: 2})
	l := mustLadder(t, r, src, time.Second)
	out := t.TempDir()
	for _, c := range media.PlanNaiveTranscodes(l, src, out) {
		if _, err := r.Run(testContext(t), c, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, rd := range l.Renditions {
		if s := mediatest.MustStream(t, media.VideoOutput(out, rd)); s.Width != rd.Width || s.Height != rd.Height {
			t.Errorf("%s: %dx%d", rd.Name, s.Width, s.Height)
		}
	}
}

func keyframeTimes(t *testing.T, path string) []float64 {
	t.Helper()
	var out []float64
	for _, s := range mediatest.MustKeyframes(t, path) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("keyframe time %q: %v", s, err)
		}
		out = append(out, f)
	}
	return out
}
