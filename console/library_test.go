package console_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/marquee-ott/marquee/platform/platformtest"
)

// writeFile puts content in a file of the test's own folder.
func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// order reads the ids of a reorderable list, top to bottom.
func order(b *browser, listID string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll('#%s > li')].map(li => li.dataset.id)`, listID))
}

// collectionOrder reads a collection's titles, in order, from the API.
func collectionOrder(t *testing.T, c platformtest.Client, id string) []string {
	t.Helper()
	d := c.Must(t, `query($id: ID!) { collection(id: $id) { items { edges { node { id } } } } }`, map[string]any{"id": id})
	var out []string
	edges, _ := platformtest.Get(d, "collection", "items", "edges").([]any)
	for i := range edges {
		out = append(out, platformtest.Str(edges[i], "node", "id"))
	}
	return out
}

// railOrder reads the rails' ids, top to bottom, from the API.
func railOrder(t *testing.T, c platformtest.Client) []string {
	t.Helper()
	d := c.Must(t, `{ rails { edges { node { id position } } } }`, nil)
	var out []string
	edges, _ := platformtest.Get(d, "rails", "edges").([]any)
	for i := range edges {
		out = append(out, platformtest.Str(edges[i], "node", "id"))
	}
	return out
}

func same(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// An owner creates a title in the library, edits it in a second language,
// uploads a source video and a captions file with tus and sees both reach
// COMPLETE, finds the title by search, and publishes it; on the rails page
// they build a collection of two titles, reorder it with the buttons, add
// two rails and move them with the buttons and by dragging. The API agrees
// at every step. An analyst gets read-only pages, and a forced write is
// refused with FORBIDDEN.
func TestLibraryUploadCollectionsAndRails(t *testing.T) {
	m := platformtest.Start(t, nil)
	base := m.URL()
	tn := platformtest.SignUp(t, m)
	sfx := suffix()
	api := tn.Owner

	owner := newBrowser(t)
	signIn(owner, base, tn.Slug, tn.Email)

	// Create a title through the form.
	owner.open("#/library")
	owner.wait("titles loaded", `document.getElementById('title-list').dataset.loaded === 'true'`)
	owner.labelled()
	owner.noBanner()
	name := "Night Train " + sfx
	owner.do("choose movie", chromedp.SetValue(chromedp.ID("title-kind"), "MOVIE"))
	owner.typeIn("title-name", name)
	owner.typeIn("title-synopsis", "A sleeper train crosses a frozen border.")
	owner.typeIn("title-genres", "Drama, Thriller")
	owner.typeIn("title-tags", "trains")
	owner.typeIn("title-rating-system", "MPAA")
	owner.typeIn("title-rating-value", "PG-13")
	owner.typeIn("title-countries", "us, gb")
	owner.press("title-create")
	row := fmt.Sprintf(`document.querySelector('#title-list tr[data-title=%q]')`, name)
	owner.wait("title listed", row)
	owner.noBanner()
	titleID := eval[string](owner, row+`.id.replace('title-', '')`)
	d := api.Must(t, `query($id: ID!) { title(id: $id) { kind status title synopsis genres rating { system value } availability { countries } } }`, map[string]any{"id": titleID})
	if got := platformtest.Str(d, "title", "status"); got != "DRAFT" {
		t.Fatalf("new title status %q", got)
	}
	if got := platformtest.Str(d, "title", "genres"); !strings.EqualFold(got, "[drama thriller]") {
		t.Errorf("genres %s", got)
	}
	if got := platformtest.Str(d, "title", "availability", "countries"); got != "[US GB]" {
		t.Errorf("countries %s", got)
	}
	if got := platformtest.Str(d, "title", "rating", "value"); got != "PG-13" {
		t.Errorf("rating %s", got)
	}

	// Add Spanish.
	owner.press("edit-title-" + titleID)
	owner.wait("edit form", `document.getElementById('title-edit-form')`)
	owner.labelled()
	owner.typeIn("title-edit-loc-language", "es")
	owner.typeIn("title-edit-loc-title", "Tren nocturno")
	owner.press("title-edit-save")
	owner.wait("saved with Spanish", row+`.textContent.includes('en, es')`)
	owner.noBanner()
	d = api.Must(t, `query($id: ID!) { title(id: $id) { localizations { language title } } }`, map[string]any{"id": titleID})
	if got := platformtest.Str(d, "title", "localizations"); !strings.Contains(got, "Tren nocturno") || !strings.Contains(got, name) {
		t.Fatalf("localizations %s", got)
	}

	// Upload a source in several tus chunks, then captions.
	video := writeFile(t, "clip-"+sfx+".mp4", bytes.Repeat([]byte("marquee!"), 80*1024)) // 640 KiB: three PATCHes
	owner.do("choose the video", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{video}))
	// The connection drops once, on the second chunk: the client asks where
	// to resume (HEAD) and carries on.
	owner.do("drop the second chunk", chromedp.Evaluate[chromedp.Void](`(() => {
		const real = window.fetch;
		window.tusLog = [];
		let patches = 0;
		window.fetch = (url, init = {}) => {
			const method = init.method || 'GET';
			if (String(url).includes('/uploads/')) window.tusLog.push(method);
			if (method === 'PATCH' && ++patches === 2) return Promise.reject(new TypeError('Failed to fetch'));
			return real(url, init);
		};
	})()`))
	owner.press("upload-start")
	owner.wait("source upload complete", `document.getElementById('upload-state').dataset.state === 'COMPLETE'`)
	owner.noBanner()
	if got := eval[string](owner, `window.tusLog.join(' ')`); got != "POST PATCH PATCH HEAD PATCH PATCH" {
		t.Errorf("tus requests %q, want a HEAD after the dropped PATCH", got)
	}
	if got := eval[float64](owner, `document.getElementById('upload-progress').value`); got != 100 {
		t.Errorf("progress bar at %v", got)
	}
	uploadID := eval[string](owner, `document.getElementById('upload-status').dataset.uploadId`)
	d = api.Must(t, `query($id: ID!) { upload(id: $id) { state kind size bytesReceived sha256 } }`, map[string]any{"id": uploadID})
	if platformtest.Str(d, "upload", "state") != "COMPLETE" || platformtest.Str(d, "upload", "size") != "655360" || platformtest.Str(d, "upload", "kind") != "SOURCE" {
		t.Fatalf("upload %v", d)
	}
	captions := writeFile(t, "subs-"+sfx+".vtt", []byte("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHola\n"))
	owner.do("choose the captions", chromedp.SetUploadFiles(chromedp.ID("caption-file"), []string{captions}))
	owner.typeIn("caption-language", "es")
	owner.do("choose SDH", chromedp.SetValue(chromedp.ID("caption-kind"), "CAPTIONS"))
	owner.press("caption-start")
	owner.wait("captions upload complete", `document.getElementById('caption-state').dataset.state === 'COMPLETE'`)
	owner.noBanner()
	captionID := eval[string](owner, `document.getElementById('caption-status').dataset.uploadId`)
	d = api.Must(t, `query($id: ID!) { upload(id: $id) { state kind language captionKind } }`, map[string]any{"id": captionID})
	if platformtest.Str(d, "upload", "state") != "COMPLETE" || platformtest.Str(d, "upload", "language") != "es" || platformtest.Str(d, "upload", "captionKind") != "CAPTIONS" {
		t.Fatalf("captions upload %v", d)
	}

	// Search finds it; publish it.
	api.Must(t, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"kind": "SHORT", "localizations": []any{map[string]any{"language": "en", "title": "Street Food " + sfx}}}})
	owner.typeIn("library-search", "sleeper train")
	owner.press("library-apply")
	owner.wait("search shows only the match", fmt.Sprintf(`document.getElementById('title-list').dataset.loaded === 'true' && %s && document.querySelectorAll('#title-list tr[data-title]').length === 1`, row))
	owner.typeIn("library-search", "")
	owner.press("library-shorts")
	owner.wait("the shorts filter", fmt.Sprintf(`document.getElementById('title-list').dataset.loaded === 'true' && document.querySelector('#title-list tr[data-title=%q]') && !%s`, "Street Food "+sfx, row))
	owner.setInput("library-filter-kind", "")
	owner.setInput("library-filter-vertical", "")
	owner.wait("all titles again", row)
	owner.press("publish-title-" + titleID)
	owner.wait("published", row+`.dataset.status === 'PUBLISHED'`)
	owner.noBanner()
	d = api.Must(t, `query($id: ID!) { title(id: $id) { status publishedAt } }`, map[string]any{"id": titleID})
	if platformtest.Str(d, "title", "status") != "PUBLISHED" {
		t.Fatalf("title after publish: %v", d)
	}

	// A collection of two titles, reordered with the buttons.
	second := platformtest.Str(api.Must(t, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"kind": "MOVIE", "localizations": []any{map[string]any{"language": "en", "title": "Day Boat " + sfx}}}}), "createTitle", "id")
	other := platformtest.Str(api.Must(t, `mutation { createCollection(input: {name: "Staff picks"}) { id } }`, nil), "createCollection", "id")
	owner.open("#/rails")
	owner.wait("collections loaded", `document.getElementById('collection-list').dataset.loaded === 'true' && document.getElementById('rail-box').dataset.loaded === 'true'`)
	owner.labelled()
	owner.typeIn("collection-name", "Journeys "+sfx)
	owner.press("collection-create")
	owner.wait("collection open", fmt.Sprintf(`document.getElementById('collection-editor-title')?.textContent === %q`, "Journeys "+sfx))
	collectionID := eval[string](owner, fmt.Sprintf(`document.querySelector('#collection-list li[data-name=%q]').id.replace('collection-', '')`, "Journeys "+sfx))
	for _, id := range []string{titleID, second} {
		owner.do("choose a title", chromedp.SetValue(chromedp.ID("collection-add-title"), id))
		owner.press("collection-add")
		owner.wait("title in the collection", fmt.Sprintf(`document.getElementById('item-%s')`, id))
	}
	owner.noBanner()
	owner.labelled()
	if got := collectionOrder(t, api, collectionID); !same(got, []string{titleID, second}) {
		t.Fatalf("collection order %v", got)
	}
	owner.press("item-up-" + second)
	owner.wait("reordered", fmt.Sprintf(`document.getElementById('collection-items').dataset.order === %q`, second+","+titleID))
	if got := collectionOrder(t, api, collectionID); !same(got, []string{second, titleID}) {
		t.Fatalf("collection order after Up %v", got)
	}
	owner.press("item-down-" + second)
	owner.wait("reordered back", fmt.Sprintf(`document.getElementById('collection-items').dataset.order === %q`, titleID+","+second))
	if got := collectionOrder(t, api, collectionID); !same(got, []string{titleID, second}) {
		t.Fatalf("collection order after Down %v", got)
	}

	// Two rails, moved with a button and by dragging.
	for _, c := range []string{collectionID, other} {
		owner.do("choose the collection", chromedp.SetValue(chromedp.ID("rail-collection"), c))
		owner.press("rail-create")
		owner.wait("rail added", fmt.Sprintf(`[...document.querySelectorAll('#rail-list > li')].length === %d`, map[bool]int{true: 1, false: 2}[c == collectionID]))
	}
	owner.noBanner()
	rails := order(owner, "rail-list")
	if got := railOrder(t, api); !same(got, rails) || len(got) != 2 {
		t.Fatalf("rails %v, page shows %v", got, rails)
	}
	owner.press("rail-up-" + rails[1])
	owner.wait("rail moved up", fmt.Sprintf(`document.getElementById('rail-list')?.dataset.order === %q`, rails[1]+","+rails[0]))
	if got := railOrder(t, api); !same(got, []string{rails[1], rails[0]}) {
		t.Fatalf("rails after Up %v", got)
	}
	owner.do("drag the top rail below the other", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const from = document.getElementById('rail-%s'), to = document.getElementById('rail-%s');
		const dt = new DataTransfer();
		from.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
		to.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
		to.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
		from.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: dt}));
	})()`, rails[1], rails[0])))
	owner.wait("rail dragged down", fmt.Sprintf(`document.getElementById('rail-list')?.dataset.order === %q`, rails[0]+","+rails[1]))
	if got := railOrder(t, api); !same(got, rails) {
		t.Fatalf("rails after the drag %v", got)
	}
	owner.noBanner()

	// An analyst sees the same pages read-only; the server refuses a forced write.
	analystEmail := "ana@" + tn.Slug + ".example.com"
	analystAPI, _ := platformtest.AddStaff(t, m, tn, analystEmail, "ANALYST")
	analyst := newBrowser(t)
	signIn(analyst, base, tn.Slug, analystEmail)
	analyst.open("#/library")
	analyst.wait("titles loaded", `document.getElementById('title-list').dataset.loaded === 'true'`)
	analyst.wait("the title listed", row)
	analyst.labelled()
	if ok := eval[bool](analyst, `document.getElementById('title-fields').disabled && document.getElementById('upload-fields').disabled && document.getElementById('caption-fields').disabled && !document.getElementById('library-readonly').hidden`); !ok {
		t.Fatal("the library's forms are enabled for an analyst")
	}
	if n := eval[int](analyst, `document.querySelectorAll('#title-list button').length`); n != 0 {
		t.Fatalf("analyst gets %d title actions", n)
	}
	analyst.do("bypass the guard", chromedp.Evaluate[chromedp.Void](`document.getElementById('title-fields').disabled = false`))
	analyst.typeIn("title-name", "Mallory's movie")
	analyst.click("title-create")
	if code, text := analyst.banner(); code != "FORBIDDEN" || !strings.Contains(text, "Analyst") {
		t.Fatalf("create as analyst: banner %q (%s)", code, text)
	}
	if r := analystAPI.Do(t, `mutation { publishTitle(id: "`+second+`") { id } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("publish as analyst: %v", r.Errors)
	}
	d = api.Must(t, `{ titles(filter: {query: "Mallory"}) { totalCount } }`, nil)
	if platformtest.Str(d, "titles", "totalCount") != "0" {
		t.Fatal("the analyst's title was created")
	}
	analyst.open("#/rails")
	analyst.wait("collections loaded", `document.getElementById('collection-list').dataset.loaded === 'true' && document.getElementById('rail-box').dataset.loaded === 'true'`)
	analyst.labelled()
	if n := eval[int](analyst, `document.querySelectorAll('#collection-items button, #rail-list button').length`); n != 0 {
		t.Fatalf("analyst gets %d reorder controls", n)
	}
	if ok := eval[bool](analyst, `document.getElementById('collection-fields').disabled && document.getElementById('rail-fields').disabled`); !ok {
		t.Fatal("the rails page's forms are enabled for an analyst")
	}
	if r := analystAPI.Do(t, `mutation($id: ID!) { moveRail(id: $id, position: 0) { id } }`, map[string]any{"id": rails[1]}); r.Code() != "FORBIDDEN" {
		t.Fatalf("moveRail as analyst: %v", r.Errors)
	}
	for _, page := range []string{"#/series", "#/creators"} {
		analyst.open(page)
		analyst.wait(page+" loaded", `document.querySelector('[data-loaded="true"]')`)
		analyst.labelled()
		analyst.noBanner()
	}
}

// The series and creators pages: a series gets a season and an episode and is
// published; a creator is added and renamed.
func TestLibrarySeriesAndCreators(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	sfx := suffix()
	api := tn.Owner
	owner := newBrowser(t)
	signIn(owner, m.URL(), tn.Slug, tn.Email)

	owner.open("#/series")
	owner.wait("series loaded", `document.getElementById('series-list').dataset.loaded === 'true'`)
	owner.labelled()
	owner.typeIn("series-name", "The Lighthouse "+sfx)
	owner.press("series-create")
	row := fmt.Sprintf(`document.querySelector('#series-list tr[data-title=%q]')`, "The Lighthouse "+sfx)
	owner.wait("series listed", row)
	seriesID := eval[string](owner, row+`.id.replace('series-', '')`)
	owner.typeIn("season-name", "Beginnings")
	owner.press("season-create")
	owner.wait("season added", `document.querySelector('#series-detail section.season[data-number="1"]')`)
	seasonID := eval[string](owner, `document.querySelector('#series-detail section.season[data-number="1"]').id.replace('season-', '')`)
	owner.labelled()
	owner.typeIn("episode-title-"+seasonID, "Pilot")
	owner.press("episode-create-" + seasonID)
	owner.wait("episode listed", fmt.Sprintf(`document.querySelector('#episodes-%s li[data-title="Pilot"]')`, seasonID))
	owner.press("publish-series-" + seriesID)
	owner.wait("published", row+`.dataset.status === 'PUBLISHED'`)
	owner.noBanner()
	d := api.Must(t, `query($id: ID!) { series(id: $id) { status seasons { number episodes { kind title episodeNumber } } } }`, map[string]any{"id": seriesID})
	if got := fmt.Sprint(d); !strings.Contains(got, "status:PUBLISHED") || !strings.Contains(got, "title:Pilot") || !strings.Contains(got, "kind:EPISODE") {
		t.Fatalf("series %s", got)
	}

	owner.open("#/creators")
	owner.wait("creators loaded", `document.getElementById('creator-list').dataset.loaded === 'true'`)
	owner.labelled()
	handle := "chef" + sfx
	owner.typeIn("creator-handle", handle)
	owner.typeIn("creator-name", "Chef Ana")
	owner.press("creator-create")
	crow := fmt.Sprintf(`document.querySelector('#creator-list tr[data-handle=%q]')`, handle)
	owner.wait("creator listed", crow)
	creatorID := eval[string](owner, crow+`.id.replace('creator-', '')`)
	owner.press("edit-creator-" + creatorID)
	owner.typeIn("creator-edit-name", "Chef Ana Lima")
	owner.press("creator-edit-save")
	owner.wait("renamed", crow+`.textContent.includes('Chef Ana Lima')`)
	owner.noBanner()
	d = api.Must(t, `query($id: ID!) { creator(id: $id) { name } }`, map[string]any{"id": creatorID})
	if platformtest.Str(d, "creator", "name") != "Chef Ana Lima" {
		t.Fatalf("creator %v", d)
	}
}
