package viewers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/viewers/internal/viewersql"
)

// DeleteAccount deletes the principal's account at once, with everything held
// about it: profiles, list, progress, devices, tokens, codes and TV
// activations (one DELETE, the rest by ON DELETE CASCADE). The password
// confirms it. The audit log keeps only that account id's deletion, nothing
// that names the person. Access tokens stop working at once in this process
// and within AccessTTL everywhere (they name an account that is gone, and
// every read and write of it is NotFound meanwhile).
func (s *Service) DeleteAccount(ctx context.Context, p Principal, password string) error {
	err := s.keepingSoft(ctx, p.Tenant, func(q *viewersql.Queries, now time.Time) error {
		v, err := q.GetViewer(ctx, viewersql.GetViewerParams{TenantID: p.Tenant, ID: p.Viewer})
		if db.IsNoRows(err) {
			return errs.NotFound("no viewer %s", p.Viewer)
		} else if err != nil {
			return err
		}
		if !tenants.CheckPassword(v.PasswordHash, password) {
			return errs.InvalidField("password", "wrong password")
		}
		if _, err := q.DeleteViewer(ctx, viewersql.DeleteViewerParams{TenantID: p.Tenant, ID: p.Viewer}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("viewers.DeleteAccount: %w", err)
	}
	// The audit entry in its own transaction after the deletion: the entry
	// must not be lost with a failed delete, nor name anything deleted.
	err = s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error { return recordDeletion(ctx, tx, p.Tenant, p.Viewer, s.now()) })
	s.revoke(p.Viewer)
	return err
}

// Export is everything held about a viewer, for them to download (GDPR art.
// 15 and 20; the app stores' data requests).
type Export struct {
	GeneratedAt time.Time        `json:"generatedAt"`
	Account     ExportAccount    `json:"account"`
	Profiles    []ExportProfile  `json:"profiles"`
	Devices     []ExportDevice   `json:"devices"`
	Sessions    []ExportSession  `json:"sessions"`
	MyList      []ExportListItem `json:"myList"`
	Progress    []ExportProgress `json:"watchProgress"`
}

// The parts of an Export.
type (
	ExportAccount struct {
		ID            ViewerID  `json:"id"`
		Email         string    `json:"email"`
		EmailVerified bool      `json:"emailVerified"`
		CreatedAt     time.Time `json:"createdAt"`
	}
	ExportProfile struct {
		ID            ProfileID       `json:"id"`
		Name          string          `json:"name"`
		Avatar        string          `json:"avatar"`
		Language      string          `json:"language"`
		Kids          bool            `json:"kids"`
		RatingCeiling *catalog.Rating `json:"ratingCeiling,omitempty"`
		PinProtected  bool            `json:"pinProtected"`
		CreatedAt     time.Time       `json:"createdAt"`
	}
	ExportDevice struct {
		ID         DeviceID  `json:"id"`
		Name       string    `json:"name"`
		Platform   Platform  `json:"platform"`
		CreatedAt  time.Time `json:"createdAt"`
		LastSeenAt time.Time `json:"lastSeenAt"`
	}
	ExportSession struct {
		Device    DeviceID  `json:"device"`
		CreatedAt time.Time `json:"createdAt"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	ExportListItem struct {
		Profile ProfileID `json:"profile"`
		Title   TitleID   `json:"title"`
		AddedAt time.Time `json:"addedAt"`
	}
	ExportProgress struct {
		Profile         ProfileID `json:"profile"`
		Title           TitleID   `json:"title"`
		PositionSeconds int       `json:"positionSeconds"`
		DurationSeconds int       `json:"durationSeconds"`
		UpdatedAt       time.Time `json:"updatedAt"`
	}
)

// Export gathers everything held about the principal's account, in one
// consistent read.
func (s *Service) Export(ctx context.Context, p Principal) (Export, error) {
	out := Export{GeneratedAt: s.now(), Profiles: []ExportProfile{}, Devices: []ExportDevice{}, Sessions: []ExportSession{},
		MyList: []ExportListItem{}, Progress: []ExportProgress{}}
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		v, err := q.GetViewer(ctx, viewersql.GetViewerParams{TenantID: p.Tenant, ID: p.Viewer})
		if db.IsNoRows(err) {
			return errs.NotFound("no viewer %s", p.Viewer)
		} else if err != nil {
			return err
		}
		out.Account = ExportAccount{ID: v.ID, Email: v.Email, EmailVerified: v.EmailVerifiedAt != nil, CreatedAt: v.CreatedAt}
		profiles, err := q.ListProfiles(ctx, viewersql.ListProfilesParams{TenantID: p.Tenant, ViewerID: p.Viewer})
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, 0, len(profiles))
		for _, r := range profiles {
			ids = append(ids, r.ID)
			out.Profiles = append(out.Profiles, ExportProfile{ID: r.ID, Name: r.Name, Avatar: r.Avatar, Language: r.Language, Kids: r.Kids,
				RatingCeiling: decodeCeiling(r.RatingCeiling), PinProtected: r.PinHash != "", CreatedAt: r.CreatedAt})
		}
		devices, err := q.ListDevices(ctx, viewersql.ListDevicesParams{TenantID: p.Tenant, ViewerID: p.Viewer})
		if err != nil {
			return err
		}
		for _, r := range devices {
			out.Devices = append(out.Devices, ExportDevice{ID: r.ID, Name: r.Name, Platform: Platform(r.Platform), CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt})
		}
		sessions, err := q.ActiveRefreshTokens(ctx, viewersql.ActiveRefreshTokensParams{TenantID: p.Tenant, ViewerID: p.Viewer, Now: out.GeneratedAt})
		if err != nil {
			return err
		}
		for _, r := range sessions {
			out.Sessions = append(out.Sessions, ExportSession{Device: r.DeviceID, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt})
		}
		items, err := q.ExportListItems(ctx, viewersql.ExportListItemsParams{TenantID: p.Tenant, Profiles: ids})
		if err != nil {
			return err
		}
		for _, r := range items {
			out.MyList = append(out.MyList, ExportListItem{Profile: r.ProfileID, Title: r.TitleID, AddedAt: r.AddedAt})
		}
		progress, err := q.ExportProgress(ctx, viewersql.ExportProgressParams{TenantID: p.Tenant, Profiles: ids})
		for _, r := range progress {
			out.Progress = append(out.Progress, ExportProgress{Profile: r.ProfileID, Title: r.TitleID, PositionSeconds: int(r.PositionSeconds),
				DurationSeconds: int(r.DurationSeconds), UpdatedAt: r.UpdatedAt})
		}
		return err
	})
	if err != nil {
		return Export{}, fmt.Errorf("viewers.Export: %w", err)
	}
	return out, nil
}

// Page is a page of the staff's list of viewers.
type Page struct {
	Skip, Take int
}

// ListForStaff lists a tenant's accounts, newest first, whose email contains
// search (case-insensitive; "" for all), with the total that match. It is for
// the tenant's support staff.
func (s *Service) ListForStaff(ctx context.Context, tenant TenantID, search string, page Page) ([]Viewer, int, error) {
	search = strings.TrimSpace(search)
	if len(search) > 254 {
		return nil, 0, errs.InvalidField("search", "search for at most 254 characters")
	}
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(search))
	var out []Viewer
	var total int32
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		q := viewersql.New(tx)
		rows, err := q.ListViewers(ctx, viewersql.ListViewersParams{TenantID: tenant, Search: like, Skip: int32(page.Skip), Take: int32(page.Take)})
		if err != nil {
			return err
		}
		out = make([]Viewer, 0, len(rows))
		for _, r := range rows {
			out = append(out, Viewer{ID: r.ID, Tenant: r.TenantID, Email: r.Email, EmailVerified: r.EmailVerifiedAt != nil, CreatedAt: r.CreatedAt,
				ProfileCount: int(r.Profiles), DeviceCount: int(r.Devices)})
		}
		total, err = q.CountViewers(ctx, viewersql.CountViewersParams{TenantID: tenant, Search: like})
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("viewers.ListForStaff: %w", err)
	}
	return out, int(total), nil
}
