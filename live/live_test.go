package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/live"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
)

// noTickets is the ticket side of an event nobody bought.
type noTickets struct{ refunds int }

func (n *noTickets) EventTicketCount(context.Context, tenants.ID, uuid.UUID) (int, error) {
	return 0, nil
}
func (n *noTickets) RefundEventTickets(context.Context, tenants.ID, uuid.UUID, string) (int, error) {
	n.refunds++
	return 0, nil
}

func TestEventLifecycleAndBadInput(t *testing.T) {
	d := testenv.DB(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	s := &live.Service{DB: d, Tickets: &noTickets{}, Now: func() time.Time { return now }}
	tenant, other := testenv.MustTenant(t, d), testenv.MustTenant(t, d)
	cat := &catalog.Service{DB: d}
	replay, err := cat.CreateTitle(ctx, tenant, catalog.TitleInput{Kind: catalog.KindMovie, Localizations: []catalog.Localization{{Language: "en", Title: "Replay"}}})
	if err != nil {
		t.Fatal(err)
	}
	start := now.Add(time.Hour)
	for name, in := range map[string]live.EventInput{
		"no name":   {StartsAt: start, EndsAt: start.Add(time.Hour)},
		"past":      {Name: "x", StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)},
		"backwards": {Name: "x", StartsAt: start, EndsAt: start.Add(-time.Minute)},
		"too long":  {Name: "x", StartsAt: start, EndsAt: start.Add(8 * 24 * time.Hour)},
		"no times":  {Name: "x"},
	} {
		if _, err := s.CreateEvent(ctx, tenant, in); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	theirs, err := cat.CreateTitle(ctx, other, catalog.TitleInput{Kind: catalog.KindMovie, Localizations: []catalog.Localization{{Language: "en", Title: "Theirs"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEvent(ctx, tenant, live.EventInput{Name: "x", StartsAt: start, EndsAt: start.Add(time.Hour), Title: &theirs.ID}); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant's replay title: %v", err)
	}
	ev, err := s.CreateEvent(ctx, tenant, live.EventInput{Name: " Final ", Description: "the big one", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Title: &replay.ID})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Name != "Final" || ev.Status != live.Scheduled || ev.Title == nil || *ev.Title != replay.ID {
		t.Fatalf("event %+v", ev)
	}
	// Another tenant sees nothing of it.
	if _, err := s.GetEvent(ctx, other, ev.ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("other get: %v", err)
	}
	name := "Hijack"
	if _, err := s.UpdateEvent(ctx, other, ev.ID, live.EventUpdate{Name: &name}); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("other update: %v", err)
	}
	if _, err := s.Cancel(ctx, other, ev.ID, false); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("other cancel: %v", err)
	}
	if list, _ := s.Events(ctx, other, false); len(list) != 0 {
		t.Errorf("other lists %+v", list)
	}
	past := now.Add(-time.Hour)
	if _, err := s.UpdateEvent(ctx, tenant, ev.ID, live.EventUpdate{StartsAt: &past}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("start moved to the past: %v", err)
	}
	canceled := live.Canceled
	if _, err := s.UpdateEvent(ctx, tenant, ev.ID, live.EventUpdate{Status: &canceled}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("cancel through update: %v", err)
	}
	on := live.Live
	up, err := s.UpdateEvent(ctx, tenant, ev.ID, live.EventUpdate{Status: &on, ClearTitle: true})
	if err != nil || up.Status != live.Live || up.Title != nil {
		t.Fatalf("go live %+v %v", up, err)
	}
	back := live.Scheduled
	if _, err := s.UpdateEvent(ctx, tenant, ev.ID, live.EventUpdate{Status: &back}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("back to scheduled: %v", err)
	}
	if list, _ := s.Events(ctx, tenant, true); len(list) != 1 {
		t.Errorf("upcoming %+v", list)
	}
	end := live.Ended
	if _, err := s.UpdateEvent(ctx, tenant, ev.ID, live.EventUpdate{Status: &end}); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Events(ctx, tenant, true); len(list) != 0 {
		t.Errorf("upcoming after the end %+v", list)
	}
	if _, err := s.UpdateEvent(ctx, tenant, ev.ID, live.EventUpdate{Name: &name}); !errs.Is(err, errs.KindConflict) {
		t.Errorf("update an ended event: %v", err)
	}
	if _, err := s.Cancel(ctx, tenant, ev.ID, false); !errs.Is(err, errs.KindConflict) {
		t.Errorf("cancel an ended event: %v", err)
	}
}
