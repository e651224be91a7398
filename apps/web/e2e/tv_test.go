package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/tvpack"
	"github.com/marquee-ott/marquee/apps/web"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// press sends one key of the remote as Chromium's keyboard would.
func (b *browser) press(what, key string, opts ...chromedp.KeyOption) {
	b.t.Helper()
	b.do("press "+what, chromedp.KeyEvent(key, opts...))
}

// tvKey turns a key event into a TV remote's key with its own key code (the
// key name unknown, as on the TVs' browsers).
func tvKey(code int64) chromedp.KeyOption {
	return func(p *input.DispatchKeyEventParams) {
		p.Key, p.Code, p.Text, p.UnmodifiedText = "Unidentified", "", "", ""
		p.WindowsVirtualKeyCode, p.NativeVirtualKeyCode = code, code
	}
}

// The TV proof: the app in its TV layout is driven with the
// remote's keys only, from the home rail to a title and to playback (see
// driveToPlayback), three times: hosted (?layout=tv, in a browser), and as
// the LG and Samsung packages themselves (the .ipk ares-package made and the
// .wgt, unpacked, the start page opened from their files as the TVs do).
// The viewer is signed in beforehand, as a TV is after activation (which
// TestHostedAppBrandsListsSignsInAndPlays covers).
func TestTVLayoutDrivenByTheRemote(t *testing.T) {
	s := seed(t)
	owner := s.tn.Owner
	// A second rail under the first, so that Down has somewhere to go.
	col := pt.Str(owner.Must(t, `mutation { createCollection(input: {name: "Again"}) { id } }`, nil), "createCollection", "id")
	owner.Must(t, `mutation($id: ID!, $t: [ID!]!) { setCollectionItems(id: $id, titleIds: $t) { id } }`, map[string]any{"id": col, "t": []string{s.title}})
	owner.Must(t, `mutation($c: ID!) { createRail(input: {collectionId: $c, heading: "Watch again"}) { id } }`, map[string]any{"c": col})

	t.Run("hosted", func(t *testing.T) {
		// ?layout=tv is the TV build's page, its code served beside the browser's.
		tv, err := web.Compile(apps.LayoutTV)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/?layout=tv", "/" + tv.JSName, "/" + tv.CSSName} {
			res, err := http.Get(s.base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || (path == "/?layout=tv" && !strings.Contains(string(body), tv.JSName)) {
				t.Errorf("GET %s: %d %.200s", path, res.StatusCode, body)
			}
		}
		b := newBrowser(t)
		focusPage(b)
		b.load(s.m.URL() + "/healthz") // the app's origin, to write its storage
		signInTV(t, b, s)
		b.load(s.base + "/?layout=tv")
		driveToPlayback(t, b, s)
	})

	t.Run("webOS package from its files", func(t *testing.T) {
		ares, err := tvpack.FindAresPackage()
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
		spec := tvSpec(s, apps.WebOS)
		var log strings.Builder
		a, err := (&tvpack.WebOS{Web: &web.Packager{}, AresPackage: ares}).Package(context.Background(), spec, &log)
		if err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		dir := unpackIPK(t, a.Data)
		index := filepath.Join(dir, "usr/palm/applications", tvpack.WebOSAppID(spec.BundleID), "index.html")
		b := newTVBrowser(t)
		focusPage(b)
		b.load("file://" + index)
		signInTV(t, b, s)
		b.load("file://" + index)
		driveToPlayback(t, b, s)
	})

	t.Run("Tizen package from its files", func(t *testing.T) {
		spec := tvSpec(s, apps.Tizen)
		a, err := (&tvpack.Tizen{Web: &web.Packager{}}).Package(context.Background(), spec, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		files, err := apps.Unzip(a.Data)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, p := range files.Paths() {
			full := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, files[p], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var w struct {
			Content struct {
				Src string `xml:"src,attr"`
			} `xml:"content"`
		}
		if err := xml.Unmarshal(files["config.xml"], &w); err != nil || w.Content.Src == "" {
			t.Fatalf("config.xml: %v %+v", err, w)
		}
		start := "file://" + filepath.Join(dir, w.Content.Src)
		b := newTVBrowser(t)
		focusPage(b)
		b.load(start)
		signInTV(t, b, s)
		b.load(start)
		driveToPlayback(t, b, s)
	})
}

// tvSpec is the seeded tenant's app for a TV platform, its API the test's.
func tvSpec(s seeded, p apps.Platform) apps.Spec {
	logo := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	for i := range logo.Pix {
		logo.Pix[i] = 0xc0
	}
	return apps.Spec{Platform: p, TenantID: s.tn.ID, Slug: s.tn.Slug, Name: appName, ShortName: "Acme",
		Description: "Films.", Palette: web.PaletteFrom(primary, "#ffcc00", "#101010"), Logo: logo,
		BundleID: "tv.marquee." + s.tn.Slug, BaseURL: s.m.URL(), AppKey: s.viewer.AppKey, WebURL: s.base + "/",
		Version: apps.Version{Major: 1, Minor: 0, Patch: 0, Build: 1}}
}

// focusPage makes the headless page behave as focused: a TV's page always
// has the input focus; without it :focus (the ring) matches nothing.
func focusPage(b *browser) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		b.t.Fatalf("focus the page: %v", err)
	}
}

