package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

// mustRental writes a rental of title into the ledger directly (TVOD
// checkout is not built yet): purchase window of a week, viewing window hours.
func (e *env) mustRental(t *testing.T, tenant, viewer, title uuid.UUID, hours int) uuid.UUID {
	t.Helper()
	id := uuid.New()
	now := e.clock.Now()
	err := e.db.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, kind, scope,
			title_id, rental_hours, starts_at, ends_at, created_at, updated_at)
			VALUES ($1, $2, $3, 'stripe', $4, 'tvod_rent', 'title', $5, $6, $7, $8, $7, $7)`,
			tenant, id, viewer, "cs_"+id.String(), title, hours, now, now.Add(7*24*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type checkCase struct {
	name         string
	viewer       uuid.UUID
	title        catalog.Title
	allowed, ads bool
}

// The model for each way a title is sold: free plays for anyone without
// ads; AVOD with ads unless an ad-free entitlement covers it; SVOD needs a
// covering entitlement (library, a collection holding the title, or the
// title); TVOD only a rental, purchase or grant, never a subscription.
func TestCheckModels(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := e.mustSVODTenant(t)
	free, avod, svod, tvod, inColl := e.mustTitle(t, tenant), e.mustTitle(t, tenant), e.mustTitle(t, tenant), e.mustTitle(t, tenant), e.mustTitle(t, tenant)
	for ti, m := range map[uuid.UUID]billing.Model{free.ID: billing.ModelFree, avod.ID: billing.ModelAVOD, tvod.ID: billing.ModelTVOD} {
		if err := e.svc.SetTitleAccess(ctx, tenant, ti, m); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, e.svc.SetTitleAccess(ctx, tenant, free.ID, "gratis"), errs.KindInvalid)
	wantKind(t, e.svc.SetTitleAccess(ctx, tenant, uuid.New(), billing.ModelFree), errs.KindNotFound)
	coll, err := e.cat.CreateCollection(ctx, tenant, catalog.CollectionInput{Name: "Noir"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.SetCollectionItems(ctx, tenant, coll.ID, []uuid.UUID{inColl.ID}); err != nil {
		t.Fatal(err)
	}
	nobody := uuid.New()
	cases := []struct {
		name         string
		viewer       uuid.UUID
		title        catalog.Title
		allowed, ads bool
	}{
		{"free, anyone", nobody, free, true, false},
		{"avod, anyone", nobody, avod, true, true},
		{"svod, nobody", nobody, svod, false, false},
		{"tvod, nobody", nobody, tvod, false, false},
	}
	until := e.clock.Now().Add(24 * time.Hour)
	library := uuid.New() // an ad-free library grant
	if _, err := e.svc.Grant(ctx, tenant, billing.GrantInput{Viewer: library, Scope: billing.ScopeLibrary, Until: until}); err != nil {
		t.Fatal(err)
	}
	withAds := uuid.New()
	if _, err := e.svc.Grant(ctx, tenant, billing.GrantInput{Viewer: withAds, Scope: billing.ScopeLibrary, Ads: true, Until: until}); err != nil {
		t.Fatal(err)
	}
	collViewer := uuid.New()
	if _, err := e.svc.Grant(ctx, tenant, billing.GrantInput{Viewer: collViewer, Scope: billing.ScopeCollections,
		Collections: []uuid.UUID{coll.ID}, Until: until}); err != nil {
		t.Fatal(err)
	}
	// A library subscription (svod) does not cover a TVOD title.
	subscriber := uuid.New()
	err = e.db.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, kind, scope, starts_at, ends_at, created_at, updated_at)
			VALUES ($1, $2, $3, 'apple', 'receipt-1', 'svod', 'library', $4, $5, $4, $4)`, tenant, uuid.New(), subscriber, e.clock.Now(), until)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases,
		checkCase{"avod, ad-free grant", library, avod, true, false},
		checkCase{"svod, ad-free grant", library, svod, true, false},
		checkCase{"tvod, library grant", library, tvod, true, false},
		checkCase{"svod, grant with ads", withAds, svod, true, true},
		checkCase{"svod, collection grant, title in it", collViewer, inColl, true, false},
		checkCase{"svod, collection grant, title not in it", collViewer, svod, false, false},
		checkCase{"svod, subscriber", subscriber, svod, true, false},
		checkCase{"tvod, subscriber", subscriber, tvod, false, false},
	)
	for _, c := range cases {
		d := e.check(t, tenant, c.viewer, c.title)
		if d.Allowed != c.allowed || d.Ads != c.ads || d.Reason == "" {
			t.Errorf("%s: %+v, want allowed %v ads %v", c.name, d, c.allowed, c.ads)
		}
	}
	// The grant ends: no longer allowed (the cached decision ends with it).
	e.clock.Add(24 * time.Hour)
	if d := e.check(t, tenant, library, svod); d.Allowed {
		t.Errorf("after the grant ended: %+v", d)
	}
	// Another tenant sees none of it: the same viewer and title under
	// another tenant are not entitled (RLS; the title is not theirs).
	other := e.mustSVODTenant(t)
	if d := e.check(t, other, subscriber, svod); d.Allowed {
		t.Errorf("another tenant: %+v", d)
	}
	if ents, _ := e.svc.ViewerEntitlements(ctx, other, subscriber); len(ents) != 0 {
		t.Errorf("another tenant lists %+v", ents)
	}
}

