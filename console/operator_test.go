package console_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/marquee-ott/marquee/platform/platformtest"
)

// The platform operator signs in to the same console with a password and,
// at the first sign-in, an authenticator it enrols there; lists the tenants
// with their usage; suspends one and sees its status. The tenant's staff,
// signed in elsewhere, are then told their workspace is suspended.
func TestOperatorConsoleSignsInListsTenantsAndSuspends(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	op := platformtest.NewOperator(t, m)
	staff := newBrowser(t)
	signIn(staff, m.URL(), tn.Slug, tn.Email)

	b := newBrowser(t)
	b.load(m.URL() + "/console/#/operator/tenants")
	b.wait("sent to the operator sign-in", `document.body.dataset.page === 'operator/login'`)
	b.labelled()
	b.typeIn("operator-email", op.Email)
	b.typeIn("operator-password", op.Password)
	b.click("operator-login-submit")
	b.wait("enrolment offered", `!document.getElementById('operator-totp-form').hidden && document.getElementById('operator-totp-secret')`)
	b.labelled()
	if !eval[bool](b, `document.getElementById('operator-qr')?.src.startsWith('data:image/png')`) {
		t.Fatal("no QR code to scan")
	}
	secret := eval[string](b, `document.getElementById('operator-totp-secret').value`)
	b.typeIn("operator-code", "000000")
	b.click("operator-verify")
	if code, _ := b.banner(); code != "BAD_USER_INPUT" {
		t.Fatalf("wrong code: banner %s", code)
	}
	b.typeIn("operator-code", platformtest.TOTPCode(t, secret))
	b.click("operator-verify")
	b.wait("tenants listed", `document.body.dataset.page === 'operator/tenants' && document.getElementById('op-tenant-list')?.dataset.loaded === 'true'`)
	b.noBanner()
	b.labelled()
	if got := b.text("whoami-email"); got != op.Email {
		t.Fatalf("signed in as %q", got)
	}
	b.wait("the tenant listed active", `document.getElementById('op-status-`+tn.Slug+`')?.dataset.status === 'ACTIVE'`)
	if eval[bool](b, `!document.querySelector('a[href="#/team"]').closest('ul').hidden`) {
		t.Fatal("the operator's console shows the staff pages")
	}

	b.click("op-open-" + tn.Slug)
	b.wait("tenant page", `document.body.dataset.page === 'operator/tenant' && document.getElementById('op-tenant-status')`)
	b.labelled()
	if got := b.text("op-usage-seats"); got != "1 staff, 0 invited" {
		t.Fatalf("seats = %q", got)
	}
	b.typeIn("op-suspend-reason", "chargeback on the last invoice")
	b.click("op-suspend")
	b.click("confirm-ok")
	b.wait("suspended", `document.getElementById('op-tenant-status')?.dataset.status === 'SUSPENDED'`)
	if got := b.text("op-tenant-reason"); got != "chargeback on the last invoice" {
		t.Fatalf("reason = %q", got)
	}
	b.open("#/operator/tenants")
	b.wait("the list shows it suspended", `document.getElementById('op-status-`+tn.Slug+`')?.dataset.status === 'SUSPENDED'`)
	b.noBanner()

	// The tenant's own console says so.
	staff.do("reload the staff console", chromedp.Reload())
	staff.wait("console ready", `document.body.dataset.ready === 'true'`)
	if code, _ := staff.banner(); code != "TENANT_SUSPENDED" {
		t.Fatalf("staff console while suspended: banner %s", code)
	}

	// Signing out ends the operator's session and goes back to its sign-in.
	b.click("logout")
	b.wait("signed out", `document.body.dataset.page === 'operator/login'`)
	b.do("back to the tenants", chromedp.Evaluate[chromedp.Void](`location.hash = '#/operator/tenants'`))
	b.wait("sent to sign in again", `document.body.dataset.page === 'operator/login' && location.hash.includes('next=operator')`)
}
