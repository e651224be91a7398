package main

import (
	"context"
	"fmt"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/platform"
	"github.com/marquee-ott/marquee/tenants"
)

func init() {
	register("seed", "create the demo tenant and its owner if they are missing", runSeed)
}

// The demo tenant's sign-in. A dev default on a local stack, never a production account.
var demo = tenants.SignUpInput{
	CompanyName: "Demo Films",
	Slug:        "demo",
	OwnerName:   "Demo Owner",
	OwnerEmail:  "owner@demo.marquee.localhost",
	Password:    "marquee-demo-2026",
}

func runSeed(ctx context.Context, args []string) error {
	cfg, err := loadConfig("seed", args)
	if err != nil {
		return err
	}
	cfg.Addr = "127.0.0.1:0"
	m, err := platform.Open(ctx, cfg, newLogger(cfg.Production))
	if err != nil {
		return err
	}
	defer m.Close()
	return seed(ctx, m)
}

// seed signs the demo tenant up unless its slug is taken already.
func seed(ctx context.Context, m *platform.Main) error {
	if _, err := m.Tenants.ResolveSlug(ctx, demo.Slug); err == nil {
		return nil
	} else if !errs.Is(err, errs.KindNotFound) {
		return err
	}
	if _, err := m.Tenants.SignUp(ctx, demo, tenants.ClientInfo{IP: "127.0.0.1", UserAgent: "marquee seed"}); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	m.Log.Info("seeded the demo tenant", "slug", demo.Slug, "email", demo.OwnerEmail)
	return nil
}
