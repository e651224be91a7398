package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// sellingWorkspace signs up a workspace, connects Stripe and makes it able
// to sell (a signed account.updated); it returns the account id.
func sellingWorkspace(t *testing.T, m *platform.Main) (pt.Tenant, string) {
	t.Helper()
	ten := pt.SignUp(t, m)
	acct := pt.Str(ten.Owner.Must(t, `mutation { connectStripe { connection { accountId } } }`, nil), "connectStripe", "connection", "accountId")
	if st := postStripeEvent(t, m, "whsec_local", time.Now(), accountUpdated(acct, true)); st != http.StatusOK {
		t.Fatalf("account.updated: %d", st)
	}
	return ten, acct
}

func paidSession(acct string, meta map[string]any, pi string) map[string]any {
	return map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": "checkout.session.completed", "account": acct,
		"created": time.Now().Unix(), "api_version": "2023-10-16",
		"data": map[string]any{"object": map[string]any{"id": "cs_" + pi, "object": "checkout.session", "mode": "payment",
			"payment_status": "paid", "status": "complete", "payment_intent": pi, "metadata": meta}}}
}

// Bundles through GraphQL: MANAGE makes, changes and retires them (an
// editor or analyst is FORBIDDEN; READ lists); the storefront lists them, a
// title's bundles and a bundle's detail; checkoutBundle needs a viewer and
// a currency the bundle is sold in; the paid session (three deliveries)
// grants one entitlement; another workspace gets NOT_FOUND everywhere.
func TestBundlesThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten, acct := sellingWorkspace(t, m)
	other, _ := sellingWorkspace(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	var titles []string
	for i := range 2 {
		id := pt.Str(ten.Owner.Must(t, fmt.Sprintf(`mutation { createTitle(input: {kind: MOVIE, localizations: [{language: "en", title: "Film %d"}]}) { id } }`, i), nil), "createTitle", "id")
		ten.Owner.Must(t, `mutation($t: ID!) { publishTitle(id: $t) { id } }`, map[string]any{"t": id})
		ten.Owner.Must(t, `mutation($t: ID!) { setTitleAccess(titleId: $t, model: TVOD) }`, map[string]any{"t": id})
		titles = append(titles, id)
	}
	coll := pt.Str(ten.Owner.Must(t, `mutation { createCollection(input: {name: "Duo"}) { id } }`, nil), "createCollection", "id")
	empty := pt.Str(ten.Owner.Must(t, `mutation { createCollection(input: {name: "Empty"}) { id } }`, nil), "createCollection", "id")
	ten.Owner.Must(t, `mutation($c: ID!, $t: [ID!]!) { setCollectionItems(id: $c, titleIds: $t) { id } }`, map[string]any{"c": coll, "t": titles})

	const create = `mutation($in: CreateBundleInput!) { createBundle(input: $in) { id name collectionId retiredAt offers { id kind currency amount rentalHours purchaseWindowDays } } }`
	in := func(c string) map[string]any {
		return map[string]any{"in": map[string]any{"name": "Duo", "collectionId": c, "offers": []any{
			map[string]any{"kind": "RENT", "currency": "USD", "amount": 699, "rentalHours": 48},
			map[string]any{"kind": "BUY", "currency": "usd", "amount": 1999}}}}
	}
	for name, c := range map[string]pt.Client{"editor": ed, "analyst": an} {
		if r := c.Do(t, create, in(coll)); r.Code() != "FORBIDDEN" {
			t.Errorf("%s creating a bundle: %v", name, r.Codes())
		}
	}
	if r := ten.Owner.Do(t, create, in(empty)); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a bundle with no titles: %v", r.Codes())
	}
	if r := other.Owner.Do(t, create, in(coll)); r.Code() != "NOT_FOUND" {
		t.Errorf("a bundle of another workspace's collection: %v", r.Codes())
	}
	d := ten.Owner.Must(t, create, in(coll))
	bundle := pt.Str(d, "createBundle", "id")
	rentOffer := ""
	for i := range pt.Get(d, "createBundle", "offers").([]any) {
		if pt.Str(d, "createBundle", "offers", i, "kind") == "RENT" {
			rentOffer = pt.Str(d, "createBundle", "offers", i, "id")
		}
	}
	if pt.Str(d, "createBundle", "collectionId") != coll || len(pt.Get(d, "createBundle", "offers").([]any)) != 2 {
		t.Fatalf("createBundle = %v", d)
	}
	if d := an.Must(t, `{ bundles { id titleCount } }`, nil); len(pt.Get(d, "bundles").([]any)) != 1 || pt.Str(d, "bundles", 0, "titleCount") != "2" {
		t.Errorf("analyst lists %v", d)
	}
	const one = `query($b: ID!) { bundle(id: $b) { id } }`
	if r := other.Owner.Do(t, one, map[string]any{"b": bundle}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace reads the bundle: %v", r.Codes())
	}
	if d := other.Owner.Must(t, `{ bundles { id } }`, nil); len(pt.Get(d, "bundles").([]any)) != 0 {
		t.Errorf("another workspace lists %v", d)
	}
	const update = `mutation($b: ID!, $in: UpdateBundleInput!) { updateBundle(id: $b, input: $in) { name offers { kind currency } } }`
	if r := other.Owner.Do(t, update, map[string]any{"b": bundle, "in": map[string]any{"name": "Mine"}}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace updates: %v", r.Codes())
	}
	if r := an.Do(t, update, map[string]any{"b": bundle, "in": map[string]any{"name": "Mine"}}); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst updates: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, update, map[string]any{"b": bundle, "in": map[string]any{"name": "The duo"}}); pt.Str(d, "updateBundle", "name") != "The duo" {
		t.Errorf("updateBundle = %v", d)
	}

	key := pt.AppKey(t, ten.Owner)
	app := pt.Client{URL: m.URL(), AppKey: key}
	if r := app.Do(t, `{ storefront { bundles { titleCount } } }`, nil); r.Code() == "" {
		t.Error("a storefront client reads a bundle's staff-only title count")
	}
	d = app.Must(t, `query($t: ID!) { storefront { bundles { id name } title(id: $t) { bundles { id offers { kind amount } } } } }`, map[string]any{"t": titles[0]})
	if pt.Str(d, "storefront", "bundles", 0, "id") != bundle || pt.Str(d, "storefront", "title", "bundles", 0, "id") != bundle {
		t.Errorf("storefront bundles = %v", d)
	}
	const detail = `query($b: ID!) { storefront { bundle(id: $b) { id name } } }`
	if d := app.Must(t, detail, map[string]any{"b": bundle}); pt.Str(d, "storefront", "bundle", "name") != "The duo" {
		t.Errorf("storefront bundle = %v", d)
	}
	otherApp := pt.Client{URL: m.URL(), AppKey: pt.AppKey(t, other.Owner)}
	if r := otherApp.Do(t, detail, map[string]any{"b": bundle}); r.Code() != "NOT_FOUND" {
		t.Errorf("another storefront reads the bundle: %v", r.Codes())
	}
	if d := otherApp.Must(t, `{ storefront { bundles { id } } }`, nil); len(pt.Get(d, "storefront", "bundles").([]any)) != 0 {
		t.Errorf("another storefront lists %v", d)
	}

	const checkout = `mutation($b: ID!, $m: OfferKind!, $c: String!) { checkoutBundle(bundleId: $b, mode: $m, currency: $c) { url } }`
	if r := app.Do(t, checkout, map[string]any{"b": bundle, "m": "RENT", "c": "usd"}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("checkout without a viewer: %v", r.Codes())
	}
	v := pt.SignUpViewer(t, m, key)
	if r := v.Client.Do(t, checkout, map[string]any{"b": bundle, "m": "RENT", "c": "eur"}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a currency the bundle is not sold in: %v", r.Codes())
	}
	stranger := pt.SignUpViewer(t, m, pt.AppKey(t, other.Owner))
	if r := stranger.Client.Do(t, checkout, map[string]any{"b": bundle, "m": "RENT", "c": "usd"}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's viewer buys the bundle: %v", r.Codes())
	}
	if d := v.Client.Must(t, checkout, map[string]any{"b": bundle, "m": "RENT", "c": "usd"}); !strings.HasPrefix(pt.Str(d, "checkoutBundle", "url"), "http") {
		t.Errorf("checkoutBundle = %v", d)
	}
	viewer := pt.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	ev := paidSession(acct, map[string]any{"marquee_tenant": ten.ID, "marquee_viewer": viewer, "marquee_bundle_offer": rentOffer}, "pi_gql_bundle")
	for range 3 {
		if st := postStripeEvent(t, m, "whsec_local", time.Now(), ev); st != http.StatusOK {
			t.Fatalf("checkout.session.completed: %d", st)
		}
	}
	d = v.Client.Must(t, `{ storefront { myEntitlements { id scope collectionIds kind } } }`, nil)
	if ents := pt.Get(d, "storefront", "myEntitlements").([]any); len(ents) != 1 || pt.Str(d, "storefront", "myEntitlements", 0, "scope") != "COLLECTIONS" ||
		pt.Str(d, "storefront", "myEntitlements", 0, "collectionIds", 0) != coll {
		t.Fatalf("entitlements after three deliveries = %v", d)
	}

	const retire = `mutation($b: ID!) { retireBundle(id: $b) { retiredAt } }`
	if r := other.Owner.Do(t, retire, map[string]any{"b": bundle}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace retires: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, retire, map[string]any{"b": bundle}); pt.Get(d, "retireBundle", "retiredAt") == nil {
		t.Errorf("retireBundle = %v", d)
	}
	if r := app.Do(t, detail, map[string]any{"b": bundle}); r.Code() != "NOT_FOUND" {
		t.Errorf("a retired bundle on the storefront: %v", r.Codes())
	}
}

