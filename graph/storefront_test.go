package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/graph"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/tenants"
)

func appClient(tb testing.TB, m interface{ URL() string }, owner pt.Client) pt.Client {
	tb.Helper()
	key := pt.Str(owner.Must(tb, `mutation { createAppKey(name: "app") { key } }`, nil), "createAppKey", "key")
	return pt.Client{URL: m.URL(), AppKey: key}
}

// The storefront shows an app only published titles inside their window and
// country list, in the viewer's language with the default as fallback; a
// draft, unpublished, out-of-window or other tenant's title is NOT_FOUND.
func TestStorefrontShowsOnlyWhatIsAvailable(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	ed := ten.Owner
	usOnly := mustTitle(t, ed, movie("Liberty", map[string]any{
		"localizations": []any{map[string]any{"language": "en", "title": "Liberty", "synopsis": "A film."},
			map[string]any{"language": "fr", "title": "Liberté"}},
		"availability": map[string]any{"countries": []any{"US"}, "end": "2999-01-01T00:00:00Z"},
		"artwork":      []any{map[string]any{"role": "POSTER", "key": "p.jpg", "width": 200, "height": 300}}}))
	everywhere := mustTitle(t, ed, movie("Everywhere"))
	draft := mustTitle(t, ed, movie("Draft"))
	future := mustTitle(t, ed, movie("Future", map[string]any{"availability": map[string]any{"start": "2999-01-01T00:00:00Z"}}))
	gone := mustTitle(t, ed, movie("Gone"))
	for _, id := range []string{usOnly, everywhere, future, gone} {
		mustPublish(t, ed, id)
	}
	ed.Must(t, `mutation($id: ID!) { unpublishTitle(id: $id) { status } }`, map[string]any{"id": gone})
	creator := pt.Str(ed.Must(t, `mutation { createCreator(input: {handle: "ana", name: "Ana"}) { id } }`, nil), "createCreator", "id")
	col := mustCollection(t, ed, "Picks", []string{draft, usOnly, future, everywhere, gone})
	ed.Must(t, `mutation($id: ID!, $c: ID!) { updateCollection(id: $id, input: {creatorId: $c}) { id } }`, map[string]any{"id": col, "c": creator})
	mustRail(t, ed, col)
	otherTitle := mustTitle(t, other.Owner, movie("Other's"))
	mustPublish(t, other.Owner, otherTitle)

	app := appClient(t, m, ed)
	home := `query($c: String, $l: String) { storefront(country: $c, language: $l) { home { rails { edges { node { title
		collection { title creator { handle } items(first: 10) { edges { node { id title synopsis language artwork(role: POSTER) { key } } } } } } } } } } }`
	d := app.Must(t, home, map[string]any{"c": "us", "l": "fr-CA"})
	items := pt.Get(d, "storefront", "home", "rails", "edges", 0, "node", "collection", "items", "edges")
	if got := strings.Join(edgeField(d, "id", "storefront", "home", "rails", "edges", 0, "node", "collection", "items", "edges"), ","); got != usOnly+","+everywhere {
		t.Fatalf("US home items = %s, want %s,%s", got, usOnly, everywhere)
	}
	if pt.Str(items, 0, "node", "title") != "Liberté" || pt.Str(items, 0, "node", "synopsis") != "A film." || pt.Str(items, 0, "node", "language") != "fr" ||
		pt.Str(items, 0, "node", "artwork", 0, "key") != "p.jpg" || pt.Str(items, 1, "node", "title") != "Everywhere" {
		t.Fatalf("localized items = %v", items)
	}
	if pt.Str(d, "storefront", "home", "rails", "edges", 0, "node", "title") != "Picks" ||
		pt.Str(d, "storefront", "home", "rails", "edges", 0, "node", "collection", "creator", "handle") != "ana" {
		t.Fatalf("rail = %v", d)
	}
	// Elsewhere, or nowhere known, the US-only title is not there.
	for _, c := range []any{"FR", nil} {
		d = app.Must(t, home, map[string]any{"c": c})
		if got := strings.Join(edgeField(d, "id", "storefront", "home", "rails", "edges", 0, "node", "collection", "items", "edges"), ","); got != everywhere {
			t.Fatalf("home in %v = %s, want only %s", c, got, everywhere)
		}
	}
	// The country may come from a header instead (an app or CDN sets it).
	hdr := pt.Client{URL: m.URL(), AppKey: app.AppKey, HTTP: &http.Client{Transport: headerTransport{"X-Marquee-Country": "US"}}}
	if pt.Str(hdr.Must(t, `query($id: ID!) { storefront { title(id: $id) { title } } }`, map[string]any{"id": usOnly}), "storefront", "title", "title") != "Liberty" {
		t.Fatal("X-Marquee-Country did not make the US-only title visible")
	}
	for name, id := range map[string]string{"draft": draft, "future": future, "unpublished": gone, "other tenant's": otherTitle, "missing": uuid.NewString(), "US-only from FR": usOnly} {
		if r := app.Do(t, `query($id: ID!) { storefront(country: "FR") { title(id: $id) { id } } }`, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
			t.Errorf("%s title: %v", name, r.Codes())
		}
	}
	d = app.Must(t, `{ storefront { creator(handle: "@Ana") { name collections { title items { edges { node { title } } } } } } }`, nil)
	if pt.Str(d, "storefront", "creator", "collections", 0, "title") != "Picks" {
		t.Fatalf("creator page = %v", d)
	}
	if r := app.Do(t, `{ storefront { creator(handle: "nobody") { name } } }`, nil); r.Code() != "NOT_FOUND" {
		t.Fatalf("a missing creator: %v", r.Codes())
	}
	// Another tenant's app sees none of it.
	oapp := appClient(t, m, other.Owner)
	if r := oapp.Do(t, `{ storefront { creator(handle: "ana") { name } } }`, nil); r.Code() != "NOT_FOUND" {
		t.Fatalf("another tenant's creator: %v", r.Codes())
	}
	d = oapp.Must(t, `{ storefront { home { rails { edges { node { title } } } } } }`, nil)
	if len(pt.Get(d, "storefront", "home", "rails", "edges").([]any)) != 0 {
		t.Fatalf("another tenant's home shows rails: %v", d)
	}
}

