package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/platform"
	"github.com/marquee-ott/marquee/platform/platformtest"
)

// inTenant runs statements as the tenant, to write the ledger rows Stripe's
// events would have left.
func inTenant(t *testing.T, m *platform.Main, tenant string, fn func(ctx context.Context, tx db.Tx) error) {
	t.Helper()
	if err := m.DB.InTenant(context.Background(), uuid.MustParse(tenant), func(tx db.Tx) error { return fn(context.Background(), tx) }); err != nil {
		t.Fatal(err)
	}
}

// A manager makes a plan with monthly and annual prices in two currencies,
// over a chosen collection, with ads, and retires a plan; an analyst sees
// the subscribers (filtered by status) and revenue by model, and no plan
// controls.
func TestMoneyPlansSubscribersRevenuePage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	tn.Owner.Must(t, `mutation { connectStripe { url } }`, nil)
	coll := platformtest.Str(tn.Owner.Must(t, `mutation { createCollection(input: {name: "Classics"}) { id } }`, nil), "createCollection", "id")
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/money")
	b.wait("the page", `document.getElementById('plan-list')?.dataset.loaded === 'true' && document.getElementById('subscriber-list')?.dataset.loaded === 'true' && document.getElementById('revenue-totals')?.dataset.loaded === 'true'`)
	b.setInput("plan-scope", "COLLECTIONS")
	b.labelled()
	b.noBanner()

	b.typeIn("plan-name", "Classics club")
	b.click("plan-collection-" + coll)
	b.typeIn("plan-annual", "99")
	b.click("plan-add-currency")
	b.typeIn("plan-currency-1", "EUR")
	b.typeIn("plan-monthly-1", "8.99")
	b.setInput("plan-ads", "true")
	b.typeIn("plan-trial", "0")
	b.click("plan-submit")
	b.wait("the plan listed", `document.getElementById('plan-list').textContent.includes('Classics club')`)
	b.noBanner()
	got := b.text("plan-list")
	for _, want := range []string{"9.99 USD a month", "99.00 USD a year", "8.99 EUR a month", "Classics", "with ads", "on sale"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan row %q lacks %q", got, want)
		}
	}
	d := tn.Owner.Must(t, `{ plans { id name scope collectionIds ads trialDays prices { interval currency amount } } }`, nil)
	plan := platformtest.Str(d, "plans", 0, "id")
	if platformtest.Str(d, "plans", 0, "scope") != "COLLECTIONS" || platformtest.Str(d, "plans", 0, "collectionIds", 0) != coll ||
		len(platformtest.Get(d, "plans", 0, "prices").([]any)) != 3 || platformtest.Str(d, "plans", 0, "ads") != "true" {
		t.Errorf("stored plan = %v", d)
	}

	b.click("retire-plan-" + plan)
	b.click("confirm-ok")
	b.wait("the plan retired", fmt.Sprintf(`document.getElementById('plan-%s')?.dataset.active === 'false'`, plan))
	if strings.Contains(b.text("plan-list"), "Retire") {
		t.Error("a retired plan can be retired again")
	}
	if d := tn.Owner.Must(t, `{ plans { active } }`, nil); platformtest.Str(d, "plans", 0, "active") != "false" {
		t.Errorf("after retiring: %v", d)
	}

	// A subscriber and a purchase in the ledger.
	v := platformtest.SignUpViewer(t, m, platformtest.AppKey(t, tn.Owner))
	viewer := platformtest.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	title := platformtest.Str(tn.Owner.Must(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Sold film"}]}) { id } }`, nil), "createTitle", "id")
	now := time.Now().UTC().Truncate(time.Second)
	inTenant(t, m, tn.ID, func(ctx context.Context, tx db.Tx) error {
		var price string
		if err := tx.QueryRow(ctx, `SELECT stripe_price_id FROM billing_plan_prices WHERE plan_id = $1 AND currency = 'usd' AND billing_interval = 'month'`, plan).Scan(&price); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, collection_ids,
			plan_id, status, starts_at, ends_at, created_at, updated_at) VALUES ($1, $2, $3, 'stripe', 'sub_console', jsonb_build_object('price', $4::text,
			'current_period_end', $5::bigint), 'svod', 'collections', ARRAY[$6::uuid], $7, 'active', $8, $9, $8, $8)`,
			tn.ID, uuid.New(), viewer, price, now.Add(20*24*time.Hour).Unix(), coll, plan, now.Add(-10*24*time.Hour), now.Add(20*24*time.Hour)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, title_id,
			status, starts_at, created_at, updated_at) VALUES ($1, $2, $3, 'stripe', 'pi_console', '{"amount": 1299, "currency": "usd"}', 'tvod_buy',
			'title', $4, 'paid', $5, $5, $5)`, tn.ID, uuid.New(), viewer, title, now.Add(-2*24*time.Hour)); err != nil {
			return err
		}
		// The subscription's paid invoice, as invoice.paid records it: 10.99 with 1.00 tax.
		_, err := tx.Exec(ctx, `INSERT INTO subscription_invoices (tenant_id, invoice_id, viewer_id, subscription_id, plan_id, currency,
			amount_paid, tax, paid_at, created_at) VALUES ($1, 'in_console', $2, 'sub_console', $3, 'usd', 1099, 100, $4, $4)`,
			tn.ID, viewer, plan, now.Add(-10*24*time.Hour))
		return err
	})

	email := "an-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "ANALYST")
	an := newBrowser(t)
	signIn(an, m.URL(), tn.Slug, email)
	an.open("#/money")
	an.wait("subscribers and revenue", `document.getElementById('subscriber-list')?.dataset.loaded === 'true' && document.getElementById('revenue-totals')?.dataset.loaded === 'true'`)
	an.labelled()
	an.noBanner()
	if got := an.text("subscriber-list"); !strings.Contains(got, v.Email) || !strings.Contains(got, "Classics club") || !strings.Contains(got, "Active") {
		t.Errorf("subscribers = %q", got)
	}
	if got := an.text("subscriber-count"); got != "1 in all" {
		t.Errorf("subscriber count = %q", got)
	}
	// The invoice's 10.99 less its 1.00 tax.
	if got := an.text("revenue-totals"); !strings.Contains(got, "Purchases12.99 USD1") || !strings.Contains(got, "Subscriptions9.99 USD") {
		t.Errorf("revenue = %q", got)
	}
	if got := an.text("revenue-months"); !strings.Contains(got, "Purchases") {
		t.Errorf("revenue by month = %q", got)
	}
	an.setInput("subscriber-status", "TRIALING")
	an.wait("no trialing subscribers", `document.getElementById('subscriber-list').textContent.includes('No subscribers.')`)
	an.setInput("subscriber-status", "ACTIVE")
	an.wait("the active subscriber", fmt.Sprintf(`document.getElementById('subscriber-list').textContent.includes(%q)`, v.Email))
	if eval[bool](an, `!!document.getElementById('plan-card') || !!document.querySelector('[id^=retire-plan-]')`) {
		t.Error("an analyst sees plan controls")
	}
}

