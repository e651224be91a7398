package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/deploy/devstack"
	"github.com/marquee-ott/marquee/platform"
)

func init() {
	register("dev", "start everything on this machine: services, migrations, API, worker, demo tenant", runDev)
}

// runDev is what `make run` runs. Data lives in --data (default .data) and
// survives restarts; --fresh starts over.
func runDev(ctx context.Context, args []string) error {
	fs := newFlags("dev")
	data := fs.String("data", ".data", "data folder: PostgreSQL, Keto's tuples, Temporal's history, blobs, mail")
	fresh := fs.Bool("fresh", false, "wipe the data folder's services and start over")
	bin := fs.String("bin", defaultBinDir(), "folder holding the temporal, keto and stripe-mock binaries")
	addr := fs.String("addr", "127.0.0.1:8080", "HTTP address of the API")
	if err := fs.Parse(args); err != nil {
		return err
	}
	abs, err := filepath.Abs(*data)
	if err != nil {
		return err
	}
	log := newLogger(false)
	st, err := devstack.Start(ctx, devstack.Options{DataDir: abs, BinDir: *bin, Fresh: *fresh, Log: log})
	if err != nil {
		return err
	}
	defer st.Close()
	u := st.URLs()
	if err := migrate(ctx, u.OwnerDatabaseURL); err != nil {
		return err
	}
	cfg, err := platform.LoadConfig()
	if err != nil {
		return err
	}
	cfg.Addr, cfg.BaseURL = *addr, "http://"+*addr
	cfg.DatabaseURL, cfg.MigrateDatabaseURL = u.AppDatabaseURL, u.OwnerDatabaseURL
	cfg.KetoReadURL, cfg.KetoWriteURL, cfg.TemporalAddress, cfg.StripeURL = u.KetoReadURL, u.KetoWriteURL, u.TemporalAddress, u.StripeURL
	cfg.BlobURL, cfg.MailDir = "file://"+filepath.Join(abs, "blobs"), filepath.Join(abs, "mail")
	m, err := platform.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := seed(ctx, m); err != nil {
		return err
	}
	printWelcome(m, u, filepath.Join(abs, "logs"))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return m.Serve(gctx) })
	g.Go(func() error { return m.RunWorker(gctx) })
	g.Go(func() error {
		select {
		case err := <-st.Done():
			return fmt.Errorf("a service stopped: %w", err)
		case <-gctx.Done():
			return nil
		}
	})
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	fmt.Fprintln(os.Stderr, "\nstopping: services shut down cleanly; data kept in", abs)
	return err
}

func migrate(ctx context.Context, ownerURL string) error {
	if err := db.Migrate(ctx, ownerURL); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func printWelcome(m *platform.Main, u devstack.URLs, logs string) {
	base := m.Config.BaseURL
	fmt.Fprintf(os.Stderr, `
  Marquee is running.

  Console          %[1]s/console/
  GraphQL          %[1]s/graphql
  Playground       %[1]s/playground
  Temporal UI      %[3]s
  Service logs     %[4]s

  Demo tenant      workspace %[2]q, %[5]s / %[6]s
  Dev mailbox      %[1]s/console/#/mail

  Ctrl-C stops everything; data is kept. 'marquee dev --fresh' starts over.

`, base, demo.Slug, u.TemporalUIURL, logs, demo.OwnerEmail, demo.Password)
}
