package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/platform/platformtest"
)

// A manager, before Stripe is connected, is told viewers cannot buy yet and
// where to connect; sells a rule-based collection as a bundle (a rental with
// its windows and a purchase), sees it listed with the titles it covers,
// is refused an empty collection with a clear banner, and retires the
// bundle; an analyst sees the list and no controls.
func TestBundlesPage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	for _, name := range []string{"Noir one", "Noir two"} {
		tn.Owner.Must(t, `mutation($n: String!) { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: $n}]}) { id } }`, map[string]any{"n": name})
	}
	rule := platformtest.Str(tn.Owner.Must(t, `mutation { createCollection(input: {name: "All films", rule: {kinds: [MOVIE]}}) { id } }`, nil), "createCollection", "id")
	empty := platformtest.Str(tn.Owner.Must(t, `mutation { createCollection(input: {name: "Empty shelf"}) { id } }`, nil), "createCollection", "id")

	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/bundles")
	b.wait("the page", `document.getElementById('bundle-list')?.dataset.loaded === 'true' && document.getElementById('bundle-selling')?.dataset.loaded === 'true'`)
	b.labelled()
	b.noBanner()
	if got := b.text("bundle-cannot-sell"); !strings.Contains(got, "no Stripe account is connected") {
		t.Errorf("the selling notice = %q", got)
	}
	if href := eval[string](b, `document.getElementById('bundle-connect-link').getAttribute('href')`); href != "#/money" {
		t.Errorf("connect link = %q", href)
	}
	if got := b.text("bundle-collection"); !strings.Contains(got, "All films (rule-based)") || !strings.Contains(got, "Empty shelf (hand-picked)") {
		t.Errorf("collection chooser = %q", got)
	}

	b.typeIn("bundle-name", "Nothing inside")
	b.setInput("bundle-collection", empty)
	b.click("bundle-submit")
	if code, text := b.banner(); code != "BAD_USER_INPUT" || !strings.Contains(text, "holds no titles") {
		t.Fatalf("an empty collection: %s %q", code, text)
	}

	b.typeIn("bundle-name", "Noir box")
	b.setInput("bundle-collection", rule)
	b.typeIn("bundle-amount-0", "5.99")
	b.typeIn("bundle-hours-0", "72")
	b.typeIn("bundle-window-0", "14")
	b.typeIn("bundle-amount-1", "19.99")
	b.click("bundle-submit")
	b.wait("the bundle listed", `document.getElementById('bundle-list').textContent.includes('Noir box')`)
	b.noBanner()
	got := b.text("bundle-list")
	for _, want := range []string{"All films", "rule-based", "2 titles", "rent 5.99 USD (72 h to watch, 14 days to start)", "buy 19.99 USD", "on sale"} {
		if !strings.Contains(got, want) {
			t.Errorf("bundle row %q lacks %q", got, want)
		}
	}
	d := tn.Owner.Must(t, `{ bundles { id collectionId titleCount offers { kind currency amount rentalHours purchaseWindowDays } } }`, nil)
	bundle := platformtest.Str(d, "bundles", 0, "id")
	if platformtest.Str(d, "bundles", 0, "collectionId") != rule || len(platformtest.Get(d, "bundles", 0, "offers").([]any)) != 2 ||
		!strings.Contains(fmt.Sprint(d), "rentalHours:72") || !strings.Contains(fmt.Sprint(d), "amount:1999") {
		t.Errorf("stored bundle = %v", d)
	}

	b.click("retire-bundle-" + bundle)
	b.click("confirm-ok")
	b.wait("the bundle retired", fmt.Sprintf(`document.getElementById('bundle-%s')?.dataset.retired === 'true'`, bundle))
	b.noBanner()
	if eval[bool](b, `!!document.getElementById('retire-bundle-`+bundle+`')`) {
		t.Error("a retired bundle can be retired again")
	}

	email := "an-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "ANALYST")
	an := newBrowser(t)
	signIn(an, m.URL(), tn.Slug, email)
	an.open("#/bundles")
	an.wait("the list", `document.getElementById('bundle-list')?.dataset.loaded === 'true'`)
	an.labelled()
	an.noBanner()
	if !strings.Contains(an.text("bundle-list"), "Noir box") || !strings.Contains(an.text("bundle-readonly"), "owner or admin") {
		t.Errorf("analyst sees %q / %q", an.text("bundle-list"), an.text("bundle-readonly"))
	}
	if eval[bool](an, `!!document.getElementById('bundle-form') || !!document.querySelector('[id^=retire-bundle-]')`) {
		t.Error("an analyst sees bundle controls")
	}
}