type headerTransport map[string]string

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A series page lists its seasons in order with their available episodes;
// an unpublished series is NOT_FOUND.
func TestStorefrontSeriesSeasonsEpisodes(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	ed := ten.Owner
	series := pt.Str(ed.Must(t, `mutation { createSeries(input: {localizations: [{language: "en", title: "Show", synopsis: "S"}]}) { id } }`, nil), "createSeries", "id")
	var seasons []string
	for _, n := range []int{2, 1} {
		seasons = append(seasons, pt.Str(ed.Must(t, `mutation($s: ID!, $n: Int!) { createSeason(seriesId: $s, input: {number: $n}) { id } }`,
			map[string]any{"s": series, "n": n}), "createSeason", "id"))
	}
	var eps []string
	for i, se := range []string{seasons[1], seasons[1], seasons[0]} {
		eps = append(eps, mustTitle(t, ed, map[string]any{"kind": "EPISODE", "seasonId": se, "episodeNumber": i + 1,
			"localizations": []any{map[string]any{"language": "en", "title": fmt.Sprintf("E%d", i+1)}}}))
	}
	mustPublish(t, ed, eps[0])
	mustPublish(t, ed, eps[2])
	app := appClient(t, m, ed)
	q := `query($id: ID!) { storefront { series(id: $id) { title seasons { number episodes { title episodeNumber series { title } } } } } }`
	if r := app.Do(t, q, map[string]any{"id": series}); r.Code() != "NOT_FOUND" {
		t.Fatalf("an unpublished series: %v", r.Codes())
	}
	ed.Must(t, `mutation($id: ID!) { publishSeries(id: $id) { status } }`, map[string]any{"id": series})
	d := app.Must(t, q, map[string]any{"id": series})
	s := pt.Get(d, "storefront", "series")
	if pt.Str(s, "seasons", 0, "number") != "1" || len(pt.Get(s, "seasons", 0, "episodes").([]any)) != 1 ||
		pt.Str(s, "seasons", 0, "episodes", 0, "title") != "E1" || pt.Str(s, "seasons", 1, "episodes", 0, "title") != "E3" ||
		pt.Str(s, "seasons", 0, "episodes", 0, "series", "title") != "Show" {
		t.Fatalf("series page = %v", s)
	}
	if r := appClient(t, m, other.Owner).Do(t, q, map[string]any{"id": series}); r.Code() != "NOT_FOUND" {
		t.Fatalf("another tenant's series: %v", r.Codes())
	}
}

