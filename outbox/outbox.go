// Package outbox records domain events (tenant.updated, staff.invited, and later
// asset.ready, subscription.*, live.*) in the same transaction as the change they
// describe, and delivers them to each tenant's webhook endpoints, signed with
// HMAC, retried with backoff, in order per object. It is not a message bus
// between our own services: those call each other or go through Temporal.
//
// The pieces: Emit writes an event; the Relay fans committed events out into
// webhook_deliveries rows and hands each endpoint to a Dispatcher; the
// Dispatcher (workflows/webhooks, one Temporal workflow per endpoint) sends an
// endpoint's deliveries one at a time in event order through the Service's
// sending calls. Staff manage endpoints, read deliveries and replay events
// through the Service.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/outbox/internal/outboxsql"
)

// Event is one domain event.
type Event struct {
	ID         uuid.UUID
	Type       string // e.g. "staff.invited"
	ObjectType string
	ObjectID   string
	Payload    any
	CreatedAt  time.Time
}

// Emit writes e to the outbox inside tx; it is delivered after tx commits.
func Emit(ctx context.Context, tx db.Tx, tenant uuid.UUID, now time.Time, e Event) error {
	raw, err := json.Marshal(e.Payload)
	if err != nil {
		return fmt.Errorf("outbox.Emit %s: %w", e.Type, err)
	}
	if e.ID == uuid.Nil {
		e.ID = uuid.Must(uuid.NewV7())
	}
	err = outboxsql.New(tx).InsertEvent(ctx, outboxsql.InsertEventParams{
		TenantID: tenant, ID: e.ID, Type: e.Type, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		Payload: raw, CreatedAt: now,
	})
	if err != nil {
		return fmt.Errorf("outbox.Emit %s: %w", e.Type, err)
	}
	return nil
}
