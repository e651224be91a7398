package console_test

import (
	"github.com/chromedp/chromedp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/marquee-ott/marquee/platform/platformtest"
)

func totpCode(t *testing.T, secret string, offset time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Invariant: once a member turns two-factor on in the console, the password
// alone no longer signs them in: the login page asks for the code, and only a
// right one starts the session. Recovery codes are shown once.
func TestSecurityPageEnrollsTwoFactorAndLoginAsksForTheCode(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)

	b.open("#/security")
	b.wait("security loaded", `document.getElementById('twofactor-status')?.textContent === 'off' && document.getElementById('session-list')?.dataset.loaded === 'true'`)
	b.labelled()
	if n := eval[int](b, `document.querySelectorAll('#session-list tr[id^="session-"]').length`); n != 2 {
		t.Fatalf("%d sessions listed, want 2 (the API sign-up and this browser)", n)
	}
	if got := eval[string](b, `document.querySelector('#session-list tr[data-current="true"]')?.dataset.device || ''`); got != "Headless Chrome on Linux" {
		t.Fatalf("current session's device %q", got)
	}

	// Enroll: the password, then the secret and its QR code, then a code.
	b.typeIn("twofactor-password", platformtest.Password)
	b.click("twofactor-enroll")
	b.wait("the secret", `!document.getElementById('twofactor-setup').hidden && document.getElementById('twofactor-secret').value.length >= 16`)
	b.wait("the QR code drawn", `document.getElementById('twofactor-qr').complete && document.getElementById('twofactor-qr').naturalWidth > 100`)
	b.labelled()
	secret := eval[string](b, `document.getElementById('twofactor-secret').value`)
	if href := eval[string](b, `document.getElementById('twofactor-otpauth').getAttribute('href')`); !strings.Contains(href, "secret="+secret) {
		t.Fatalf("otpauth link %q lacks the secret", href)
	}
	b.typeIn("twofactor-code", totpCode(t, secret, 0))
	b.click("twofactor-confirm")
	b.wait("recovery codes shown", `!document.getElementById('recovery-panel').hidden && document.querySelectorAll('#recovery-codes li').length === 10`)
	b.wait("status on", `document.getElementById('twofactor-status').textContent === 'on'`)
	b.noBanner()
	b.labelled()
	codes := eval[[]string](b, `[...document.querySelectorAll('#recovery-codes code')].map(c => c.textContent)`)
	b.click("recovery-done")
	if eval[int](b, `document.querySelectorAll('#recovery-codes li').length`) != 0 {
		t.Fatal("the recovery codes stay on the page")
	}
	if got := b.text("recovery-left"); got != "10 unused" {
		t.Fatalf("recovery codes left %q", got)
	}

	// Sign out the other session (the API sign-up's).
	b.click("signout-others")
	b.wait("one session left", `document.querySelectorAll('#session-list tr[id^="session-"]').length === 1`)
	if r := tn.Owner.Do(t, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the signed-out session still works: %v", r.Codes())
	}

	// Log out and in again: the password alone is not enough.
	b.click("logout")
	b.wait("signed out", `document.body.dataset.page === 'login'`)
	b.typeIn("login-slug", tn.Slug)
	b.typeIn("login-email", tn.Email)
	b.typeIn("login-password", platformtest.Password)
	b.click("login-submit")
	b.wait("asked for the code", `!document.getElementById('login-2fa-form').hidden && document.getElementById('login-form').hidden`)
	b.labelled()
	if role := b.text("whoami-role"); role != "" {
		t.Fatalf("signed in as %q before the second factor", role)
	}
	wrong := "000000"
	for _, d := range []time.Duration{-30, 0, 30, 60} {
		if totpCode(t, secret, d*time.Second) == wrong {
			wrong = "999999" // a clash with both in two minutes is beyond chance
		}
	}
	b.typeIn("login-code", wrong)
	b.click("login-code-submit")
	if code, _ := b.banner(); code != "BAD_USER_INPUT" {
		t.Fatalf("wrong code: banner %q", code)
	}
	if role := b.text("whoami-role"); role != "" {
		t.Fatalf("signed in as %q with a wrong code", role)
	}
	b.typeIn("login-code", totpCode(t, secret, 30*time.Second))
	b.click("login-code-submit")
	b.wait("signed in", `document.body.dataset.page === 'overview' && document.getElementById('whoami-role').textContent === 'Owner'`)
	b.noBanner()

	// A recovery code signs in too, once.
	b.click("logout")
	b.wait("signed out", `document.body.dataset.page === 'login'`)
	b.typeIn("login-email", tn.Email)
	b.typeIn("login-password", platformtest.Password)
	b.click("login-submit")
	b.wait("asked for the code", `!document.getElementById('login-2fa-form').hidden`)
	b.typeIn("login-code", codes[0])
	b.click("login-code-submit")
	b.wait("signed in with a recovery code", `document.body.dataset.page === 'overview'`)
	b.open("#/security")
	b.wait("nine left", `document.getElementById('recovery-left')?.textContent === '9 unused'`)
}