// Live events through GraphQL: an editor schedules and changes them (an
// analyst is FORBIDDEN), one in the past is BAD_USER_INPUT; MANAGE prices
// tickets; the storefront lists upcoming events with prices; checkoutEvent
// needs a viewer; the paid ticket makes mayWatchEvent true; canceling is
// CONFLICT while tickets stand and refunds them with refund: true; another
// workspace gets NOT_FOUND for every field.
func TestLiveEventsThroughGraphQL(t *testing.T) {
	m := startWithStripe(t)
	ten, acct := sellingWorkspace(t, m)
	other, _ := sellingWorkspace(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	start := time.Now().Add(24 * time.Hour).UTC()
	const create = `mutation($in: CreateLiveEventInput!) { createLiveEvent(input: $in) { id name status startsAt titleId } }`
	in := func(at time.Time) map[string]any {
		return map[string]any{"in": map[string]any{"name": "Final", "startsAt": at.Format(time.RFC3339), "endsAt": at.Add(2 * time.Hour).Format(time.RFC3339)}}
	}
	if r := an.Do(t, create, in(start)); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst schedules: %v", r.Codes())
	}
	if r := ed.Do(t, create, in(time.Now().Add(-time.Hour))); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("an event in the past: %v", r.Codes())
	}
	d := ed.Must(t, create, in(start))
	event := pt.Str(d, "createLiveEvent", "id")
	if pt.Str(d, "createLiveEvent", "status") != "SCHEDULED" {
		t.Fatalf("createLiveEvent = %v", d)
	}
	const update = `mutation($e: ID!, $in: UpdateLiveEventInput!) { updateLiveEvent(id: $e, input: $in) { name description } }`
	if d := ed.Must(t, update, map[string]any{"e": event, "in": map[string]any{"description": "the big one"}}); pt.Str(d, "updateLiveEvent", "description") != "the big one" {
		t.Errorf("updateLiveEvent = %v", d)
	}
	if r := other.Owner.Do(t, update, map[string]any{"e": event, "in": map[string]any{"name": "x"}}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace updates: %v", r.Codes())
	}
	const setOffer = `mutation($e: ID!) { setEventOffer(eventId: $e, currency: "USD", amount: 1500) { id eventId currency amount } }`
	if r := ed.Do(t, setOffer, map[string]any{"e": event}); r.Code() != "FORBIDDEN" {
		t.Errorf("an editor prices tickets: %v", r.Codes())
	}
	if r := other.Owner.Do(t, setOffer, map[string]any{"e": event}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace prices tickets: %v", r.Codes())
	}
	d = ten.Owner.Must(t, setOffer, map[string]any{"e": event})
	offer := pt.Str(d, "setEventOffer", "id")
	if pt.Str(d, "setEventOffer", "currency") != "usd" {
		t.Errorf("setEventOffer = %v", d)
	}
	const staffRead = `query($e: ID!) { liveEvent(id: $e) { id offers { amount } } }`
	if d := an.Must(t, staffRead, map[string]any{"e": event}); pt.Str(d, "liveEvent", "offers", 0, "amount") != "1500" {
		t.Errorf("analyst reads %v", d)
	}
	if r := other.Owner.Do(t, staffRead, map[string]any{"e": event}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace reads the event: %v", r.Codes())
	}
	if d := other.Owner.Must(t, `{ liveEvents { id } }`, nil); len(pt.Get(d, "liveEvents").([]any)) != 0 {
		t.Errorf("another workspace lists %v", d)
	}
	if r := other.Owner.Do(t, `mutation($e: ID!) { removeEventOffer(eventId: $e, currency: "usd") }`, map[string]any{"e": event}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace removes a price: %v", r.Codes())
	}

	key := pt.AppKey(t, ten.Owner)
	app := pt.Client{URL: m.URL(), AppKey: key}
	d = app.Must(t, `{ storefront { upcomingEvents { id name offers { currency amount } } } }`, nil)
	if pt.Str(d, "storefront", "upcomingEvents", 0, "id") != event || pt.Str(d, "storefront", "upcomingEvents", 0, "offers", 0, "amount") != "1500" {
		t.Errorf("upcomingEvents = %v", d)
	}
	otherApp := pt.Client{URL: m.URL(), AppKey: pt.AppKey(t, other.Owner)}
	if d := otherApp.Must(t, `{ storefront { upcomingEvents { id } } }`, nil); len(pt.Get(d, "storefront", "upcomingEvents").([]any)) != 0 {
		t.Errorf("another storefront lists %v", d)
	}
	if r := otherApp.Do(t, `query($e: ID!) { storefront { liveEvent(id: $e) { id } } }`, map[string]any{"e": event}); r.Code() != "NOT_FOUND" {
		t.Errorf("another storefront reads the event: %v", r.Codes())
	}
	const checkout = `mutation($e: ID!, $c: String!) { checkoutEvent(eventId: $e, currency: $c) { url } }`
	const may = `query($e: ID!) { storefront { mayWatchEvent(eventId: $e) } }`
	if r := app.Do(t, checkout, map[string]any{"e": event, "c": "usd"}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("checkout without a viewer: %v", r.Codes())
	}
	if r := app.Do(t, may, map[string]any{"e": event}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("mayWatchEvent without a viewer: %v", r.Codes())
	}
	v := pt.SignUpViewer(t, m, key)
	stranger := pt.SignUpViewer(t, m, pt.AppKey(t, other.Owner))
	if r := stranger.Client.Do(t, checkout, map[string]any{"e": event, "c": "usd"}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's viewer buys a ticket: %v", r.Codes())
	}
	if r := v.Client.Do(t, checkout, map[string]any{"e": event, "c": "gbp"}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a currency the event is not sold in: %v", r.Codes())
	}
	if d := v.Client.Must(t, checkout, map[string]any{"e": event, "c": "usd"}); !strings.HasPrefix(pt.Str(d, "checkoutEvent", "url"), "http") {
		t.Errorf("checkoutEvent = %v", d)
	}
	if d := v.Client.Must(t, may, map[string]any{"e": event}); pt.Str(d, "storefront", "mayWatchEvent") != "false" {
		t.Errorf("may watch before paying: %v", d)
	}
	viewer := pt.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	ev := paidSession(acct, map[string]any{"marquee_tenant": ten.ID, "marquee_viewer": viewer, "marquee_event_offer": offer}, "pi_gql_ticket")
	for range 3 {
		if st := postStripeEvent(t, m, "whsec_local", time.Now(), ev); st != http.StatusOK {
			t.Fatalf("checkout.session.completed: %d", st)
		}
	}
	if d := v.Client.Must(t, may, map[string]any{"e": event}); pt.Str(d, "storefront", "mayWatchEvent") != "true" {
		t.Errorf("may not watch after paying: %v", d)
	}
	if d := stranger.Client.Must(t, may, map[string]any{"e": event}); pt.Str(d, "storefront", "mayWatchEvent") != "false" {
		t.Errorf("another workspace's viewer may watch: %v", d)
	}
	if d := v.Client.Must(t, `{ storefront { myEntitlements { kind scope eventId } } }`, nil); len(pt.Get(d, "storefront", "myEntitlements").([]any)) != 1 ||
		pt.Str(d, "storefront", "myEntitlements", 0, "eventId") != event {
		t.Errorf("tickets = %v", d)
	}

	const sold = `query($e: ID!) { liveEvent(id: $e) { ticketsSold } }`
	if d := an.Must(t, sold, map[string]any{"e": event}); pt.Str(d, "liveEvent", "ticketsSold") != "1" {
		t.Errorf("tickets sold after one paid three times: %v", d)
	}
	if r := v.Client.Do(t, `query($e: ID!) { storefront { liveEvent(id: $e) { ticketsSold } } }`, map[string]any{"e": event}); r.Code() == "" {
		t.Error("a viewer reads the tickets sold")
	}

	const cancel = `mutation($e: ID!, $r: Boolean!) { cancelLiveEvent(id: $e, refund: $r) { status } }`
	if r := ed.Do(t, cancel, map[string]any{"e": event, "r": true}); r.Code() != "FORBIDDEN" {
		t.Errorf("an editor cancels with refunds: %v", r.Codes())
	}
	if r := other.Owner.Do(t, cancel, map[string]any{"e": event, "r": true}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace cancels: %v", r.Codes())
	}
	if r := ten.Owner.Do(t, cancel, map[string]any{"e": event, "r": false}); r.Code() != "CONFLICT" {
		t.Errorf("cancel with tickets sold, no refund: %v", r.Codes())
	}
	if d := ten.Owner.Must(t, cancel, map[string]any{"e": event, "r": true}); pt.Str(d, "cancelLiveEvent", "status") != "CANCELED" {
		t.Errorf("cancelLiveEvent = %v", d)
	}
	if d := an.Must(t, sold, map[string]any{"e": event}); pt.Str(d, "liveEvent", "ticketsSold") != "0" {
		t.Errorf("tickets sold after refunding them: %v", d)
	}
	if d := v.Client.Must(t, may, map[string]any{"e": event}); pt.Str(d, "storefront", "mayWatchEvent") != "false" {
		t.Errorf("a refunded ticket still admits: %v", d)
	}
	if r := v.Client.Do(t, checkout, map[string]any{"e": event, "c": "usd"}); r.Code() != "CONFLICT" {
		t.Errorf("checkout of a canceled event: %v", r.Codes())
	}
}
