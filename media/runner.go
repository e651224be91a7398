package media

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/marquee-ott/marquee/errs"
)

// Tool names the program a Command runs. The Runner maps it to a binary; a
// Command never carries a path to a program, so a plan cannot run anything else.
type Tool string

// The tools.
const (
	FFmpeg  Tool = "ffmpeg"
	FFprobe Tool = "ffprobe"
)

// Command is one planned run of ffmpeg or ffprobe: data, not a shell line.
type Command struct {
	Tool Tool
	// Args is argv without the program name.
	Args []string
	// Timeout bounds the run; zero means the Runner's default.
	Timeout time.Duration
	// Duration is how much media the run produces, for Progress.Fraction; zero
	// when unknown.
	Duration time.Duration
	// Outputs are the files the run writes, in the order the plan lists them;
	// Run makes their folders.
	Outputs []string
}

// Progress is what ffmpeg reports through -progress pipe:1.
type Progress struct {
	OutTime  time.Duration // media time written so far (out_time_us)
	Fraction float64       // OutTime / Command.Duration, in [0, 1]; 0 when unknown
	Speed    string        // e.g. "2.5x"
	Done     bool          // ffmpeg said progress=end
}

// RunnerConfig configures a Runner. Zero fields take the defaults.
type RunnerConfig struct {
	FFmpeg  string // path of ffmpeg; default "ffmpeg" found on PATH
	FFprobe string // path of ffprobe; default "ffprobe" found on PATH
	// Concurrency bounds the runs in flight in this process (ffmpeg uses every
	// core it is given, so more than a couple only thrash); default 2.
	Concurrency int
	// Timeout is the deadline of a Command that names none; default 10 minutes.
	Timeout time.Duration
	// MaxStdout bounds what a run may print when no progress callback reads it
	// (ffprobe's JSON); default 8 MiB.
	MaxStdout int
}

// Runner starts ffmpeg and ffprobe. It is safe for concurrent use.
type Runner struct {
	cfg RunnerConfig
	sem chan struct{}
}

