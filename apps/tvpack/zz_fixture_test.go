package tvpack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestZZFixture(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tv.js", "/tv.css", "/clip.mp4":
			http.ServeFile(w, r, "/tmp/tvfix"+r.URL.Path)
		default:
			http.ServeFile(w, r, "/tmp/tvfix/index.html")
		}
	}))
	defer srv.Close()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("/usr/bin/chromium"), chromedp.NoSandbox, chromedp.WindowSize(1280, 720), chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var s string
	active := func(label string) {
		time.Sleep(400 * time.Millisecond)
		s, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.activeElement.getAttribute('data-id')||document.activeElement.tagName+':'+document.activeElement.textContent)+' @'+location.pathname`))
		t.Logf("%s: %s", label, s)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	active("start")
	for _, k := range []struct{ k, l string }{{kb.ArrowRight, "right"}, {kb.ArrowRight, "right"}, {kb.ArrowDown, "down"}, {kb.ArrowLeft, "left"}, {kb.ArrowUp, "up"}, {kb.ArrowUp, "up"}, {kb.ArrowDown, "down"}, {kb.Enter, "enter"}, {kb.ArrowDown, "down"}, {kb.ArrowUp, "up"}, {kb.Enter, "enter"}} {
		chromedp.Do(ctx, chromedp.KeyEvent(k.k))
		active(k.l)
	}
	var ct float64
	time.Sleep(time.Second)
	ct, _ = chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('video').currentTime`))
	t.Logf("currentTime %v", ct)
	chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape))
	active("escape")
	chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape))
	active("escape")
	var outline string
	outline, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineColor+' '+getComputedStyle(document.activeElement).outlineWidth`))
	t.Logf("outline %s", outline)
}