// signInTV stores the seeded viewer's tokens in the open page's storage, as
// the app keeps them: a device of the TV's own, the profile selected.
func signInTV(t *testing.T, b *browser, s seeded) {
	t.Helper()
	v := s.viewer
	app := pt.Client{URL: s.m.URL(), AppKey: v.AppKey}
	tokens := pt.Get(app.Must(t, `mutation($in: ViewerSignInInput!) { viewerSignIn(input: $in) `+pt.ViewerTokensFields+` }`,
		map[string]any{"in": map[string]any{"email": v.Email, "password": v.Password, "device": map[string]any{"name": "Living room", "platform": "LG"}}}), "viewerSignIn")
	if pt.Get(tokens, "profileId") == nil {
		v.Use(tokens)
		profile := pt.Str(v.Client.Must(t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
		tokens = pt.Get(v.Client.Must(t, `mutation($p: ID!) { selectProfile(profileId: $p) `+pt.ViewerTokensFields+` }`, map[string]any{"p": profile}), "selectProfile")
	}
	tj, err := json.Marshal(tokens)
	if err != nil {
		t.Fatal(err)
	}
	b.do("store the TV's tokens", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem(%q, %q)`, "marquee."+s.tn.Slug+".tokens", string(tj))))
}

// unpackIPK writes the files of an .ipk's data.tar.gz under a new folder.
func unpackIPK(t *testing.T, ipk []byte) string {
	t.Helper()
	members, err := tvpack.ArMembers(ipk)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(members["data.tar.gz"]))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Clean(h.Name)
		if h.Typeflag != tar.TypeReg || strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			continue
		}
		p := filepath.Join(dir, name)
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// driveToPlayback drives the open TV layout with the remote's keys only:
// focus starts on the first rail's card with a ring in the tenant's primary
// colour; Down and Up move between the rails and to the header; Enter opens
// the card and then Play; the video plays (currentTime advances); the
// play/pause media key pauses and resumes it; Back (webOS's key code 461,
// then Tizen's 10009) closes the player and returns home, focus back where
// it was on each screen.
func driveToPlayback(t *testing.T, b *browser, s seeded) {
	t.Helper()
	b.wait("the TV layout", `document.documentElement.classList.contains('tv') && document.documentElement.getAttribute('data-layout') === 'tv'`)
	b.wait("focus on the first rail's card", `document.querySelectorAll('.rail').length >= 2 && document.activeElement === document.querySelector('.rail .card')`)

	ring := eval[string](b, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + '|' + s.outlineColor + '|' + s.outlineWidth })()`)
	parts := strings.Split(ring, "|")
	if w, _ := strconv.ParseFloat(strings.TrimSuffix(parts[2], "px"), 64); parts[0] != "solid" || parts[1] != "rgb(32, 128, 255)" || w < 3 {
		t.Errorf("focus ring %q, want a solid outline of at least 3px in rgb(32, 128, 255)", ring)
	}

	inRail := func(n int) string {
		return fmt.Sprintf(`document.activeElement.matches('.rail .card') && document.activeElement.closest('.rail') === document.querySelectorAll('.rail')[%d]`, n)
	}
	b.press("Down", kb.ArrowDown)
	b.wait("focus on the second rail", inRail(1))
	b.press("Up", kb.ArrowUp)
	b.wait("focus back on the first rail", inRail(0))
	b.press("Up", kb.ArrowUp)
	b.wait("focus in the header", `!!document.activeElement.closest('header')`)
	b.press("Down", kb.ArrowDown)
	b.wait("focus back on a card", `document.activeElement.matches('.rail .card')`)
	if got := eval[string](b, `document.activeElement.getAttribute('data-id')`); got != s.title {
		t.Fatalf("the focused card is %q, want the title %s", got, s.title)
	}

	b.press("Enter", kb.Enter)
	b.wait("the title page, Play focused", `location.hash === '#/title/`+s.title+`' && document.activeElement.id === 'play'`)
	b.press("Enter", kb.Enter)
	b.wait("the player, focused", `location.hash === '#/watch/`+s.title+`' && document.getElementById('video') && document.getElementById('video').dataset.session && document.activeElement.id === 'video'`)
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
	b.press("Play/Pause", kb.MediaPlayPause)
	b.wait("paused", `document.getElementById('video').paused`)
	paused := eval[float64](b, `document.getElementById('video').currentTime`)
	b.press("Play/Pause", kb.MediaPlayPause)
	// Playing again: time moves on (to the end, at the latest: the clip is short).
	b.wait("playing again", fmt.Sprintf(`(v => (!v.paused && v.currentTime > %.2f) || (v.ended && v.currentTime > %.2f))(document.getElementById('video'))`, paused+0.3, paused))

	b.press("webOS Back (461)", kb.Escape, tvKey(461))
	b.wait("back on the title page, Play focused", `location.hash === '#/title/`+s.title+`' && document.activeElement.id === 'play'`)
	b.press("Tizen Back (10009)", kb.Escape, tvKey(10009))
	b.wait("home, the card focused again", `['', '#', '#/'].indexOf(location.hash) >= 0 && document.activeElement.matches('.rail .card') && document.activeElement.getAttribute('data-id') === '`+s.title+`'`)
}

// newTVBrowser is a Chromium that opens a packaged TV app from its files the
// way the TVs' runtimes do: file:// pages may call the API on another
// origin (Tizen's <access origin> and webOS's packaged apps are not held to
// the same-origin policy), which a desktop browser allows only with web
// security off.
func newTVBrowser(t testing.TB) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("disable-web-security", true),
		chromedp.Flag("allow-file-access-from-files", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1920, 1080),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Nothing leaves the machine, as in newBrowser.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
		URLPatterns: []*network.BlockPattern{{URLPattern: "https://*:*/*", Block: true}}}); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx}
}