// NewRunner checks that the binaries exist and returns a Runner.
func NewRunner(cfg RunnerConfig) (*Runner, error) {
	if cfg.FFmpeg == "" {
		cfg.FFmpeg = "ffmpeg"
	}
	if cfg.FFprobe == "" {
		cfg.FFprobe = "ffprobe"
	}
	for _, p := range []*string{&cfg.FFmpeg, &cfg.FFprobe} {
		abs, err := exec.LookPath(*p)
		if err != nil {
			return nil, fmt.Errorf("media.NewRunner: %w", err)
		}
		*p = abs
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.MaxStdout <= 0 {
		cfg.MaxStdout = 8 << 20
	}
	return &Runner{cfg: cfg, sem: make(chan struct{}, cfg.Concurrency)}, nil
}

// RunError describes a failed run. It is the internal cause inside the
// *errs.Error that Run returns; reach it with errors.As.
type RunError struct {
	Tool     Tool
	ExitCode int    // -1 when killed
	TimedOut bool   // the run's own deadline passed
	Stderr   string // the tail of stderr
	Err      error  // from exec
}

func (e *RunError) Error() string {
	s := string(e.Tool)
	switch {
	case e.TimedOut:
		s += ": deadline exceeded, killed"
	case e.Err != nil:
		s += ": " + e.Err.Error()
	}
	if e.Stderr != "" {
		s += ": " + lastLine(e.Stderr)
	}
	return s
}

func (e *RunError) Unwrap() error { return e.Err }

// Run runs cmd and waits for it. A run that fails is reported as an *errs.Error
// wrapping a *RunError: errs.Invalid when ffmpeg says the input is bad (corrupt,
// truncated, refused), errs.Unavailable when the run hit its deadline, errs.Internal
// otherwise. If ctx ends first, the run is killed and ctx's error is returned.
//
// For ffmpeg, progress (when not nil) is called from Run's goroutine for every
// -progress report on stdout, and nothing is returned; for ffprobe, stdout is
// returned (bounded by MaxStdout).
func (r *Runner) Run(ctx context.Context, cmd Command, progress func(Progress)) ([]byte, error) {
	bin, err := r.binary(cmd)
	if err != nil {
		return nil, err
	}
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		return nil, fmt.Errorf("media.Run %s: waiting for a slot: %w", cmd.Tool, ctx.Err())
	}
	timeout := cmd.Timeout
	if timeout <= 0 {
		timeout = r.cfg.Timeout
	}
	for _, out := range cmd.Outputs {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, errs.Internal(fmt.Errorf("media.Run %s: %w", cmd.Tool, err))
		}
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := exec.CommandContext(runCtx, bin, cmd.Args...)
	// A minimal environment: nothing of ours (credentials, proxies) leaks into
	// ffmpeg, and nothing in it changes what ffmpeg reads.
	c.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	// Own process group, so that a kill reaches anything ffmpeg started.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	// If a grandchild keeps our pipes open after the kill, stop waiting for it.
	c.WaitDelay = 2 * time.Second
	tail := &tailBuffer{max: 8 << 10}
	c.Stderr = tail
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, errs.Internal(fmt.Errorf("media.Run %s: %w", cmd.Tool, err))
	}
	if err := c.Start(); err != nil {
		return nil, errs.Internal(fmt.Errorf("media.Run %s: %w", cmd.Tool, err))
	}
	pgid := c.Process.Pid

	var out []byte
	var readErr error
	if cmd.Tool == FFmpeg {
		// ffmpeg's stdout is only ever -progress: parse it even when nobody
		// listens, so a long run's reports never hit MaxStdout.
		if progress == nil {
			progress = func(Progress) {}
		}
		readErr = readProgress(stdout, cmd.Duration, progress)
		_, _ = io.Copy(io.Discard, stdout) // never leave ffmpeg blocked on a full pipe
	} else {
		out, readErr = io.ReadAll(io.LimitReader(stdout, int64(r.cfg.MaxStdout)+1))
		if readErr == nil && len(out) > r.cfg.MaxStdout {
			readErr = fmt.Errorf("more than %d bytes on stdout", r.cfg.MaxStdout)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
		_, _ = io.Copy(io.Discard, stdout)
	}
	waitErr := c.Wait()
	if runCtx.Err() != nil {
		// Killed on deadline or cancel: sweep the group again in case a child
		// outlived the leader, and give the kernel a moment to finish them, so
		// that nothing still writes in the job folder when Run returns.
		killGroup(pgid, 2*time.Second)
	}

	if ctx.Err() != nil {
		return nil, fmt.Errorf("media.Run %s: %w", cmd.Tool, ctx.Err())
	}
	if runCtx.Err() != nil {
		re := &RunError{Tool: cmd.Tool, ExitCode: -1, TimedOut: true, Stderr: tail.String(), Err: runCtx.Err()}
		return nil, errs.Unavailable(re, "%s took longer than %s and was stopped", cmd.Tool, timeout)
	}
	if waitErr == nil && readErr != nil {
		waitErr = readErr
	}
	if waitErr != nil {
		re := &RunError{Tool: cmd.Tool, ExitCode: c.ProcessState.ExitCode(), Stderr: tail.String(), Err: waitErr}
		return nil, classify(re)
	}
	return out, nil
}

// killGroup kills process group pgid and waits up to grace until no member is
// running (killed members may stay zombies until init reaps them).
func killGroup(pgid int, grace time.Duration) {
	deadline := time.Now().Add(grace)
	for {
		err := syscall.Kill(-pgid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) || !groupRunning(pgid) || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// groupRunning reports whether a process of group pgid is running (not a
// zombie), from /proc; true when /proc cannot tell.
func groupRunning(pgid int) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		st := string(b)
		i := strings.LastIndexByte(st, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(st[i+1:])
		if len(f) >= 3 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}

func (r *Runner) binary(cmd Command) (string, error) {
	var bin string
	switch cmd.Tool {
	case FFmpeg:
		bin = r.cfg.FFmpeg
	case FFprobe:
		bin = r.cfg.FFprobe
	default:
		return "", errs.Internal(fmt.Errorf("media.Run: unknown tool %q", cmd.Tool))
	}
	if err := CheckInputs(cmd.Args); err != nil {
		return "", errs.Internal(fmt.Errorf("media.Run %s: %w", cmd.Tool, err))
	}
	return bin, nil
}

// CheckInputs is the Runner's guard against a plan that forgot the input
// restrictions: every -i must be preceded, among its own input options, by
// -protocol_whitelist and -format_whitelist.
func CheckInputs(args []string) error {
	var proto, format bool
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-protocol_whitelist":
			proto = true
		case "-format_whitelist":
			format = true
		case "-i":
			if !proto || !format {
				return fmt.Errorf("input %d has no -protocol_whitelist and -format_whitelist", i)
			}
			proto, format = false, false
		}
	}
	return nil
}