// Search finds titles by words of their title, synopsis, tags or genres in
// any language, ranks title matches first, forgives typos ("strnger
// things"), and never shows what is not available.
func TestStorefrontSearch(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	ed := ten.Owner
	st := mustTitle(t, ed, movie("Stranger Things", map[string]any{"tags": []any{"eighties"}}))
	mustPublish(t, ed, st)
	syn := mustTitle(t, ed, movie("Hawkins Lab", map[string]any{"localizations": []any{map[string]any{"language": "en", "title": "Hawkins Lab",
		"synopsis": "Even stranger experiments."}}}))
	mustPublish(t, ed, syn)
	fr := mustTitle(t, ed, movie("Le Chat", map[string]any{"defaultLanguage": "fr", "localizations": []any{map[string]any{"language": "fr", "title": "Le Chat"},
		map[string]any{"language": "en", "title": "The Cat"}}}))
	mustPublish(t, ed, fr)
	mustTitle(t, ed, movie("Stranger Drafts")) // a draft: never found
	mustPublish(t, other.Owner, mustTitle(t, other.Owner, movie("Stranger Others")))

	app := appClient(t, m, ed)
	search := func(q string, first int, after any) (ids []string, d map[string]any) {
		d = app.Must(t, `query($q: String!, $f: Int, $a: String) { storefront { search(query: $q, first: $f, after: $a) {
			edges { node { id title } } pageInfo { hasNextPage endCursor } } } }`, map[string]any{"q": q, "f": first, "a": after})
		return edgeField(d, "id", "storefront", "search", "edges"), d
	}
	if ids, d := search("strnger things", 10, nil); len(ids) == 0 || ids[0] != st {
		t.Fatalf("a typo did not find Stranger Things: %v", d)
	}
	ids, _ := search("stranger", 10, nil)
	if len(ids) != 2 || ids[0] != st || ids[1] != syn {
		t.Fatalf("stranger = %v, want the title match then the synopsis match (%s, %s)", ids, st, syn)
	}
	if ids, _ := search("eighties", 10, nil); len(ids) != 1 || ids[0] != st {
		t.Fatalf("search by tag = %v", ids)
	}
	if ids, _ := search("cat", 10, nil); len(ids) != 1 || ids[0] != fr {
		t.Fatalf("search in a second language = %v", ids)
	}
	// Paged.
	ids, d := search("stranger", 1, nil)
	if len(ids) != 1 || pt.Str(d, "storefront", "search", "pageInfo", "hasNextPage") != "true" {
		t.Fatalf("first page = %v", d)
	}
	next, d := search("stranger", 1, pt.Str(d, "storefront", "search", "pageInfo", "endCursor"))
	if len(next) != 1 || next[0] != syn || pt.Str(d, "storefront", "search", "pageInfo", "hasNextPage") != "false" {
		t.Fatalf("second page = %v", d)
	}
	if r := app.Do(t, `{ storefront { search(query: "  ") { edges { cursor } } } }`, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("an empty search: %v", r.Codes())
	}
	// Staff search the whole catalog, drafts included.
	d = ed.Must(t, `{ titles(filter: {query: "strnger"}) { totalCount } }`, nil)
	if pt.Str(d, "titles", "totalCount") != "2" {
		t.Fatalf("staff search = %v", d)
	}
}

