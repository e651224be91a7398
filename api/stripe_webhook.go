package api

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/marquee-ott/marquee/errs"
)

// StripeWebhooks verifies and applies Stripe's webhook events
// (billing.Service in the wiring).
type StripeWebhooks interface {
	HandleWebhook(ctx context.Context, payload []byte, signature string) error
}

// stripeWebhook is POST /webhooks/stripe: the raw body and its
// Stripe-Signature go to billing. No tenant context: billing routes a
// connected account's event to its tenant. A bad signature or stale
// timestamp is 400 (Stripe stops retrying what cannot verify); a failure
// to apply is 5xx, so Stripe redelivers; an event already applied, or one
// for an unknown account, is 200.
func (s *Server) stripeWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, errs.Invalid("the event is too large"), http.StatusRequestEntityTooLarge)
			return
		}
		writeError(w, errs.Invalid("could not read the event"), http.StatusBadRequest)
		return
	}
	if err := s.Stripe.HandleWebhook(r.Context(), body, r.Header.Get("Stripe-Signature")); err != nil {
		status := statusOf(err)
		if status >= 500 {
			s.Log.Error("api: stripe webhook not applied; Stripe will redeliver", "err", err)
		}
		writeError(w, err, status)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"received": true})
}
