package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/marquee-ott/marquee/platform"
)

func init() {
	register("serve", "run the API server (GraphQL, console, origin, webhooks) against external services", runServe)
	register("worker", "run the Temporal worker and the outbox relay against external services", runWorker)
	register("migrate", "apply database migrations (MARQUEE_MIGRATE_DATABASE_URL, the owning role)", runMigrate)
}

func newLogger(production bool) *slog.Logger {
	if production {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// loadConfig parses the environment and the command's flags; --help lists the
// variables by printing the defaults.
func loadConfig(name string, args []string) (platform.Config, error) {
	fs := newFlags(name)
	fs.Usage = func() {
		fs.Output().Write([]byte("marquee " + name + ": " + commands[name].summary + "\n\nConfigured by MARQUEE_* environment variables; see README.md, Configuration.\n"))
	}
	if err := fs.Parse(args); err != nil {
		return platform.Config{}, err
	}
	return platform.LoadConfig()
}

func runServe(ctx context.Context, args []string) error {
	cfg, err := loadConfig("serve", args)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Production)
	m, err := platform.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer m.Close()
	log.Info("serving", "url", m.URL(), "graphql", m.Config.BaseURL+"/graphql")
	return m.Serve(ctx)
}

func runWorker(ctx context.Context, args []string) error {
	cfg, err := loadConfig("worker", args)
	if err != nil {
		return err
	}
	cfg.Addr = "127.0.0.1:0" // the worker serves no HTTP; Open still binds, so bind nothing in use
	log := newLogger(cfg.Production)
	m, err := platform.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.RunWorker(ctx)
}

func runMigrate(ctx context.Context, args []string) error {
	cfg, err := loadConfig("migrate", args)
	if err != nil {
		return err
	}
	return migrate(ctx, cfg.MigrateDatabaseURL)
}
