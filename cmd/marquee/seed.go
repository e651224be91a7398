package main

import (
	"context"
	"fmt"

	"github.com/marquee-ott/marquee/catalog"
	demolib "github.com/marquee-ott/marquee/demo"
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

// seed signs the demo tenant up unless its slug is taken already, and gives
// it the demo library unless it has titles (demo.Seed starts the ingests; a
// worker runs them).
func seed(ctx context.Context, m *platform.Main) error {
	tenant, err := m.Tenants.ResolveSlug(ctx, demo.Slug)
	if errs.Is(err, errs.KindNotFound) {
		auth, err := m.Tenants.SignUp(ctx, demo, tenants.ClientInfo{IP: "127.0.0.1", UserAgent: "marquee seed"})
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		tenant = auth.Tenant.ID
		m.Log.Info("seeded the demo tenant", "slug", demo.Slug, "email", demo.OwnerEmail)
	} else if err != nil {
		return err
	}
	return demolib.Seed(ctx, demolib.Deps{Tenant: tenant, Catalog: &catalog.Service{DB: m.DB}, Uploads: m.Uploads,
		Assets: m.AssetService(), Log: m.Log})
}
