package viewers

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/viewers/internal/viewersql"
)

// TV activation is the OAuth 2.0 device authorization grant (RFC 8628): the TV
// asks for a code pair (StartActivation), shows the short user code, and polls
// with the device code (PollActivation) while the viewer, signed in on a phone
// or the web, enters the user code (ApproveActivation).

// ActivationTTL is how long a code pair lives.
const ActivationTTL = 10 * time.Minute

// slowDownStep is what RFC 8628 §3.5 adds to the interval after a too-early poll.
const slowDownStep = 5 * time.Second

// Activation is a started TV activation.
type Activation struct {
	DeviceCode string // the TV's secret, for polling
	UserCode   string // what the viewer types: XXXX-XXXX
	ExpiresIn  int    // seconds
	Interval   int    // seconds between polls
}

// ActivationError is a poll's answer other than tokens, named as RFC 8628 §3.5
// names it.
type ActivationError struct {
	Code     string // authorization_pending, slow_down, access_denied, expired_token, invalid_grant
	Message  string
	Interval int // seconds; with slow_down, the new interval
}

func (e *ActivationError) Error() string { return e.Code + ": " + e.Message }

// ActivationError codes.
const (
	ActivationPending  = "authorization_pending"
	ActivationSlowDown = "slow_down"
	ActivationDenied   = "access_denied"
	ActivationExpired  = "expired_token"
	ActivationInvalid  = "invalid_grant"
)

func (s *Service) interval() time.Duration {
	if s.ActivationInterval > 0 {
		return s.ActivationInterval
	}
	return 5 * time.Second
}

// StartActivation begins a TV's activation: a device code for it to poll with
// and a user code for the viewer to enter, both living ActivationTTL.
func (s *Service) StartActivation(ctx context.Context, tenant TenantID, device DeviceInput) (Activation, error) {
	if err := device.validate(); err != nil {
		return Activation{}, err
	}
	dc := newSecret(tenant, uuid.Must(uuid.NewV7()))
	var out Activation
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		now := s.now()
		if err := q.DeleteExpiredDeviceGrants(ctx, viewersql.DeleteExpiredDeviceGrantsParams{TenantID: tenant, ExpiresAt: now.Add(-time.Hour)}); err != nil {
			return err
		}
		// 20⁸ codes against at most a few thousand live ones: a clash is rare;
		// the unique key catches it and the caller may retry.
		code := newUserCode()
		out = Activation{DeviceCode: dc.format(prefixDeviceCode), UserCode: code, ExpiresIn: int(ActivationTTL / time.Second),
			Interval: int(s.interval() / time.Second)}
		return q.CreateDeviceGrant(ctx, viewersql.CreateDeviceGrantParams{TenantID: tenant, ID: dc.id, SecretHash: dc.hash(), UserCode: code,
			DeviceName: device.Name, Platform: string(device.Platform), IntervalSeconds: int32(out.Interval), CreatedAt: now, ExpiresAt: now.Add(ActivationTTL)})
	})
	if _, dup := db.IsUniqueViolation(err); dup {
		return Activation{}, errs.Conflict("could not allocate a code: try again")
	}
	if err != nil {
		return Activation{}, fmt.Errorf("viewers.StartActivation: %w", err)
	}
	return out, nil
}

// PollActivation answers a TV's poll: tokens once the viewer approved (the
// device code then stops working), else an *ActivationError. Polling sooner
// than the interval answers slow_down and adds five seconds to the interval.
func (s *Service) PollActivation(ctx context.Context, tenant TenantID, deviceCode string) (Tokens, error) {
	dc, ok := parseSecret(deviceCode, prefixDeviceCode)
	if !ok || dc.tenant != tenant {
		return Tokens{}, &ActivationError{Code: ActivationInvalid, Message: "unknown device code"}
	}
	var out Tokens
	err := s.keepingSoft(ctx, tenant, func(q *viewersql.Queries, now time.Time) error {
		g, err := q.GetDeviceGrantForUpdate(ctx, viewersql.GetDeviceGrantForUpdateParams{TenantID: tenant, ID: dc.id})
		if db.IsNoRows(err) || (err == nil && !dc.matches(g.SecretHash)) {
			return &ActivationError{Code: ActivationInvalid, Message: "unknown device code"}
		} else if err != nil {
			return err
		}
		switch {
		case g.ConsumedAt != nil:
			return &ActivationError{Code: ActivationInvalid, Message: "this device code was already used"}
		case g.DeniedAt != nil:
			return &ActivationError{Code: ActivationDenied, Message: "the viewer declined the activation"}
		case now.After(g.ExpiresAt):
			return &ActivationError{Code: ActivationExpired, Message: "the code expired: start the activation again"}
		}
		interval := time.Duration(g.IntervalSeconds) * time.Second
		if g.LastPolledAt != nil && now.Sub(*g.LastPolledAt) < interval {
			interval += slowDownStep
			if err := q.PollDeviceGrant(ctx, viewersql.PollDeviceGrantParams{TenantID: tenant, ID: g.ID, LastPolledAt: &now,
				IntervalSeconds: int32(interval / time.Second)}); err != nil {
				return err
			}
			return softError{&ActivationError{Code: ActivationSlowDown, Message: "polling too fast: wait the interval between polls",
				Interval: int(interval / time.Second)}}
		}
		if err := q.PollDeviceGrant(ctx, viewersql.PollDeviceGrantParams{TenantID: tenant, ID: g.ID, LastPolledAt: &now,
			IntervalSeconds: g.IntervalSeconds}); err != nil {
			return err
		}
		if g.ApprovedAt == nil || g.ViewerID == nil || g.DeviceID == nil {
			return softError{&ActivationError{Code: ActivationPending, Message: "waiting for the viewer to enter the code",
				Interval: int(g.IntervalSeconds)}}
		}
		if err := q.ConsumeDeviceGrant(ctx, viewersql.ConsumeDeviceGrantParams{TenantID: tenant, ID: g.ID, ConsumedAt: &now}); err != nil {
			return err
		}
		out, err = s.issue(ctx, q, Principal{Tenant: tenant, Viewer: *g.ViewerID, Profile: deref(g.ProfileID), Device: *g.DeviceID}, uuid.Nil, now)
		return err
	})
	if err != nil {
		return Tokens{}, err
	}
	return out, nil
}

