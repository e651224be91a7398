package media_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/media"
)

var update = flag.Bool("update", false, "rewrite testdata/golden and testdata/probe from this run")

// TestMain doubles as a stand-in "ffmpeg" for the process-group tests: run as
// `media.test -marquee-helper …`, it plays a program that starts a child and
// hangs.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "-marquee-helper" {
		helper(os.Args[2:])
		return
	}
	os.Exit(m.Run())
}

func helper(args []string) {
	switch args[0] {
	case "spawn": // spawn PIDDIR: start a child that hangs, record both pids, hang
		dir := args[1]
		child := exec.Command(os.Args[0], "-marquee-helper", "hang")
		if err := child.Start(); err != nil {
			os.Exit(3)
		}
		_ = os.WriteFile(filepath.Join(dir, "child"), []byte(strconv.Itoa(child.Process.Pid)), 0o644)
		_ = os.WriteFile(filepath.Join(dir, "leader"), []byte(strconv.Itoa(os.Getpid())), 0o644)
		time.Sleep(time.Hour)
	case "hang":
		time.Sleep(time.Hour)
	case "sleep": // sleep SECONDS
		d, _ := strconv.ParseFloat(args[1], 64)
		time.Sleep(time.Duration(d * float64(time.Second)))
	}
	os.Exit(0)
}

// mustRunner returns a Runner on the installed ffmpeg.
func mustRunner(tb testing.TB, cfg media.RunnerConfig) *media.Runner {
	tb.Helper()
	r, err := media.NewRunner(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file (review, then -update):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// argvText prints a command one argument a line, for golden files.
func argvText(c media.Command) string {
	var b strings.Builder
	b.WriteString(string(c.Tool) + "  # timeout " + c.Timeout.String() + "\n")
	for _, a := range c.Args {
		b.WriteString("  " + a + "\n")
	}
	return b.String()
}
