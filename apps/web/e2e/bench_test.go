package e2e

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/web"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// BenchmarkHostedApp measures, in headless Chromium with the HTTP cache off,
// the hosted app's time to first rail (navigation start to the home page's
// first rail on screen, GraphQL included) and to first frame (a signed-in
// viewer opening /watch/{id}: session, hls.js, the first picture), each
// against a static page served by Go's net/http from the same machine: the
// rail as plain HTML, and a page with only hls.js and a <video> playing a
// fresh session of the same title. Run:
//
//	go run ./cmd/marquee stack -- go test -run '^$' -bench HostedApp -benchtime 10x ./apps/web/e2e/
func BenchmarkHostedApp(b *testing.B) {
	c, err := web.Compile(apps.LayoutBrowser)
	if err != nil {
		b.Fatal(err)
	}
	var railHTML, frameHTML string
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		switch r.URL.Path {
		case "/rail.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, railHTML)
		case "/frame.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, strings.Replace(frameHTML, "SRC", html.EscapeString(r.URL.Query().Get("src")), 1))
		case "/hls.min.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			_, _ = w.Write(c.Hls)
		default:
			http.NotFound(w, r)
		}
	}))
	b.Cleanup(static.Close)
	s := seedWith(b, func(cfg *platform.Config) { cfg.PlaybackOrigins = append(cfg.PlaybackOrigins, static.URL) })
	s.tn.Owner.Must(b, `mutation { setStreamLimit(input: {maxStreams: 0, onLimit: REFUSE}) { maxStreams } }`, nil)
	railHTML = `<!doctype html><html><head><meta charset="utf-8"><title>static</title></head><body><header>` + appName + `</header>` +
		`<section class="rail"><h2>` + railName + `</h2><a class="card" href="#">` + titleName + `</a></section>` +
		`<script>performance.mark('first-rail')</script></body></html>`
	frameHTML = `<!doctype html><html><head><meta charset="utf-8"><title>static</title></head><body>` +
		`<video id="video" muted autoplay playsinline crossorigin="anonymous"></video><script src="/hls.min.js"></script><script>
var v = document.getElementById('video');
v.requestVideoFrameCallback(function () { performance.mark('first-frame'); });
var h = new Hls(); h.loadSource("SRC"); h.attachMedia(v); v.play();
</script></body></html>`

	profile := pt.Str(s.viewer.Client.Must(b, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	s.viewer.Use(s.viewer.Client.Must(b, `mutation($p: ID!) { selectProfile(profileId: $p) `+pt.ViewerTokensFields+` }`,
		map[string]any{"p": profile})["selectProfile"])

	br := newBrowser(b)
	if _, err := chromedp.Call(br.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		b.Fatal(err)
	}
	measure := func(url, name string) float64 {
		b.Helper()
		br.do("load "+url, chromedp.Navigate(url))
		br.wait(name, `performance.getEntriesByName('`+name+`').length > 0`)
		return eval[float64](br, `performance.getEntriesByName('`+name+`')[0].startTime`)
	}
	var appRail, staticRail, appFrame, staticFrame []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Signed out: the home page as a first visit sees it.
		br.load(s.base + "/signin")
		br.do("sign out", chromedp.Evaluate[chromedp.Void](`localStorage.clear()`))
		appRail = append(appRail, measure(s.base+"/", "first-rail"))
		staticRail = append(staticRail, measure(static.URL+"/rail.html", "first-rail"))
		// Signed in (a fresh token pair, as the app stores it after sign-in).
		d := s.viewer.Client.Must(b, `mutation($r: String!) { viewerRefresh(refreshToken: $r) `+pt.ViewerTokensFields+` }`, map[string]any{"r": s.viewer.Refresh})
		s.viewer.Use(d["viewerRefresh"])
		br.load(s.base + "/signin")
		tok := pt.Get(d, "viewerRefresh").(map[string]any)
		br.do("sign in", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('marquee.%s.tokens', JSON.stringify(Object.assign(%s, {expiresAt: Date.now() + 600000})))`,
			s.tn.Slug, mustJSON(tok))))
		appFrame = append(appFrame, measure(s.base+"/watch/"+s.title, "first-frame"))
		sess := s.viewer.Client.Must(b, `mutation($t: ID!) { playbackSession(titleId: $t) { session { hlsURL } refusal { reason } } }`, map[string]any{"t": s.title})
		src := pt.Str(sess, "playbackSession", "session", "hlsURL")
		staticFrame = append(staticFrame, measure(static.URL+"/frame.html?src="+urlQueryEscape(src), "first-frame"))
	}
	b.StopTimer()
	ar, sr, af, sf := median(appRail), median(staticRail), median(appFrame), median(staticFrame)
	b.ReportMetric(ar, "first-rail-ms")
	b.ReportMetric(sr, "static-rail-ms")
	b.ReportMetric(af, "first-frame-ms")
	b.ReportMetric(sf, "static-frame-ms")
	b.ReportMetric(ar/sr, "rail-ratio")
	b.ReportMetric(af/sf, "frame-ratio")
	b.Logf("first rail: app %.0f ms, static %.0f ms (×%.1f, goal under 1000 ms); first frame: app %.0f ms, static %.0f ms (×%.1f); n=%d",
		ar, sr, ar/sr, af, sf, af/sf, len(appRail))
}

func median(xs []float64) float64 {
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
