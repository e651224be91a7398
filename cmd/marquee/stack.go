package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/deploy/devstack"
)

func init() {
	register("stack", "start the services once, run a command against them (make test uses it), stop them", runStack)
}

// testTemplate is the migrated database each test package clones (testenv).
const testTemplate = "marquee_template"

// runStack is `marquee stack [--data DIR] [--bin DIR] -- CMD ARGS...`.
func runStack(ctx context.Context, args []string) error {
	fs := newFlags("stack")
	data := fs.String("data", "", "data folder (default: a new folder under /tmp, removed afterwards)")
	bin := fs.String("bin", defaultBinDir(), "folder holding the temporal, keto and stripe-mock binaries")
	if err := fs.Parse(args); err != nil {
		return err
	}
	argv := fs.Args()
	if len(argv) == 0 {
		fs.Usage()
		return errors.New("no command given: marquee stack [flags] -- CMD ARGS")
	}
	dir, cleanup, err := stackDir(*data)
	if err != nil {
		return err
	}
	defer cleanup()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := devstack.Start(ctx, devstack.Options{DataDir: dir, BinDir: *bin, Ephemeral: true, Log: log})
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Warn("stopping the stack", "err", err)
		}
	}()
	if err := migrateTemplate(ctx, st.URLs()); err != nil {
		return err
	}
	return runChild(st, argv, testEnv(st.URLs()))
}

// defaultBinDir is the repository's bin/, found by walking up from the
// working folder, so the command also works from a package folder.
func defaultBinDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return "bin"
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "deploy", "tools.sh")); err == nil {
			return filepath.Join(dir, "bin")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "bin"
		}
		dir = parent
	}
}

// stackDir returns the data folder and what to do with it afterwards. A
// temporary one lives under /tmp rather than $TMPDIR, and is opened to other
// users, because PostgreSQL runs as the postgres user and must reach it.
func stackDir(data string) (string, func(), error) {
	if data != "" {
		return data, func() {}, nil
	}
	dir, err := os.MkdirTemp("/tmp", "marquee-stack-")
	if err != nil {
		return "", nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// migrateTemplate creates the template database (kept when --data is reused)
// and brings its schema up to date.
func migrateTemplate(ctx context.Context, u devstack.URLs) error {
	conn, err := pgx.Connect(ctx, u.SuperuserURLFor("postgres"))
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", testTemplate).Scan(&exists)
	if err == nil && !exists {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{testTemplate}.Sanitize())
	}
	// Closed before migrating and cloning: a template with a session open
	// cannot be copied.
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	if err := db.Migrate(ctx, u.SuperuserURLFor(testTemplate)); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	return nil
}

// testEnv is what testenv reads.
func testEnv(u devstack.URLs) []string {
	return append(os.Environ(),
		"MARQUEE_TEST_PG_SUPERUSER_URL="+u.SuperuserURLFor("postgres"),
		"MARQUEE_TEST_PG_TEMPLATE="+testTemplate,
		"MARQUEE_TEST_PG_APP_PASSWORD="+devstack.DevPassword,
		"MARQUEE_TEST_KETO_READ_URL="+u.KetoReadURL,
		"MARQUEE_TEST_KETO_WRITE_URL="+u.KetoWriteURL,
		"MARQUEE_TEST_TEMPORAL_ADDRESS="+u.TemporalAddress,
		"MARQUEE_TEST_STRIPE_URL="+u.StripeURL,
	)
}

// runChild runs the command to its end, forwarding SIGINT and SIGTERM, and
// returns its exit status. A service dying meanwhile is reported at once
// (the command's failures would otherwise look like its own bugs) and makes
// the run fail even if the command then exits 0.
func runChild(st *devstack.Stack, argv []string, env []string) error {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = os.Stdin, os.Stdout, os.Stderr, env
	if err := cmd.Start(); err != nil {
		return err
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var died error
	serviceDied := st.Done()
	for {
		select {
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
		case died = <-serviceDied:
			fmt.Fprintf(os.Stderr, "marquee stack: a service died while %s ran:\n%v\n", argv[0], died)
			serviceDied = nil // reported once
		case err := <-waited:
			return childResult(err, died)
		}
	}
}

func childResult(waitErr, died error) error {
	var exit *exec.ExitError
	switch {
	case errors.As(waitErr, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return exitCode(128 + int(ws.Signal()))
		}
		return exitCode(exit.ExitCode())
	case waitErr != nil:
		return waitErr
	case died != nil:
		return fmt.Errorf("the command passed, but a service died during it: %w", died)
	}
	return nil
}
