package console_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/marquee-ott/marquee/platform"
	"github.com/marquee-ott/marquee/platform/platformtest"
)

// The browser tests drive Debian's Chromium, never a downloaded browser.
const chromiumPath = "/usr/bin/chromium"

// step bounds one browser action; the first run of a browser gets longer.
const step = 20 * time.Second

// browser is one headless Chromium with its own profile: two browsers share
// no cookies or storage, like two people on two machines.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing in CI: the Makefile installs Debian's chromium (%v)", chromiumPath, err)
		}
		t.Fatalf("%s is missing: apt-get install -y chromium (%v)", chromiumPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // Chromium's sandbox refuses to run as root in containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// The first Do starts the browser and binds its life to ctx, so it gets
	// no timeout of its own (a timeout would end the browser with it).
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	// Page errors help explain a failed step.
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				t.Logf("browser console: %s", m)
			}
		}
	}()
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		<-done
	})
	return &browser{t: t, ctx: ctx}
}

// do runs actions with a timeout, failing the test with what the page shows.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.diagnose())
	}
}

// eval returns the value of a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v\n%s", expr, err, b.diagnose())
	}
	return v
}

// wait polls a JavaScript condition until it holds.
func (b *browser) wait(what, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf("!!(%s)", cond),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(step-time.Second))); err != nil {
		b.t.Fatalf("waiting for %s (%s): %v\n%s", what, cond, err, b.diagnose())
	}
}

// diagnose describes the page: where it is, the error banner and its text.
func (b *browser) diagnose() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		url: location.href,
		banner: document.getElementById('error-banner')?.hidden ? '' : document.getElementById('error-banner')?.innerText,
		text: document.body.innerText.slice(0, 1500)})`))
	if err != nil {
		return "(page state unavailable: " + err.Error() + ")"
	}
	return s
}

// open goes to a page of the console, by hash on an already loaded console.
func (b *browser) open(page string) {
	b.t.Helper()
	b.do("open "+page, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %q", page)))
	b.wait(page+" rendered", fmt.Sprintf("location.hash.startsWith(%q) && document.body.dataset.page === %q", page, strings.TrimPrefix(page, "#/")))
}

func (b *browser) load(url string) {
	b.t.Helper()
	b.do("load "+url, chromedp.Navigate(url))
	b.wait("console ready", `document.body.dataset.ready === 'true'`)
}

// typeIn empties an input and types text into it key by key.
func (b *browser) typeIn(id, text string) {
	b.t.Helper()
	b.setInput(id, "")
	b.do("type into #"+id, chromedp.SendKeys(chromedp.ID(id), text))
}

func (b *browser) click(id string) {
	b.t.Helper()
	b.do("click #"+id, chromedp.Click(chromedp.ID(id)))
}

// setInput sets an input's value as a person would (an input event follows),
// for inputs keys cannot fill, such as a colour picker.
func (b *browser) setInput(id, value string) {
	b.t.Helper()
	b.do("set #"+id, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
	})()`, id, value)))
}

func (b *browser) text(id string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf("document.getElementById(%q)?.textContent ?? ''", id))
}

// banner waits for the error banner and returns its code and text.
func (b *browser) banner() (code, text string) {
	b.t.Helper()
	b.wait("the error banner", `!document.getElementById('error-banner').hidden`)
	return b.text("error-code"), b.text("error-banner")
}

func (b *browser) noBanner() {
	b.t.Helper()
	if hidden := eval[bool](b, `document.getElementById('error-banner').hidden`); !hidden {
		b.t.Fatalf("unexpected error banner: %s", b.text("error-banner"))
	}
}

