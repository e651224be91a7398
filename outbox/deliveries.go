package outbox

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox/internal/outboxsql"
)

// DeliveryID identifies one event's delivery to one endpoint.
type DeliveryID = uuid.UUID

// EventID identifies an event; receivers see it as the body's id and in the
// Marquee-Event-Id header.
type EventID = uuid.UUID

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// Delivery statuses. A pending delivery waits for its turn or its next
// attempt; a failed one was given up on and may be replayed.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// Delivery is one event's delivery to one endpoint.
type Delivery struct {
	ID            DeliveryID
	EndpointID    EndpointID
	EventID       EventID
	EventType     string
	Status        DeliveryStatus
	Attempts      int
	NextAttemptAt *time.Time // while pending
	LastError     string
	DeliveredAt   *time.Time
	CreatedAt     time.Time
}

// DeliveryPage asks for a page of an endpoint's deliveries, newest first.
type DeliveryPage struct {
	First int    // 1 to 200; 0 means 50
	After string // a Delivery.Cursor from the previous page
}

const maxDeliveryPage = 200

type deliveryCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// Cursor is the opaque position just after d in a listing.
func (d Delivery) Cursor() string {
	b, _ := json.Marshal(deliveryCursor{At: d.CreatedAt, ID: d.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func (p DeliveryPage) params(tenant uuid.UUID, endpoint EndpointID) (outboxsql.ListDeliveriesParams, error) {
	if p.First == 0 {
		p.First = 50
	}
	if p.First < 1 || p.First > maxDeliveryPage {
		return outboxsql.ListDeliveriesParams{}, errs.InvalidField("first", "first must be between 1 and %d", maxDeliveryPage)
	}
	out := outboxsql.ListDeliveriesParams{TenantID: tenant, EndpointID: endpoint, MaxDeliveries: int32(p.First + 1)}
	if p.After != "" {
		var c deliveryCursor
		b, err := base64.RawURLEncoding.DecodeString(p.After)
		if err != nil || json.Unmarshal(b, &c) != nil {
			return out, errs.InvalidField("after", "malformed cursor")
		}
		out.BeforeAt, out.BeforeID = &c.At, &c.ID
	}
	return out, nil
}

// ListDeliveries returns a page of an endpoint's deliveries, newest first,
// and whether more follow. Another tenant's endpoint is NotFound.
func (s *Service) ListDeliveries(ctx context.Context, tenant uuid.UUID, endpoint EndpointID, page DeliveryPage) ([]Delivery, bool, error) {
	p, err := page.params(tenant, endpoint)
	if err != nil {
		return nil, false, err
	}
	var out []Delivery
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := outboxsql.New(tx)
		if _, err := q.GetEndpoint(ctx, outboxsql.GetEndpointParams{TenantID: tenant, ID: endpoint}); err != nil {
			return endpointErr(err, endpoint)
		}
		rows, err := q.ListDeliveries(ctx, p)
		for _, r := range rows {
			out = append(out, deliveryFromRow(r.WebhookDelivery, r.EventType))
		}
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("outbox.ListDeliveries %s: %w", endpoint, err)
	}
	more := len(out) > int(p.MaxDeliveries)-1
	return out[:min(len(out), int(p.MaxDeliveries)-1)], more, nil
}

// ReplayEvent queues an event for an endpoint again, whether it was delivered,
// failed or never sent there (an older event, or one the filter left out).
func (s *Service) ReplayEvent(ctx context.Context, tenant uuid.UUID, endpoint EndpointID, event EventID) (Delivery, error) {
	var d Delivery
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := outboxsql.New(tx)
		if err := replayableEndpoint(ctx, q, tenant, endpoint); err != nil {
			return err
		}
		seq, err := q.GetEventSeq(ctx, outboxsql.GetEventSeqParams{TenantID: tenant, ID: event})
		if db.IsNoRows(err) {
			return errs.NotFound("no event %s", event)
		} else if err != nil {
			return err
		}
		now := s.now()
		id, err := q.RequeueDelivery(ctx, outboxsql.RequeueDeliveryParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			EndpointID: endpoint, EventID: event, EventSeq: seq.Int64, Now: now})
		if err != nil {
			return err
		}
		row, err := q.GetDelivery(ctx, outboxsql.GetDeliveryParams{TenantID: tenant, ID: id})
		if err != nil {
			return err
		}
		d = deliveryFromRow(row.WebhookDelivery, row.EventType)
		return audit.Record(ctx, tx, tenant, now, "webhook_endpoint.replayed", "webhook_endpoint", endpoint.String(),
			map[string]any{"event_id": event})
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("outbox.ReplayEvent %s %s: %w", endpoint, event, err)
	}
	s.dispatch(ctx, tenant, endpoint)
	return d, nil
}

// ReplaySince queues again every delivery to an endpoint of events created at
// or after since that is not already pending, and returns how many.
func (s *Service) ReplaySince(ctx context.Context, tenant uuid.UUID, endpoint EndpointID, since time.Time) (int, error) {
	var n int64
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := outboxsql.New(tx)
		if err := replayableEndpoint(ctx, q, tenant, endpoint); err != nil {
			return err
		}
		now := s.now()
		var err error
		n, err = q.RequeueSince(ctx, outboxsql.RequeueSinceParams{TenantID: tenant, EndpointID: endpoint, Since: since, Now: now})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "webhook_endpoint.replayed", "webhook_endpoint", endpoint.String(),
			map[string]any{"since": since, "deliveries": n})
	})
	if err != nil {
		return 0, fmt.Errorf("outbox.ReplaySince %s: %w", endpoint, err)
	}
	if n > 0 {
		s.dispatch(ctx, tenant, endpoint)
	}
	return int(n), nil
}

// replayableEndpoint refuses a replay to a disabled endpoint: nothing would be
// sent until it is enabled, which would look like a replay that did nothing.
func replayableEndpoint(ctx context.Context, q *outboxsql.Queries, tenant uuid.UUID, id EndpointID) error {
	row, err := q.LockEndpoint(ctx, outboxsql.LockEndpointParams{TenantID: tenant, ID: id})
	if err != nil {
		return endpointErr(err, id)
	}
	if !row.Enabled {
		return errs.Conflict("webhook endpoint %s is disabled: enable it to replay events", id)
	}
	return nil
}
