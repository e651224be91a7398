package media_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
)

// fifoWatch makes a FIFO at path and watches whether anything opens it for
// reading: a writer's non-blocking open succeeds only while a reader has it
// open. A reader that got in is released at once (it reads end of file).
type fifoWatch struct {
	opened atomic.Bool
	stop   chan struct{}
	done   chan struct{}
}

func watchFIFO(t *testing.T, path string) *fifoWatch {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	w := &fifoWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err == nil {
				w.opened.Store(true)
				syscall.Close(fd)
			}
			select {
			case <-w.stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	t.Cleanup(w.close)
	return w
}

func (w *fifoWatch) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// Security invariant: a "video" that is really an HLS playlist or an ffconcat
// script naming a file outside the job folder (absolute path or file:// URL,
// saved as .mp4 or .mov) is refused with a clear reason by both ffprobe and
// ffmpeg as we run them, and the file it names is never opened. The named file
// is a FIFO: opening it would be seen (and would block the reader). A control
// run of plain ffprobe on each file proves the file really is an attack that
// opens the FIFO, so this test cannot pass by accident.
func TestRunnerRefusesPlaylistDisguisedAsVideo(t *testing.T) {
	t.Parallel()
	r := mustRunner(t, media.RunnerConfig{})
	job := t.TempDir()
	outside := t.TempDir()

	variants := []struct {
		name, ext string
		body      func(target string) string
		control   []string // extra options the attack needs from a careless ffprobe
	}{
		{"hls", "mp4", func(tg string) string {
			return "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + tg + "\n#EXT-X-ENDLIST\n"
		}, nil},
		{"hls", "mov", func(tg string) string {
			return "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + tg + "\n#EXT-X-ENDLIST\n"
		}, nil},
		{"ffconcat", "mp4", func(tg string) string { return "ffconcat version 1.0\nfile " + tg + "\n" }, []string{"-safe", "0"}},
		{"ffconcat", "mov", func(tg string) string { return "ffconcat version 1.0\nfile " + tg + "\n" }, []string{"-safe", "0"}},
	}
	for _, v := range variants {
		for _, url := range []bool{false, true} {
			name := v.name + "_" + v.ext + map[bool]string{false: "_path", true: "_file_url"}[url]
			t.Run(name, func(t *testing.T) {
				// HLS only follows segments with a media extension.
				target := filepath.Join(outside, name+".ts")
				watch := watchFIFO(t, target)
				ref := target
				if url {
					ref = "file://" + target
				}
				upload := mediatest.MustWrite(t, job, name+"."+v.ext, []byte(v.body(ref)))

				_, err := r.Probe(testContext(t), upload)
				if !errs.Is(err, errs.KindInvalid) || !strings.Contains(errs.MessageOf(err), "playlist or script") {
					t.Errorf("Probe: %v, want INVALID naming a playlist", err)
				}
				t.Logf("reason: %s", errs.MessageOf(err))

				l := media.Ladder{FrameRate: media.Rational{Num: 30, Den: 1}, Preset: "veryfast", CRF: 23,
					Source:     media.LadderSource{Width: 320, Height: 180, PixelFormat: "yuv420p", Duration: 2 * time.Second},
					Renditions: []media.Rendition{{Name: "180p", Width: 320, Height: 180, FrameRate: media.Rational{Num: 30, Den: 1}, GOP: 30, MaxRate: 500000, BufSize: 1000000, Profile: "high", Level: "3.0"}}}
				_, err = r.Run(testContext(t), media.PlanTranscode(l, upload, t.TempDir()), nil)
				if !errs.Is(err, errs.KindInvalid) || !strings.Contains(errs.MessageOf(err), "playlist or script") {
					t.Errorf("transcode: %v, want INVALID naming a playlist", err)
				}
				if watch.opened.Load() {
					t.Fatal("the file named in the playlist was opened")
				}

				// Control: ffprobe without our restrictions opens it.
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				args := append(append([]string{"-v", "error"}, v.control...), upload)
				_ = exec.CommandContext(ctx, "ffprobe", args...).Run()
				if !watch.opened.Load() {
					t.Fatalf("control: plain ffprobe did not open the named file; the test file is not an attack")
				}
			})
		}
	}
}

// A run that outlives its deadline is killed, with everything it started, and
// returns promptly.
func TestRunnerDeadlineKillsTheProcessGroup(t *testing.T) {
	t.Parallel()

	t.Run("ffmpeg on an endless source", func(t *testing.T) {
		t.Parallel()
		r := mustRunner(t, media.RunnerConfig{})
		marker := "marquee-deadline-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		cmd := media.Command{Tool: media.FFmpeg, Timeout: time.Second, Args: []string{
			"-nostdin", "-v", "error", "-f", "lavfi", "-protocol_whitelist", "file", "-format_whitelist", "lavfi",
			"-i", "testsrc2=size=320x180:rate=30", "-metadata", "comment=" + marker, "-f", "null", "-"}}
		start := time.Now()
		_, err := r.Run(context.Background(), cmd, nil)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("returned after %v", took)
		}
		var re *media.RunError
		if !errors.As(err, &re) || !re.TimedOut || !errs.Is(err, errs.KindUnavailable) {
			t.Fatalf("err = %v, want a timed-out RunError of kind UNAVAILABLE", err)
		}
		if pids := livePIDsWithArg(t, marker); len(pids) > 0 {
			t.Errorf("still running: %v", pids)
		}
	})

	t.Run("a program and its child", func(t *testing.T) {
		t.Parallel()
		// The test binary stands in for ffmpeg: it starts a child and hangs.
		r := mustRunner(t, media.RunnerConfig{FFmpeg: os.Args[0]})
		dir := t.TempDir()
		cmd := media.Command{Tool: media.FFmpeg, Timeout: 1500 * time.Millisecond, Args: []string{"-marquee-helper", "spawn", dir}}
		start := time.Now()
		_, err := r.Run(context.Background(), cmd, nil)
		if took := time.Since(start); took > 6*time.Second {
			t.Errorf("returned after %v", took)
		}
		if !errs.Is(err, errs.KindUnavailable) {
			t.Fatalf("err = %v", err)
		}
		leader, child := readPID(t, dir, "leader"), readPID(t, dir, "child")
		if alive(leader) || alive(child) {
			t.Errorf("leader %d alive %v, child %d alive %v", leader, alive(leader), child, alive(child))
		}
		if pids := livePIDsInGroup(leader); len(pids) > 0 {
			t.Errorf("process group %d still has %v", leader, pids)
		}
	})

	t.Run("cancellation", func(t *testing.T) {
		t.Parallel()
		r := mustRunner(t, media.RunnerConfig{FFmpeg: os.Args[0]})
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := r.Run(ctx, media.Command{Tool: media.FFmpeg, Args: []string{"-marquee-helper", "spawn", dir}}, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the context's error", err)
		}
		leader, child := readPID(t, dir, "leader"), readPID(t, dir, "child")
		if alive(leader) || alive(child) || len(livePIDsInGroup(leader)) > 0 {
			t.Errorf("left behind: leader %v child %v", alive(leader), alive(child))
		}
	})
}

