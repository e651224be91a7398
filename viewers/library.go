package viewers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/viewers/internal/viewersql"
)

// ListItem is a title on a profile's "My List".
type ListItem struct {
	Title   TitleID
	AddedAt time.Time
}

// Cursor is where a page of My List or Continue Watching ended: the last
// item's time and title (newest first, so items added meanwhile do not shift it).
type Cursor struct {
	At    time.Time
	Title TitleID
}

// Progress is a profile's resume position in a title, from any device.
type Progress struct {
	Title           TitleID
	PositionSeconds int
	DurationSeconds int
	Device          *DeviceID // the device that reported it last
	UpdatedAt       time.Time
}

// Finished reports whether the title was watched to (nearly) the end.
func (p Progress) Finished() bool {
	return float64(p.PositionSeconds) > FinishedShare*float64(p.DurationSeconds)
}

func errNoTitle(id TitleID) error { return errs.NotFound("no title %s", id) }

// isForeignKey reports a foreign key violation: a title of no one, or of
// another tenant (the composite key cannot point across tenants).
func isForeignKey(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23503"
}

func (p Principal) needsProfile() error {
	if p.Profile == uuid.Nil {
		return errSelectProfile
	}
	return nil
}

// AddToList puts a title on the principal's profile's list (again: no change).
func (s *Service) AddToList(ctx context.Context, p Principal, title TitleID) error {
	if err := p.needsProfile(); err != nil {
		return err
	}
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		err := viewersql.New(tx).AddListItem(ctx, viewersql.AddListItemParams{TenantID: p.Tenant, ProfileID: p.Profile, TitleID: title, AddedAt: s.now()})
		if isForeignKey(err) {
			return errNoTitle(title) // or the profile is gone; either way nothing to add to
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("viewers.AddToList: %w", err)
	}
	return nil
}

// RemoveFromList takes a title off the profile's list; one not on it is NotFound.
func (s *Service) RemoveFromList(ctx context.Context, p Principal, title TitleID) error {
	if err := p.needsProfile(); err != nil {
		return err
	}
	return s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		n, err := viewersql.New(tx).RemoveListItem(ctx, viewersql.RemoveListItemParams{TenantID: p.Tenant, ProfileID: p.Profile, TitleID: title})
		if err == nil && n == 0 {
			return errs.NotFound("title %s is not on your list", title)
		}
		return err
	})
}

// List returns up to take titles of the profile's list, newest first, after
// the cursor (nil: from the start).
func (s *Service) List(ctx context.Context, p Principal, after *Cursor, take int) ([]ListItem, error) {
	if err := p.needsProfile(); err != nil {
		return nil, err
	}
	arg := viewersql.ListItemsParams{TenantID: p.Tenant, ProfileID: p.Profile, Take: int32(take)}
	if after != nil {
		arg.BeforeAt, arg.BeforeID = &after.At, &after.Title
	}
	var out []ListItem
	err := s.DB.ReadTenant(ctx, p.Tenant, func(tx db.Querier) error {
		rows, err := viewersql.New(tx).ListItems(ctx, arg)
		out = make([]ListItem, 0, len(rows))
		for _, r := range rows {
			out = append(out, ListItem{Title: r.TitleID, AddedAt: r.AddedAt})
		}
		return err
	})
	return out, err
}

// ReportProgress records where the profile is in a title (the latest report
// wins, from whichever device).
func (s *Service) ReportProgress(ctx context.Context, p Principal, title TitleID, position, duration int) (Progress, error) {
	if err := p.needsProfile(); err != nil {
		return Progress{}, err
	}
	switch {
	case duration < 1 || duration > 7*24*3600:
		return Progress{}, errs.InvalidField("durationSeconds", "the duration is 1 second to a week")
	case position < 0 || position > duration:
		return Progress{}, errs.InvalidField("positionSeconds", "the position is 0 to the duration (%d)", duration)
	}
	now := s.now()
	pr := Progress{Title: title, PositionSeconds: position, DurationSeconds: duration, Device: &p.Device, UpdatedAt: now}
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		err := viewersql.New(tx).UpsertProgress(ctx, viewersql.UpsertProgressParams{TenantID: p.Tenant, ProfileID: p.Profile, TitleID: title,
			PositionSeconds: int32(position), DurationSeconds: int32(duration), DeviceID: &p.Device, UpdatedAt: now})
		if isForeignKey(err) {
			return errNoTitle(title)
		}
		return err
	})
	if err != nil {
		return Progress{}, fmt.Errorf("viewers.ReportProgress: %w", err)
	}
	return pr, nil
}

// ContinueWatching returns the profile's unfinished titles, most recently
// watched first (on any device), after the cursor.
func (s *Service) ContinueWatching(ctx context.Context, p Principal, after *Cursor, take int) ([]Progress, error) {
	if err := p.needsProfile(); err != nil {
		return nil, err
	}
	arg := viewersql.ContinueWatchingParams{TenantID: p.Tenant, ProfileID: p.Profile, Take: int32(take)}
	if after != nil {
		arg.BeforeAt, arg.BeforeID = &after.At, &after.Title
	}
	var out []Progress
	err := s.DB.ReadTenant(ctx, p.Tenant, func(tx db.Querier) error {
		rows, err := viewersql.New(tx).ContinueWatching(ctx, arg)
		out = make([]Progress, 0, len(rows))
		for _, r := range rows {
			out = append(out, progressFromRow(r))
		}
		return err
	})
	return out, err
}

// Resume is the profile's position in a title, for a playback session to
// start from; false when there is none.
func (s *Service) Resume(ctx context.Context, p Principal, title TitleID) (Progress, bool, error) {
	if p.Profile == uuid.Nil {
		return Progress{}, false, nil
	}
	var pr Progress
	var found bool
	err := s.DB.ReadTenant(ctx, p.Tenant, func(tx db.Querier) error {
		row, err := viewersql.New(tx).GetProgress(ctx, viewersql.GetProgressParams{TenantID: p.Tenant, ProfileID: p.Profile, TitleID: title})
		if db.IsNoRows(err) {
			return nil
		}
		pr, found = progressFromRow(row), err == nil
		return err
	})
	return pr, found, err
}

func progressFromRow(r viewersql.ViewerProgress) Progress {
	return Progress{Title: r.TitleID, PositionSeconds: int(r.PositionSeconds), DurationSeconds: int(r.DurationSeconds), Device: r.DeviceID, UpdatedAt: r.UpdatedAt}
}
