package tenants

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
)

// GeoResolver names the country of an IP address, for the list of sessions
// (say, from a MaxMind database the operator provides). It answers "" when it
// does not know. The Service works without one.
type GeoResolver interface {
	Country(ip string) string
}

// Session is one of a staff member's signed-in sessions.
type Session struct {
	ID         uuid.UUID
	Device     string // short and readable, from the user agent: "Chrome on macOS"
	UserAgent  string
	IP         string
	Country    *string // nil when unknown or no GeoResolver is configured
	CreatedAt  time.Time
	LastSeenAt time.Time
	Current    bool // the session the request came with
}

// ListSessions returns the principal's active sessions, most recently used first.
func (s *Service) ListSessions(ctx context.Context, p Principal) ([]Session, error) {
	if p.Kind != PrincipalStaff {
		return nil, errNotSession
	}
	out := []Session{}
	err := s.DB.ReadTenant(ctx, p.Tenant, func(tx db.Querier) error {
		rows, err := tenantsql.New(tx).ListActiveSessions(ctx, tenantsql.ListActiveSessionsParams{TenantID: p.Tenant, StaffID: p.Subject, Now: s.now()})
		for _, r := range rows {
			se := Session{ID: r.ID, Device: DeviceOf(r.UserAgent), UserAgent: r.UserAgent, IP: r.Ip,
				CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, Current: r.ID == p.SessionID}
			if s.Geo != nil && r.Ip != "" {
				if c := s.Geo.Country(r.Ip); c != "" {
					se.Country = &c
				}
			}
			out = append(out, se)
		}
		return err
	})
	return out, err
}

// RevokeSession ends one of the principal's own sessions; anyone else's,
// in this tenant or another, is NotFound.
func (s *Service) RevokeSession(ctx context.Context, p Principal, id uuid.UUID) error {
	if p.Kind != PrincipalStaff {
		return errNotSession
	}
	defer s.forget(func(c Principal) bool { return c.Tenant == p.Tenant && c.SessionID == id })
	return s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		n, err := tenantsql.New(tx).RevokeOwnSession(ctx, tenantsql.RevokeOwnSessionParams{TenantID: p.Tenant, StaffID: p.Subject, ID: id, RevokedAt: &now})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFound("no session %s", id)
		}
		return audit.Record(ctx, tx, p.Tenant, now, "staff.session_revoked", "session", id.String(), nil)
	})
}

// SignOutEverywhere ends all of the principal's sessions, or all but the
// current one, and reports how many it ended.
func (s *Service) SignOutEverywhere(ctx context.Context, p Principal, keepCurrent bool) (int, error) {
	if p.Kind != PrincipalStaff {
		return 0, errNotSession
	}
	keep := uuid.Nil
	if keepCurrent {
		keep = p.SessionID
	}
	var n int64
	defer s.forget(func(c Principal) bool {
		return c.Tenant == p.Tenant && c.Subject == p.Subject && c.Kind == PrincipalStaff && c.SessionID != keep
	})
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		var err error
		n, err = tenantsql.New(tx).RevokeStaffSessionsExcept(ctx, tenantsql.RevokeStaffSessionsExceptParams{TenantID: p.Tenant, StaffID: p.Subject, RevokedAt: &now, Keep: keep})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Tenant, now, "staff.signed_out_everywhere", "staff", p.Subject.String(),
			map[string]any{"sessions": n, "keptCurrent": keepCurrent})
	})
	if err != nil {
		return 0, fmt.Errorf("tenants.SignOutEverywhere: %w", err)
	}
	return int(n), nil
}

// ChangePassword sets a signed-in staff member's password, given the current
// one, and ends every other session of theirs; the current one stays signed in.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	if p.Kind != PrincipalStaff {
		return errNotSession
	}
	defer s.forget(func(c Principal) bool {
		return c.Tenant == p.Tenant && c.Subject == p.Subject && c.Kind == PrincipalStaff && c.SessionID != p.SessionID
	})
	err := s.inTenantCommitting(ctx, p.Tenant, func(tx db.Tx, q *tenantsql.Queries, now time.Time) error {
		st, err := q.GetStaff(ctx, tenantsql.GetStaffParams{TenantID: p.Tenant, ID: p.Subject})
		if err != nil {
			return err
		}
		if err := s.checkOwnPassword(ctx, q, p.Tenant, st, current, "current", now); err != nil {
			return err
		}
		if err := validatePassword(next, st.Email); err != nil {
			return errs.InvalidField("new", "%s", errs.MessageOf(err))
		}
		if next == current {
			return errs.InvalidField("new", "choose a new password, not the current one")
		}
		if err := q.SetPassword(ctx, tenantsql.SetPasswordParams{TenantID: p.Tenant, ID: p.Subject, PasswordHash: hashPassword(next)}); err != nil {
			return err
		}
		if _, err := q.RevokeStaffSessionsExcept(ctx, tenantsql.RevokeStaffSessionsExceptParams{TenantID: p.Tenant, StaffID: p.Subject,
			RevokedAt: &now, Keep: p.SessionID}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Tenant, now, "staff.password_changed", "staff", p.Subject.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("tenants.ChangePassword: %w", err)
	}
	return nil
}

// DeviceOf names a user agent's browser and system briefly, "Firefox on
// Windows"; it falls back to the start of the user agent, or "Unknown device".
func DeviceOf(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "Unknown device"
	}
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(ua, x) {
				return true
			}
		}
		return false
	}
	var browser, system string
	switch { // the order matters: Edge and Opera say Chrome, Chrome says Safari
	case has("Edg/", "EdgA/", "EdgiOS/"):
		browser = "Edge"
	case has("OPR/", "Opera"):
		browser = "Opera"
	case has("Firefox/", "FxiOS/"):
		browser = "Firefox"
	case has("HeadlessChrome/"):
		browser = "Headless Chrome"
	case has("Chrome/", "CriOS/", "Chromium/"):
		browser = "Chrome"
	case has("Safari/") && has("Version/"):
		browser = "Safari"
	case strings.HasPrefix(ua, "curl/"):
		browser = "curl"
	case strings.HasPrefix(ua, "Go-http-client/"):
		browser = "Go HTTP client"
	}
	switch { // iPhones say "like Mac OS X", Android says Linux
	case has("iPhone"):
		system = "iPhone"
	case has("iPad"):
		system = "iPad"
	case has("Android"):
		system = "Android"
	case has("CrOS"):
		system = "ChromeOS"
	case has("Windows"):
		system = "Windows"
	case has("Macintosh", "Mac OS X"):
		system = "macOS"
	case has("Linux", "X11"):
		system = "Linux"
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	if f := strings.Fields(ua); len(f) > 0 {
		return truncate(f[0], 40)
	}
	return "Unknown device"
}
