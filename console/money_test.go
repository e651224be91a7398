package console_test

import (
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/platform/platformtest"
)

// The owner connects Stripe from the Money page (an onboarding link comes
// back), makes a monthly plan, sets how titles are sold by default and makes
// a promo code for a title, each listed; an analyst sees the sales figures and none of the
// controls.
func TestMoneyPage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	tn.Owner.Must(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Gift film"}]}) { id } }`, nil)
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)

	b.open("#/money")
	b.wait("the page", `document.getElementById('stripe-status')?.dataset.loaded === 'true' && document.getElementById('promo-list')?.dataset.loaded === 'true' && document.getElementById('plan-list')?.dataset.loaded === 'true' && document.getElementById('sales')?.dataset.loaded === 'true'`)
	b.labelled()
	b.noBanner()
	if !eval[bool](b, `!!document.getElementById('stripe-none')`) {
		t.Fatal("a new workspace shows a Stripe connection")
	}
	b.click("stripe-connect")
	b.wait("the onboarding link", `document.getElementById('stripe-onboarding-link')?.href.startsWith('http')`)
	if b.text("stripe-account") == "" {
		t.Error("no account after connecting")
	}

	b.typeIn("plan-name", "Premium")
	b.click("plan-submit")
	b.wait("the plan listed", `document.getElementById('plan-list').textContent.includes('Premium')`)
	b.noBanner()
	if got := b.text("plan-list"); !strings.Contains(got, "9.99 USD a month") || !strings.Contains(got, "7 days") {
		t.Errorf("plan row = %q", got)
	}

	b.setInput("default-access", "SVOD")
	b.wait("the default saved", `document.getElementById('default-access').dataset.saved === 'SVOD'`)

	b.typeIn("promo-code", "gift-2026")
	b.click("promo-submit")
	b.wait("the code listed", `document.getElementById('promo-list').textContent.includes('GIFT-2026')`)
	b.noBanner()
	if got := b.text("promo-list"); !strings.Contains(got, "Gift film") || !strings.Contains(got, "0 / 100") {
		t.Errorf("promo row = %q", got)
	}
	d := tn.Owner.Must(t, `{ defaultTitleAccess promoCodes { code kind } }`, nil)
	if platformtest.Str(d, "defaultTitleAccess") != "SVOD" || platformtest.Str(d, "promoCodes", 0, "kind") != "RENT" {
		t.Errorf("stored = %v", d)
	}

	email := "an-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "ANALYST")
	an := newBrowser(t)
	signIn(an, m.URL(), tn.Slug, email)
	an.open("#/money")
	an.wait("sales", `document.getElementById('sales')?.dataset.loaded === 'true'`)
	if eval[bool](an, `!!document.getElementById('stripe-card') || !!document.getElementById('promo-card') || !!document.getElementById('plan-card') || !document.getElementById('default-access').disabled`) {
		t.Error("an analyst sees money controls")
	}
}
