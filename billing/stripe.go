package billing

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/marquee-ott/marquee/errs"
)

// NewStripe returns a Stripe client with the platform's secret key talking to
// baseURL (empty: api.stripe.com; the dev stack's stripe-mock otherwise).
// hc may be nil; tests pass one that records requests. Stripe's own retries
// are off: a failed call is reported at once, and the caller (a viewer at
// Checkout, Stripe redelivering a webhook) retries.
func NewStripe(baseURL, secretKey string, hc *http.Client) *client.API {
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	cfg := &stripe.BackendConfig{HTTPClient: hc, MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if baseURL != "" {
		cfg.URL = stripe.String(baseURL)
	}
	b := stripe.GetBackendWithConfig(stripe.APIBackend, cfg)
	sc := &client.API{}
	sc.Init(secretKey, &stripe.Backends{API: b, Connect: b, Uploads: b})
	return sc
}

// stripeErr classifies a failed Stripe call: a refusal of our request is
// Invalid with Stripe's message, anything else (unreachable, 5xx, rate
// limits) Unavailable, so the caller may retry.
func stripeErr(op string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != 429 &&
		se.HTTPStatusCode != 401 {
		return &errs.Error{Kind: errs.KindInvalid, Message: "Stripe refused the request: " + se.Msg, Err: fmt.Errorf("%s: %w", op, err)}
	}
	return errs.Unavailable(fmt.Errorf("%s: %w", op, err), "Stripe is unreachable right now; nothing was charged, try again")
}

// onAccount returns Params that act on a connected account.
func onAccount(acct string) stripe.Params {
	p := stripe.Params{}
	p.SetStripeAccount(acct)
	return p
}

// stripeMissing reports whether Stripe says the object is not there (gone
// from the dashboard, say): for archiving, as good as done.
func stripeMissing(err error) bool {
	var se *stripe.Error
	return errors.As(err, &se) && se.Code == stripe.ErrorCodeResourceMissing
}
