package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox/internal/outboxsql"
)

// What the sender (the delivery workflow's activities) reads and records.
// Each call is idempotent, so an activity may run it again after a crash.

// QueuedDelivery is a pending delivery in an endpoint's queue.
type QueuedDelivery struct {
	ID       DeliveryID
	Seq      int64     // the event's outbox sequence: the queue's order
	QueuedAt time.Time // when it was fanned out or replayed: the give-up clock starts here
}

// PendingDeliveries returns up to limit of an endpoint's pending deliveries in
// event order; none while the endpoint is disabled or gone.
func (s *Service) PendingDeliveries(ctx context.Context, tenant uuid.UUID, endpoint EndpointID, limit int) ([]QueuedDelivery, error) {
	var out []QueuedDelivery
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		rows, err := outboxsql.New(tx).PendingDeliveries(ctx, outboxsql.PendingDeliveriesParams{TenantID: tenant,
			EndpointID: endpoint, MaxDeliveries: int32(limit)})
		for _, r := range rows {
			out = append(out, QueuedDelivery{ID: r.ID, Seq: r.EventSeq, QueuedAt: r.QueuedAt})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox.PendingDeliveries %s: %w", endpoint, err)
	}
	return out, nil
}

// Outbound is one attempt of a delivery, ready to send.
type Outbound struct {
	Pending   bool // false: delivered, failed or replayed meanwhile; send nothing
	Enabled   bool // false: the endpoint is disabled; hold the delivery
	URL       string
	EventID   EventID
	Body      []byte // {"id","type","created_at","data"}
	Signature string // the Marquee-Signature header, signed at the attempt's time
}

// body is what an endpoint receives.
type body struct {
	ID        EventID         `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Outbound prepares an attempt at now with the endpoint's current URL and
// secret, so an edit or a rotation applies from the next attempt. A delivery
// removed with its endpoint is NotFound.
func (s *Service) Outbound(ctx context.Context, tenant uuid.UUID, delivery DeliveryID, now time.Time) (Outbound, error) {
	var out Outbound
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		r, err := outboxsql.New(tx).GetOutbound(ctx, outboxsql.GetOutboundParams{TenantID: tenant, ID: delivery})
		if db.IsNoRows(err) {
			return errs.NotFound("no webhook delivery %s", delivery)
		} else if err != nil {
			return err
		}
		b, err := json.Marshal(body{ID: r.EventID, Type: r.Type, CreatedAt: r.CreatedAt.UTC(), Data: r.Payload})
		if err != nil {
			return err
		}
		out = Outbound{Pending: r.Status == string(DeliveryPending), Enabled: r.Enabled, URL: r.Url, EventID: r.EventID,
			Body: b, Signature: Sign(r.Secret, now, b)}
		return nil
	})
	if err != nil {
		return Outbound{}, fmt.Errorf("outbox.Outbound %s: %w", delivery, err)
	}
	return out, nil
}

// Attempt is the outcome of one attempt.
type Attempt struct {
	At            time.Time
	Error         string    // empty: delivered
	NextAttemptAt time.Time // when the sender will try again, if Error is set
}

// maxErrorLength bounds what a failing endpoint can make us store.
const maxErrorLength = 500

// RecordAttempt counts an attempt on a pending delivery and marks it
// delivered or keeps the error; a delivery no longer pending is left alone.
func (s *Service) RecordAttempt(ctx context.Context, tenant uuid.UUID, delivery DeliveryID, a Attempt) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := outboxsql.New(tx)
		if a.Error == "" {
			_, err := q.RecordDelivered(ctx, outboxsql.RecordDeliveredParams{TenantID: tenant, ID: delivery, At: &a.At})
			return err
		}
		_, err := q.RecordFailedAttempt(ctx, outboxsql.RecordFailedAttemptParams{TenantID: tenant, ID: delivery,
			LastError: cleanText(a.Error, maxErrorLength), NextAttemptAt: a.NextAttemptAt})
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox.RecordAttempt %s: %w", delivery, err)
	}
	return nil
}

// MarkFailed gives up on a pending delivery, keeping its last error (or the
// reason, if no attempt recorded one). A replay can queue it again.
func (s *Service) MarkFailed(ctx context.Context, tenant uuid.UUID, delivery DeliveryID, reason string) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := outboxsql.New(tx).MarkDeliveryFailed(ctx, outboxsql.MarkDeliveryFailedParams{TenantID: tenant, ID: delivery,
			Reason: cleanText(reason, maxErrorLength)})
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox.MarkFailed %s: %w", delivery, err)
	}
	return nil
}

// cleanText makes what an endpoint answered storable: valid UTF-8 without NUL
// (PostgreSQL text refuses both), at most n bytes.
func cleanText(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= n {
		return s
	}
	// Cut at a rune boundary so the column stays valid UTF-8.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
