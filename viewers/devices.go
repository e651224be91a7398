package viewers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/viewers/internal/viewersql"
)

func (d *DeviceInput) validate() error {
	d.Name = strings.TrimSpace(d.Name)
	d.Platform = Platform(strings.ToLower(string(d.Platform)))
	switch {
	case d.Name == "" || len(d.Name) > 60:
		return errs.InvalidField("device.name", "a device name is 1 to 60 characters")
	case !d.Platform.Valid():
		return errs.InvalidField("device.platform", "unknown platform %q: web, roku, tvos, androidtv, firetv, samsung, lg, ios or android", d.Platform)
	}
	return nil
}

// outsideLimit asks the DeviceLimits implementation, if any, before a
// transaction starts; 0 means "read the tenant's setting inside it".
func (s *Service) outsideLimit(ctx context.Context, tenant TenantID) (int, error) {
	if s.Limits == nil {
		return 0, nil
	}
	n, err := s.Limits.DeviceLimit(ctx, tenant)
	if err != nil {
		return 0, fmt.Errorf("viewers: device limit: %w", err)
	}
	return max(n, 1), nil
}

// errDeviceLimit is what a sign-in beyond the limit gets: CONFLICT, naming the limit.
func errDeviceLimit(limit int) error {
	unit := "devices"
	if limit == 1 {
		unit = "device"
	}
	return errs.Conflict("device limit reached: this account may have at most %d %s; remove one of them, then sign in again", limit, unit)
}

// registerDevice adds a device to the account within the limit. The account's
// row is locked first, so two sign-ins at once cannot both take the last slot.
func (s *Service) registerDevice(ctx context.Context, q *viewersql.Queries, tenant TenantID, viewer ViewerID, in DeviceInput, limit int, now time.Time) (DeviceID, error) {
	if err := in.validate(); err != nil {
		return uuid.Nil, err
	}
	if err := q.LockViewer(ctx, viewersql.LockViewerParams{TenantID: tenant, ID: viewer}); err != nil {
		return uuid.Nil, err
	}
	if limit == 0 {
		var err error
		if limit, err = settingLimit(ctx, q, tenant); err != nil {
			return uuid.Nil, err
		}
	}
	n, err := q.CountDevices(ctx, viewersql.CountDevicesParams{TenantID: tenant, ViewerID: viewer})
	if err != nil {
		return uuid.Nil, err
	}
	if int(n) >= limit {
		return uuid.Nil, errDeviceLimit(limit)
	}
	id := uuid.Must(uuid.NewV7())
	return id, q.CreateDevice(ctx, viewersql.CreateDeviceParams{TenantID: tenant, ID: id, ViewerID: viewer, Name: in.Name,
		Platform: string(in.Platform), CreatedAt: now})
}

func settingLimit(ctx context.Context, q *viewersql.Queries, tenant TenantID) (int, error) {
	st, err := q.GetViewerSettings(ctx, tenant)
	if db.IsNoRows(err) {
		return DefaultDeviceLimit, nil
	}
	return int(st.DeviceLimit), err
}

// DeviceLimit is the tenant's device limit per account: the DeviceLimits
// implementation's when there is one, else the tenant's setting.
func (s *Service) DeviceLimit(ctx context.Context, tenant TenantID) (int, error) {
	if n, err := s.outsideLimit(ctx, tenant); n != 0 || err != nil {
		return n, err
	}
	var n int
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		var err error
		n, err = settingLimit(ctx, viewersql.New(tx), tenant)
		return err
	})
	return n, err
}

// SetDeviceLimit sets the tenant's device limit per account (1 to 100).
// Accounts already over it keep their devices but register no new one.
func (s *Service) SetDeviceLimit(ctx context.Context, tenant TenantID, limit int) error {
	if limit < 1 || limit > 100 {
		return errs.InvalidField("limit", "the device limit is 1 to 100")
	}
	return s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		if err := viewersql.New(tx).SetDeviceLimit(ctx, viewersql.SetDeviceLimitParams{TenantID: tenant, DeviceLimit: int32(limit), UpdatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "viewers.device_limit_set", "tenant", tenant.String(), map[string]any{"limit": limit})
	})
}

// Devices lists an account's devices, oldest first.
func (s *Service) Devices(ctx context.Context, tenant TenantID, viewer ViewerID) ([]Device, error) {
	var out []Device
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := viewersql.New(tx).ListDevices(ctx, viewersql.ListDevicesParams{TenantID: tenant, ViewerID: viewer})
		out = make([]Device, 0, len(rows))
		for _, r := range rows {
			out = append(out, deviceFromRow(r))
		}
		return err
	})
	return out, err
}

func deviceFromRow(r viewersql.ViewerDevice) Device {
	return Device{ID: r.ID, Viewer: r.ViewerID, Name: r.Name, Platform: Platform(r.Platform), CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt}
}

// RemoveDevice unregisters one of the principal's devices, which frees its
// slot and revokes its tokens. Another account's device is NotFound.
func (s *Service) RemoveDevice(ctx context.Context, p Principal, id DeviceID) error {
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		n, err := viewersql.New(tx).DeleteDevice(ctx, viewersql.DeleteDeviceParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: id})
		if err == nil && n == 0 {
			return errs.NotFound("no device %s", id)
		}
		return err // its refresh tokens go with it (ON DELETE CASCADE)
	})
	if err != nil {
		return fmt.Errorf("viewers.RemoveDevice: %w", err)
	}
	s.revoke(id)
	return nil
}
