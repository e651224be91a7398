package console_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/platform/platformtest"
)

// hookDeadline bounds the wait for a webhook: the relay, a Temporal workflow
// and an HTTP request lie between an event and its receipt.
const hookDeadline = 30 * time.Second

// hook is one request the receiver got.
type hook struct {
	eventID   string // the Marquee-Event-Id header
	signature string // the Marquee-Signature header
	body      []byte
	at        time.Time
	event     struct {
		ID   string         `json:"id"`
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
}

// receiver is a tenant's webhook endpoint: it records every request and
// answers 200. The test checks the signatures, with the secret the console
// showed, which the receiver cannot know before the endpoint exists.
type receiver struct {
	t   *testing.T
	URL string
	mu  sync.Mutex
	got []hook
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil || req.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		h := hook{eventID: req.Header.Get(outbox.EventIDHeader), signature: req.Header.Get(outbox.SignatureHeader), body: body, at: time.Now()}
		if err := json.Unmarshal(body, &h.event); err != nil {
			t.Errorf("webhook body is not JSON: %v: %.300s", err, body)
		}
		r.mu.Lock()
		r.got = append(r.got, h)
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/marquee/webhooks"
	return r
}

func (r *receiver) all() []hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hook(nil), r.got...)
}

// await polls the received requests until cond holds, or fails the test.
func (r *receiver) await(what string, cond func([]hook) bool) []hook {
	r.t.Helper()
	deadline := time.Now().Add(hookDeadline)
	for {
		got := r.all()
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			types := make([]string, len(got))
			for i, h := range got {
				types[i] = h.event.Type + " " + h.eventID
			}
			r.t.Fatalf("waiting %s for %s: the receiver got %d requests: %v", hookDeadline, what, len(got), types)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ofEvent returns the requests that carried the event with id.
func ofEvent(hs []hook, id string) []hook {
	var out []hook
	for _, h := range hs {
		if h.eventID == id {
			out = append(out, h)
		}
	}
	return out
}

// verify checks a request's signature as a receiver would.
func verify(t *testing.T, secret string, h hook) error {
	t.Helper()
	return outbox.VerifySignature(secret, h.signature, h.body, h.at, 5*time.Minute)
}

// press clicks a control as a person would, once nothing covers it: the
// toasts stack up where a table's row actions end.
func (b *browser) press(id string) {
	b.t.Helper()
	b.wait("#"+id+" in view and uncovered", fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		if (!el) return false;
		el.scrollIntoView({block: 'center', inline: 'nearest'});
		const r = el.getBoundingClientRect();
		const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return !!at && el.contains(at);
	})()`, id))
	b.click(id)
}

// An owner adds a webhook endpoint in the console and keeps the secret it
// shows once; inviting a member sends a signed staff.invited event there;
// the deliveries view lists it and replays it, one by one and all since a
// moment; a rotated secret signs the next attempt; an edit disables the
// endpoint, which the server then refuses to replay to; a delete removes it.
// An analyst's console is refused by the server and says so.
func TestWebhooksDeliverSignedEventsAndReplay(t *testing.T) {
	m := platformtest.Start(t, nil)
	platformtest.RunWorker(t, m)
	rcv := newReceiver(t)

	base := m.URL()
	sfx := suffix()
	slug := "hook-films-" + sfx
	ownerEmail := "owner@" + slug + ".example.com"
	analystEmail := "ana@" + slug + ".example.com"

	// Sign up.
	owner := newBrowser(t)
	owner.load(base + "/console/#/signup")
	owner.typeIn("signup-company", "Hook Films "+sfx)
	owner.typeIn("signup-slug", slug)
	owner.typeIn("signup-name", "Olive Owner")
	owner.typeIn("signup-email", ownerEmail)
	owner.typeIn("signup-password", platformtest.Password)
	owner.press("signup-submit")
	owner.wait("signed in as owner", `document.getElementById('whoami-role').textContent === 'Owner' && document.body.dataset.page === 'overview'`)

	// Add an endpoint for the staff events.
	if hidden := eval[bool](owner, `document.querySelector('#nav a[data-route="webhooks"]').closest('li').hidden`); hidden {
		t.Fatal("the owner's navigation hides webhooks")
	}
	owner.open("#/webhooks")
	owner.wait("endpoints loaded", `document.getElementById('webhook-list').dataset.loaded === 'true'`)
	owner.noBanner()
	owner.labelled()
	owner.typeIn("webhook-url", rcv.URL)
	owner.typeIn("webhook-types", "staff.*")
	owner.wait("the filter as chips", `document.querySelector('#webhook-types-preview .chip')?.textContent === 'staff.*'`)
	owner.press("webhook-create")
	owner.wait("secret shown", `!document.getElementById('webhook-secret-panel').hidden && document.getElementById('webhook-secret').value !== ''`)
	owner.noBanner()
	secret := eval[string](owner, `document.getElementById('webhook-secret').value`)
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 30 {
		t.Fatalf("secret %q", secret)
	}
	help := eval[string](owner, `document.getElementById('webhook-secret-panel').innerText`)
	for _, want := range []string{"shown only once", "Marquee-Signature: t=", ",v1=", "HMAC-SHA256", `"<t>.<body>"`, "Marquee-Event-Id"} {
		if !strings.Contains(help, want) {
			t.Errorf("the secret panel does not explain %q:\n%s", want, help)
		}
	}
	row := fmt.Sprintf(`document.querySelector('#webhook-list tr[data-url=%q]')`, rcv.URL)
	owner.wait("endpoint listed", row)
	endpointID := eval[string](owner, row+`.id.replace('webhook-', '')`)
	if got, want := owner.text("webhook-hint-"+endpointID), "…"+secret[len(secret)-4:]; got != want {
		t.Fatalf("secret hint %q, want %q", got, want)
	}
	if got := owner.text("webhook-types-" + endpointID); got != "staff.*" {
		t.Fatalf("listed filter %q", got)
	}
	if got := owner.text("webhook-status-" + endpointID); got != "enabled" {
		t.Fatalf("listed status %q", got)
	}
	if strings.Contains(eval[string](owner, `document.getElementById('webhook-list').innerText`), secret) {
		t.Fatal("the list shows the secret")
	}
	owner.labelled()
	owner.press("webhook-secret-done")
	if v := eval[string](owner, `document.getElementById('webhook-secret').value`); v != "" {
		t.Fatal("the secret stays on the page")
	}

	// Invite a member with the owner's session (the console's own token):
	// the receiver gets a signed staff.invited event.
	token := eval[string](owner, `sessionStorage.getItem('marquee.console.wsToken') || ''`)
	if token == "" {
		t.Fatal("no session token in the owner's tab")
	}
	tn := platformtest.Tenant{Slug: slug, Email: ownerEmail, Owner: platformtest.Client{URL: base, Token: token}}
	platformtest.AddStaff(t, m, tn, analystEmail, "ANALYST")
	var invited hook
	rcv.await("a staff.invited event", func(hs []hook) bool {
		for _, h := range hs {
			if h.event.Type == "staff.invited" {
				invited = h
				return true
			}
		}
		return false
	})
	if err := verify(t, secret, invited); err != nil {
		t.Fatalf("staff.invited signature %q: %v", invited.signature, err)
	}
	if invited.eventID == "" || invited.eventID != invited.event.ID {
		t.Fatalf("Marquee-Event-Id %q, body id %q", invited.eventID, invited.event.ID)
	}
	if got := fmt.Sprint(invited.event.Data["email"]); got != analystEmail {
		t.Fatalf("staff.invited data %v, want the invitee %s", invited.event.Data, analystEmail)
	}
	eventID := invited.eventID

	// The deliveries view lists it as delivered.
	owner.press("deliveries-" + endpointID)
	owner.wait("deliveries shown", `!document.getElementById('deliveries-card').hidden && document.getElementById('delivery-list').dataset.loaded === 'true'`)
	if got := eval[string](owner, `location.hash`); got != "#/webhooks?endpoint="+endpointID {
		t.Fatalf("deliveries view at %q", got)
	}
	delivery := fmt.Sprintf(`document.querySelector('#delivery-list tr[data-event-id=%q]')`, eventID)
	owner.wait("the delivered staff.invited row", delivery+`?.dataset.status === 'DELIVERED'`)
	owner.labelled()
	owner.noBanner()
	if text := eval[string](owner, delivery+`.innerText`); !strings.Contains(text, "staff.invited") || !strings.Contains(text, "delivered") {
		t.Fatalf("delivery row %q", text)
	}
	if got := eval[string](owner, delivery+`.dataset.attempts`); got != "1" {
		t.Fatalf("attempts %s after one delivery", got)
	}
	deliveryID := eval[string](owner, delivery+`.id.replace('delivery-', '')`)

	// Replay: the same event, with the same id, arrives again, signed.
	owner.press("replay-" + deliveryID)
	got := ofEvent(rcv.await("the replayed staff.invited", func(hs []hook) bool { return len(ofEvent(hs, eventID)) >= 2 }), eventID)
	if err := verify(t, secret, got[1]); err != nil {
		t.Fatalf("replayed signature: %v", err)
	}
	if got[1].event.ID != eventID || got[1].event.Type != "staff.invited" {
		t.Fatalf("replay carried event %s %s, want %s staff.invited", got[1].event.ID, got[1].event.Type, eventID)
	}
	owner.wait("delivered again", delivery+`?.dataset.status === 'DELIVERED' && `+delivery+`.dataset.attempts === '2'`)
	owner.noBanner()

	// Replay since a moment (the form's default: a day ago): every delivery
	// not pending is sent again, and the console says how many.
	owner.wait("nothing pending", `![...document.querySelectorAll('#delivery-list tr.delivery-row')].some(tr => tr.dataset.status === 'PENDING')`)
	if v := eval[string](owner, `document.getElementById('replay-since').value`); v == "" {
		t.Fatal("the replay-since input has no default")
	}
	owner.press("replay-since-submit")
	owner.press("confirm-ok")
	owner.wait("replay count", `document.getElementById('replay-since-result').dataset.count !== undefined`)
	owner.noBanner()
	n := eval[int](owner, `Number(document.getElementById('replay-since-result').dataset.count)`)
	if result := owner.text("replay-since-result"); n < 1 || !strings.Contains(result, fmt.Sprint(n)) {
		t.Fatalf("replay since: count %d, result %q", n, result)
	}
	rcv.await("staff.invited a third time", func(hs []hook) bool { return len(ofEvent(hs, eventID)) >= 3 })
	owner.wait("replayed deliveries delivered", `document.querySelectorAll('#delivery-list tr.delivery-row').length > 0 && ![...document.querySelectorAll('#delivery-list tr.delivery-row')].some(tr => tr.dataset.status === 'PENDING') && `+delivery+`.dataset.attempts === '3'`)

	// Rotate the secret: the next attempt is signed with the new one only.
	owner.press("rotate-webhook-" + endpointID)
	owner.press("confirm-ok")
	owner.wait("new secret shown", fmt.Sprintf(`!document.getElementById('webhook-secret-panel').hidden && document.getElementById('webhook-secret').value.startsWith('whsec_') && document.getElementById('webhook-secret').value !== %q`, secret))
	rotated := eval[string](owner, `document.getElementById('webhook-secret').value`)
	owner.wait("new hint listed", fmt.Sprintf(`document.getElementById('webhook-hint-%s')?.textContent === %q`, endpointID, "…"+rotated[len(rotated)-4:]))
	owner.press("replay-" + deliveryID)
	got = ofEvent(rcv.await("staff.invited after the rotation", func(hs []hook) bool { return len(ofEvent(hs, eventID)) >= 4 }), eventID)
	if err := verify(t, rotated, got[3]); err != nil {
		t.Fatalf("signature after rotation, with the new secret: %v", err)
	}
	if err := verify(t, secret, got[3]); !errors.Is(err, outbox.ErrSignatureMismatch) {
		t.Fatalf("signature after rotation, with the old secret: %v, want a mismatch", err)
	}
	owner.wait("delivered after the rotation", delivery+`?.dataset.status === 'DELIVERED' && `+delivery+`.dataset.attempts === '4'`)
	owner.noBanner()

	// Edit: another filter, and disabled.
	owner.press("edit-webhook-" + endpointID)
	owner.wait("edit form", `document.getElementById('webhook-edit-form')`)
	owner.labelled()
	if got := eval[string](owner, `document.getElementById('webhook-edit-types').value`); got != "staff.*" {
		t.Fatalf("edit form filter %q", got)
	}
	owner.typeIn("webhook-edit-types", "staff.invited, tenant.updated")
	owner.press("webhook-edit-enabled")
	owner.press("webhook-edit-save")
	owner.wait("saved disabled", row+`?.dataset.enabled === 'false' && !document.getElementById('webhook-edit-form')`)
	owner.noBanner()
	if got := owner.text("webhook-types-" + endpointID); got != "staff.invitedtenant.updated" {
		t.Fatalf("listed filter after the edit %q", got)
	}
	d := tn.Owner.Must(t, `query($id: ID!) { webhookEndpoint(id: $id) { enabled eventTypes } }`, map[string]any{"id": endpointID})
	if platformtest.Get(d, "webhookEndpoint", "enabled") != false || fmt.Sprint(platformtest.Get(d, "webhookEndpoint", "eventTypes")) != "[staff.invited tenant.updated]" {
		t.Fatalf("stored endpoint after the edit: %v", d)
	}
	// A disabled endpoint cannot replay: the console says so, and with its
	// guard removed the server refuses.
	owner.wait("replay disabled", `!document.getElementById('deliveries-disabled').hidden && document.getElementById('replay-`+deliveryID+`').disabled`)
	owner.do("bypass the guard", chromedp.Evaluate[chromedp.Void](`document.getElementById('replay-`+deliveryID+`').disabled = false`))
	owner.press("replay-" + deliveryID)
	if code, text := owner.banner(); code != "CONFLICT" || !strings.Contains(text, "disabled") {
		t.Fatalf("replay to a disabled endpoint: banner %q (%s)", code, text)
	}
	owner.press("error-dismiss")

	// Delete it.
	owner.press("delete-webhook-" + endpointID)
	owner.press("confirm-ok")
	owner.wait("endpoint gone", `!`+row+` && document.getElementById('deliveries-card').hidden && location.hash === '#/webhooks'`)
	owner.noBanner()
	if l, _ := platformtest.Get(tn.Owner.Must(t, `{ webhookEndpoints { id } }`, nil), "webhookEndpoints").([]any); len(l) != 0 {
		t.Fatalf("endpoints after the delete: %v", l)
	}

	// Only the filter's events came, every one of them signed.
	for _, h := range rcv.all() {
		if !strings.HasPrefix(h.event.Type, "staff.") {
			t.Errorf("the staff.* endpoint got %s", h.event.Type)
		}
		if verify(t, secret, h) != nil && verify(t, rotated, h) != nil {
			t.Errorf("%s %s: no secret verifies %q", h.event.Type, h.eventID, h.signature)
		}
	}

	// An analyst's console: no navigation entry, and the server refuses.
	analyst := newBrowser(t)
	signIn(analyst, base, slug, analystEmail)
	if hidden := eval[bool](analyst, `document.querySelector('#nav a[data-route="webhooks"]').closest('li').hidden`); !hidden {
		t.Error("the analyst's navigation shows webhooks")
	}
	analyst.open("#/webhooks")
	if code, text := analyst.banner(); code != "FORBIDDEN" || !strings.Contains(text, "Analyst") {
		t.Fatalf("webhooks as analyst: banner %q (%s)", code, text)
	}
	analyst.wait("read-only notice", `!document.getElementById('webhooks-readonly').hidden && document.getElementById('webhook-fields').disabled`)
	analyst.labelled()
}
