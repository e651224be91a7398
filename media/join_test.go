package media_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
)

// A title encoded in chunks and joined per rendition without re-encoding is
// the title: every frame, the keyframes where one run puts them (every GOP,
// across chunk borders), the duration of the source; the join admits only
// our own list and MP4s.
func TestJoinChunksMakesTheWholeRendition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Width: 640, Height: 360, Seconds: 3, Audio: 2})
	l := mustLadder(t, r, src, 500*time.Millisecond)
	out := filepath.Join(dir, "transcode")
	chunks := media.PlanChunks(l, src, out, time.Second)
	if len(chunks) != 3 {
		t.Fatalf("%d chunks, want 3", len(chunks))
	}
	for _, c := range chunks {
		if _, err := r.Run(testContext(t), c.Command, nil); err != nil {
			t.Fatal(err)
		}
	}
	joins := media.PlanJoin(l, chunks, out)
	if len(joins) != len(l.Renditions) {
		t.Fatalf("%d joins for %d renditions", len(joins), len(l.Renditions))
	}
	for _, j := range joins {
		if err := media.CheckInputs(j.Command.Args); err != nil {
			t.Error(err)
		}
		if strings.Contains(j.List, dir) {
			t.Errorf("the list names absolute paths:\n%s", j.List)
		}
		if err := os.WriteFile(j.ListPath, []byte(j.List), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Run(testContext(t), j.Command, nil); err != nil {
			t.Fatal(err)
		}
		joined := media.VideoOutput(out, j.Rendition)
		if j.Command.Outputs[0] != joined {
			t.Errorf("join writes %s, want %s", j.Command.Outputs[0], joined)
		}
		want := 90
		if j.Rendition.HalfRate {
			want = 45
		}
		if s := mediatest.MustStream(t, joined); s.Frames != want || s.Width != j.Rendition.Width {
			t.Errorf("%s: %d frames %dpx wide, want %d frames %dpx", j.Rendition.Name, s.Frames, s.Width, want, j.Rendition.Width)
		}
		kf := keyframeTimes(t, joined)
		if len(kf) != 6 {
			t.Errorf("%s: keyframes %v, want 6 (every 0.5 s)", j.Rendition.Name, kf)
		}
		for i, k := range kf {
			if math.Abs(k-float64(i)*0.5) > 0.002 {
				t.Errorf("%s: keyframe %d at %.3f s, want %.3f", j.Rendition.Name, i, k, float64(i)*0.5)
			}
		}
		if d := duration(t, joined); math.Abs(d-3) > 0.04 {
			t.Errorf("%s: lasts %.3f s, want 3", j.Rendition.Name, d)
		}
	}
}

// A join list that names a file outside the job folder is refused: the
// concat demuxer's safe mode stays on.
func TestJoinRefusesAbsolutePaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Seconds: 2})
	l := mustLadder(t, r, src, 500*time.Millisecond)
	out := filepath.Join(dir, "transcode")
	j := media.PlanJoin(l, media.PlanChunks(l, src, out, time.Second), out)[0]
	if err := os.MkdirAll(out, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(j.ListPath, []byte("ffconcat version 1.0\nfile '"+src+"'\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(testContext(t), j.Command, nil); err == nil {
		t.Fatal("a list naming an absolute path was read")
	}
}

// The packager's stderr is clean at warning level: every rendition carries
// the top one's display aspect from its encode (no "Overriding aspect ratio
// with stream copy may produce invalid files"), on a 16:9 title whose 240p
// rung cannot be exactly 16:9 in even pixels, and on odd-sized 1917×1079.
func TestPackageHasNoAspectWarning(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ w, h int }{{640, 360}, {1917, 1079}} {
		dir := t.TempDir()
		r := mustRunner(t, media.RunnerConfig{})
		src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Width: c.w, Height: c.h, Seconds: 2, Audio: 2})
		l := mustLadder(t, r, src, 500*time.Millisecond)
		if len(l.Renditions) < 2 {
			t.Fatalf("%dx%d: %d renditions", c.w, c.h, len(l.Renditions))
		}
		trans := filepath.Join(dir, "transcode")
		if _, err := r.Run(testContext(t), media.PlanTranscode(l, src, trans), nil); err != nil {
			t.Fatal(err)
		}
		cmd := media.PlanPackage(l, trans, filepath.Join(dir, "package"))
		args := append([]string{}, cmd.Args...)
		for i := range args {
			if args[i] == "-v" {
				args[i+1] = "warning"
			}
		}
		if err := os.MkdirAll(filepath.Join(dir, "package"), 0o750); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		stderr, err := exec.CommandContext(ctx, "ffmpeg", args...).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%dx%d: %v\n%s", c.w, c.h, err, stderr)
		}
		// -progress pipe:1 writes key=value lines to stdout; keep the rest.
		var warn []string
		for _, line := range strings.Split(string(stderr), "\n") {
			if line != "" && !strings.Contains(line, "=") {
				warn = append(warn, line)
			}
		}
		if len(warn) > 0 {
			t.Errorf("%dx%d: the packager warns:\n%s", c.w, c.h, strings.Join(warn, "\n"))
		}
	}
}

func duration(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var d float64
	if _, err := fmt.Sscan(strings.TrimSpace(string(out)), &d); err != nil {
		t.Fatalf("duration %q: %v", out, err)
	}
	return d
}