// The shorts feed is published vertical shorts, newest first, paged by a
// cursor that new publications do not shift.
func TestStorefrontShortsFeed(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	ed := ten.Owner
	var shorts []string
	for i := range 5 {
		id := mustTitle(t, ed, map[string]any{"kind": "SHORT", "localizations": []any{map[string]any{"language": "en", "title": fmt.Sprintf("S%d", i)}}})
		mustPublish(t, ed, id)
		shorts = append(shorts, id)
		time.Sleep(2 * time.Millisecond) // distinct publication times
	}
	mustPublish(t, ed, mustTitle(t, ed, map[string]any{"kind": "SHORT", "vertical": false, "localizations": []any{map[string]any{"language": "en", "title": "wide"}}}))
	mustPublish(t, ed, mustTitle(t, ed, movie("A movie")))
	mustTitle(t, ed, map[string]any{"kind": "SHORT", "localizations": []any{map[string]any{"language": "en", "title": "draft"}}})
	app := appClient(t, m, ed)
	q := `query($a: String) { storefront { shortsFeed(first: 2, after: $a) { edges { node { id vertical kind } } pageInfo { hasNextPage endCursor } } } }`
	var got []string
	var after any
	for page := 0; page < 5; page++ {
		d := app.Must(t, q, map[string]any{"a": after})
		got = append(got, edgeField(d, "id", "storefront", "shortsFeed", "edges")...)
		if page == 0 { // a short published now does not shift the pages that follow
			mustPublish(t, ed, mustTitle(t, ed, map[string]any{"kind": "SHORT", "localizations": []any{map[string]any{"language": "en", "title": "late"}}}))
		}
		if pt.Str(d, "storefront", "shortsFeed", "pageInfo", "hasNextPage") != "true" {
			break
		}
		after = pt.Str(d, "storefront", "shortsFeed", "pageInfo", "endCursor")
	}
	want := []string{shorts[4], shorts[3], shorts[2], shorts[1], shorts[0]}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("feed = %v, want %v", got, want)
	}
}

// stmtCounter is a pgx tracer that counts what the application sends to
// PostgreSQL: each ReadTenant read is one batch (the tenant binding and the
// statement, one round trip); each plain query is one statement. It counts
// statements the application wrote, leaving out the binding.
type stmtCounter struct{ statements, roundTrips atomic.Int64 }