// No more runs than Concurrency are in flight at once.
func TestRunnerBoundsConcurrency(t *testing.T) {
	t.Parallel()
	r := mustRunner(t, media.RunnerConfig{FFmpeg: os.Args[0], Concurrency: 1})
	start := time.Now()
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Run(context.Background(), media.Command{Tool: media.FFmpeg, Args: []string{"-marquee-helper", "sleep", "0.3"}}, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("3 runs of 0.3 s with concurrency 1 took %v: they overlapped", took)
	}
}

// The Runner refuses a plan whose input lacks the protocol and format
// restrictions, without starting anything.
func TestRunnerRefusesUnrestrictedInput(t *testing.T) {
	r := mustRunner(t, media.RunnerConfig{})
	for _, args := range [][]string{
		{"-i", "file:/job/source.mp4", "-f", "null", "-"},
		{"-protocol_whitelist", "file", "-i", "file:/job/source.mp4", "-f", "null", "-"},
		{"-protocol_whitelist", "file", "-format_whitelist", "mov", "-i", "file:/a.mp4", "-i", "file:/b.mp4", "-f", "null", "-"},
	} {
		_, err := r.Run(context.Background(), media.Command{Tool: media.FFmpeg, Args: args}, nil)
		if !errs.Is(err, errs.KindInternal) || !strings.Contains(err.Error(), "whitelist") {
			t.Errorf("%v: err = %v", args, err)
		}
	}
	if _, err := r.Run(context.Background(), media.Command{Tool: "sh", Args: []string{"-c", "true"}}, nil); err == nil {
		t.Error("ran an unknown tool")
	}
}

func readPID(t *testing.T, dir, name string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("the helper never wrote its pid: %v", err)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// procStat returns a process's state and process group, from /proc.
func procStat(pid int) (state byte, pgrp int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return 0, 0, false
	}
	pgrp, _ = strconv.Atoi(f[2])
	return f[0][0], pgrp, true
}

// alive: exists and is not a zombie (a killed orphan may wait for a reaper
// that a container's init never is).
func alive(pid int) bool {
	st, _, ok := procStat(pid)
	return ok && st != 'Z' && st != 'X'
}

func allPIDs() []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

func livePIDsInGroup(pgid int) []int {
	var out []int
	for _, p := range allPIDs() {
		if _, g, ok := procStat(p); ok && g == pgid && alive(p) {
			out = append(out, p)
		}
	}
	return out
}

func livePIDsWithArg(t *testing.T, arg string) []int {
	t.Helper()
	var out []int
	for _, p := range allPIDs() {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		if err == nil && strings.Contains(string(b), arg) && alive(p) {
			out = append(out, p)
		}
	}
	return out
}
