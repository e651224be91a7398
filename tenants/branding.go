package tenants

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif" // registered for DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"
	"regexp"
	"strings"

	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
)

// BrandingUpdate changes some of the branding; nil fields stay as they are.
type BrandingUpdate struct {
	AppName         *string
	PrimaryColor    *string
	AccentColor     *string
	BackgroundColor *string
}

var colorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate reports the first bad field.
func (u BrandingUpdate) Validate() error {
	if u.AppName != nil && (strings.TrimSpace(*u.AppName) == "" || len(*u.AppName) > 60) {
		return errs.InvalidField("appName", "app name must be 1 to 60 characters")
	}
	for field, c := range map[string]*string{"primaryColor": u.PrimaryColor, "accentColor": u.AccentColor, "backgroundColor": u.BackgroundColor} {
		if c != nil && !colorRe.MatchString(*c) {
			return errs.InvalidField(field, "%s must be a colour like #1a2b3c", field)
		}
	}
	return nil
}

// UpdateBranding changes the branding.
func (s *Service) UpdateBranding(ctx context.Context, p Principal, u BrandingUpdate) (Tenant, error) {
	if err := u.Validate(); err != nil {
		return Tenant{}, err
	}
	var t Tenant
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := tenantsql.New(tx)
		now := s.now()
		cur, err := q.GetTenant(ctx, p.Tenant)
		if err != nil {
			return err
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = strings.TrimSpace(*v)
			}
		}
		set(&cur.AppName, u.AppName)
		set(&cur.PrimaryColor, u.PrimaryColor)
		set(&cur.AccentColor, u.AccentColor)
		set(&cur.BackgroundColor, u.BackgroundColor)
		row, err := q.UpdateBranding(ctx, tenantsql.UpdateBrandingParams{ID: p.Tenant, AppName: cur.AppName, PrimaryColor: cur.PrimaryColor,
			AccentColor: cur.AccentColor, BackgroundColor: cur.BackgroundColor, UpdatedAt: now})
		if err != nil {
			return err
		}
		t = tenantFromRow(row)
		return s.record(ctx, tx, p.Tenant, now, "tenant.updated", "tenant", p.Tenant.String(), map[string]any{"branding": t.Branding})
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("tenants.UpdateBranding: %w", err)
	}
	return t, nil
}

// MaxLogoBytes bounds a logo upload.
const MaxLogoBytes = 2 << 20

// SetLogo stores a PNG, JPEG or GIF logo of at most 2 MiB and 4096 pixels a side.
// The image's own bytes decide its type, not the name or header it came with.
func (s *Service) SetLogo(ctx context.Context, p Principal, r io.Reader) (Tenant, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxLogoBytes+1))
	if err != nil {
		return Tenant{}, errs.Invalid("could not read the logo: %v", err)
	}
	if len(data) > MaxLogoBytes {
		return Tenant{}, errs.InvalidField("logo", "the logo is over 2 MiB")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Tenant{}, errs.InvalidField("logo", "the logo is not a PNG, JPEG or GIF image")
	}
	if cfg.Width < 16 || cfg.Height < 16 || cfg.Width > 4096 || cfg.Height > 4096 {
		return Tenant{}, errs.InvalidField("logo", "the logo must be 16 to 4096 pixels a side (it is %d×%d)", cfg.Width, cfg.Height)
	}
	key := fmt.Sprintf("tenants/%s/branding/logo.%s", p.Tenant, format)
	if err := s.checkStorage(ctx, p.Tenant, key, int64(len(data))); err != nil {
		return Tenant{}, err
	}
	if err := s.Blobs.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: "image/" + format}); err != nil {
		return Tenant{}, errs.Unavailable(err, "could not store the logo")
	}
	var t Tenant
	err = s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		row, err := tenantsql.New(tx).SetLogo(ctx, tenantsql.SetLogoParams{ID: p.Tenant, LogoKey: &key, LogoType: ptr("image/" + format), UpdatedAt: now})
		if err != nil {
			return err
		}
		t = tenantFromRow(row)
		return s.record(ctx, tx, p.Tenant, now, "tenant.logo_changed", "tenant", p.Tenant.String(), map[string]any{"width": cfg.Width, "height": cfg.Height})
	})
	return t, err
}

// Logo returns the tenant's logo bytes and content type.
func (s *Service) Logo(ctx context.Context, tenant ID) ([]byte, string, error) {
	t, err := s.Get(ctx, tenant)
	if err != nil {
		return nil, "", err
	}
	if t.Branding.LogoKey == "" {
		return nil, "", errs.NotFound("no logo")
	}
	data, err := s.Blobs.ReadAll(ctx, t.Branding.LogoKey)
	if err != nil {
		return nil, "", errs.Unavailable(err, "could not read the logo")
	}
	return data, t.Branding.LogoType, nil
}
