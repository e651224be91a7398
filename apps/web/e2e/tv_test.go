package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

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

// The TV proof: the hosted app in its TV layout (?layout=tv, the
// build the Samsung and LG packages hold) is driven with the remote's keys
// only, from the home rail to a title and to playback: arrows move a visible
// focus ring between rails and the header, Enter opens the card and Play,
// the video plays (currentTime advances), the play/pause media key pauses
// and resumes it, and Back (webOS's key code 461, then Tizen's 10009) closes
// the player and returns home, focus back where it was on each screen. The
// viewer is signed in beforehand, as a TV is after activation (which
// TestHostedAppBrandsListsSignsInAndPlays covers).
func TestTVLayoutDrivenByTheRemote(t *testing.T) {
	s := seed(t)
	owner := s.tn.Owner
	// A second rail under the first, so that Down has somewhere to go.
	col := pt.Str(owner.Must(t, `mutation { createCollection(input: {name: "Again"}) { id } }`, nil), "createCollection", "id")
	owner.Must(t, `mutation($id: ID!, $t: [ID!]!) { setCollectionItems(id: $id, titleIds: $t) { id } }`, map[string]any{"id": col, "t": []string{s.title}})
	owner.Must(t, `mutation($c: ID!) { createRail(input: {collectionId: $c, heading: "Watch again"}) { id } }`, map[string]any{"c": col})

	// The TV's sign-in: a device of its own, the account's profile selected.
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

	b := newBrowser(t)
	// A TV's page always has the input focus; a headless one may not, and
	// then :focus (the ring) matches nothing.
	b.do("focus the page", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	}))
	b.load(s.m.URL() + "/healthz") // the app's origin, to write its storage
	b.do("store the TV's tokens", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem(%q, %q)`, "marquee."+s.tn.Slug+".tokens", string(tj))))
	b.load(s.base + "/?layout=tv")
	b.wait("the TV layout", `document.documentElement.classList.contains('tv') && document.documentElement.getAttribute('data-layout') === 'tv'`)
	b.wait("focus on the first rail's card", `document.querySelectorAll('.rail').length === 2 && document.activeElement === document.querySelector('.rail .card')`)

	// The focus ring is visible, in the tenant's primary colour.
	ring := eval[string](b, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + '|' + s.outlineColor + '|' + s.outlineWidth + '|' + document.hasFocus() + '|' + document.activeElement.matches(':focus') })()`)
	parts := strings.Split(ring, "|")
	if w, _ := strconv.ParseFloat(strings.TrimSuffix(parts[2], "px"), 64); parts[0] != "solid" || parts[1] != "rgb(32, 128, 255)" || w < 3 {
		t.Errorf("focus ring %q (style|colour|width|page focused|:focus), want a solid outline of at least 3px in rgb(32, 128, 255)", ring)
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
	b.wait("playing again", `!document.getElementById('video').paused && document.getElementById('video').currentTime > `+strconv.FormatFloat(paused+0.3, 'f', 2, 64))

	b.press("webOS Back (461)", kb.Escape, tvKey(461))
	b.wait("back on the title page, Play focused", `location.hash === '#/title/`+s.title+`' && document.activeElement.id === 'play'`)
	b.press("Tizen Back (10009)", kb.Escape, tvKey(10009))
	b.wait("home, the card focused again", `['', '#', '#/'].indexOf(location.hash) >= 0 && document.activeElement.matches('.rail .card') && document.activeElement.getAttribute('data-id') === '`+s.title+`'`)
}