// A rental's viewing window starts at first play (the first check that
// relies on it) and ends hours later, inside its purchase window.
func TestRentalWindowStartsAtFirstPlay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := e.mustSVODTenant(t)
	film := e.mustTitle(t, tenant)
	if err := e.svc.SetTitleAccess(ctx, tenant, film.ID, billing.ModelTVOD); err != nil {
		t.Fatal(err)
	}
	viewer := uuid.New()
	e.mustRental(t, tenant, viewer, film.ID, 48)
	e.clock.Add(3 * 24 * time.Hour) // days pass before the first play
	ents, _ := e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if ents[0].RentalStartedAt != nil {
		t.Fatal("the window started before any play")
	}
	if d := e.check(t, tenant, viewer, film); !d.Allowed || d.Ads {
		t.Fatalf("first play: %+v", d)
	}
	ents, _ = e.svc.ViewerEntitlements(ctx, tenant, viewer)
	if ents[0].RentalStartedAt == nil || !ents[0].RentalStartedAt.Equal(e.clock.Now()) {
		t.Fatalf("window start %v", ents[0].RentalStartedAt)
	}
	e.clock.Add(47 * time.Hour)
	if d := e.check(t, tenant, viewer, film); !d.Allowed {
		t.Errorf("inside the window: %+v", d)
	}
	e.clock.Add(time.Hour)
	if d := e.check(t, tenant, viewer, film); d.Allowed {
		t.Errorf("after the 48-hour window: %+v", d)
	}
	if ents[0].ActiveAt(e.clock.Now()) {
		t.Error("ActiveAt after the window")
	}
}

