// Package platformtest starts the whole wired platform (platform.Main) for a
// test, on the services `make test` started and the test package's own
// database, listening on a free loopback port. End-to-end tests drive it over
// real HTTP.
package platformtest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/platform"
	"github.com/marquee-ott/marquee/testenv"
)

// Start opens and serves the platform until the test ends. change may adjust
// the config (limits, production mode) before it opens.
func Start(tb testing.TB, change func(*platform.Config)) *platform.Main {
	tb.Helper()
	database := testenv.DB(tb) // creates the package's database
	read, write := testenv.Keto(tb)
	dir := tb.TempDir()
	cfg, err := platform.LoadConfig()
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.BaseURL = "" // the listening address
	cfg.DatabaseURL = database.Pool.Config().ConnString()
	cfg.KetoReadURL, cfg.KetoWriteURL = read, write
	cfg.TemporalAddress = testenv.Temporal(tb)
	cfg.StripeURL = testenv.Stripe(tb)
	cfg.TaskQueue = "test-" + uuid.NewString() // this platform's workers only
	cfg.BuildQueue = "builds-" + uuid.NewString()
	cfg.BlobURL = "file://" + filepath.Join(dir, "blobs")
	cfg.MailDir = filepath.Join(dir, "mail")
	cfg.UploadDir = filepath.Join(dir, "uploads")
	cfg.MediaWorkDir = filepath.Join(dir, "work")
	// Tests make many requests from one address; the limits get their own tests.
	cfg.TenantRate, cfg.TenantBurst, cfg.KeyRate, cfg.KeyBurst = 1e6, 1e6, 1e6, 1e6
	cfg.AttemptRate, cfg.AttemptBurst = 1e6, 1e6
	if change != nil {
		change(&cfg)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m, err := platform.Open(context.Background(), cfg, log)
	if err != nil {
		tb.Fatalf("platform.Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx) }()
	tb.Cleanup(func() {
		cancel()
		<-done
		m.Close()
	})
	return m
}
