package graph_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// mustTitle creates a title through GraphQL and returns its id.
func mustTitle(tb testing.TB, c pt.Client, in map[string]any) string {
	tb.Helper()
	d := c.Must(tb, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`, map[string]any{"in": in})
	return pt.Str(d, "createTitle", "id")
}

func movie(name string, extra ...map[string]any) map[string]any {
	in := map[string]any{"kind": "MOVIE", "localizations": []any{map[string]any{"language": "en", "title": name}}}
	for _, e := range extra {
		for k, v := range e {
			in[k] = v
		}
	}
	return in
}

func mustPublish(tb testing.TB, c pt.Client, id string) {
	tb.Helper()
	c.Must(tb, `mutation($id: ID!) { publishTitle(id: $id) { status } }`, map[string]any{"id": id})
}

func mustCollection(tb testing.TB, c pt.Client, name string, titles []string) string {
	tb.Helper()
	d := c.Must(tb, `mutation($n: String!) { createCollection(input: {name: $n}) { id } }`, map[string]any{"n": name})
	id := pt.Str(d, "createCollection", "id")
	c.Must(tb, `mutation($id: ID!, $t: [ID!]!) { setCollectionItems(id: $id, titleIds: $t) { id } }`, map[string]any{"id": id, "t": titles})
	return id
}

func mustRail(tb testing.TB, c pt.Client, collection string) string {
	tb.Helper()
	d := c.Must(tb, `mutation($c: ID!) { createRail(input: {collectionId: $c}) { id } }`, map[string]any{"c": collection})
	return pt.Str(d, "createRail", "id")
}

func edgeField(d any, field string, path ...any) []string {
	var out []string
	edges, _ := pt.Get(d, path...).([]any)
	for _, e := range edges {
		out = append(out, pt.Str(e, "node", field))
	}
	return out
}

// An editor builds a catalog: a movie with localized metadata, rating,
// window and artwork; a series with a season and episodes; a creator and
// their collection; rails in order. Everything reads back through staff
// queries, and every write is audited.
func TestCatalogStaffCRUD(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")

	id := mustTitle(t, ed, movie("The Long Night", map[string]any{
		"localizations": []any{
			map[string]any{"language": "en", "title": "The Long Night", "synopsis": "Dark."},
			map[string]any{"language": "fr", "title": "La Longue Nuit"},
		},
		"genres": []any{"Drama", " drama ", "Thriller"}, "tags": []any{"award"},
		"rating":          map[string]any{"system": "MPAA", "value": "PG-13", "minAge": 13},
		"availability":    map[string]any{"start": "2020-01-01T00:00:00Z", "countries": []any{"us", "GB"}},
		"durationSeconds": 5400, "releaseYear": 2021,
		"artwork": []any{map[string]any{"role": "POSTER", "key": "art/p-2x3.jpg", "width": 400, "height": 600},
			map[string]any{"role": "BACKDROP", "key": "art/b.jpg", "width": 1920, "height": 1080}},
	}))
	d := ed.Must(t, `query($id: ID!) { title(id: $id) { kind status title synopsis localizations { language title synopsis }
		genres tags rating { system value minAge } availability { start end countries } durationSeconds releaseYear vertical
		posters: artwork(role: POSTER) { key width height } artwork { role } inUS: availableNow(country: "US") inFR: availableNow(country: "FR") } }`,
		map[string]any{"id": id})
	ti := pt.Get(d, "title")
	if pt.Str(ti, "status") != "DRAFT" || pt.Str(ti, "title") != "The Long Night" || pt.Str(ti, "genres") != "[drama thriller]" ||
		pt.Str(ti, "rating", "value") != "PG-13" || pt.Str(ti, "availability", "countries") != "[US GB]" ||
		pt.Str(ti, "posters", 0, "key") != "art/p-2x3.jpg" || len(pt.Get(ti, "artwork").([]any)) != 2 ||
		pt.Str(ti, "localizations", 1, "title") != "La Longue Nuit" || pt.Str(ti, "inUS") != "false" {
		t.Fatalf("title = %v", ti)
	}
	d = ed.Must(t, `mutation($id: ID!) { publishTitle(id: $id) { status publishedAt inUS: availableNow(country: "US") inFR: availableNow(country: "FR") } }`, map[string]any{"id": id})
	if pt.Str(d, "publishTitle", "status") != "PUBLISHED" || pt.Str(d, "publishTitle", "inUS") != "true" || pt.Str(d, "publishTitle", "inFR") != "false" {
		t.Fatalf("published = %v", d)
	}
	d = ed.Must(t, `mutation($id: ID!) { updateTitle(id: $id, input: {tags: [], rating: {system: "", value: ""}, releaseYear: 2022}) { tags rating { value } releaseYear title } }`, map[string]any{"id": id})
	if pt.Str(d, "updateTitle", "tags") != "[]" || pt.Get(d, "updateTitle", "rating") != nil || pt.Str(d, "updateTitle", "releaseYear") != "2022" || pt.Str(d, "updateTitle", "title") != "The Long Night" {
		t.Fatalf("updated = %v", d)
	}
	asset := uuid.NewString()
	d = ed.Must(t, `mutation($id: ID!, $a: ID) { setTitleAsset(id: $id, assetId: $a) { assetId } }`, map[string]any{"id": id, "a": asset})
	if pt.Str(d, "setTitleAsset", "assetId") != asset {
		t.Fatalf("asset = %v", d)
	}

	// A series, a season, two episodes.
	d = ed.Must(t, `mutation { createSeries(input: {localizations: [{language: "en", title: "Stranger Things"}], genres: ["scifi"]}) { id status } }`, nil)
	series := pt.Str(d, "createSeries", "id")
	d = ed.Must(t, `mutation($s: ID!) { createSeason(seriesId: $s, input: {number: 1, name: "One"}) { id number } }`, map[string]any{"s": series})
	season := pt.Str(d, "createSeason", "id")
	if r := ed.Do(t, `mutation($s: ID!) { createSeason(seriesId: $s, input: {number: 1}) { id } }`, map[string]any{"s": series}); r.Code() != "CONFLICT" {
		t.Fatalf("a second season 1: %v", r.Codes())
	}
	for _, n := range []int{2, 1} {
		mustTitle(t, ed, map[string]any{"kind": "EPISODE", "seasonId": season, "episodeNumber": n,
			"localizations": []any{map[string]any{"language": "en", "title": "Chapter " + string(rune('0'+n))}}})
	}
	if r := ed.Do(t, `mutation($s: ID!) { createTitle(input: {kind: EPISODE, seasonId: $s, episodeNumber: 1, localizations: [{language: "en", title: "dup"}]}) { id } }`,
		map[string]any{"s": season}); r.Code() != "CONFLICT" {
		t.Fatalf("a duplicate episode number: %v", r.Codes())
	}
	if r := ed.Do(t, `mutation { createTitle(input: {kind: EPISODE, localizations: [{language: "en", title: "orphan"}]}) { id } }`, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("an episode without a season: %v", r.Codes())
	}
	d = ed.Must(t, `query($s: ID!) { series(id: $s) { title seasons { number episodes { title episodeNumber seasonNumber series { id } season { number } } } } }`, map[string]any{"s": series})
	eps := pt.Get(d, "series", "seasons", 0, "episodes")
	if pt.Str(eps, 0, "title") != "Chapter 1" || pt.Str(eps, 1, "episodeNumber") != "2" || pt.Str(eps, 0, "seasonNumber") != "1" || pt.Str(eps, 0, "series", "id") != series {
		t.Fatalf("series = %v", d)
	}
	ed.Must(t, `mutation($id: ID!) { updateSeason(id: $id, input: {number: 3}) { number } }`, map[string]any{"id": season})
	d = ed.Must(t, `query($f: TitleFilter) { titles(filter: $f) { totalCount edges { node { seasonNumber } } } }`, map[string]any{"f": map[string]any{"seasonId": season}})
	if pt.Str(d, "titles", "totalCount") != "2" || pt.Str(d, "titles", "edges", 0, "node", "seasonNumber") != "3" {
		t.Fatalf("renumbered episodes = %v", d)
	}
	if r := ed.Do(t, `mutation($id: ID!) { deleteSeries(id: $id) }`, map[string]any{"id": series}); r.Code() != "CONFLICT" {
		t.Fatalf("deleting a series with episodes: %v", r.Codes())
	}

	// A creator programs a collection; rails show collections in order.
	d = ed.Must(t, `mutation { createCreator(input: {handle: "@Ana", name: "Ana", bio: "Films", avatar: {key: "av/ana.jpg", width: 256, height: 256}}) { id handle avatar { key } } }`, nil)
	creator := pt.Str(d, "createCreator", "id")
	if pt.Str(d, "createCreator", "handle") != "ana" {
		t.Fatalf("creator = %v", d)
	}
	if r := ed.Do(t, `mutation { createCreator(input: {handle: "ana", name: "Other"}) { id } }`, nil); r.Code() != "CONFLICT" {
		t.Fatalf("a taken handle: %v", r.Codes())
	}
	c1 := mustCollection(t, ed, "Picks", []string{id})
	ed.Must(t, `mutation($id: ID!, $c: ID!) { updateCollection(id: $id, input: {creatorId: $c}) { id } }`, map[string]any{"id": c1, "c": creator})
	d = ed.Must(t, `mutation { createCollection(input: {name: "New drama", rule: {genres: ["drama"], sort: TITLE}}) { id kind rule { genres sort kinds } } }`, nil)
	c2 := pt.Str(d, "createCollection", "id")
	if pt.Str(d, "createCollection", "kind") != "RULE" || pt.Str(d, "createCollection", "rule", "sort") != "TITLE" {
		t.Fatalf("rule collection = %v", d)
	}
	if r := ed.Do(t, `mutation($id: ID!, $t: [ID!]!) { setCollectionItems(id: $id, titleIds: $t) { id } }`, map[string]any{"id": c2, "t": []string{id}}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("hand-picking a rule collection: %v", r.Codes())
	}
	r1, r2 := mustRail(t, ed, c1), mustRail(t, ed, c2)
	r3 := pt.Str(ed.Must(t, `mutation($c: ID!) { createRail(input: {collectionId: $c, heading: "Top", position: 0}) { id position } }`, map[string]any{"c": c2}), "createRail", "id")
	ed.Must(t, `mutation($id: ID!) { moveRail(id: $id, position: 99) { position } }`, map[string]any{"id": r3})
	d = ed.Must(t, `{ rails { totalCount edges { node { id position heading collection { name items { edges { node { title } } } } } } } }`, nil)
	if got := strings.Join(edgeField(d, "id", "rails", "edges"), ","); got != strings.Join([]string{r1, r2, r3}, ",") {
		t.Fatalf("rails in order %s, want %s,%s,%s", got, r1, r2, r3)
	}
	if pt.Str(d, "rails", "edges", 1, "node", "collection", "items", "edges", 0, "node", "title") != "The Long Night" {
		t.Fatalf("rule collection items = %v", pt.Get(d, "rails", "edges", 1))
	}
	ed.Must(t, `mutation($id: ID!) { deleteRail(id: $id) }`, map[string]any{"id": r1})
	d = ed.Must(t, `{ rails { edges { node { id position } } } }`, nil)
	if pt.Str(d, "rails", "edges", 0, "node", "position") != "0" || pt.Str(d, "rails", "edges", 1, "node", "position") != "1" {
		t.Fatalf("positions after delete = %v", d)
	}
	d = ed.Must(t, `query($c: ID!) { creator(id: $c) { collections { name creator { handle } } } creators { totalCount } }`, map[string]any{"c": creator})
	if pt.Str(d, "creator", "collections", 0, "name") != "Picks" || pt.Str(d, "creator", "collections", 0, "creator", "handle") != "ana" {
		t.Fatalf("creator's collections = %v", d)
	}

	// Audited, with events.
	d = ten.Owner.Must(t, `{ auditLog(first: 100) { edges { node { action actor { label } } } } }`, nil)
	actions := strings.Join(edgeField(d, "action", "auditLog", "edges"), " ")
	for _, a := range []string{"title.created", "title.published", "title.updated", "title.asset_attached", "series.created", "season.created",
		"season.updated", "creator.created", "collection.created", "collection.items_set", "collection.updated", "rail.created", "rail.moved", "rail.deleted"} {
		if !strings.Contains(actions, a) {
			t.Errorf("audit log lacks %s: %s", a, actions)
		}
	}
}

// Invariant: READ lets an analyst read the catalog; writing needs
// EDIT_CONTENT, which analysts lack; an app key reaches no staff field.
func TestCatalogPermissions(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	id := mustTitle(t, ten.Owner, movie("Readable"))
	if pt.Str(an.Must(t, `query($id: ID!) { title(id: $id) { title } }`, map[string]any{"id": id}), "title", "title") != "Readable" {
		t.Fatal("an analyst cannot read a title")
	}
	if d := an.Must(t, `{ titles(first: 200) { totalCount edges { cursor } } }`, nil); pt.Str(d, "titles", "totalCount") != "1" {
		t.Fatalf("a full page of titles = %v", d)
	}
	if r := an.Do(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "x"}]}) { id } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("an analyst created a title: %v", r.Codes())
	}
	key := pt.Str(ten.Owner.Must(t, `mutation { createAppKey(name: "web") { key } }`, nil), "createAppKey", "key")
	app := pt.Client{URL: m.URL(), AppKey: key}
	if r := app.Do(t, `{ titles { totalCount } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("an app key listed the staff catalog: %v", r.Codes())
	}
}

// Invariant: tenant B can neither read nor change any of tenant A's catalog
// objects by id, nor use them as references (a season, collection, creator or
// title of A's in B's writes), and gets the NOT_FOUND a missing id gets; B's
// lists show none of A's rows.
func TestCatalogOtherTenantsObjectsAreNotFound(t *testing.T) {
	m := pt.Start(t, nil)
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	title := mustTitle(t, a.Owner, movie("A's film"))
	series := pt.Str(a.Owner.Must(t, `mutation { createSeries(input: {localizations: [{language: "en", title: "A's show"}]}) { id } }`, nil), "createSeries", "id")
	season := pt.Str(a.Owner.Must(t, `mutation($s: ID!) { createSeason(seriesId: $s, input: {number: 1}) { id } }`, map[string]any{"s": series}), "createSeason", "id")
	creator := pt.Str(a.Owner.Must(t, `mutation { createCreator(input: {handle: "a-creator", name: "A"}) { id } }`, nil), "createCreator", "id")
	collection := mustCollection(t, a.Owner, "A's picks", []string{title})
	rail := mustRail(t, a.Owner, collection)
	ids := map[string]string{"title": title, "series": series, "season": season, "creator": creator, "collection": collection, "rail": rail}

	// B's own objects, to hang A's ids on.
	bSeries := pt.Str(b.Owner.Must(t, `mutation { createSeries(input: {localizations: [{language: "en", title: "B"}]}) { id } }`, nil), "createSeries", "id")
	bCollection := mustCollection(t, b.Owner, "B's", []string{})
	bTitle := mustTitle(t, b.Owner, movie("B's film"))
	bRail := mustRail(t, b.Owner, bCollection)
	bSeason := pt.Str(b.Owner.Must(t, `mutation($s: ID!) { createSeason(seriesId: $s, input: {number: 1}) { id } }`, map[string]any{"s": bSeries}), "createSeason", "id")
	bEpisode := mustTitle(t, b.Owner, map[string]any{"kind": "EPISODE", "seasonId": bSeason, "episodeNumber": 1,
		"localizations": []any{map[string]any{"language": "en", "title": "B1"}}})
	own := map[string]any{"bSeries": bSeries, "bCollection": bCollection, "bTitle": bTitle, "bRail": bRail, "bEpisode": bEpisode}

	probes := []struct{ kind, query string }{
		{"title", `query($id: ID!) { title(id: $id) { id } }`},
		{"title", `mutation($id: ID!) { updateTitle(id: $id, input: {tags: ["x"]}) { id } }`},
		{"title", `mutation($id: ID!) { publishTitle(id: $id) { id } }`},
		{"title", `mutation($id: ID!) { unpublishTitle(id: $id) { id } }`},
		{"title", `mutation($id: ID!) { setTitleAsset(id: $id, assetId: null) { id } }`},
		{"title", `mutation($id: ID!) { deleteTitle(id: $id) }`},
		{"title", `mutation($id: ID!, $bCollection: ID!) { setCollectionItems(id: $bCollection, titleIds: [$id]) { id } }`},
		{"series", `query($id: ID!) { series(id: $id) { id } }`},
		{"series", `mutation($id: ID!) { updateSeries(id: $id, input: {tags: ["x"]}) { id } }`},
		{"series", `mutation($id: ID!) { publishSeries(id: $id) { id } }`},
		{"series", `mutation($id: ID!) { unpublishSeries(id: $id) { id } }`},
		{"series", `mutation($id: ID!) { deleteSeries(id: $id) }`},
		{"series", `mutation($id: ID!) { createSeason(seriesId: $id, input: {number: 9}) { id } }`},
		{"series", `mutation($id: ID!) { createTitle(input: {kind: TRAILER, seriesId: $id, localizations: [{language: "en", title: "t"}]}) { id } }`},
		{"season", `query($id: ID!) { season(id: $id) { id } }`},
		{"season", `mutation($id: ID!) { updateSeason(id: $id, input: {name: "x"}) { id } }`},
		{"season", `mutation($id: ID!) { deleteSeason(id: $id) }`},
		{"season", `mutation($id: ID!) { createTitle(input: {kind: EPISODE, seasonId: $id, episodeNumber: 1, localizations: [{language: "en", title: "e"}]}) { id } }`},
		{"season", `mutation($id: ID!, $bEpisode: ID!) { updateTitle(id: $bEpisode, input: {seasonId: $id}) { id } }`},
		{"creator", `query($id: ID!) { creator(id: $id) { id } }`},
		{"creator", `mutation($id: ID!) { updateCreator(id: $id, input: {bio: "x"}) { id } }`},
		{"creator", `mutation($id: ID!) { deleteCreator(id: $id) }`},
		{"creator", `mutation($id: ID!) { createCollection(input: {name: "x", creatorId: $id}) { id } }`},
		{"creator", `mutation($id: ID!, $bTitle: ID!) { updateTitle(id: $bTitle, input: {creatorId: $id}) { id } }`},
		{"collection", `query($id: ID!) { collection(id: $id) { id } }`},
		{"collection", `mutation($id: ID!) { updateCollection(id: $id, input: {name: "x"}) { id } }`},
		{"collection", `mutation($id: ID!) { setCollectionItems(id: $id, titleIds: []) { id } }`},
		{"collection", `mutation($id: ID!) { deleteCollection(id: $id) }`},
		{"collection", `mutation($id: ID!) { createRail(input: {collectionId: $id}) { id } }`},
		{"collection", `mutation($id: ID!, $bRail: ID!) { updateRail(id: $bRail, input: {collectionId: $id}) { id } }`},
		{"rail", `mutation($id: ID!) { updateRail(id: $id, input: {heading: "x"}) { id } }`},
		{"rail", `mutation($id: ID!) { moveRail(id: $id, position: 0) { id } }`},
		{"rail", `mutation($id: ID!) { deleteRail(id: $id) }`},
	}
	for _, p := range probes {
		otherID, missingID := ids[p.kind], uuid.NewString()
		vars := func(id string) map[string]any {
			v := map[string]any{"id": id}
			for k, val := range own {
				if strings.Contains(p.query, "$"+k) {
					v[k] = val
				}
			}
			return v
		}
		other, missing := b.Owner.Do(t, p.query, vars(otherID)), b.Owner.Do(t, p.query, vars(missingID))
		if other.Code() != "NOT_FOUND" || missing.Code() != "NOT_FOUND" ||
			strings.ReplaceAll(other.Errors[0].Message, otherID, "ID") != strings.ReplaceAll(missing.Errors[0].Message, missingID, "ID") {
			t.Errorf("%s on A's %s: %v %v; on a missing id: %v", p.query, p.kind, other.Codes(), other.Errors, missing.Codes())
		}
	}
	// Nothing of A's changed, and B's lists show none of it.
	d := a.Owner.Must(t, `query($id: ID!) { title(id: $id) { status tags } rails { totalCount } collection(id: "`+collection+`") { items { edges { node { id } } } } }`, map[string]any{"id": title})
	if pt.Str(d, "title", "status") != "DRAFT" || pt.Str(d, "title", "tags") != "[]" || pt.Str(d, "rails", "totalCount") != "1" ||
		pt.Str(d, "collection", "items", "edges", 0, "node", "id") != title {
		t.Fatalf("A's catalog changed: %v", d)
	}
	d = b.Owner.Must(t, `{ titles(filter: {kind: MOVIE}) { totalCount } seriesList { totalCount } creators { totalCount } collections { totalCount } rails { totalCount } }`, nil)
	if pt.Str(d, "titles", "totalCount") != "1" || pt.Str(d, "seriesList", "totalCount") != "1" || pt.Str(d, "creators", "totalCount") != "0" ||
		pt.Str(d, "collections", "totalCount") != "1" || pt.Str(d, "rails", "totalCount") != "1" {
		t.Fatalf("B's lists = %v", d)
	}
}
