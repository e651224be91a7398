package catalog_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

func TestLocalizedFallsBackToTheDefaultLanguage(t *testing.T) {
	ti := catalog.Title{DefaultLanguage: "en", Localizations: []catalog.Localization{
		{Language: "en", Title: "Night", Synopsis: "Dark."}, {Language: "fr", Title: "Nuit"}, {Language: "pt-BR", Title: "Noite", Synopsis: "Escuro."}}}
	for lang, want := range map[string]catalog.Localization{
		"fr":    {Language: "fr", Title: "Nuit", Synopsis: "Dark."}, // the synopsis falls back
		"FR-ca": {Language: "fr", Title: "Nuit", Synopsis: "Dark."}, // by base language
		"pt":    {Language: "pt-BR", Title: "Noite", Synopsis: "Escuro."},
		"de":    {Language: "en", Title: "Night", Synopsis: "Dark."},
		"":      {Language: "en", Title: "Night", Synopsis: "Dark."},
	} {
		if got := ti.Localized(lang); got != want {
			t.Errorf("Localized(%q) = %+v, want %+v", lang, got, want)
		}
	}
}

func TestAvailabilityWindowAndCountries(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	before, after := now.Add(-time.Hour), now.Add(time.Hour)
	cases := []struct {
		a       catalog.Availability
		country string
		want    bool
	}{
		{catalog.Availability{}, "", true},
		{catalog.Availability{Start: &before, End: &after}, "US", true},
		{catalog.Availability{Start: &after}, "US", false},
		{catalog.Availability{End: &now}, "US", false}, // the end is exclusive
		{catalog.Availability{Countries: []string{"US", "CA"}}, "ca", true},
		{catalog.Availability{Countries: []string{"US"}}, "FR", false},
		{catalog.Availability{Countries: []string{"US"}}, "", false}, // unknown country: allow-listed titles hidden
	}
	for i, c := range cases {
		if got := c.a.At(now, c.country); got != c.want {
			t.Errorf("case %d: At = %v, want %v", i, got, c.want)
		}
	}
}

type fixture struct {
	s      *catalog.Service
	d      *db.DB
	tenant uuid.UUID
	ctx    context.Context
}

func newFixture(t *testing.T) fixture {
	d := testenv.DB(t)
	return fixture{s: &catalog.Service{DB: d}, d: d, tenant: testenv.MustTenant(t, d), ctx: context.Background()}
}

func (f fixture) title(t *testing.T, in catalog.TitleInput, publish bool) catalog.Title {
	t.Helper()
	ti, err := f.s.CreateTitle(f.ctx, f.tenant, in)
	if err != nil {
		t.Fatal(err)
	}
	if publish {
		if ti, err = f.s.PublishTitle(f.ctx, f.tenant, ti.ID); err != nil {
			t.Fatal(err)
		}
	}
	return ti
}

func named(kind catalog.Kind, name string) catalog.TitleInput {
	return catalog.TitleInput{Kind: kind, Localizations: []catalog.Localization{{Language: "en", Title: name}}}
}