// A decision is cached, and a change drops it at once: in this process
// (revocation here), and in another process through NOTIFY.
func TestCheckCacheInvalidation(t *testing.T) {
	a := newEnv(t)
	ctx := context.Background()
	tenant := a.mustSVODTenant(t)
	film := a.mustTitle(t, tenant)
	viewer := uuid.New()
	g, err := a.svc.Grant(ctx, tenant, billing.GrantInput{Viewer: viewer, Scope: billing.ScopeTitle, Title: &film.ID,
		Until: a.clock.Now().Add(time.Hour), Note: "support"})
	if err != nil {
		t.Fatal(err)
	}
	if d := a.check(t, tenant, viewer, film); !d.Allowed {
		t.Fatalf("granted: %+v", d)
	}
	if _, err := a.svc.Revoke(ctx, tenant, g.ID, "refunded"); err != nil {
		t.Fatal(err)
	}
	if d := a.check(t, tenant, viewer, film); d.Allowed {
		t.Fatalf("revoked but still allowed (cache not dropped): %+v", d)
	}
	_, err = a.svc.Revoke(ctx, tenant, g.ID, "again")
	wantKind(t, err, errs.KindNotFound)
	_, err = a.svc.Revoke(ctx, tenant, g.ID, "")
	wantKind(t, err, errs.KindInvalid)

	// Process b caches a decision; process a changes the ledger; b hears of
	// it through PostgreSQL and drops it.
	b := newEnvOn(t, a.db, testenv.Stripe(t))
	b.svc.CacheTTL = time.Hour
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); b.svc.Listen(lctx) }()
	t.Cleanup(func() { stop(); <-done })
	if d := b.check(t, tenant, viewer, film); d.Allowed {
		t.Fatalf("b: %+v", d)
	}
	if _, err := a.svc.Grant(ctx, tenant, billing.GrantInput{Viewer: viewer, Scope: billing.ScopeLibrary, Until: a.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := b.check(t, tenant, viewer, film)
		if d.Allowed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("process b never dropped its cached decision")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestGrantValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := e.mustSVODTenant(t)
	until := e.clock.Now().Add(time.Hour)
	for name, in := range map[string]billing.GrantInput{
		"no viewer":      {Scope: billing.ScopeLibrary, Until: until},
		"bad scope":      {Viewer: uuid.New(), Scope: "everything", Until: until},
		"past":           {Viewer: uuid.New(), Scope: billing.ScopeLibrary, Until: e.clock.Now().Add(-time.Second)},
		"no title":       {Viewer: uuid.New(), Scope: billing.ScopeTitle, Until: until},
		"no collections": {Viewer: uuid.New(), Scope: billing.ScopeCollections, Until: until},
	} {
		_, err := e.svc.Grant(ctx, tenant, in)
		if !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Another tenant's title is NOT_FOUND.
	other := e.mustSVODTenant(t)
	theirs := e.mustTitle(t, other)
	_, err := e.svc.Grant(ctx, tenant, billing.GrantInput{Viewer: uuid.New(), Scope: billing.ScopeTitle, Title: &theirs.ID, Until: until})
	wantKind(t, err, errs.KindNotFound)
}

// Pay-per-view: an event-scoped entitlement admits its viewer to that
// event only, and never counts as access to titles.
func TestCheckEvent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := e.mustSVODTenant(t)
	film := e.mustTitle(t, tenant)
	viewer, ev, otherEv := uuid.New(), uuid.New(), uuid.New()
	err := e.db.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, kind, scope, event_id, starts_at, created_at, updated_at)
			VALUES ($1, $2, $3, 'stripe', 'pi_ppv', 'ppv', 'event', $4, $5, $5, $5)`, tenant, uuid.New(), viewer, ev, e.clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := e.svc.CheckEvent(ctx, tenant, viewer, ev); err != nil || !d.Allowed {
		t.Errorf("ticket holder: %+v %v", d, err)
	}
	if d, _ := e.svc.CheckEvent(ctx, tenant, viewer, otherEv); d.Allowed {
		t.Errorf("another event: %+v", d)
	}
	if d, _ := e.svc.CheckEvent(ctx, e.mustSVODTenant(t), viewer, ev); d.Allowed {
		t.Errorf("another tenant: %+v", d)
	}
	if d := e.check(t, tenant, viewer, film); d.Allowed {
		t.Errorf("a PPV ticket opened a title: %+v", d)
	}
}

// A workspace that has not chosen how it sells plays its titles to everyone
// (FREE); once it says SVOD, a title without its own model needs a
// subscription, and a title set FREE stays free.
func TestDefaultAccessModel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, e.db)
	title, other := e.mustTitle(t, tenant).ID, e.mustTitle(t, tenant).ID
	viewer := uuid.New()
	if m, err := e.svc.DefaultTitleAccess(ctx, tenant); err != nil || m != billing.ModelFree {
		t.Fatalf("default = %q, %v", m, err)
	}
	if d, err := e.svc.Check(ctx, tenant, viewer, uuid.Nil, catalog.Title{ID: title}); err != nil || !d.Allowed {
		t.Fatalf("a title of a workspace that sells nothing: %+v %v", d, err)
	}
	if err := e.svc.SetTitleAccess(ctx, tenant, other, billing.ModelFree); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetDefaultTitleAccess(ctx, tenant, billing.ModelSVOD); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.svc.Check(ctx, tenant, viewer, uuid.Nil, catalog.Title{ID: title}); d.Allowed {
		t.Errorf("after the default became SVOD (cached decision kept?): %+v", d)
	}
	if d, _ := e.svc.Check(ctx, tenant, viewer, uuid.Nil, catalog.Title{ID: other}); !d.Allowed {
		t.Errorf("a title set FREE: %+v", d)
	}
	wantKind(t, e.svc.SetDefaultTitleAccess(ctx, tenant, billing.Model("gratis")), errs.KindInvalid)
}
