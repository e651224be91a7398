package console_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/marquee-ott/marquee/platform/platformtest"
)

// A workspace that can sell makes a subscription coupon on the Money page,
// sees it listed with its discount, and deactivates it (after confirming);
// an analyst sees no coupon card.
func TestMoneyPageCoupons(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	acct := platformtest.Str(tn.Owner.Must(t, `mutation { connectStripe { connection { accountId } } }`, nil), "connectStripe", "connection", "accountId")
	ev, _ := json.Marshal(map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": "account.updated", "account": acct,
		"created": time.Now().Unix(), "api_version": "2023-10-16",
		"data": map[string]any{"object": map[string]any{"id": acct, "object": "account", "charges_enabled": true, "details_submitted": true}}})
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev, Secret: "whsec_local", Timestamp: time.Now()})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/webhooks/stripe", bytes.NewReader(ev))
	req.Header.Set("Stripe-Signature", sig.Header)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("account.updated: %v %v", res, err)
	}
	res.Body.Close()

	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/money")
	b.wait("the coupons", `document.getElementById('coupon-list')?.dataset.loaded === 'true'`)
	b.labelled()
	b.typeIn("coupon-code", "spring-10")
	b.typeIn("coupon-name", "Spring offer")
	b.setInput("coupon-duration", "REPEATING")
	b.click("coupon-submit")
	b.wait("the coupon listed", `document.getElementById('coupon-list').textContent.includes('SPRING-10')`)
	b.noBanner()
	if got := b.text("coupon-list"); !strings.Contains(got, "10%, 3 months") || !strings.Contains(got, "accepted") {
		t.Fatalf("coupon row = %q", got)
	}
	id := platformtest.Str(tn.Owner.Must(t, `{ coupons { id } }`, nil), "coupons", 0, "id")
	b.click("coupon-deactivate-" + id)
	b.wait("the confirmation", `document.getElementById('confirm-dialog').open`)
	b.click("confirm-ok")
	b.wait("deactivated", `document.getElementById('coupon-`+id+`')?.dataset.active === 'false'`)
	if d := tn.Owner.Must(t, `{ coupons { active percentOff durationMonths } }`, nil); platformtest.Str(d, "coupons", 0, "active") != "false" ||
		platformtest.Str(d, "coupons", 0, "percentOff") != "10" || platformtest.Str(d, "coupons", 0, "durationMonths") != "3" {
		t.Fatalf("stored = %v", d)
	}

	email := "an-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "ANALYST")
	an := newBrowser(t)
	signIn(an, m.URL(), tn.Slug, email)
	an.open("#/money")
	an.wait("sales", `document.getElementById('sales')?.dataset.loaded === 'true'`)
	if eval[bool](an, `!!document.getElementById('coupon-card')`) {
		t.Error("an analyst sees the coupon card")
	}
}