// From a title's row in the Library a manager sets a rental price (viewing
// and purchase windows) and a purchase price in another currency, removes
// one, and makes the title TVOD; an editor has no Prices button.
func TestTitlePricesPage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	title := platformtest.Str(tn.Owner.Must(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Rental film"}]}) { id } }`, nil), "createTitle", "id")
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/library")
	b.wait("titles loaded", `document.getElementById('title-list').dataset.loaded === 'true' && document.getElementById('prices-title-`+title+`')`)
	b.click("prices-title-" + title)
	b.wait("the prices", `document.getElementById('offer-list')?.dataset.loaded === 'true' && document.getElementById('offer-list').textContent.includes('Not for rent or sale.')`)
	b.labelled()

	b.typeIn("offer-amount", "3.99")
	b.typeIn("offer-hours", "72")
	b.typeIn("offer-window", "14")
	b.click("offer-submit")
	b.wait("the rental price", `document.getElementById('offer-list').textContent.includes('3.99 USD')`)
	b.noBanner()
	if got := b.text("offer-list"); !strings.Contains(got, "72 h") || !strings.Contains(got, "14 days") {
		t.Errorf("rental row = %q", got)
	}
	b.setInput("offer-kind", "BUY")
	b.typeIn("offer-currency", "eur")
	b.typeIn("offer-amount", "12.99")
	b.click("offer-submit")
	b.wait("the purchase price", `document.getElementById('offer-list').textContent.includes('12.99 EUR')`)
	b.noBanner()
	// Yen have no minor unit: 500 typed is 500 sent and shown, not 50000.
	b.typeIn("offer-currency", "jpy")
	b.typeIn("offer-amount", "500")
	b.click("offer-submit")
	b.wait("the yen price", `document.getElementById('offer-list').textContent.includes('500 JPY')`)
	b.noBanner()
	d := tn.Owner.Must(t, `query($t: ID!) { titleOffers(titleId: $t) { id kind currency amount rentalHours purchaseWindowDays } }`, map[string]any{"t": title})
	offers := platformtest.Get(d, "titleOffers").([]any)
	if len(offers) != 3 {
		t.Fatalf("offers = %v", d)
	}
	var rent string
	for i := range offers {
		if platformtest.Str(d, "titleOffers", i, "currency") == "jpy" && platformtest.Str(d, "titleOffers", i, "amount") != "500" {
			t.Errorf("yen price stored = %v", d)
		}
		if platformtest.Str(d, "titleOffers", i, "kind") == "RENT" {
			rent = platformtest.Str(d, "titleOffers", i, "id")
			if platformtest.Str(d, "titleOffers", i, "rentalHours") != "72" || platformtest.Str(d, "titleOffers", i, "purchaseWindowDays") != "14" || platformtest.Str(d, "titleOffers", i, "amount") != "399" {
				t.Errorf("rental stored = %v", d)
			}
		}
	}
	b.click("remove-offer-" + rent)
	b.wait("the rental removed", `document.getElementById('offer-list').dataset.loaded === 'true' && !document.getElementById('offer-list').textContent.includes('3.99 USD') && document.getElementById('offer-list').textContent.includes('12.99 EUR')`)
	b.click("offer-tvod")
	b.wait("sold as TVOD", `document.getElementById('offer-tvod').dataset.done === 'true'`)
	b.noBanner()
	d = tn.Owner.Must(t, `{ auditLog(first: 20) { edges { node { action } } } }`, nil)
	for _, a := range []string{"billing.title_offer_set", "billing.title_offer_removed", "billing.title_access_set"} {
		if !strings.Contains(fmt.Sprint(d), a) {
			t.Errorf("%s not audited", a)
		}
	}

	email := "ed-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "EDITOR")
	ed := newBrowser(t)
	signIn(ed, m.URL(), tn.Slug, email)
	ed.open("#/library")
	ed.wait("titles loaded", `document.getElementById('title-list').dataset.loaded === 'true' && document.getElementById('edit-title-`+title+`')`)
	if eval[bool](ed, `!!document.getElementById('prices-title-`+title+`')`) {
		t.Error("an editor can set prices")
	}
}

// Viewer support: a manager finds a viewer by email, sees their purchase,
// refunds it with a reason, gives free access for ten days and signs every
// device out, each in the audit log; an analyst gets no support tools.
func TestSupportPage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	tn.Owner.Must(t, `mutation { connectStripe { url } }`, nil)
	v := platformtest.SignUpViewer(t, m, platformtest.AppKey(t, tn.Owner))
	viewer := platformtest.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	title := platformtest.Str(tn.Owner.Must(t, `mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Bought film"}]}) { id } }`, nil), "createTitle", "id")
	bought := uuid.New()
	inTenant(t, m, tn.ID, func(ctx context.Context, tx db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, title_id,
			status, starts_at, created_at, updated_at) VALUES ($1, $2, $3, 'stripe', $4, '{"amount": 1299, "currency": "usd"}', 'tvod_buy',
			'title', $5, 'paid', now(), now(), now())`, tn.ID, bought, viewer, "pi_support_"+suffix(), title)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO subscription_invoices (tenant_id, invoice_id, viewer_id, subscription_id, currency, amount_paid, tax,
			paid_at, created_at) VALUES ($1, 'in_support', $2, 'sub_support', 'jpy', 1200, 100, now(), now())`, tn.ID, viewer)
		return err
	})

	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/support")
	b.wait("the viewers", `document.getElementById('support-results')?.dataset.loaded === 'true'`)
	b.labelled()
	b.noBanner()
	b.typeIn("support-search", v.Email[:12])
	b.click("support-find")
	// The first list already holds the viewer; wait for the rows of this
	// search, or the click lands on a row that is being replaced.
	b.wait("the viewer found", fmt.Sprintf(`document.getElementById('support-results').dataset.search === %q && document.getElementById('support-open-%s')`, v.Email[:12], viewer))
	b.click("support-open-" + viewer)
	b.wait("their entitlements", `document.getElementById('support-entitlements')?.dataset.loaded === 'true'`)
	b.labelled()
	if got := b.text("support-entitlements"); !strings.Contains(got, "Purchase") || !strings.Contains(got, "Bought film") {
		t.Errorf("entitlements = %q", got)
	}
	// Yen have no minor unit: 1200 is 1200 JPY, not 12.
	if got := b.text("support-invoice-in_support"); !strings.Contains(got, "1200 JPY") || !strings.Contains(got, "in_support") {
		t.Errorf("subscription payment = %q", got)
	}

	b.typeIn("support-reason", "Did not play")
	b.click("support-refund-" + bought.String())
	b.click("confirm-ok")
	b.wait("refunded", `document.getElementById('support-ent-`+bought.String()+`')?.dataset.revoked === 'true'`)
	b.noBanner()

	b.typeIn("grant-days", "10")
	b.typeIn("grant-note", "sorry")
	b.click("grant-submit")
	b.wait("the grant listed", `document.getElementById('support-entitlements').textContent.includes('Free access')`)
	b.noBanner()
	d := tn.Owner.Must(t, `query($v: ID!) { viewerEntitlements(viewerId: $v) { id kind endsAt revokeReason } }`, map[string]any{"v": viewer})
	var grantEnds time.Time
	for i := range platformtest.Get(d, "viewerEntitlements").([]any) {
		switch platformtest.Str(d, "viewerEntitlements", i, "kind") {
		case "grant":
			grantEnds, _ = time.Parse(time.RFC3339, platformtest.Str(d, "viewerEntitlements", i, "endsAt"))
		case "tvod_buy":
			if got := platformtest.Str(d, "viewerEntitlements", i, "revokeReason"); got != "refunded: Did not play" {
				t.Errorf("refund reason = %q", got)
			}
		}
	}
	if want := time.Now().Add(10 * 24 * time.Hour); grantEnds.Before(want.Add(-time.Minute)) || grantEnds.After(want.Add(time.Minute)) {
		t.Errorf("the grant ends %v, want about %v", grantEnds, want)
	}

	b.click("support-signout")
	b.click("confirm-ok")
	b.wait("signed out", `document.getElementById('support-signout').dataset.done === 'true'`)
	b.noBanner()
	app := platformtest.Client{URL: m.URL(), AppKey: v.AppKey}
	if r := app.Do(t, `mutation($r: String!) { viewerRefresh(refreshToken: $r) { accessToken } }`, map[string]any{"r": v.Refresh}); r.Code() == "" {
		t.Error("the viewer's refresh token still works")
	}
	d = tn.Owner.Must(t, `{ auditLog(first: 20) { edges { node { action } } } }`, nil)
	for _, a := range []string{"billing.refunded", "billing.access_granted", "viewer.signed_out_everywhere"} {
		if !strings.Contains(fmt.Sprint(d), a) {
			t.Errorf("%s not audited", a)
		}
	}

	email := "an-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "ANALYST")
	an := newBrowser(t)
	signIn(an, m.URL(), tn.Slug, email)
	an.open("#/support")
	an.wait("the refusal", `!!document.getElementById('support-denied')`)
	if eval[bool](an, `!!document.getElementById('support-search')`) {
		t.Error("an analyst gets support tools")
	}
}

