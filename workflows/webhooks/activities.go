package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
)

// Activities send deliveries with the outbox service's records. Each is
// idempotent: a re-run after a crash reads the delivery's state first.
type Activities struct {
	Webhooks *outbox.Service
	HTTP     *http.Client // see NewHTTPClient
}

// PendingInput asks for the head of an endpoint's queue.
type PendingInput struct {
	Tenant   uuid.UUID
	Endpoint uuid.UUID
	Limit    int
}

// QueuedDelivery is one pending delivery, in queue order.
type QueuedDelivery struct {
	ID       uuid.UUID
	QueuedAt time.Time
}

// PendingResult is the head of the queue; empty when there is nothing to send.
type PendingResult struct {
	Deliveries []QueuedDelivery
}

// Pending reads the head of an endpoint's queue.
func (a *Activities) Pending(ctx context.Context, in PendingInput) (PendingResult, error) {
	if in.Tenant == uuid.Nil || in.Endpoint == uuid.Nil || in.Limit < 1 {
		return PendingResult{}, temporal.NewNonRetryableApplicationError("webhooks.Pending: bad input", "BadInput", nil)
	}
	qs, err := a.Webhooks.PendingDeliveries(ctx, in.Tenant, in.Endpoint, in.Limit)
	if err != nil {
		return PendingResult{}, err
	}
	out := PendingResult{Deliveries: make([]QueuedDelivery, len(qs))}
	for i, q := range qs {
		out.Deliveries[i] = QueuedDelivery{ID: q.ID, QueuedAt: q.QueuedAt}
	}
	return out, nil
}

// Backoff mirrors the send retry policy, so an attempt can record when the
// next one is due.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// after is the wait after the given (1-based) failed attempt, as Temporal
// computes it with coefficient 2.
func (b Backoff) after(attempt int32) time.Duration {
	d := b.Initial
	for i := int32(1); i < attempt && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// SendInput is one delivery to attempt.
type SendInput struct {
	Tenant   uuid.UUID
	Delivery uuid.UUID
	Backoff  Backoff
}

// Outcome is how a delivery left the queue, or why it stays.
type Outcome string

// Outcomes.
const (
	OutcomeDelivered Outcome = "delivered"
	OutcomeSkipped   Outcome = "skipped" // no longer pending, or deleted with its endpoint
	OutcomePaused    Outcome = "paused"  // the endpoint is disabled: stays pending
	OutcomeFailed    Outcome = "failed"  // given up (set by the workflow, not the activity)
)

// SendResult says what became of the delivery. A failed attempt is an error,
// so Temporal's retry policy schedules the next.
type SendResult struct {
	Outcome Outcome
}

// Send makes one attempt: it POSTs the signed event and records the attempt.
// The endpoint may see an event twice (a crash between its 2xx and our
// record); it deduplicates on Marquee-Event-Id.
func (a *Activities) Send(ctx context.Context, in SendInput) (SendResult, error) {
	if in.Tenant == uuid.Nil || in.Delivery == uuid.Nil {
		return SendResult{}, temporal.NewNonRetryableApplicationError("webhooks.Send: bad input", "BadInput", nil)
	}
	now := time.Now().UTC()
	out, err := a.Webhooks.Outbound(ctx, in.Tenant, in.Delivery, now)
	switch {
	case errs.Is(err, errs.KindNotFound):
		return SendResult{Outcome: OutcomeSkipped}, nil
	case err != nil:
		return SendResult{}, err
	case !out.Pending:
		return SendResult{Outcome: OutcomeSkipped}, nil
	case !out.Enabled:
		return SendResult{Outcome: OutcomePaused}, nil
	}
	postErr := a.post(ctx, out)
	att := outbox.Attempt{At: now}
	if postErr != nil {
		att.Error = postErr.Error()
		att.NextAttemptAt = time.Now().UTC().Add(in.Backoff.after(activity.GetInfo(ctx).Attempt))
	}
	if err := a.Webhooks.RecordAttempt(ctx, in.Tenant, in.Delivery, att); err != nil {
		return SendResult{}, err
	}
	if postErr != nil {
		return SendResult{}, postErr
	}
	return SendResult{Outcome: OutcomeDelivered}, nil
}

// post sends the request; any 2xx is success.
func (a *Activities) post(ctx context.Context, out outbox.Outbound) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, out.URL, bytes.NewReader(out.Body))
	if err != nil {
		return temporal.NewNonRetryableApplicationError("invalid endpoint URL", "BadURL", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Marquee-Webhooks/1")
	req.Header.Set(outbox.SignatureHeader, out.Signature)
	req.Header.Set(outbox.EventIDHeader, out.EventID.String())
	resp, err := a.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its wrapping repeats the URL, which the tenant knows
		}
		return fmt.Errorf("request failed: %w", err)
	}
	defer resp.Body.Close()
	// Read a little for the record, and no more: a hostile endpoint may stream forever.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// MarkFailedInput gives up on a delivery.
type MarkFailedInput struct {
	Tenant   uuid.UUID
	Delivery uuid.UUID
	Reason   string
}

// MarkFailed marks a delivery failed; a no-op if it is no longer pending.
func (a *Activities) MarkFailed(ctx context.Context, in MarkFailedInput) error {
	return a.Webhooks.MarkFailed(ctx, in.Tenant, in.Delivery, in.Reason)
}

// NewHTTPClient returns the client deliveries are sent with: a total timeout;
// no redirects (a 3xx is a failed attempt: following it would carry a signed
// request somewhere the tenant did not register); no proxy from the
// environment; and, unless allowPrivate (development, tests), no connection
// to loopback, private or link-local addresses, checked on the address
// actually dialled so no DNS answer can aim a request inside our network.
func NewHTTPClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = refusePrivate
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: dialer.DialContext, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 4,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to dial %q: %w", address, err)
	}
	if !outbox.PublicAddr(ap.Addr()) {
		return fmt.Errorf("refusing to dial %s: not a public address", ap.Addr())
	}
	return nil
}