// classify turns a failed run into an error kind with a reason an editor can
// read, from what ffmpeg printed last.
func classify(re *RunError) error {
	reason := failureReason(re.Stderr)
	switch {
	case strings.Contains(re.Stderr, "not on whitelist"):
		return &errs.Error{Kind: errs.KindInvalid, Message: whitelistReason(re.Stderr), Err: re}
	case inputFault(re.Stderr):
		return &errs.Error{Kind: errs.KindInvalid, Message: "truncated or corrupt: " + reason, Err: re}
	}
	return errs.Internal(re)
}

// inputFault reports whether stderr blames the input rather than the machine.
func inputFault(stderr string) bool {
	for _, s := range []string{
		"Invalid data found when processing input", "moov atom not found", "partial file",
		"Error while decoding", "error while decoding", "corrupt", "Truncating packet",
		"could not find codec parameters", "Could not find codec parameters", "EBML header parsing failed",
		"Invalid NAL unit size", "no frame!", "End of file",
	} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

// playlistFormats are demuxers that open other files named inside the input.
var playlistFormats = map[string]bool{"hls": true, "concat": true, "ffconcat": true, "dash": true, "m3u": true, "sdp": true, "rtsp": true, "image2": true}

func whitelistReason(stderr string) string {
	name := demuxerOf(stderr, "not on whitelist")
	if playlistFormats[name] {
		return fmt.Sprintf("not a video: the file is a playlist or script (%s) that points at other files; upload the media file itself", name)
	}
	if name == "" {
		return "not a video: the file is not in a container we accept"
	}
	return fmt.Sprintf("not a video: the container %q is not one we accept", name)
}

// demuxerOf finds the "[name @ 0x…]" prefix ffmpeg puts on the line containing
// marker.
func demuxerOf(stderr, marker string) string {
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.Contains(line, marker) || !strings.HasPrefix(line, "[") {
			continue
		}
		if at := strings.Index(line, " @ "); at > 1 {
			return line[1:at]
		}
	}
	return ""
}

// failureReason is the last meaningful stderr line without ffmpeg's
// "[demuxer @ 0x…] " prefix and without any path (paths are ours, not the
// user's business).
func failureReason(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "[") {
			if end := strings.Index(l, "] "); end > 0 {
				l = l[end+2:]
			}
		}
		if strings.HasPrefix(l, "file:") || strings.HasPrefix(l, "/") {
			// "file:/job/source.mp4: Invalid data found…": keep the message only.
			if c := strings.LastIndex(l, ": "); c > 0 {
				l = l[c+2:]
			}
		}
		if l != "" && !strings.HasPrefix(l, "Conversion failed") && !strings.HasPrefix(l, "Error opening") {
			return l
		}
	}
	return "ffmpeg failed without saying why"
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// readProgress parses ffmpeg's -progress output: blocks of key=value lines, each
// ended by progress=continue or progress=end.
func readProgress(r io.Reader, total time.Duration, fn func(Progress)) error {
	sc := bufio.NewScanner(r)
	var p Progress
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch key {
		case "out_time_us":
			if us, err := strconv.ParseInt(val, 10, 64); err == nil && us >= 0 {
				p.OutTime = time.Duration(us) * time.Microsecond
			}
		case "speed":
			p.Speed = strings.TrimSpace(val)
		case "progress":
			p.Done = val == "end"
			p.Fraction = 0
			if total > 0 {
				p.Fraction = min(1, float64(p.OutTime)/float64(total))
				if p.Done {
					p.Fraction = 1
				}
			}
			fn(p)
		}
	}
	return sc.Err()
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) == t.max {
		// Cut at the first line break so the tail starts at a line.
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}