// A manager is refused an event starting in the past, schedules one with
// ticket prices in two currencies, makes it free and renames it; a ticket
// is then sold, and canceling asks to refund it and does; an analyst sees
// the events and no controls.
func TestEventsPage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	tn.Owner.Must(t, `mutation { connectStripe { url } }`, nil)
	local := func(at time.Time) string { return at.Local().Format("2006-01-02T15:04") }
	tomorrow := time.Now().Add(24 * time.Hour).Truncate(time.Minute)

	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/events")
	b.wait("the page", `document.getElementById('event-upcoming')?.dataset.loaded === 'true'`)
	b.labelled()
	b.noBanner()

	b.typeIn("event-name", "Yesterday's match")
	b.setInput("event-starts", local(time.Now().Add(-24*time.Hour)))
	b.setInput("event-ends", local(time.Now().Add(-22*time.Hour)))
	b.click("event-submit")
	if code, text := b.banner(); code != "BAD_USER_INPUT" || !strings.Contains(text, "future") {
		t.Fatalf("an event in the past: %s %q", code, text)
	}
	if eval[string](b, `document.getElementById('event-starts').getAttribute('aria-invalid')`) != "true" {
		t.Error("the start time is not marked")
	}

	b.typeIn("event-name", "Final")
	b.setInput("event-starts", local(tomorrow))
	b.setInput("event-ends", local(tomorrow.Add(2*time.Hour)))
	b.typeIn("event-amount-0", "4.99")
	b.click("event-add-price")
	b.typeIn("event-currency-1", "EUR")
	b.typeIn("event-amount-1", "3.99")
	b.click("event-submit")
	b.wait("the event listed", `document.getElementById('event-upcoming').textContent.includes('Final')`)
	b.noBanner()
	if got := b.text("event-upcoming"); !strings.Contains(got, "3.99 EUR") || !strings.Contains(got, "4.99 USD") || !strings.Contains(got, "scheduled") {
		t.Errorf("event row = %q", got)
	}
	d := tn.Owner.Must(t, `{ liveEvents { id startsAt offers { currency amount } } }`, nil)
	event := platformtest.Str(d, "liveEvents", 0, "id")
	if at, _ := time.Parse(time.RFC3339, platformtest.Str(d, "liveEvents", 0, "startsAt")); !at.Equal(tomorrow) || len(platformtest.Get(d, "liveEvents", 0, "offers").([]any)) != 2 {
		t.Errorf("stored event = %v (want start %v)", d, tomorrow)
	}

	b.click("edit-event-" + event)
	b.wait("the form edits it", `document.getElementById('event-form').dataset.editing === '`+event+`' && document.getElementById('event-name').value === 'Final'`)
	b.labelled()
	b.typeIn("event-name", "Grand final")
	b.setInput("event-ticketing", "FREE")
	b.click("event-submit")
	b.wait("the change listed", `document.getElementById('event-upcoming').textContent.includes('Grand final')`)
	b.noBanner()
	d = tn.Owner.Must(t, `{ liveEvents { name offers { currency } } }`, nil)
	if platformtest.Str(d, "liveEvents", 0, "name") != "Grand final" || len(platformtest.Get(d, "liveEvents", 0, "offers").([]any)) != 0 {
		t.Errorf("after making it free: %v", d)
	}

	// A ticket sold (as Stripe's paid Checkout would have left it).
	v := platformtest.SignUpViewer(t, m, platformtest.AppKey(t, tn.Owner))
	viewer := platformtest.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	inTenant(t, m, tn.ID, func(ctx context.Context, tx db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO entitlements (tenant_id, id, viewer_id, source, external_id, verification, kind, scope, event_id,
			status, starts_at, created_at, updated_at) VALUES ($1, $2, $3, 'stripe', $4, '{"amount": 499, "currency": "usd"}', 'ppv',
			'event', $5, 'paid', now(), now(), now())`, tn.ID, uuid.New(), viewer, "pi_ticket_"+suffix(), event)
		return err
	})
	b.open("#/overview")
	b.open("#/events")
	b.wait("the ticket counted", `document.getElementById('event-sold-`+event+`')?.textContent === '1'`)
	b.click("cancel-event-" + event)
	b.wait("the refund asked", `document.getElementById('confirm-dialog').open`)
	if got := b.text("confirm-body"); !strings.Contains(got, "1 ticket is sold") || !strings.Contains(got, "refunded in full") {
		t.Errorf("confirmation = %q", got)
	}
	b.click("confirm-ok")
	b.wait("canceled", `document.getElementById('event-past').querySelector('[data-status="CANCELED"]')`)
	b.noBanner()
	if d := tn.Owner.Must(t, `query($e: ID!) { liveEvent(id: $e) { status ticketsSold } }`, map[string]any{"e": event}); platformtest.Str(d, "liveEvent", "status") != "CANCELED" ||
		platformtest.Str(d, "liveEvent", "ticketsSold") != "0" {
		t.Errorf("after canceling: %v", d)
	}

	email := "an-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "ANALYST")
	an := newBrowser(t)
	signIn(an, m.URL(), tn.Slug, email)
	an.open("#/events")
	an.wait("the events", `document.getElementById('event-upcoming')?.dataset.loaded === 'true'`)
	an.labelled()
	an.noBanner()
	if !strings.Contains(an.text("event-past"), "Grand final") || !strings.Contains(an.text("event-readonly"), "editor schedules") {
		t.Errorf("analyst sees %q / %q", an.text("event-past"), an.text("event-readonly"))
	}
	if eval[bool](an, `!!document.getElementById('event-form') || !!document.querySelector('[id^=edit-event-], [id^=cancel-event-]')`) {
		t.Error("an analyst sees event controls")
	}
}

// The operator defines a platform plan with metered prices, is refused a
// second plan of the same name, and retires the plan (the tenant's Plan &
// usage page no longer offers it); a tenant's owner opening the page is
// sent to the operator sign-in.
func TestOperatorPlansPage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	op := platformtest.NewOperator(t, m)

	b := newBrowser(t)
	b.load(m.URL() + "/console/#/operator/plans")
	b.wait("sent to the operator sign-in", `document.body.dataset.page === 'operator/login'`)
	b.typeIn("operator-email", op.Email)
	b.typeIn("operator-password", op.Password)
	b.click("operator-login-submit")
	b.wait("enrolment offered", `document.getElementById('operator-totp-secret')`)
	b.typeIn("operator-code", platformtest.TOTPCode(t, eval[string](b, `document.getElementById('operator-totp-secret').value`)))
	b.click("operator-verify")
	b.wait("the plans", `document.body.dataset.page === 'operator/plans' && document.getElementById('op-plan-list')?.dataset.loaded === 'true'`)
	b.labelled()
	b.noBanner()

	name := "Growth " + suffix()
	b.typeIn("op-plan-name", name)
	b.typeIn("op-plan-base", "49")
	b.typeIn("op-plan-included-ENCODED_MINUTES", "100")
	b.typeIn("op-plan-overage-ENCODED_MINUTES", "0.015")
	b.typeIn("op-plan-overage-APP_BUILDS", "1")
	b.click("op-plan-submit")
	b.wait("the plan listed", fmt.Sprintf(`document.getElementById('op-plan-list').textContent.includes(%q)`, name))
	b.noBanner()
	got := b.text("op-plan-list")
	for _, want := range []string{"49.00 USD a month", "100 minutes included, then 0.015 USD each", "0 builds included, then 1 USD each", "offered"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan row %q lacks %q", got, want)
		}
	}
	plans, err := m.PlatformBilling.Plans(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var plan string
	for _, p := range plans {
		if p.Name == name {
			plan = p.ID.String()
			if p.MonthlyAmount != 4900 || len(p.Metrics) != 2 {
				t.Errorf("stored plan = %+v", p)
			}
		}
	}

	b.typeIn("op-plan-name", name)
	b.click("op-plan-submit")
	if code, text := b.banner(); code != "CONFLICT" || !strings.Contains(text, "already named") {
		t.Fatalf("the same name again: %s %q", code, text)
	}

	b.click("op-retire-plan-" + plan)
	b.click("confirm-ok")
	b.wait("the plan retired", fmt.Sprintf(`document.getElementById('op-plan-%s')?.dataset.active === 'false'`, plan))
	b.noBanner()
	if d := tn.Owner.Must(t, `{ platformPlans { id } }`, nil); strings.Contains(fmt.Sprint(d), plan) {
		t.Errorf("tenants still offered the retired plan: %v", d)
	}
	b.click("op-plans-back")
	b.wait("the tenants", `document.body.dataset.page === 'operator/tenants' && document.getElementById('op-plans-link')`)

	staff := newBrowser(t)
	signIn(staff, m.URL(), tn.Slug, tn.Email)
	staff.do("open the operator plans", chromedp.Evaluate[chromedp.Void](`location.hash = '#/operator/plans'`))
	staff.wait("sent to the operator sign-in", `document.body.dataset.page === 'operator/login' && location.hash.includes('next=operator%2Fplans')`)
	if eval[bool](staff, `!!document.getElementById('op-plan-form')`) {
		t.Error("a tenant's owner reaches the operator's plans")
	}
}
