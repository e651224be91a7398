// Package devstack runs Marquee's backing services on one machine as child
// processes: a private PostgreSQL cluster, Ory Keto, the Temporal dev server and
// stripe-mock, all under one data folder with a log file each.
//
// It is for `marquee dev` and `make test` (through `marquee stack`): local,
// loopback-only, with a fixed development password. It is not for production or
// for any shared machine: nothing here is hardened, and production runs the same
// services as managed clusters configured through cmd/marquee's config.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// DevPassword is the password of the superuser postgres and of the application
// role on the private cluster. It is a known default because the cluster listens
// on loopback only and holds development data.
const DevPassword = "marquee-dev"

// Options says where the stack lives and how it listens.
type Options struct {
	// DataDir holds everything: pg/ (the cluster), run/ (its socket), keto/,
	// temporal.db and logs/. Data survives restarts unless Fresh is set.
	DataDir string
	// BinDir holds the pinned temporal, keto and stripe-mock binaries.
	BinDir string
	// Fresh wipes the stack's files in DataDir before starting.
	Fresh bool
	// Ephemeral picks free loopback ports (tests, several stacks at once);
	// otherwise the fixed development ports are used.
	Ephemeral bool
	// Log receives progress; nil discards it.
	Log *slog.Logger
}

// URLs are where the running services answer.
type URLs struct {
	OwnerDatabaseURL string // superuser postgres on database marquee: migrations
	AppDatabaseURL   string // role marquee_app on database marquee: the application
	KetoReadURL      string
	KetoWriteURL     string
	TemporalAddress  string // host:port of the frontend (gRPC)
	TemporalUIURL    string // empty when the UI is off (Ephemeral)
	StripeURL        string
	PGHost           string
	PGPort           int
}

// SuperuserURLFor is the superuser's URL for database dbname, for creating and
// migrating databases such as the test template.
func (u URLs) SuperuserURLFor(dbname string) string {
	return pgURL("postgres", u.PGHost, u.PGPort, dbname)
}

func pgURL(role, host string, port int, dbname string) string {
	v := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(role, DevPassword),
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return v.String()
}

// Stack is a running set of services. Close stops them.
type Stack struct {
	o     Options
	ports ports
	done  chan error

	mu       sync.Mutex
	children []*child

	closeOnce sync.Once
	closeErr  error
}

// Start starts every service and returns once all of them answer. ctx bounds
// the start-up only: the services run until Close, not until ctx ends. On error
// whatever was started is stopped again.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if err := o.prepare(); err != nil {
		return nil, err
	}
	p, err := choosePorts(o.Ephemeral)
	if err != nil {
		return nil, err
	}
	s := &Stack{o: o, ports: p, done: make(chan error, 1)}
	began := time.Now()
	if err := s.startAll(ctx); err != nil {
		if cerr := s.Close(); cerr != nil {
			o.Log.Warn("devstack: stopping after a failed start", "err", cerr)
		}
		return nil, err
	}
	o.Log.Info("devstack: services ready", "data", o.DataDir, "took", time.Since(began).Round(time.Millisecond))
	return s, nil
}

// startAll starts PostgreSQL then Keto (which keeps its tuples in PostgreSQL),
// and Temporal and stripe-mock alongside, since those two need nothing else.
func (s *Stack) startAll(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	run := func(f func(context.Context) error) {
		wg.Go(func() {
			if err := f(ctx); err != nil {
				// The first failure is the cause; the others are mostly its
				// cancellation echoing back.
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	run(s.startTemporal)
	run(s.startStripe)
	run(func(ctx context.Context) error {
		if err := s.startPostgres(ctx); err != nil {
			return err
		}
		return s.startKeto(ctx)
	})
	wg.Wait()
	return first
}

// URLs returns where the services answer.
func (s *Stack) URLs() URLs {
	p := s.ports
	u := URLs{
		OwnerDatabaseURL: pgURL("postgres", loopback, p.pg, "marquee"),
		AppDatabaseURL:   pgURL(appRole, loopback, p.pg, "marquee"),
		KetoReadURL:      httpURL(p.ketoRead),
		KetoWriteURL:     httpURL(p.ketoWrite),
		TemporalAddress:  hostPort(p.temporal),
		StripeURL:        httpURL(p.stripe),
		PGHost:           loopback,
		PGPort:           p.pg,
	}
	if p.temporalUI != 0 {
		u.TemporalUIURL = httpURL(p.temporalUI)
	}
	return u
}

// LogDir is the folder holding one log file per service.
func (s *Stack) LogDir() string { return filepath.Join(s.o.DataDir, "logs") }

// Done delivers an error when a service exits without being asked to, naming
// it and its log file. It never fires because of Close.
func (s *Stack) Done() <-chan error { return s.done }

// Close stops every service: each gets its polite stop signal and ~10s before
// SIGKILL. PostgreSQL stops last so the others do not log its disappearance.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		children := append([]*child(nil), s.children...)
		s.mu.Unlock()
		for _, c := range children {
			c.stopping.Store(true)
		}
		var pg []*child
		var others []*child
		for _, c := range children {
			if c.name == "postgres" {
				pg = append(pg, c)
			} else {
				others = append(others, c)
			}
		}
		s.closeErr = errors.Join(stopAll(others), stopAll(pg))
	})
	return s.closeErr
}

func stopAll(cs []*child) error {
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() { errs[i] = c.stop(stopGrace) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// prepare fills defaults, makes paths absolute, checks the binaries exist and,
// for Fresh, removes the previous run's files.
func (o *Options) prepare() error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.DataDir == "" || o.BinDir == "" {
		return errors.New("devstack: DataDir and BinDir are required")
	}
	var err error
	if o.DataDir, err = filepath.Abs(o.DataDir); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	if o.BinDir, err = filepath.Abs(o.BinDir); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	for _, name := range []string{"temporal", "keto", "stripe-mock"} {
		if _, err := os.Stat(filepath.Join(o.BinDir, name)); err != nil {
			return fmt.Errorf("devstack: %s missing in %s (build it with deploy/tools.sh): %w", name, o.BinDir, err)
		}
	}
	if o.Fresh {
		if err := wipe(o.DataDir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(o.DataDir, "logs"), 0o755); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	return nil
}

// wipe removes only the entries the stack creates, not DataDir itself, so a
// mistyped --data pointing at a home folder cannot lose unrelated files.
func wipe(dir string) error {
	names := []string{"pg", "run", "keto", "logs"}
	extra, _ := filepath.Glob(filepath.Join(dir, "temporal.db*"))
	paths := extra
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("devstack: wipe %s: %w", p, err)
		}
	}
	return nil
}
