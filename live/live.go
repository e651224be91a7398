// Package live holds a tenant's live events: what is on when, its status
// (scheduled, live, ended, canceled) and the catalog title of its replay.
// Pay-per-view tickets and their prices are billing's (an entitlement of
// kind ppv naming the event); canceling an event with tickets sold refunds
// them through Tickets.
//
// It is not (yet) live streaming: WHIP ingest, WHEP egress, HLS, chat and
// polls come with the live-streaming issue, which moves an event to LIVE and
// ENDED and asks billing.CheckEvent who may watch.
package live

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/live/internal/livesql"
	"github.com/marquee-ott/marquee/tenants"
)

// EventID names a live event.
type EventID = uuid.UUID

// Status is where an event is in its life.
type Status string

// The statuses. An event moves forward only: scheduled → live → ended;
// scheduled or live → canceled.
const (
	Scheduled Status = "scheduled"
	Live      Status = "live"
	Ended     Status = "ended"
	Canceled  Status = "canceled"
)

var order = map[Status]int{Scheduled: 0, Live: 1, Ended: 2}

// Event is one live event.
type Event struct {
	ID          EventID
	Name        string
	Description string
	StartsAt    time.Time
	EndsAt      time.Time
	Status      Status
	// Title is the catalog title of the replay, when there is one.
	Title     *uuid.UUID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EventInput makes an event.
type EventInput struct {
	Name        string
	Description string
	StartsAt    time.Time
	EndsAt      time.Time
	Title       *uuid.UUID
}

// EventUpdate changes an event; nil fields stay. Status moves forward to
// LIVE or ENDED only; CANCELED goes through Cancel.
type EventUpdate struct {
	Name        *string
	Description *string
	StartsAt    *time.Time
	EndsAt      *time.Time
	Title       *uuid.UUID
	ClearTitle  bool
	Status      *Status
}

// Tickets is what canceling needs of billing (billing.Service implements
// it): how many tickets stand, and refunding and revoking them all.
type Tickets interface {
	EventTicketCount(ctx context.Context, tenant tenants.ID, event uuid.UUID) (int, error)
	RefundEventTickets(ctx context.Context, tenant tenants.ID, event uuid.UUID, reason string) (int, error)
}

// Service is live events for every tenant.
type Service struct {
	DB      *db.DB
	Tickets Tickets
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func validateText(name, description string) error {
	if n := len(strings.TrimSpace(name)); n == 0 || len(name) > 200 {
		return errs.InvalidField("name", "an event's name is 1 to 200 characters")
	}
	if len(description) > 5000 {
		return errs.InvalidField("description", "the description is at most 5000 characters")
	}
	return nil
}

func validateTimes(starts, ends time.Time) error {
	if starts.IsZero() || ends.IsZero() {
		return errs.InvalidField("startsAt", "an event needs a start and an end")
	}
	if !ends.After(starts) {
		return errs.InvalidField("endsAt", "the event must end after it starts")
	}
	if ends.Sub(starts) > 7*24*time.Hour {
		return errs.InvalidField("endsAt", "an event lasts at most 7 days")
	}
	return nil
}

// Validate checks a new event: it starts in the future.
func (in *EventInput) Validate(now time.Time) error {
	in.Name = strings.TrimSpace(in.Name)
	if err := validateText(in.Name, in.Description); err != nil {
		return err
	}
	if err := validateTimes(in.StartsAt, in.EndsAt); err != nil {
		return err
	}
	if !in.StartsAt.After(now) {
		return errs.InvalidField("startsAt", "the event must start in the future")
	}
	return nil
}

func eventOut(r livesql.LiveEvent) Event {
	var title *uuid.UUID
	if r.TitleID != nil {
		t := *r.TitleID
		title = &t
	}
	return Event{ID: r.ID, Name: r.Name, Description: r.Description, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
		Status: Status(r.Status), Title: title, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func checkTitle(ctx context.Context, q *livesql.Queries, tenant, title *uuid.UUID) error {
	if title == nil {
		return nil
	}
	ok, err := q.TitleExists(ctx, livesql.TitleExistsParams{TenantID: *tenant, ID: *title})
	if err != nil {
		return err
	}
	if !ok {
		return errs.NotFound("no such title")
	}
	return nil
}

// CreateEvent schedules an event (audited). An event starting in the past is
// Invalid; another tenant's replay title NotFound.
func (s *Service) CreateEvent(ctx context.Context, tenant tenants.ID, in EventInput) (Event, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Event{}, err
	}
	var out Event
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := livesql.New(tx)
		if err := checkTitle(ctx, q, &tenant, in.Title); err != nil {
			return err
		}
		r, err := q.InsertEvent(ctx, livesql.InsertEventParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()), Name: in.Name,
			Description: in.Description, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), TitleID: in.Title, Now: now})
		if err != nil {
			return err
		}
		out = eventOut(r)
		return audit.Record(ctx, tx, tenant, now, "live.event_created", "live_event", r.ID.String(),
			map[string]any{"name": in.Name, "starts_at": out.StartsAt, "ends_at": out.EndsAt})
	})
	if err != nil {
		return Event{}, fmt.Errorf("live.CreateEvent: %w", err)
	}
	return out, nil
}