func (c *stmtCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.roundTrips.Add(1)
	c.count(d.SQL)
	return ctx
}
func (c *stmtCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *stmtCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.roundTrips.Add(1)
	return ctx
}
func (c *stmtCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.count(d.SQL)
}
func (c *stmtCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (c *stmtCounter) count(sql string) {
	if !strings.HasPrefix(sql, "SELECT set_config('app.tenant_id'") {
		c.statements.Add(1)
	}
}

// No N+1 on the home page: a storefront home of 20 rails × 20 titles (with
// each title's series and creator) costs a fixed number of SQL statements,
// the same as a home of 2 rails.
//
// How statements are counted: the test opens its own pool on the test
// database with a pgx tracer (ConnConfig.Tracer) and serves the real GraphQL
// handler (graph.NewHandler with the same services, limits and dataloaders as
// the platform) on that pool, with the app's principal in the context as the
// API edge would put it. Every statement the request sends goes through the
// tracer; nothing else uses that pool, so the count is exact.
func TestStorefrontHomeQueryCountIsBounded(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	tenant := uuid.MustParse(ten.ID)
	ctx := context.Background()
	svc := &catalog.Service{DB: m.DB}
	creator, err := svc.CreateCreator(ctx, tenant, catalog.CreatorInput{Handle: "maker", Name: "Maker"})
	if err != nil {
		t.Fatal(err)
	}
	series, err := svc.CreateSeries(ctx, tenant, catalog.SeriesInput{Localizations: []catalog.Localization{{Language: "en", Title: "Show"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishSeries(ctx, tenant, series.ID); err != nil {
		t.Fatal(err)
	}
	for r := range 20 {
		var ids []catalog.TitleID
		for i := range 20 {
			in := catalog.TitleInput{Kind: catalog.KindTrailer, Localizations: []catalog.Localization{{Language: "en", Title: fmt.Sprintf("R%d T%d", r, i)}},
				SeriesID: &series.ID, CreatorID: &creator.ID}
			ti, err := svc.CreateTitle(ctx, tenant, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.PublishTitle(ctx, tenant, ti.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ti.ID)
		}
		col, err := svc.CreateCollection(ctx, tenant, catalog.CollectionInput{Name: fmt.Sprintf("Rail %d", r), CreatorID: &creator.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetCollectionItems(ctx, tenant, col.ID, ids); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateRail(ctx, tenant, catalog.RailInput{CollectionID: col.ID}); err != nil {
			t.Fatal(err)
		}
	}

	cfg, err := pgxpool.ParseConfig(m.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	counter := &stmtCounter{}
	cfg.ConnConfig.Tracer = counter
	traced, err := db.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer traced.Close()
	c := m.Config
	h := graph.NewHandler(&graph.Resolver{DB: traced, Tenants: &tenants.Service{DB: traced}, Catalog: &catalog.Service{DB: traced}, Authz: m.Authz},
		graph.Options{MaxComplexity: c.MaxComplexity, MaxDepth: c.MaxDepth, MaxAliases: c.MaxAliases, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	query := `query($n: Int) { storefront(country: "US") { name home { rails(first: $n) { edges { cursor node { id title
		collection { id title creator { handle } items(first: 20) { edges { cursor node { id title synopsis kind genres
			rating { value } artwork(role: POSTER) { key width height } series { title } creator { name } } } pageInfo { hasNextPage } } } } }
		pageInfo { hasNextPage } } } } }`
	run := func(rails int) (statements, roundTrips int64, titles int) {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"n": rails}})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(tenants.WithPrincipal(req.Context(), tenants.Principal{Tenant: tenant, Kind: tenants.PrincipalApp}))
		rec := httptest.NewRecorder()
		counter.statements.Store(0)
		counter.roundTrips.Store(0)
		h.ServeHTTP(rec, req)
		var out struct {
			Data   map[string]any `json:"data"`
			Errors []any          `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("home: %v %s", err, rec.Body.String())
		}
		for _, e := range pt.Get(out.Data, "storefront", "home", "rails", "edges").([]any) {
			titles += len(pt.Get(e, "node", "collection", "items", "edges").([]any))
			if pt.Str(e, "node", "collection", "items", "edges", 0, "node", "series", "title") != "Show" {
				t.Fatalf("rail = %v", e)
			}
		}
		return counter.statements.Load(), counter.roundTrips.Load(), titles
	}
	bigS, bigRT, n := run(20)
	if n != 400 {
		t.Fatalf("home showed %d titles, want 400", n)
	}
	smallS, smallRT, _ := run(2)
	t.Logf("home of 20 rails × 20 titles: %d statements in %d round trips; of 2 rails: %d in %d", bigS, bigRT, smallS, smallRT)
	// The tenant; the rails with their collections; all their items; the
	// items' series; the creators: of the collections, and of the items (one
	// batch with the collections' when the items arrive within the loader's
	// wait, else a second): 5 or 6, whatever the number of rails.
	if bigS > 6 || bigS > smallS+1 {
		t.Fatalf("a home of 20 rails cost %d statements (2 rails: %d): something loads per rail or per title", bigS, smallS)
	}
}
