package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/web"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/uploads"
)

// seeded is a tenant with branding, a READY published title (a real clip
// through the ingest workflow) in a collection shown as a home rail, and a
// verified viewer account.
type seeded struct {
	m      *platform.Main
	tn     pt.Tenant
	title  string
	viewer pt.Viewer
	base   string
}

const (
	appName   = "Acme Flix"
	primary   = "#2080ff"
	railName  = "Featured now"
	titleName = "Test pattern"
)

func seed(t testing.TB) seeded { return seedWith(t, nil) }

func seedWith(t testing.TB, change func(*platform.Config)) seeded {
	t.Helper()
	m := pt.Start(t, change)
	pt.RunWorker(t, m)
	tn := pt.SignUp(t, m)
	owner := tn.Owner
	owner.Must(t, `mutation($in: BrandingInput!) { updateBranding(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"appName": appName, "primaryColor": primary, "accentColor": "#ffcc00", "backgroundColor": "#101010"}})
	tenant := uuid.MustParse(tn.ID)
	upload := pt.MustClipUpload(t, m, tenant, mediatest.Clip{Width: 320, Height: 180, Seconds: 8, Audio: 2})
	es, subs := "es", uploads.TrackSubtitles
	caption := pt.MustUpload(t, m, tenant, uploads.CreateInput{Kind: uploads.KindCaption, Filename: "es.vtt", ContentType: "text/vtt",
		Language: &es, TrackKind: &subs}, []byte("WEBVTT\n\n00:00.000 --> 00:07.500\nHola\n"))
	title := pt.Str(owner.Must(t, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"kind": "MOVIE", "localizations": []any{map[string]any{"language": "en", "title": titleName, "synopsis": "Bars and tone."}}}}),
		"createTitle", "id")
	asset := pt.Str(owner.Must(t, `mutation($u: ID!, $t: ID, $tracks: [ID!]) { ingestUpload(uploadId: $u, titleId: $t, tracks: $tracks) { id } }`,
		map[string]any{"u": upload.String(), "t": title, "tracks": []string{caption.String()}}), "ingestUpload", "id")
	if a := pt.WaitAsset(t, owner, asset, "failureReason", 3*time.Minute); pt.Str(a, "status") != "READY" {
		t.Fatalf("ingest: %v", a)
	}
	uploadThumbnail(t, owner, title)
	owner.Must(t, `mutation($id: ID!) { publishTitle(id: $id) { status } }`, map[string]any{"id": title})
	col := pt.Str(owner.Must(t, `mutation { createCollection(input: {name: "Featured"}) { id } }`, nil), "createCollection", "id")
	owner.Must(t, `mutation($id: ID!, $t: [ID!]!) { setCollectionItems(id: $id, titleIds: $t) { id } }`, map[string]any{"id": col, "t": []string{title}})
	owner.Must(t, `mutation($c: ID!, $h: String) { createRail(input: {collectionId: $c, heading: $h}) { id } }`, map[string]any{"c": col, "h": railName})
	v := pt.SignUpViewer(t, m, pt.AppKey(t, owner))
	return seeded{m: m, tn: tn, title: title, viewer: v, base: m.URL() + "/t/" + tn.Slug}
}

// uploadThumbnail gives the title THUMBNAIL artwork (a 640×360 PNG, one
// colour) through GraphQL's multipart upload, as the console does.
func uploadThumbnail(t testing.TB, c pt.Client, title string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 360))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{200, 40, 40, 255}), image.Point{}, draw.Src)
	var pngData, body bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", fmt.Sprintf(`{"query":"mutation($t: ID!, $f: Upload!) { uploadTitleArtwork(titleId: $t, role: THUMBNAIL, file: $f) { id } }","variables":{"t":%q,"f":null}}`, title))
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	fw, _ := w.CreateFormFile("0", "thumb.png")
	_, _ = fw.Write(pngData.Bytes())
	_ = w.Close()
	if r := c.Raw(t, w.FormDataContentType(), body.Bytes()); len(r.Errors) > 0 {
		t.Fatalf("uploadTitleArtwork: %v", r.Errors)
	}
}

// The proof: headless Chromium opens the hosted app of a seeded
// tenant at /t/{slug}/; it shows the tenant's name and colours, lists the
// rail from GraphQL, a viewer signs in, and a title plays (currentTime
// advances through hls.js and the origin). The TV activation page signs a
// real device-flow code in.
func TestHostedAppBrandsListsSignsInAndPlays(t *testing.T) {
	s := seed(t)
	b := newBrowser(t)
	b.load(s.base + "/")
	b.wait("the rail", `document.querySelector('.rail .card')`)
	if got := eval[string](b, `document.title`); got != appName {
		t.Errorf("document.title = %q", got)
	}
	if got := eval[string](b, `document.getElementById('app-name').textContent`); got != appName {
		t.Errorf("header name %q", got)
	}
	// The palette keeps this primary (it contrasts with the background).
	want := web.PaletteFrom(primary, "#ffcc00", "#101010")
	if apps.Hex(want.Primary) != primary {
		t.Fatalf("palette changed the primary: %s", apps.Hex(want.Primary))
	}
	if got := eval[string](b, `getComputedStyle(document.getElementById('brand')).color`); got != "rgb(32, 128, 255)" {
		t.Errorf("brand colour %s, want the primary rgb(32, 128, 255)", got)
	}
	if got := eval[string](b, `getComputedStyle(document.body).backgroundColor`); got != "rgb(16, 16, 16)" {
		t.Errorf("background %s", got)
	}
	if got := eval[string](b, `document.querySelector('.rail .rail-title').textContent + '|' + document.querySelector('.rail .card .card-title').textContent`); got != railName+"|"+titleName {
		t.Errorf("rail %q", got)
	}
	// The card's thumbnail loads from the API's image endpoint (Artwork.url).
	b.wait("the card's thumbnail", `(function () { var i = document.querySelector('.rail .card img.art'); return i && i.complete && i.naturalWidth === 640 })()`)
	// Installable: Chromium finds nothing missing (manifest, icons, service
	// worker), and the service worker controls the app's path.
	b.do("service worker", chromedp.Evaluate[chromedp.Void](`navigator.serviceWorker.ready.then(function (r) { window.swScope = r.scope })`))
	b.wait("the service worker", `window.swScope`)
	if got := eval[string](b, `window.swScope`); got != s.base+"/" {
		t.Errorf("service worker scope %s", got)
	}
	inst, err := chromedp.Call(b.ctx, page.GetInstallabilityErrors, struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inst.InstallabilityErrors {
		t.Errorf("not installable: %s %v", e.ErrorID, e.ErrorArguments)
	}

	// Playing needs a viewer: the title page's Play leads to sign-in, which
	// comes back to the player.
	b.clickSel(".rail .card")
	b.wait("the title page", `document.querySelector('.title-name') && document.querySelector('.title-name').textContent === '`+titleName+`'`)
	b.click("play")
	b.wait("the sign-in prompt", `document.getElementById('signin-to-watch')`)
	b.click("signin-to-watch")
	b.wait("the sign-in form", `document.getElementById('signin-email')`)
	b.typeIn("signin-email", s.viewer.Email)
	b.typeIn("signin-password", s.viewer.Password)
	b.click("signin-submit")
	b.wait("the player", `document.getElementById('video') && document.getElementById('video').dataset.session`)
	if !strings.HasSuffix(eval[string](b, `location.pathname`), "/t/"+s.tn.Slug+"/watch/"+s.title) {
		t.Errorf("after sign-in at %s", eval[string](b, `location.pathname`))
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ct := eval[float64](b, `document.getElementById('video').currentTime`)
		if ct > 1.5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("currentTime %.2f after a minute; errors %v\n%s", ct, eval[[]string](b, `window.playerErrors || []`), b.diagnose())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if errs := eval[[]string](b, `window.playerErrors || []`); len(errs) > 0 {
		t.Errorf("hls.js errors: %v", errs)
	}
	if !eval[bool](b, `!!document.getElementById('nav-account')`) {
		t.Errorf("the header does not show the signed-in account")
	}

	// Leaving the player records the position: the title is in Continue
	// watching on the home page. My List and search work for the viewer.
	b.do("pause", chromedp.Evaluate[chromedp.Void](`document.getElementById('video').pause()`))
	b.click("brand")
	b.wait("continue watching", `document.querySelector('[data-rail="continue-watching"] .card[data-id="`+s.title+`"]')`)
	b.clickSel(`[data-rail="continue-watching"] .card`)
	b.wait("the add-to-list button", `document.getElementById('add-to-list')`)
	b.click("add-to-list")
	b.wait("added", `document.getElementById('add-to-list').disabled`)
	b.click("nav-my-list")
	b.wait("my list", `document.querySelector('#my-list .card[data-id="`+s.title+`"]')`)
	b.click("nav-search")
	b.wait("the search box", `document.getElementById('search-input')`)
	b.typeIn("search-input", "pattern")
	b.wait("a search result", `document.querySelector('#search-results .card[data-id="`+s.title+`"]')`)
	if !strings.HasSuffix(eval[string](b, `location.href`), "/search?q=pattern") {
		t.Errorf("search address %s", eval[string](b, `location.href`))
	}

	// TV activation: a device-flow code from the API, the page prefilled from
	// the verification link.
	res, err := http.PostForm(s.base+"/oauth/device_authorization", url.Values{"device_name": {"Living room"}, "device_platform": {"SAMSUNG"}})
	if err != nil {
		t.Fatal(err)
	}
	var da struct {
		UserCode                string `json:"user_code"`
		VerificationURIComplete string `json:"verification_uri_complete"`
	}
	err = json.NewDecoder(res.Body).Decode(&da)
	res.Body.Close()
	if err != nil || da.UserCode == "" {
		t.Fatalf("device authorization: %v %+v", err, da)
	}
	b.load(da.VerificationURIComplete)
	b.wait("the activation form", `document.getElementById('activate-code')`)
	if got := eval[string](b, `document.getElementById('activate-code').value`); got != da.UserCode {
		t.Errorf("code prefilled %q, want %q (from %s)", got, da.UserCode, da.VerificationURIComplete)
	}
	b.click("activate-submit")
	b.wait("activation done", `document.getElementById('activate-status').textContent.indexOf('Living room is signed in') >= 0`)
}

// The page, manifest, icons, service worker and code are served with the
// right types and caching, per tenant, and an unknown slug is NOT_FOUND.
func TestHostedAppFiles(t *testing.T) {
	m := pt.Start(t, func(c *platform.Config) { c.BaseDomain = "marquee.test" })
	tn := pt.SignUp(t, m)
	base := m.URL() + "/t/" + tn.Slug
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var sb strings.Builder
		buf := make([]byte, 1<<16)
		for {
			n, err := res.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return res, sb.String()
	}
	c, err := web.Compile(apps.LayoutBrowser)
	if err != nil {
		t.Fatal(err)
	}
	for _, route := range []string{"/", "/title/x", "/series/x", "/search", "/shorts", "/creator/x", "/signin", "/signup", "/activate", "/plans", "/my-list", "/watch/x"} {
		res, body := get(route)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(body, `"graphql":"/t/`+tn.Slug+`/graphql"`) ||
			!strings.Contains(body, "/t/"+tn.Slug+"/"+c.JSName) || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d %v\n%.300s", route, res.StatusCode, res.Header, body)
		}
	}
	if res, body := get("/" + c.JSName); res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || len(body) != len(c.JS) {
		t.Errorf("bundle: %d %v", res.StatusCode, res.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/"+c.CSSName, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if res, err := http.DefaultTransport.RoundTrip(req); err != nil || res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzipped CSS: %v %v", err, res)
	} else {
		res.Body.Close()
	}
	if res, _ := get("/" + c.HlsName); res.StatusCode != 200 {
		t.Errorf("hls.js: %d", res.StatusCode)
	}
	if res, _ := get("/_app/app.0000000000.js"); res.StatusCode != 404 {
		t.Errorf("an old bundle name: %d", res.StatusCode)
	}
	res, body := get("/manifest.webmanifest")
	var mf map[string]any
	if err := json.Unmarshal([]byte(body), &mf); err != nil || res.Header.Get("Content-Type") != "application/manifest+json" || mf["start_url"] != "/t/"+tn.Slug+"/" {
		t.Errorf("manifest: %v %v %s", err, res.Header, body)
	}
	res, body = get("/icons/icon-512.png")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(body, "\x89PNG") {
		t.Errorf("icon: %d %v", res.StatusCode, res.Header)
	}
	if res, body := get("/sw.js"); res.StatusCode != 200 || !strings.Contains(body, "/t/"+tn.Slug+"/"+c.CSSName) {
		t.Errorf("sw.js: %d %.200s", res.StatusCode, body)
	}
	res, err = http.Get(m.URL() + "/t/no-such-tenant-here/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("unknown slug: %d", res.StatusCode)
	}
	// On the tenant's own host the app is at the root, the API beside it.
	for _, route := range []string{"/", "/title/x", "/sw.js"} {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+route, nil)
		req.Host = tn.Slug + ".marquee.test"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		_, _ = io.Copy(&sb, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || (route != "/sw.js" && !strings.Contains(sb.String(), `"graphql":"/graphql"`)) || (route == "/sw.js" && !strings.Contains(sb.String(), `"/`+c.JSName+`"`)) {
			t.Errorf("tenant host %s: %d %.300s", route, res.StatusCode, sb.String())
		}
	}
	// The platform's own host still sends / to the console.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = client.Get(m.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/console/" {
		t.Errorf("platform root: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// A new viewer signs up in the app with the emailed code and is signed in.
func TestSignUpThroughTheApp(t *testing.T) {
	m := pt.Start(t, nil)
	tn := pt.SignUp(t, m)
	b := newBrowser(t)
	b.load(m.URL() + "/t/" + tn.Slug + "/signup")
	b.wait("the sign-up form", `document.getElementById('signup-email')`)
	email := "new-viewer@" + tn.Slug + ".example.com"
	b.typeIn("signup-email", email)
	b.typeIn("signup-password", pt.Password)
	b.typeIn("signup-name", "Sam")
	b.click("signup-submit")
	b.wait("the code field", `!document.getElementById('signup-code').closest('label').hidden`)
	var code string
	deadline := time.Now().Add(20 * time.Second)
	for code == "" {
		if msgs, _ := m.DevMail.List(email); len(msgs) > 0 {
			code = pt.MailCode(t, m, email)
		} else if time.Now().After(deadline) {
			t.Fatalf("no mail to %s", email)
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	b.typeIn("signup-code", code)
	b.click("signup-submit")
	b.wait("signed in", `document.getElementById('nav-account') && document.body.dataset.route === 'home'`)
	b.click("nav-account")
	b.wait("the account page", `document.getElementById('account-email')`)
	if got := eval[string](b, `document.getElementById('account-email').textContent`); got != email+" · Sam" {
		t.Errorf("account %q", got)
	}
	b.click("sign-out")
	b.wait("signed out", `document.getElementById('nav-signin')`)
	if eval[bool](b, `!!document.getElementById('nav-plans')`) {
		t.Errorf("Plans in the menu of a workspace that sells nothing")
	}

	// Once the workspace sells a plan, Plans shows in the menu and lists it.
	acct := pt.Str(tn.Owner.Must(t, `mutation { connectStripe { connection { accountId } } }`, nil), "connectStripe", "connection", "accountId")
	tn.Owner.Must(t, `mutation { createPlan(input: {name: "Premium", trialDays: 7, scope: LIBRARY, ads: false, prices: [{interval: MONTH, currency: "usd", amount: 999}, {interval: MONTH, currency: "jpy", amount: 1200}]}) { id } }`, nil)
	b.load(m.URL() + "/t/" + tn.Slug + "/")
	b.wait("Plans in the menu", `document.getElementById('nav-plans')`)
	b.click("nav-plans")
	b.wait("the plan", `document.querySelector('.plan [data-price]')`)
	if got := eval[string](b, `document.querySelector('.plan').textContent`); !strings.Contains(got, "Premium") || !strings.Contains(got, "9.99") ||
		!strings.Contains(got, "7-day free trial") || !strings.Contains(got, "/ month") ||
		!strings.Contains(got, "1,200") || strings.Contains(got, "12.00") { // yen have no minor unit
		t.Errorf("plan %q", got)
	}
	// Subscribing needs a viewer: sign in, come back to the plans, pay.
	b.clickSel(".plan [data-price]")
	b.wait("the sign-in form", `document.getElementById('signin-email')`)
	b.typeIn("signin-email", email)
	b.typeIn("signin-password", pt.Password)
	b.click("signin-submit")
	b.wait("the plans again", `document.querySelector('.plan [data-price]')`)
	b.clickSel(".plan [data-price]")
	b.wait("the refusal", `document.querySelector('.message.error')`)
	if got := eval[string](b, `document.querySelector('.message.error').textContent`); !strings.Contains(got, "onboarding is unfinished") {
		t.Errorf("checkout before Stripe onboarding: %q", got)
	}
	// Stripe reports the account can take payments: Checkout opens (the
	// browser is kept off the internet, so the visit is only recorded).
	ev, _ := json.Marshal(map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": "account.updated", "account": acct,
		"created": time.Now().Unix(), "api_version": "2023-10-16",
		"data": map[string]any{"object": map[string]any{"id": acct, "object": "account", "charges_enabled": true, "details_submitted": true}}})
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev, Secret: "whsec_local", Timestamp: time.Now()})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/webhooks/stripe", bytes.NewReader(ev))
	req.Header.Set("Stripe-Signature", sp.Header)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("account.updated: %v %v", err, res)
	}
	res.Body.Close()
	b.clickSel(".plan [data-price]")
	deadline = time.Now().Add(step)
	for {
		v, err := b.visited()
		if len(v) > 0 && strings.HasPrefix(v[len(v)-1], "https://") && strings.Contains(v[len(v)-1], "stripe.com") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no visit to Stripe Checkout: %v %v\n%s", v, err, b.diagnose())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// A creator's page lists their collection; a series page its season's
// episodes; the shorts feed plays a vertical short for a signed-in viewer.
func TestCreatorSeriesAndShorts(t *testing.T) {
	m := pt.Start(t, nil)
	pt.RunWorker(t, m)
	tn := pt.SignUp(t, m)
	owner := tn.Owner
	loc := func(title string) []any { return []any{map[string]any{"language": "en", "title": title}} }
	creator := pt.Str(owner.Must(t, `mutation { createCreator(input: {handle: "ada", name: "Ada Lovelace", bio: "Engines and notes."}) { id } }`, nil), "createCreator", "id")
	upload := pt.MustClipUpload(t, m, uuid.MustParse(tn.ID), mediatest.Clip{Width: 180, Height: 320, Seconds: 3, Audio: 2})
	short := pt.Str(owner.Must(t, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"kind": "SHORT", "localizations": loc("Tiny bars"), "creatorId": creator}}), "createTitle", "id")
	asset := pt.Str(owner.Must(t, `mutation($u: ID!, $t: ID) { ingestUpload(uploadId: $u, titleId: $t) { id } }`,
		map[string]any{"u": upload.String(), "t": short}), "ingestUpload", "id")
	series := pt.Str(owner.Must(t, `mutation($in: CreateSeriesInput!) { createSeries(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"localizations": loc("The Engine")}}), "createSeries", "id")
	season := pt.Str(owner.Must(t, `mutation($s: ID!) { createSeason(seriesId: $s, input: {number: 1, name: "Season one"}) { id } }`,
		map[string]any{"s": series}), "createSeason", "id")
	episode := pt.Str(owner.Must(t, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"kind": "EPISODE", "localizations": loc("Pilot"), "seasonId": season, "episodeNumber": 1}}), "createTitle", "id")
	owner.Must(t, `mutation($id: ID!) { publishSeries(id: $id) { status } }`, map[string]any{"id": series})
	owner.Must(t, `mutation($id: ID!) { publishTitle(id: $id) { status } }`, map[string]any{"id": episode})
	col := pt.Str(owner.Must(t, `mutation($c: ID) { createCollection(input: {name: "Ada's picks", creatorId: $c}) { id } }`, map[string]any{"c": creator}), "createCollection", "id")
	if a := pt.WaitAsset(t, owner, asset, "failureReason", 3*time.Minute); pt.Str(a, "status") != "READY" {
		t.Fatalf("ingest: %v", a)
	}
	owner.Must(t, `mutation($id: ID!) { publishTitle(id: $id) { status } }`, map[string]any{"id": short})
	owner.Must(t, `mutation($id: ID!, $t: [ID!]!) { setCollectionItems(id: $id, titleIds: $t) { id } }`, map[string]any{"id": col, "t": []string{short}})
	v := pt.SignUpViewer(t, m, pt.AppKey(t, owner))
	base := m.URL() + "/t/" + tn.Slug

	b := newBrowser(t)
	b.load(base + "/creator/ada")
	b.wait("the creator's collection", `document.querySelector('.rail .card[data-id="`+short+`"]')`)
	if got := eval[string](b, `document.querySelector('.title-name').textContent + '|' + document.querySelector('.rail-title').textContent`); got != "Ada Lovelace|Ada's picks" {
		t.Errorf("creator page %q", got)
	}
	b.load(base + "/series/" + series)
	b.wait("the season's episodes", `document.querySelector('[data-rail="season-1"] .card[data-id="`+episode+`"]')`)
	if got := eval[string](b, `document.querySelector('.title-name').textContent + '|' + document.querySelector('.rail-title').textContent`); got != "The Engine|Season one" {
		t.Errorf("series page %q", got)
	}
	// The episode's page links back to its series.
	b.clickSel(`.card[data-id="` + episode + `"]`)
	b.wait("the series link", `document.querySelector('.series-link') && document.querySelector('.series-link').textContent.indexOf('The Engine') === 0`)

	b.load(base + "/signin?next=%2Fshorts")
	b.wait("the sign-in form", `document.getElementById('signin-email')`)
	b.typeIn("signin-email", v.Email)
	b.typeIn("signin-password", v.Password)
	b.click("signin-submit")
	b.wait("the shorts feed", `document.querySelector('.short[data-id="`+short+`"] video')`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ct := eval[float64](b, `document.querySelector('.short[data-id="`+short+`"] video').currentTime`)
		if ct > 0.5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the short's currentTime %.2f after a minute; errors %v\n%s", ct, eval[[]string](b, `window.playerErrors || []`), b.diagnose())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signInAs stores a viewer's tokens (with a selected profile) the way the app
// does after sign-in, on the app's origin.
func signInAs(b *browser, s seeded, v *pt.Viewer) {
	b.t.Helper()
	profile := pt.Str(v.Client.Must(b.t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	d := v.Client.Must(b.t, `mutation($p: ID!) { selectProfile(profileId: $p) `+pt.ViewerTokensFields+` }`, map[string]any{"p": profile})
	v.Use(d["selectProfile"])
	b.load(s.base + "/signin")
	b.do("store the tokens", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`localStorage.setItem('marquee.%s.tokens', JSON.stringify(Object.assign(%s, {expiresAt: Date.now() + 600000})))`,
		s.tn.Slug, mustJSON(d["selectProfile"]))))
}

// The player resumes where the profile left off and shows the title's
// subtitles (a WebVTT track of the session) when asked.
func TestPlayerResumesAndShowsSubtitles(t *testing.T) {
	s := seed(t)
	v := s.viewer
	b := newBrowser(t)
	signInAs(b, s, &v)
	v.Client.Must(t, `mutation($t: ID!) { reportProgress(titleId: $t, positionSeconds: 2, durationSeconds: 8) }`, map[string]any{"t": s.title})
	b.load(s.base + "/watch/" + s.title)
	b.wait("playing", `document.getElementById('video') && document.getElementById('video').currentTime > 0`)
	if ct := eval[float64](b, `document.getElementById('video').currentTime`); ct < 1.9 {
		t.Errorf("started at %.2f s, want the resume position 2 s", ct)
	}
	b.wait("the stream's subtitle track", `document.getElementById('video').textTracks.length > 0`)
	if got := eval[string](b, `Array.prototype.map.call(document.getElementById('video').textTracks, function (t) { return t.kind + ':' + t.language }).join(',')`); got != "subtitles:es" {
		t.Errorf("text tracks %q", got)
	}
	b.click("subtitles")
	b.wait("the subtitles showing", `document.getElementById('video').textTracks[0].mode === 'showing'`)
	if got := eval[string](b, `document.getElementById('subtitles').textContent`); got != "Subtitles: Español" {
		t.Errorf("button %q", got)
	}
	b.wait("the cue loaded", `document.getElementById('video').textTracks[0].cues && document.getElementById('video').textTracks[0].cues.length > 0`)
	if got := eval[string](b, `document.getElementById('video').textTracks[0].cues[0].text`); got != "Hola" {
		t.Errorf("cue %q", got)
	}
	b.click("subtitles")
	b.wait("the subtitles off", `document.getElementById('video').textTracks[0].mode === 'disabled'`)
}