func ids(ts []catalog.Title) []uuid.UUID {
	out := make([]uuid.UUID, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// A rule-based collection selects published, available titles by kind,
// genre, tag and year, sorts by newest or title, and pages over what the
// viewer can see; one statement serves many collections.
func TestRuleCollectionsSelectSortAndPage(t *testing.T) {
	f := newFixture(t)
	year := func(y int) *int { return &y }
	mk := func(name string, genres []string, y int, countries ...string) catalog.Title {
		in := named(catalog.KindMovie, name)
		in.Genres, in.ReleaseYear = genres, year(y)
		in.Availability = &catalog.Availability{Countries: countries}
		return f.title(t, in, true)
	}
	b := mk("Bravo", []string{"drama"}, 2001)
	a := mk("alpha", []string{"drama", "war"}, 2010)
	c := mk("Charlie", []string{"drama"}, 2020, "US")
	mk("Delta", []string{"comedy"}, 2015)
	draft := f.title(t, catalog.TitleInput{Kind: catalog.KindMovie, Genres: []string{"drama"},
		Localizations: []catalog.Localization{{Language: "en", Title: "Aaa draft"}}}, false)

	byTitle, err := f.s.CreateCollection(f.ctx, f.tenant, catalog.CollectionInput{Name: "Drama A-Z",
		Rule: &catalog.Rule{Genres: []string{"Drama"}, Sort: catalog.SortTitle}})
	if err != nil {
		t.Fatal(err)
	}
	newest, err := f.s.CreateCollection(f.ctx, f.tenant, catalog.CollectionInput{Name: "Recent drama",
		Rule: &catalog.Rule{Genres: []string{"drama"}, YearFrom: year(2005), Kinds: []catalog.Kind{catalog.KindMovie}}})
	if err != nil {
		t.Fatal(err)
	}
	us := &catalog.Audience{Country: "US"}
	got, err := f.s.CollectionItems(f.ctx, f.tenant, []uuid.UUID{byTitle.ID, newest.ID}, us, catalog.Page{Take: 10})
	if err != nil {
		t.Fatal(err)
	}
	if want := []uuid.UUID{a.ID, b.ID, c.ID}; !slices.Equal(ids(got[byTitle.ID]), want) {
		t.Errorf("by title = %v, want %v", ids(got[byTitle.ID]), want)
	}
	if want := []uuid.UUID{c.ID, a.ID}; !slices.Equal(ids(got[newest.ID]), want) {
		t.Errorf("newest = %v, want %v", ids(got[newest.ID]), want)
	}
	// Elsewhere the US-only title is not counted, and pages follow what is seen.
	page2, err := f.s.CollectionItems(f.ctx, f.tenant, []uuid.UUID{byTitle.ID}, &catalog.Audience{Country: "FR"}, catalog.Page{Skip: 1, Take: 5})
	if err != nil {
		t.Fatal(err)
	}
	if want := []uuid.UUID{b.ID}; !slices.Equal(ids(page2[byTitle.ID]), want) {
		t.Errorf("FR page 2 = %v, want %v", ids(page2[byTitle.ID]), want)
	}
	// Staff see drafts too.
	staff, err := f.s.CollectionItems(f.ctx, f.tenant, []uuid.UUID{byTitle.ID}, nil, catalog.Page{Take: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(staff[byTitle.ID]) != 4 || staff[byTitle.ID][0].ID != draft.ID {
		t.Errorf("staff view = %v", ids(staff[byTitle.ID]))
	}
}

// Rails stay densely numbered in the order editors choose.
func TestRailsKeepTheirOrder(t *testing.T) {
	f := newFixture(t)
	col, err := f.s.CreateCollection(f.ctx, f.tenant, catalog.CollectionInput{Name: "C"})
	if err != nil {
		t.Fatal(err)
	}
	var rails []uuid.UUID
	for i := range 4 {
		var pos *int
		if i == 3 {
			pos = new(int) // at the front
		}
		r, err := f.s.CreateRail(f.ctx, f.tenant, catalog.RailInput{CollectionID: col.ID, Heading: fmt.Sprint(i), Position: pos})
		if err != nil {
			t.Fatal(err)
		}
		rails = append(rails, r.ID)
	}
	order := func() []uuid.UUID {
		rs, total, err := f.s.ListRails(f.ctx, f.tenant, catalog.Page{Take: 50})
		if err != nil || total != len(rs) {
			t.Fatal(err, total)
		}
		out := make([]uuid.UUID, len(rs))
		for i, r := range rs {
			if r.Position != i {
				t.Fatalf("rail %d has position %d", i, r.Position)
			}
			out[i] = r.ID
		}
		return out
	}
	if want := []uuid.UUID{rails[3], rails[0], rails[1], rails[2]}; !slices.Equal(order(), want) {
		t.Fatalf("order = %v, want %v", order(), want)
	}
	if _, err := f.s.MoveRail(f.ctx, f.tenant, rails[3], 2); err != nil {
		t.Fatal(err)
	}
	if want := []uuid.UUID{rails[0], rails[1], rails[3], rails[2]}; !slices.Equal(order(), want) {
		t.Fatalf("after move = %v, want %v", order(), want)
	}
	if err := f.s.DeleteRail(f.ctx, f.tenant, rails[1]); err != nil {
		t.Fatal(err)
	}
	if want := []uuid.UUID{rails[0], rails[3], rails[2]}; !slices.Equal(order(), want) {
		t.Fatalf("after delete = %v, want %v", order(), want)
	}
}

// Invariant: a catalog write can name only the tenant's own rows: another
// tenant's title, collection, season or creator is NotFound, and the
// composite (tenant_id, id) foreign keys refuse it even to SQL that skips
// the service's checks.
func TestReferencesStayInsideTheTenant(t *testing.T) {
	f := newFixture(t)
	other := fixture{s: f.s, d: f.d, tenant: testenv.MustTenant(t, f.d), ctx: f.ctx}
	theirs := other.title(t, named(catalog.KindMovie, "Theirs"), true)
	theirCol, err := other.s.CreateCollection(f.ctx, other.tenant, catalog.CollectionInput{Name: "Theirs"})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := f.s.CreateCollection(f.ctx, f.tenant, catalog.CollectionInput{Name: "Mine"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetCollectionItems(f.ctx, f.tenant, mine.ID, []uuid.UUID{theirs.ID}); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("another tenant's title in my collection: %v", err)
	}
	if _, err := f.s.CreateRail(f.ctx, f.tenant, catalog.RailInput{CollectionID: theirCol.ID}); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("a rail on another tenant's collection: %v", err)
	}
	if _, err := f.s.GetTitle(f.ctx, f.tenant, theirs.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("reading another tenant's title: %v", err)
	}
	err = f.d.InTenant(f.ctx, f.tenant, func(tx db.Tx) error {
		_, err := tx.Exec(f.ctx, `INSERT INTO collection_items (tenant_id, collection_id, title_id, position) VALUES ($1, $2, $3, 0)`,
			f.tenant, mine.ID, theirs.ID)
		return err
	})
	if err == nil {
		t.Fatal("raw SQL put another tenant's title in a collection")
	}
}

// Every write is audited and announced in the same transaction.
func TestWritesEmitEvents(t *testing.T) {
	f := newFixture(t)
	ti := f.title(t, named(catalog.KindShort, "Clip"), true)
	if !ti.Vertical || ti.PublishedAt == nil {
		t.Fatalf("a published short = %+v", ti)
	}
	asset := uuid.New()
	if _, err := f.s.SetTitleAsset(f.ctx, f.tenant, ti.ID, &asset); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UnpublishTitle(f.ctx, f.tenant, ti.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UnpublishTitle(f.ctx, f.tenant, ti.ID); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("unpublishing twice: %v", err)
	}
	var events, audits []string
	err := f.d.InTenant(f.ctx, f.tenant, func(tx db.Tx) error {
		rows, _ := tx.Query(f.ctx, `SELECT type FROM outbox_events WHERE object_id = $1 ORDER BY created_at, id`, ti.ID.String())
		var err error
		if events, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		rows, _ = tx.Query(f.ctx, `SELECT action FROM audit_log WHERE target_id = $1 ORDER BY at, id`, ti.ID.String())
		audits, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"title.created", "title.published", "title.asset_attached", "title.unpublished"}
	if !slices.Equal(events, want) || !slices.Equal(audits, want) {
		t.Fatalf("events %v, audit %v, want %v", events, audits, want)
	}
}

func TestInvalidInputIsRefused(t *testing.T) {
	f := newFixture(t)
	bad := []catalog.TitleInput{
		{Kind: "film", Localizations: []catalog.Localization{{Language: "en", Title: "x"}}},
		{Kind: catalog.KindMovie},
		{Kind: catalog.KindMovie, DefaultLanguage: "fr", Localizations: []catalog.Localization{{Language: "en", Title: "x"}}},
		{Kind: catalog.KindMovie, Localizations: []catalog.Localization{{Language: "en", Title: "x"}}, Availability: &catalog.Availability{Countries: []string{"USA"}}},
		{Kind: catalog.KindMovie, Localizations: []catalog.Localization{{Language: "en", Title: "x"}}, Artwork: []catalog.Artwork{{Role: "poster", Key: "../etc/passwd", Width: 1, Height: 1}}},
		{Kind: catalog.KindMovie, Localizations: []catalog.Localization{{Language: "en", Title: "x"}}, Rating: &catalog.Rating{System: "MPAA"}},
	}
	for i, in := range bad {
		if _, err := f.s.CreateTitle(f.ctx, f.tenant, in); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("case %d: %v", i, err)
		}
	}
}
