package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// stopGrace is how long a service gets to stop before SIGKILL.
const stopGrace = 10 * time.Second

// child is one long-running service process.
type child struct {
	name     string
	logPath  string
	cmd      *exec.Cmd
	stopSig  syscall.Signal
	exited   chan struct{} // closed once Wait returned; waitErr is set then
	waitErr  error
	stopping atomic.Bool // set before a requested stop, so its exit is not reported
}

// spawn starts a service in its own process group, output appended to
// logs/<name>.log, and watches for it dying.
func (s *Stack) spawn(name string, stopSig syscall.Signal, cred *syscall.Credential, argv ...string) (*child, error) {
	c := &child{name: name, logPath: s.logPath(name), stopSig: stopSig, exited: make(chan struct{})}
	cmd, err := command(c.logPath, cred, argv)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		closeOutput(cmd)
		return nil, fmt.Errorf("devstack: start %s: %w", name, err)
	}
	closeOutput(cmd) // the child holds its own copy of the descriptor
	c.cmd = cmd
	s.mu.Lock()
	s.children = append(s.children, c)
	s.mu.Unlock()
	go s.watch(c)
	s.o.Log.Debug("devstack: started", "service", name, "pid", cmd.Process.Pid, "log", c.logPath)
	return c, nil
}

func (s *Stack) watch(c *child) {
	c.waitErr = c.cmd.Wait()
	close(c.exited)
	if c.stopping.Load() {
		return
	}
	err := fmt.Errorf("devstack: %s exited unexpectedly (%v); its log %s ends:\n%s", c.name, c.waitErr, c.logPath, tail(c.logPath))
	select {
	case s.done <- err:
	default: // one report is enough: the first death is the cause
	}
}

// stop sends the service's stop signal to its process group, then SIGKILL
// after grace.
func (c *child) stop(grace time.Duration) error {
	c.stopping.Store(true)
	pgid := c.cmd.Process.Pid
	select {
	case <-c.exited:
		return nil
	default:
	}
	_ = syscall.Kill(-pgid, c.stopSig)
	select {
	case <-c.exited:
		return nil
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("devstack: %s (pid %d) survived SIGKILL", c.name, pgid)
	}
	return fmt.Errorf("devstack: %s did not stop within %s and was killed; see %s", c.name, grace, c.logPath)
}

// runOnce runs a set-up command (initdb, keto migrate) to completion with its
// output in logs/<name>.log.
func (s *Stack) runOnce(ctx context.Context, name string, cred *syscall.Credential, argv ...string) error {
	logPath := s.logPath(name)
	cmd, err := command(logPath, cred, argv)
	if err != nil {
		return err
	}
	defer closeOutput(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("devstack: %s: %w", filepath.Base(argv[0]), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return fmt.Errorf("devstack: %s: %w", filepath.Base(argv[0]), ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("devstack: %s failed (%v); %s ends:\n%s", strings.Join(argv, " "), err, logPath, tail(logPath))
	}
	return nil
}

// command prepares argv with a trimmed environment (so stray DSN, PG* or
// TEMPORAL_* variables cannot reconfigure a service behind our back), its own
// process group (so a terminal's Ctrl-C reaches us, not the services, and
// Close can signal the whole group) and a parent-death signal (so a killed
// marquee does not leave services holding ports).
func command(logPath string, cred *syscall.Credential, argv []string) (*exec.Cmd, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devstack: open log: %w", err)
	}
	fmt.Fprintf(f, "\n--- %s: %s\n", time.Now().Format(time.RFC3339), strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = childEnv()
	cmd.Dir = filepath.Dir(logPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	return cmd, nil
}

func closeOutput(cmd *exec.Cmd) {
	if f, ok := cmd.Stdout.(*os.File); ok {
		f.Close()
	}
}

func childEnv() []string {
	env := []string{"LC_ALL=C.UTF-8"}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "TZ"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func (s *Stack) logPath(name string) string { return filepath.Join(s.LogDir(), name+".log") }

// errNotReady marks a readiness deadline, as opposed to the caller giving up.
var errNotReady = errors.New("not ready in time")

// waitReady polls probe until it succeeds, the service exits, or timeout.
// Its errors quote the end of the service's log, which usually says why.
func waitReady(ctx context.Context, c *child, timeout time.Duration, probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errNotReady)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
		last := probe(pctx)
		pcancel()
		if last == nil {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("devstack: %s exited while starting (%v); its log %s ends:\n%s", c.name, c.waitErr, c.logPath, tail(c.logPath))
		case <-ctx.Done():
			if context.Cause(ctx) != errNotReady {
				return fmt.Errorf("devstack: %s: %w", c.name, ctx.Err())
			}
			return fmt.Errorf("devstack: %s not ready after %s (last check: %v); its log %s ends:\n%s", c.name, timeout, last, c.logPath, tail(c.logPath))
		case <-tick.C:
		}
	}
}

// tail returns the last lines of a log file for error messages.
func tail(path string) string {
	const maxBytes, maxLines = 4096, 20
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxBytes {
		_, _ = f.Seek(st.Size()-maxBytes, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