// UpdateEvent changes an event (audited). A canceled or ended event is a
// Conflict; moving the start of a scheduled event into the past is Invalid.
func (s *Service) UpdateEvent(ctx context.Context, tenant tenants.ID, id EventID, up EventUpdate) (Event, error) {
	var out Event
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := livesql.New(tx)
		r, err := q.LockEvent(ctx, livesql.LockEventParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such event")
		}
		if err != nil {
			return err
		}
		e := eventOut(r)
		if e.Status == Canceled || e.Status == Ended {
			return errs.Conflict("this event is %s: it changes no more", e.Status)
		}
		now := s.now()
		if up.Name != nil {
			e.Name = strings.TrimSpace(*up.Name)
		}
		if up.Description != nil {
			e.Description = *up.Description
		}
		if up.StartsAt != nil {
			if e.Status == Scheduled && !up.StartsAt.After(now) {
				return errs.InvalidField("startsAt", "the event must start in the future")
			}
			e.StartsAt = up.StartsAt.UTC()
		}
		if up.EndsAt != nil {
			e.EndsAt = up.EndsAt.UTC()
		}
		if up.ClearTitle {
			e.Title = nil
		} else if up.Title != nil {
			e.Title = up.Title
		}
		if up.Status != nil {
			next := *up.Status
			o, ok := order[next]
			if !ok {
				return errs.InvalidField("status", "set LIVE or ENDED here; cancel with cancelEvent")
			}
			if o < order[e.Status] {
				return errs.InvalidField("status", "an event does not go back from %s to %s", e.Status, next)
			}
			e.Status = next
		}
		if err := validateText(e.Name, e.Description); err != nil {
			return err
		}
		if err := validateTimes(e.StartsAt, e.EndsAt); err != nil {
			return err
		}
		if err := checkTitle(ctx, q, &tenant, e.Title); err != nil {
			return err
		}
		r, err = q.UpdateEvent(ctx, livesql.UpdateEventParams{TenantID: tenant, ID: id, Name: e.Name, Description: e.Description,
			StartsAt: e.StartsAt, EndsAt: e.EndsAt, TitleID: e.Title, Status: string(e.Status), Now: now})
		if err != nil {
			return err
		}
		out = eventOut(r)
		return audit.Record(ctx, tx, tenant, now, "live.event_updated", "live_event", id.String(),
			map[string]any{"name": e.Name, "status": string(e.Status)})
	})
	if err != nil {
		return Event{}, fmt.Errorf("live.UpdateEvent %s: %w", id, err)
	}
	return out, nil
}

// Cancel cancels an event (audited). With tickets sold it is a Conflict
// unless refund is true: then every ticket is refunded in full on the
// connected account and revoked, and the event is canceled. A failed
// refund leaves the event as it was, saying so; calling again finishes.
func (s *Service) Cancel(ctx context.Context, tenant tenants.ID, id EventID, refund bool) (Event, error) {
	e, err := s.GetEvent(ctx, tenant, id)
	if err != nil {
		return Event{}, err
	}
	if e.Status == Canceled || e.Status == Ended {
		return Event{}, errs.Conflict("this event is already %s", e.Status)
	}
	if s.Tickets == nil {
		return Event{}, errs.Unavailable(fmt.Errorf("live.Cancel: no ticket service wired"), "tickets cannot be checked right now")
	}
	n, err := s.Tickets.EventTicketCount(ctx, tenant, id)
	if err != nil {
		return Event{}, fmt.Errorf("live.Cancel %s: %w", id, err)
	}
	if n > 0 && !refund {
		return Event{}, errs.Conflict("%d tickets are sold for this event: cancel with refund to refund them", n)
	}
	refunded := 0
	if n > 0 {
		if refunded, err = s.Tickets.RefundEventTickets(ctx, tenant, id, "event canceled"); err != nil {
			return Event{}, fmt.Errorf("live.Cancel %s: refunded %d of %d tickets, the event is not canceled: %w", id, refunded, n, err)
		}
	}
	var out Event
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := livesql.New(tx)
		r, err := q.LockEvent(ctx, livesql.LockEventParams{TenantID: tenant, ID: id})
		if err != nil {
			return err
		}
		now := s.now()
		r, err = q.UpdateEvent(ctx, livesql.UpdateEventParams{TenantID: tenant, ID: id, Name: r.Name, Description: r.Description,
			StartsAt: r.StartsAt, EndsAt: r.EndsAt, TitleID: r.TitleID, Status: string(Canceled), Now: now})
		if err != nil {
			return err
		}
		out = eventOut(r)
		return audit.Record(ctx, tx, tenant, now, "live.event_canceled", "live_event", id.String(),
			map[string]any{"refunded_tickets": refunded})
	})
	if err != nil {
		return Event{}, fmt.Errorf("live.Cancel %s: %w", id, err)
	}
	// A ticket sold between the refund and the cancel is refunded too.
	if refund {
		if _, err := s.Tickets.RefundEventTickets(ctx, tenant, id, "event canceled"); err != nil {
			return out, fmt.Errorf("live.Cancel %s: canceled, but a late ticket did not refund (cancel again is refused; refund it as support): %w", id, err)
		}
	}
	return out, nil
}

// GetEvent returns one event; another tenant's is NotFound.
func (s *Service) GetEvent(ctx context.Context, tenant tenants.ID, id EventID) (Event, error) {
	var out Event
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		r, err := livesql.New(q).GetEvent(ctx, livesql.GetEventParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such event")
		}
		out = eventOut(r)
		return err
	})
	if err != nil {
		return Event{}, fmt.Errorf("live.GetEvent %s: %w", id, err)
	}
	return out, nil
}

// Events lists events by start; upcoming leaves out those ended, canceled
// or past their end.
func (s *Service) Events(ctx context.Context, tenant tenants.ID, upcoming bool) ([]Event, error) {
	out := []Event{}
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := livesql.New(q).ListEvents(ctx, livesql.ListEventsParams{TenantID: tenant, UpcomingOnly: upcoming, Now: s.now()})
		for _, r := range rows {
			out = append(out, eventOut(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("live.Events: %w", err)
	}
	return out, nil
}
