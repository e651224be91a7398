// Package audit is the append-only log of staff and operator writes: who did
// what, to what, when and from where. Domain services record an entry inside the
// same tenant transaction as the change, so a change without its entry cannot
// commit. Nobody can edit or delete an entry: the app role has no UPDATE or
// DELETE grant and a trigger refuses it for everyone else.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit/internal/auditsql"
	"github.com/marquee-ott/marquee/db"
)

// Actor is who acts, and from where. The API edge puts it in the context.
type Actor struct {
	Type      string // "staff", "api_key", "operator", "system"
	ID        uuid.UUID
	Label     string // e.g. the staff email, kept so the entry reads well after the actor is gone
	IP        string
	UserAgent string
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the context's actor, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Type: "system", Label: "system"}
}

// Entry is one audited action.
type Entry struct {
	ID         uuid.UUID
	At         time.Time
	Actor      Actor
	Action     string // e.g. "staff.invited"
	TargetType string
	TargetID   string
	Details    map[string]any
}

// Record appends an entry for the context's actor inside tx.
func Record(ctx context.Context, tx db.Tx, tenant uuid.UUID, now time.Time, action, targetType, targetID string, details map[string]any) error {
	a := ActorFrom(ctx)
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit.Record %s: %w", action, err)
	}
	var actorID *uuid.UUID
	if a.ID != uuid.Nil {
		actorID = &a.ID
	}
	err = auditsql.New(tx).InsertAudit(ctx, auditsql.InsertAuditParams{
		TenantID: tenant, ID: uuid.Must(uuid.NewV7()), At: now,
		ActorType: a.Type, ActorID: actorID, ActorLabel: a.Label, Action: action,
		TargetType: targetType, TargetID: targetID, Details: raw, Ip: a.IP, UserAgent: a.UserAgent,
	})
	if err != nil {
		return fmt.Errorf("audit.Record %s: %w", action, err)
	}
	return nil
}

// Cursor marks a place in the log for paging backwards in time.
type Cursor struct {
	At time.Time
	ID uuid.UUID
}

// List returns up to limit entries older than after (newest first).
func List(ctx context.Context, tx db.Querier, tenant uuid.UUID, after *Cursor, limit int) ([]Entry, error) {
	p := auditsql.ListAuditParams{TenantID: tenant, Limit: int32(limit)}
	if after != nil {
		p.BeforeAt, p.BeforeID = &after.At, &after.ID
	}
	rows, err := auditsql.New(tx).ListAudit(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("audit.List: %w", err)
	}
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		e := Entry{ID: r.ID, At: r.At, Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID,
			Actor: Actor{Type: r.ActorType, Label: r.ActorLabel, IP: r.Ip, UserAgent: r.UserAgent}}
		if r.ActorID != nil {
			e.Actor.ID = *r.ActorID
		}
		_ = json.Unmarshal(r.Details, &e.Details)
		out = append(out, e)
	}
	return out, nil
}
