package tenants

import (
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
)

func tenantFromRow(r tenantsql.Tenant) Tenant {
	b := Branding{Tenant: r.ID, AppName: r.AppName, PrimaryColor: r.PrimaryColor, AccentColor: r.AccentColor,
		BackgroundColor: r.BackgroundColor, LogoVersion: int(r.LogoVersion)}
	if r.LogoKey != nil {
		b.LogoKey = *r.LogoKey
	}
	if r.LogoType != nil {
		b.LogoType = *r.LogoType
	}
	return Tenant{ID: r.ID, Slug: r.Slug, Name: r.Name, Status: Status(r.Status), Branding: b, CreatedAt: r.CreatedAt,
		RequireTwoFactor: r.RequireTwoFactor}
}

func staffFromRow(r tenantsql.Staff) Staff {
	return Staff{ID: r.ID, TenantID: r.TenantID, Email: r.Email, Name: r.Name, Role: authz.Role(r.Role),
		EmailVerified: r.EmailVerifiedAt != nil, CreatedAt: r.CreatedAt}
}