// decide finds a live, undecided grant by its user code for the principal;
// wrong, expired and already used codes get clear errors.
func (s *Service) decide(ctx context.Context, q *viewersql.Queries, p Principal, userCode string, now time.Time) (viewersql.ViewerDeviceGrant, error) {
	code, ok := normalizeUserCode(userCode)
	if !ok {
		return viewersql.ViewerDeviceGrant{}, errs.InvalidField("userCode", "wrong code: enter the 8 letters your TV shows")
	}
	g, err := q.GetDeviceGrantByUserCode(ctx, viewersql.GetDeviceGrantByUserCodeParams{TenantID: p.Tenant, UserCode: code})
	switch {
	case db.IsNoRows(err):
		return g, errs.InvalidField("userCode", "wrong code: check the code your TV shows")
	case err != nil:
		return g, err
	case g.ApprovedAt != nil || g.DeniedAt != nil || g.ConsumedAt != nil:
		return g, errs.InvalidField("userCode", "this code was already used: start again on your TV for a new one")
	case now.After(g.ExpiresAt):
		return g, errs.InvalidField("userCode", "this code has expired: start again on your TV for a new one")
	}
	return g, nil
}

// ApproveActivation signs the TV whose code the viewer entered into the
// principal's account (and selected profile), registering it as a device
// within the device limit. A code works once.
func (s *Service) ApproveActivation(ctx context.Context, p Principal, userCode string) (Device, error) {
	limit, err := s.outsideLimit(ctx, p.Tenant)
	if err != nil {
		return Device{}, err
	}
	var dev Device
	err = s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		now := s.now()
		g, err := s.decide(ctx, q, p, userCode, now)
		if err != nil {
			return err
		}
		id, err := s.registerDevice(ctx, q, p.Tenant, p.Viewer, DeviceInput{Name: g.DeviceName, Platform: Platform(g.Platform)}, limit, now)
		if err != nil {
			return err
		}
		var profile *ProfileID
		if p.Profile != uuid.Nil {
			profile = &p.Profile
		}
		if err := q.ApproveDeviceGrant(ctx, viewersql.ApproveDeviceGrantParams{TenantID: p.Tenant, ID: g.ID, ViewerID: &p.Viewer,
			ProfileID: profile, DeviceID: &id, ApprovedAt: &now}); err != nil {
			return err
		}
		row, err := q.GetDevice(ctx, viewersql.GetDeviceParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: id})
		dev = deviceFromRow(row)
		if err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{Type: "viewer", ID: p.Viewer, Label: "viewer"})
		return audit.Record(ctx, tx, p.Tenant, now, "viewer.device_activated", "viewer_device", id.String(), map[string]any{"platform": g.Platform})
	})
	if err != nil {
		return Device{}, fmt.Errorf("viewers.ApproveActivation: %w", err)
	}
	return dev, nil
}

// DenyActivation declines a TV's activation: its next poll gets access_denied.
func (s *Service) DenyActivation(ctx context.Context, p Principal, userCode string) error {
	return s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		now := s.now()
		g, err := s.decide(ctx, q, p, userCode, now)
		if err != nil {
			return err
		}
		return q.DenyDeviceGrant(ctx, viewersql.DenyDeviceGrantParams{TenantID: p.Tenant, ID: g.ID, ViewerID: &p.Viewer, DeniedAt: &now})
	})
}