// Invariant: when the workspace requires two-factor, a member without it who
// signs in lands on the security page, and the rest of the console refuses
// them with the reason until they enroll.
func TestRequiredTwoFactorSendsMembersToTheSecurityPage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	email := "ed@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "EDITOR")

	// The owner turns two-factor on and requires it, in the console.
	owner := newBrowser(t)
	signIn(owner, m.URL(), tn.Slug, tn.Email)
	owner.open("#/security")
	owner.wait("loaded", `document.getElementById('twofactor-status')`)
	owner.typeIn("twofactor-password", platformtest.Password)
	owner.click("twofactor-enroll")
	owner.wait("the secret", `document.getElementById('twofactor-secret')?.value.length >= 16`)
	secret := eval[string](owner, `document.getElementById('twofactor-secret').value`)
	owner.typeIn("twofactor-code", totpCode(t, secret, 0))
	owner.click("twofactor-confirm")
	owner.wait("on", `document.getElementById('twofactor-status')?.textContent === 'on'`)
	owner.click("recovery-done")
	owner.click("require-twofactor")
	owner.wait("required", `document.getElementById('twofactor-required') === null && document.getElementById('require-twofactor').checked && !document.getElementById('require-twofactor').disabled`)
	owner.noBanner()
	if d := tn.Owner.Must(t, `{ tenant { requireTwoFactor } }`, nil); platformtest.Get(d, "tenant", "requireTwoFactor") != true {
		t.Fatalf("tenant = %v", d)
	}

	// The editor signs in and is sent to set it up.
	ed := newBrowser(t)
	ed.load(m.URL() + "/console/#/login")
	ed.typeIn("login-slug", tn.Slug)
	ed.typeIn("login-email", email)
	ed.typeIn("login-password", platformtest.Password)
	ed.click("login-submit")
	ed.wait("on the security page", `document.body.dataset.page === 'security' && document.getElementById('twofactor-required')`)
	ed.labelled()
	if eval[bool](ed, `!!document.getElementById('password-form')`) {
		t.Fatal("a member who must enroll is offered the password form")
	}
	// The team page is refused and the console sends the member straight back,
	// so wait for the fresh refusal rather than for the team page to render.
	eval[bool](ed, `(document.getElementById('error-banner').hidden = true)`)
	ed.do("open #/team", chromedp.Evaluate[chromedp.Void](`location.hash = '#/team'`))
	if code, text := ed.banner(); code != "FORBIDDEN" || !strings.Contains(text, "enroll first") {
		t.Fatalf("team page before enrolling: banner %q (%s)", code, text)
	}
	ed.wait("sent back to security", `document.body.dataset.page === 'security'`)

	ed.typeIn("twofactor-password", platformtest.Password)
	ed.click("twofactor-enroll")
	ed.wait("the secret", `document.getElementById('twofactor-secret')?.value.length >= 16`)
	edSecret := eval[string](ed, `document.getElementById('twofactor-secret').value`)
	ed.typeIn("twofactor-code", totpCode(t, edSecret, 0))
	ed.click("twofactor-confirm")
	ed.wait("enrolled", `document.getElementById('twofactor-status')?.textContent === 'on' && document.getElementById('password-form')`)
	ed.click("recovery-done")
	ed.open("#/team")
	ed.wait("team loads", `document.getElementById('team-list').dataset.loaded === 'true'`)
	ed.noBanner()
}