// labelled fails the test when a form control has no <label for> or a button
// has no text: the console is used with screen readers and keyboards too.
func (b *browser) labelled() {
	b.t.Helper()
	bad := eval[[]string](b, `[
		...[...document.querySelectorAll('#view input:not([type=hidden]), #view select, #view textarea')]
			.filter(el => !el.id || !document.querySelector('label[for="' + CSS.escape(el.id) + '"]'))
			.map(el => 'unlabelled ' + el.tagName.toLowerCase() + '#' + el.id),
		...[...document.querySelectorAll('button')].filter(el => !el.textContent.trim())
			.map(el => 'button without text #' + el.id),
	]`)
	if len(bad) > 0 {
		b.t.Fatalf("%s: %v", eval[string](b, "location.hash"), bad)
	}
}

// previewColour is the computed background of the preview's play button.
func (b *browser) previewColour() string {
	b.t.Helper()
	return eval[string](b, `getComputedStyle(document.getElementById('preview-play')).backgroundColor`)
}

func suffix() string {
	p := make([]byte, 4)
	_, _ = rand.Read(p)
	return hex.EncodeToString(p)
}

func writeLogo(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for x := 0; x < 64; x++ {
		for y := 0; y < 32; y++ {
			img.Set(x, y, color.RGBA{R: 200, G: uint8(x * 4), B: 40, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// branding reads the tenant's branding from the service, not the UI.
func branding(t *testing.T, m *platform.Main, slug string) (primary, appName string, hasLogo bool) {
	t.Helper()
	ctx := context.Background()
	id, err := m.Tenants.ResolveSlug(ctx, slug)
	if err != nil {
		t.Fatalf("ResolveSlug %s: %v", slug, err)
	}
	tn, err := m.Tenants.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return tn.Branding.PrimaryColor, tn.Branding.AppName, tn.Branding.LogoKey != ""
}

func invitedEmails(t *testing.T, m *platform.Main, slug string) []string {
	t.Helper()
	ctx := context.Background()
	id, err := m.Tenants.ResolveSlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := m.Tenants.ListInvitations(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, inv := range invs {
		out = append(out, inv.Email)
	}
	return out
}

var acceptLinkRe = regexp.MustCompile(`https?://\S+/console/#/accept\?token=(mqi_[A-Za-z0-9_-]+)`)

// An owner signs up, brands the apps with a live preview, invites an
// analyst, who accepts in another browser and then finds that the server
// refuses what the role may not do, even with the console's guards removed;
// a promotion and a removal reach the member's console live.
func TestOwnerBrandsInvitesAndAnalystMeetsRoleLimits(t *testing.T) {
	m := platformtest.Start(t, nil)
	base := m.URL()
	sfx := suffix()
	slug := "acme-films-" + sfx
	ownerEmail := "owner@" + slug + ".example.com"
	analystEmail := "ana@" + slug + ".example.com"
	const password = "Correct-horse-42"

	// Sign up.
	owner := newBrowser(t)
	owner.load(base + "/console/#/signup")
	owner.labelled()
	owner.typeIn("signup-company", "Acme Films "+sfx)
	if got := eval[string](owner, `document.getElementById('signup-slug').value`); got != slug {
		t.Fatalf("suggested slug %q, want %q", got, slug)
	}
	owner.typeIn("signup-name", "Olive Owner")
	owner.typeIn("signup-email", ownerEmail)
	owner.typeIn("signup-password", password)
	owner.click("signup-submit")
	owner.wait("signed in as owner", `document.getElementById('whoami-role').textContent === 'Owner'`)
	owner.wait("the overview", `location.hash === '#/overview'`)
	if got := owner.text("tenant-slug"); got != slug {
		t.Fatalf("sidebar slug %q, want %q", got, slug)
	}

	// Branding: the preview follows the inputs before anything is saved.
	owner.open("#/branding")
	owner.labelled()
	before := owner.previewColour()
	owner.setInput("branding-primary", "#ff0000")
	owner.wait("preview in red", `getComputedStyle(document.getElementById('preview-play')).backgroundColor === 'rgb(255, 0, 0)'`)
	if before == "rgb(255, 0, 0)" {
		t.Fatalf("the preview was red before the change")
	}
	if got := eval[string](owner, `document.getElementById('branding-primary-hex').value`); got != "#ff0000" {
		t.Fatalf("hex field %q after picking #ff0000", got)
	}
	owner.setInput("branding-accent-hex", "#00CC88")
	owner.wait("accent in preview", `getComputedStyle(document.querySelector('.preview-progress-bar')).backgroundColor === 'rgb(0, 204, 136)'`)
	owner.typeIn("branding-app-name", "Acme TV")
	owner.wait("app name in preview", `document.getElementById('preview-app-name').textContent === 'Acme TV'`)
	owner.wait("unsaved changes shown", `document.getElementById('branding-status').dataset.dirty === 'true'`)
	if p, _, _ := branding(t, m, slug); p == "#ff0000" {
		t.Fatal("the colour was saved before Save")
	}

	// The logo shows from the file before upload, then from the server.
	logo := writeLogo(t)
	owner.do("choose logo", chromedp.SetUploadFiles(chromedp.ID("branding-logo"), []string{logo}))
	owner.wait("logo previewed from the file", `(() => { const i = document.getElementById('preview-logo'); return !i.hidden && i.src.startsWith('blob:'); })()`)
	owner.click("branding-logo-upload")
	owner.wait("logo served by the platform", `document.getElementById('preview-logo').src.includes('/branding/') && !document.getElementById('preview-logo').hidden`)
	owner.noBanner()

	owner.click("branding-save")
	owner.wait("saved", `document.getElementById('branding-status').dataset.dirty === 'false'`)
	owner.noBanner()
	if p, name, hasLogo := branding(t, m, slug); !strings.EqualFold(p, "#ff0000") || name != "Acme TV" || !hasLogo {
		t.Fatalf("stored branding: primary %q, app name %q, logo %v", p, name, hasLogo)
	}

	// A reload reads it back from the server.
	owner.do("reload", chromedp.Reload())
	owner.wait("console ready", `document.body.dataset.ready === 'true' && document.body.dataset.page === 'branding'`)
	if got := eval[string](owner, `document.getElementById('branding-primary').value`); got != "#ff0000" {
		t.Fatalf("after reload the primary colour is %q", got)
	}
	if got := owner.previewColour(); got != "rgb(255, 0, 0)" {
		t.Fatalf("after reload the preview is %s", got)
	}
	if got := eval[string](owner, `document.getElementById('branding-app-name').value`); got != "Acme TV" {
		t.Fatalf("after reload the app name is %q", got)
	}
	owner.wait("logo after reload", `document.getElementById('preview-logo').src.includes('/branding/')`)

	// Invite an analyst.
	owner.open("#/team")
	owner.wait("team loaded", `document.getElementById('team-list').dataset.loaded === 'true'`)
	owner.wait("owner listed", fmt.Sprintf(`document.querySelector('#team-list tr[data-email=%q]')`, ownerEmail))
	owner.typeIn("invite-email", analystEmail)
	owner.do("choose analyst", chromedp.SetValue(chromedp.ID("invite-role"), "ANALYST"))
	owner.click("invite-submit")
	owner.wait("pending invitation", fmt.Sprintf(`document.querySelector('#invitation-list tr[data-email=%q]')`, analystEmail))
	owner.noBanner()
	owner.labelled()

	msgs, err := m.DevMail.List(analystEmail)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("invitation mail to %s: %d messages, %v", analystEmail, len(msgs), err)
	}
	match := acceptLinkRe.FindStringSubmatch(msgs[0].Text)
	if match == nil {
		t.Fatalf("no accept link in the invitation:\n%s", msgs[0].Text)
	}
	link := match[0]
	if !strings.HasPrefix(link, base+"/console/#/accept?token=mqi_") {
		t.Fatalf("accept link %q does not point at this console (%s)", link, base)
	}

	// The dev mailbox page lists it, with the link.
	owner.open("#/mail")
	owner.wait("invitation in the dev mailbox", fmt.Sprintf(
		`[...document.querySelectorAll('#mail-list li')].some(li => li.dataset.to === %q && li.querySelector('a[href*="#/accept?token=mqi_"]'))`, analystEmail))
	owner.labelled()

	// Back on the team page, live.
	owner.open("#/team")
	owner.wait("team loaded", `document.getElementById('team-list').dataset.loaded === 'true'`)
	owner.wait("live updates", `document.getElementById('team-live').dataset.state === 'live'`)

	// The analyst accepts in a browser of their own.
	analyst := newBrowser(t)
	analyst.load(link)
	analyst.wait("accept page", `document.body.dataset.page === 'accept' && document.getElementById('accept-token').value.startsWith('mqi_')`)
	analyst.labelled()
	analyst.typeIn("accept-name", "Ana Analyst")
	analyst.typeIn("accept-password", password)
	analyst.click("accept-submit")
	analyst.wait("signed in as analyst", `document.getElementById('whoami-role').textContent === 'Analyst'`)
	if got := analyst.text("whoami-email"); got != analystEmail {
		t.Fatalf("analyst whoami %q", got)
	}

	// The owner's team page shows the new member without a reload, and the
	// invitation is no longer pending.
	owner.wait("analyst appears live", fmt.Sprintf(`document.querySelector('#team-list tr[data-email=%q][data-role="ANALYST"]')`, analystEmail))
	owner.wait("invitation gone", fmt.Sprintf(`!document.querySelector('#invitation-list tr[data-email=%q]')`, analystEmail))

	// The analyst's console hides what the role cannot use.
	if hidden := eval[bool](analyst, `document.querySelector('#nav a[data-route="keys"]').closest('li').hidden`); !hidden {
		t.Error("analyst sees the keys page in the navigation")
	}

	// Inviting: the form is disabled; forced open, the server still refuses.
	analyst.open("#/team")
	analyst.wait("team loaded", `document.getElementById('team-list').dataset.loaded === 'true'`)
	if disabled := eval[bool](analyst, `document.getElementById('invite-fields').disabled`); !disabled {
		t.Fatal("the invite form is enabled for an analyst")
	}
	if n := eval[int](analyst, `document.querySelectorAll('#team-list select, #team-list button').length`); n != 0 {
		t.Fatalf("analyst gets %d role or remove controls", n)
	}
	analyst.do("bypass the guard", chromedp.Evaluate[chromedp.Void](`document.getElementById('invite-fields').disabled = false`))
	analyst.typeIn("invite-email", "mallory@"+slug+".example.com")
	analyst.click("invite-submit")
	if code, text := analyst.banner(); code != "FORBIDDEN" || !strings.Contains(text, "FORBIDDEN") {
		t.Fatalf("invite as analyst: banner %q (%s)", code, text)
	}
	for _, e := range invitedEmails(t, m, slug) {
		if strings.HasPrefix(e, "mallory@") {
			t.Fatal("the analyst's invitation was recorded")
		}
	}

	// Branding: the same.
	analyst.open("#/branding")
	if disabled := eval[bool](analyst, `document.getElementById('branding-fields').disabled`); !disabled {
		t.Fatal("the branding form is enabled for an analyst")
	}
	analyst.noBanner() // moving on cleared the last refusal
	analyst.do("bypass the guard", chromedp.Evaluate[chromedp.Void](`document.getElementById('branding-fields').disabled = false`))
	analyst.setInput("branding-primary", "#00ff00")
	analyst.wait("the preview still follows", `getComputedStyle(document.getElementById('preview-play')).backgroundColor === 'rgb(0, 255, 0)'`)
	analyst.click("branding-save")
	if code, text := analyst.banner(); code != "FORBIDDEN" || !strings.Contains(text, "Analyst") {
		t.Fatalf("branding as analyst: banner %q (%s)", code, text)
	}
	if p, name, _ := branding(t, m, slug); !strings.EqualFold(p, "#ff0000") || name != "Acme TV" {
		t.Fatalf("the analyst changed the branding: primary %q, app name %q", p, name)
	}

	// The owner promotes the analyst to editor: the member's console follows
	// live, and the server now takes the same save.
	owner.open("#/team")
	owner.wait("team loaded", `document.getElementById('team-list').dataset.loaded === 'true'`)
	staffID := eval[string](owner, fmt.Sprintf(`document.querySelector('#team-list tr[data-email=%q]').id.replace('staff-', '')`, analystEmail))
	owner.setInput("role-"+staffID, "EDITOR")
	owner.wait("role changed", fmt.Sprintf(`document.querySelector('#team-list tr[data-email=%q]').dataset.role === 'EDITOR'`, analystEmail))
	analyst.wait("promoted live", `document.getElementById('whoami-role').textContent === 'Editor'`)
	analyst.wait("branding editable", `document.body.dataset.page === 'branding' && !document.getElementById('branding-fields').disabled`)
	analyst.setInput("branding-primary", "#0000ff")
	analyst.click("branding-save")
	analyst.wait("saved as editor", `document.getElementById('branding-status').dataset.dirty === 'false'`)
	analyst.noBanner()
	if p, _, _ := branding(t, m, slug); !strings.EqualFold(p, "#0000ff") {
		t.Fatalf("the editor's save did not land: primary %q", p)
	}

	// The owner removes them: their console signs out on its own.
	owner.click("remove-" + staffID)
	owner.click("confirm-ok")
	owner.wait("member gone", fmt.Sprintf(`!document.querySelector('#team-list tr[data-email=%q]')`, analystEmail))
	analyst.wait("signed out", `document.body.dataset.page === 'login' && document.getElementById('whoami-role').textContent === ''`)
	owner.noBanner()
}

// signIn logs in through the console's login page.
func signIn(b *browser, base, slug, email string) {
	b.t.Helper()
	b.load(base + "/console/#/login")
	b.typeIn("login-slug", slug)
	b.typeIn("login-email", email)
	b.typeIn("login-password", platformtest.Password)
	b.click("login-submit")
	b.wait("signed in", `document.getElementById('whoami-role').textContent !== '' && document.body.dataset.page === 'overview'`)
}

// The audit log lists what staff did, a page at a time, oldest last.
func TestAuditPageListsStaffInvited(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	invitee := "ed@" + tn.Slug + ".example.com"
	tn.Owner.Must(t, `mutation($in: InviteInput!) { inviteStaff(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"email": invitee, "role": "EDITOR"}})
	// Enough later entries to push the invitation off the first page.
	for i := range 30 {
		tn.Owner.Must(t, `mutation($n: String!) { createAppKey(name: $n) { id } }`, map[string]any{"n": fmt.Sprintf("app %d", i)})
	}

	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/audit")
	b.wait("audit loaded", `document.getElementById('audit-list').dataset.loaded === 'true'`)
	b.labelled()
	if n := eval[int](b, `document.querySelectorAll('#audit-list tr.audit-row').length`); n != 25 {
		t.Fatalf("first page has %d entries, want 25", n)
	}
	if eval[bool](b, `!!document.querySelector('#audit-list tr[data-action="staff.invited"]')`) {
		t.Fatal("the oldest entry is on the first page")
	}
	// Newest first: the console's own sign-in, then the app keys.
	if got := eval[[]string](b, `[...document.querySelectorAll('#audit-list tr.audit-row')].slice(0, 2).map(tr => tr.dataset.action)`); len(got) != 2 || got[0] != "staff.login" || got[1] != "app_key.created" {
		t.Fatalf("newest entries %q, want staff.login then app_key.created", got)
	}
	b.click("audit-more")
	b.wait("invitation on the next page", `document.querySelector('#audit-list tr[data-action="staff.invited"]')`)
	row := eval[string](b, `document.querySelector('#audit-list tr[data-action="staff.invited"]').innerText`)
	if !strings.Contains(row, invitee) || !strings.Contains(row, tn.Email) {
		t.Fatalf("staff.invited row lacks the invitee or the actor: %q", row)
	}
	b.noBanner()
}

// API key secrets are shown once; app keys rotate; an analyst's console
// offers neither and the audit page tells them why.
func TestKeysShowSecretOnceAndRotate(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/keys")
	b.wait("keys loaded", `document.querySelector('#apikey-list tr')`)
	b.labelled()

	b.typeIn("apikey-name", "CMS sync")
	b.do("choose analyst", chromedp.SetValue(chromedp.ID("apikey-role"), "ANALYST"))
	b.click("apikey-submit")
	b.wait("secret shown", `!document.getElementById('apikey-secret-panel').hidden`)
	secret := eval[string](b, `document.getElementById('apikey-secret').value`)
	if len(secret) < 20 {
		t.Fatalf("secret %q", secret)
	}
	b.wait("key listed", `[...document.querySelectorAll('#apikey-list tr')].some(tr => tr.innerText.includes('CMS sync'))`)
	hint := eval[string](b, `[...document.querySelectorAll('#apikey-list tr')].find(tr => tr.innerText.includes('CMS sync')).querySelector('code').textContent`)
	if !strings.HasSuffix(secret, strings.TrimPrefix(hint, "…")) {
		t.Fatalf("hint %q does not end the secret", hint)
	}
	if strings.Contains(eval[string](b, `document.getElementById('apikey-list').innerText`), secret) {
		t.Fatal("the list shows the secret")
	}
	// The secret works as a bearer credential with its role.
	c := platformtest.Client{URL: m.URL(), Token: secret}
	if r := c.Do(t, `mutation { createAppKey(name: "by key") { id } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("analyst key creating an app key: %v", r.Codes())
	}
	b.click("apikey-secret-done")
	if v := eval[string](b, `document.getElementById('apikey-secret').value`); v != "" || !eval[bool](b, `document.getElementById('apikey-secret-panel').hidden`) {
		t.Fatal("the secret stays on the page")
	}
	// Revoke it.
	b.do("revoke", chromedp.Evaluate[chromedp.Void](`document.querySelector('#apikey-list button[id^="revoke-apikey-"]').click()`))
	b.click("confirm-ok")
	b.wait("revoked", `document.querySelector('#apikey-list .status-revoked')`)
	if r := c.Do(t, `{ tenant { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked key still works: %v (status %d)", r.Codes(), r.Status)
	}

	// App keys: create, then rotate.
	b.typeIn("appkey-name", "Roku app")
	b.click("appkey-submit")
	b.wait("app key listed", `document.querySelectorAll('#appkey-list tr[id^="appkey-"]').length === 1`)
	first := eval[string](b, `document.querySelector('#appkey-list code.app-key').textContent`)
	b.do("rotate", chromedp.Evaluate[chromedp.Void](`document.querySelector('#appkey-list button[id^="rotate-appkey-"]').click()`))
	b.click("confirm-ok")
	b.wait("rotated", `document.querySelectorAll('#appkey-list tr[id^="appkey-"]').length === 2 && document.querySelector('#appkey-list .status-revoked')`)
	b.labelled()
	keys := eval[[]string](b, `[...document.querySelectorAll('#appkey-list tr:not(.revoked) code.app-key')].map(c => c.textContent)`)
	if len(keys) != 1 || keys[0] == first {
		t.Fatalf("active app keys after rotation: %v (first %s)", keys, first)
	}
	b.noBanner()

	// An analyst's console shows no keys and no audit log, and says why.
	platformtest.AddStaff(t, m, tn, "al@"+tn.Slug+".example.com", "ANALYST")
	b2 := newBrowser(t)
	signIn(b2, m.URL(), tn.Slug, "al@"+tn.Slug+".example.com")
	b2.open("#/keys")
	b2.wait("read-only notice", `document.getElementById('keys-readonly')`)
	if eval[bool](b2, `!!document.getElementById('apikey-list')?.isConnected`) {
		t.Fatal("an analyst sees the API key list")
	}
	b2.open("#/audit")
	b2.wait("audit notice", `document.getElementById('audit-readonly')`)
}

var codeRe = regexp.MustCompile(`is: (\S+)`)

// mailedCode returns the code in the newest email to whom with subject.
func mailedCode(t *testing.T, m *platform.Main, to, subject string) string {
	t.Helper()
	msgs, err := m.DevMail.List(to)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range msgs {
		if strings.Contains(msg.Subject, subject) {
			if c := codeRe.FindStringSubmatch(msg.Text); c != nil {
				return c[1]
			}
		}
	}
	t.Fatalf("no %q email with a code to %s among %d", subject, to, len(msgs))
	return ""
}

// The account's own pages: a refused sign-up names the field, the emailed
// code verifies the address, logging out ends the session, and a forgotten
// password is reset with an emailed code.
func TestSignUpVerifyLogoutAndResetPassword(t *testing.T) {
	m := platformtest.Start(t, nil)
	base := m.URL()
	slug := "reel-" + suffix()
	email := "olga@" + slug + ".example.com"
	b := newBrowser(t)

	b.load(base + "/console/#/signup")
	b.typeIn("signup-company", "Reel Co")
	b.typeIn("signup-slug", "console") // well formed, but reserved
	b.typeIn("signup-name", "Olga")
	b.typeIn("signup-email", email)
	b.typeIn("signup-password", "first-Password-1")
	b.click("signup-submit")
	if code, text := b.banner(); code != "BAD_USER_INPUT" || !strings.Contains(text, "reserved") {
		t.Fatalf("reserved slug: banner %q (%s)", code, text)
	}
	b.wait("slug marked", `document.getElementById('signup-slug').getAttribute('aria-invalid') === 'true' && !document.getElementById('signup-slug-error').hidden`)
	b.typeIn("signup-slug", slug)
	b.click("signup-submit")
	b.wait("signed in", `document.body.dataset.page === 'overview' && document.getElementById('whoami-role').textContent === 'Owner'`)
	b.noBanner()

	// Verify the email with the mailed code.
	if got := b.text("overview-verified"); got != "not verified" {
		t.Fatalf("fresh owner's email status %q", got)
	}
	b.typeIn("verify-code", mailedCode(t, m, email, "Verify"))
	b.click("verify-submit")
	b.wait("verified", `document.getElementById('overview-verified').textContent === 'verified'`)
	b.labelled()

	// Log out: the cookie is gone, so private pages send you to sign in.
	b.click("logout")
	b.wait("signed out", `document.body.dataset.page === 'login'`)
	b.load(base + "/console/#/team")
	b.wait("sent to sign in", `document.body.dataset.page === 'login' && location.hash === '#/login?next=team'`)

	// Reset the password.
	b.open("#/forgot")
	b.typeIn("reset-slug", slug)
	b.typeIn("reset-email", email)
	b.click("reset-request")
	b.wait("code form", `!document.getElementById('reset-form').hidden`)
	b.labelled()
	b.typeIn("reset-code", mailedCode(t, m, email, "Reset"))
	b.typeIn("reset-password", "second-Password-2")
	b.click("reset-submit")
	b.wait("back to sign in", `document.body.dataset.page === 'login' && document.getElementById('login-slug').value === `+fmt.Sprintf("%q", slug))
	b.typeIn("login-email", email)
	b.typeIn("login-password", "second-Password-2")
	b.click("login-submit")
	b.wait("signed in with the new password", `document.body.dataset.page === 'overview' && document.getElementById('whoami-email').textContent === `+fmt.Sprintf("%q", email))
	b.noBanner()
}
