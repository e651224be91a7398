package demo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/demo"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// The demo library goes in through the real ingest workflow: every clip ends
// READY on its title, the storefront's home rails show the film and the
// series' episodes, the shorts feed the three shorts, and seeding again
// changes nothing.
func TestSeedIngestsTheDemoLibrary(t *testing.T) {
	m := pt.Start(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = m.RunWorker(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })

	ten := pt.SignUp(t, m)
	tenant := uuid.MustParse(ten.ID)
	cat := &catalog.Service{DB: m.DB}
	deps := demo.Deps{Tenant: tenant, Catalog: cat, Uploads: m.Uploads, Assets: m.AssetService(), Log: m.Log,
		Clips: demo.Clips{Width: 160, Height: 90, Seconds: 2, WorkDir: t.TempDir()}}
	if err := demo.Seed(ctx, deps); err != nil {
		t.Fatal(err)
	}

	all := func() []catalog.Title {
		ts, _, err := cat.ListTitles(ctx, tenant, catalog.TitleFilter{}, catalog.Page{Take: 100})
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	deadline := time.Now().Add(50 * time.Second)
	for {
		ts, waiting := all(), 0
		for _, ti := range ts {
			if ti.AssetID == nil {
				waiting++
			}
		}
		if len(ts) != 8 {
			t.Fatalf("seeded %d titles, want 8", len(ts))
		}
		if waiting == 0 {
			break
		}
		var failed string
		if err := m.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
			return q.QueryRow(ctx, `SELECT coalesce(string_agg(failure_reason, '; '), '') FROM media_assets WHERE status = 'FAILED'`).Scan(&failed)
		}); err != nil {
			t.Fatal(err)
		} else if failed != "" {
			t.Fatalf("an ingest failed: %s", failed)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 8 titles have no READY asset after 50s", waiting)
		}
		time.Sleep(250 * time.Millisecond)
	}

	key := pt.Str(ten.Owner.Must(t, `mutation { createAppKey(name: "demo") { key } }`, nil), "createAppKey", "key")
	app := pt.Client{URL: m.URL(), AppKey: key}
	d := app.Must(t, `{ storefront {
		home { rails { edges { node { title collection { creator { handle } items { edges { node { kind title } } } } } } } }
		shortsFeed { edges { node { kind title } } }
	} }`, nil)
	rails := map[string][]string{}
	for _, e := range pt.Get(d, "storefront", "home", "rails", "edges").([]any) {
		var names []string
		for _, it := range pt.Get(e, "node", "collection", "items", "edges").([]any) {
			names = append(names, pt.Str(it, "node", "kind")+" "+pt.Str(it, "node", "title"))
		}
		rails[pt.Str(e, "node", "title")] = names
	}
	want := map[string][]string{
		"Featured": {"MOVIE Test Pattern", "EPISODE Pilot", "EPISODE Interference", "EPISODE Return Signal", "EPISODE Sign-off"},
		"Shorts":   {"SHORT Into the Set", "SHORT Colour Check", "SHORT Moving Parts"},
	}
	if len(rails) != len(want) || !slices.Equal(rails["Featured"], want["Featured"]) || !slices.Equal(rails["Shorts"], want["Shorts"]) {
		t.Fatalf("home rails = %v, want %v", rails, want)
	}
	if shorts := pt.Get(d, "storefront", "shortsFeed", "edges").([]any); len(shorts) != 3 {
		t.Fatalf("shorts feed = %v, want 3 shorts", shorts)
	}

	before := all()
	if err := demo.Seed(ctx, deps); err != nil {
		t.Fatal(err)
	}
	after := all()
	if len(after) != len(before) {
		t.Fatalf("a second Seed made %d titles into %d", len(before), len(after))
	}
	rs, n, err := cat.ListRails(ctx, tenant, catalog.Page{Take: 100})
	if err != nil || n != 2 || len(rs) != 2 {
		t.Fatalf("after a second Seed: %d rails (%v)", n, err)
	}
}