// A manager adds an annual price to a plan from its row on the Plans card;
// the row shows it once the list is read again; the same interval and
// currency again is refused with a CONFLICT banner.
func TestMoneyAddPriceToPlan(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	tn.Owner.Must(t, `mutation { connectStripe { url } }`, nil)
	plan := platformtest.Str(tn.Owner.Must(t, `mutation { createPlan(input: {name: "Basic", scope: LIBRARY, ads: true,
		prices: [{interval: MONTH, currency: "usd", amount: 599}]}) { id } }`, nil), "createPlan", "id")
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/money")
	b.wait("the plans", `document.getElementById('plan-list')?.dataset.loaded === 'true'`)
	b.click("add-price-open-" + plan)
	b.labelled()
	b.setInput("add-price-interval-"+plan, "YEAR")
	b.typeIn("add-price-amount-"+plan, "59.99")
	b.click("add-price-submit-" + plan)
	b.wait("the new price listed", fmt.Sprintf(`document.getElementById('plan-prices-%s')?.dataset.count === '2'`, plan))
	b.noBanner()
	if got := b.text("plan-prices-" + plan); !strings.Contains(got, "5.99 USD a month") || !strings.Contains(got, "59.99 USD a year") {
		t.Errorf("prices = %q", got)
	}
	d := tn.Owner.Must(t, `{ plans { prices { interval currency amount } } }`, nil)
	if len(platformtest.Get(d, "plans", 0, "prices").([]any)) != 2 || !strings.Contains(fmt.Sprint(d), "5999") {
		t.Errorf("stored prices = %v", d)
	}
	b.click("add-price-open-" + plan)
	b.typeIn("add-price-amount-"+plan, "49.99")
	b.click("add-price-submit-" + plan)
	if code, text := b.banner(); code != "CONFLICT" || !strings.Contains(text, "already has a year price in USD") {
		t.Errorf("banner %q %q", code, text)
	}
}
