package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/marquee-ott/marquee/platform/platformtest"
)

// The apps page: the hosted web app's address, settings saved, a web build
// followed live from QUEUED to SUCCEEDED with its log and a download that
// serves the zip (the real web packager); every platform can be built; an
// analyst sees builds but no Build button.
func TestAppsPageBuildsAndDownloads(t *testing.T) {
	m := platformtest.Start(t, nil)
	platformtest.RunWorker(t, m)
	tn := platformtest.SignUp(t, m)
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/apps")
	b.wait("apps loaded", `document.querySelector('#build-list .empty') && document.getElementById('apps-web-url')`)
	b.labelled()
	if got := b.text("apps-web-url"); got != m.URL()+"/t/"+tn.Slug+"/" {
		t.Fatalf("hosted web app %q", got)
	}
	if !eval[bool](b, `['WEB','ROKU','ANDROID','APPLE','TIZEN','WEBOS'].every(p => !document.getElementById('build-' + p).disabled)`) {
		t.Fatal("build buttons: every platform should be enabled")
	}

	b.setInput("app-major", "3")
	b.setInput("app-bundle-id", "com.example.console")
	b.click("auto-WEB")
	b.click("app-settings-submit")
	b.wait("settings saved", `document.querySelector('#app-settings-form legend')?.textContent.includes('3.0.0')`)
	b.noBanner()

	b.click("build-WEB")
	b.wait("build listed", `document.querySelector('#build-list tr[id^="build-"]')`)
	id := strings.TrimPrefix(eval[string](b, `document.querySelector('#build-list tr[id^="build-"]').id`), "build-")
	b.wait("build succeeded", fmt.Sprintf(`document.getElementById('build-status-%s')?.dataset.status === 'SUCCEEDED'`, id))
	if log := b.text("build-log-" + id); !strings.Contains(log, "bundling the web app") || !strings.Contains(log, "SUCCEEDED") {
		t.Fatalf("log shown: %q", log)
	}
	if w := b.text("build-warnings-" + id); !strings.Contains(w, "monogram") {
		t.Fatalf("warnings shown: %q", w)
	}
	href := eval[string](b, fmt.Sprintf(`document.getElementById('build-download-%s').href`, id))
	if !strings.HasPrefix(href, m.URL()+"/apps/downloads/") {
		t.Fatalf("download link %q", href)
	}
	got := evalAwait(b, fmt.Sprintf(`fetch(%q).then(r => r.status + ' ' + r.headers.get('content-disposition'))`, href))
	if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, tn.Slug+"-web-3.0.0-1.zip") {
		t.Fatalf("download: %s", got)
	}
	b.noBanner()

	an, _ := platformtest.AddStaff(t, m, tn, "an@"+tn.Slug+".example.com", "ANALYST")
	_ = an
	ab := newBrowser(t)
	signIn(ab, m.URL(), tn.Slug, "an@"+tn.Slug+".example.com")
	ab.open("#/apps")
	ab.wait("apps loaded for the analyst", fmt.Sprintf(`document.getElementById('build-status-%s') && document.getElementById('apps-readonly')`, id))
	if !eval[bool](ab, `document.getElementById('build-WEB').disabled && !document.getElementById('app-settings-submit')`) {
		t.Fatal("the analyst can build or save settings")
	}
}

// evalAwait evaluates a promise-valued expression and returns its string.
func evalAwait(b *browser, expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
