package apps

import (
	"context"
	"fmt"
	"strings"

	"github.com/marquee-ott/marquee/apps/internal/appssql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/domains"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

type prepared struct {
	spec     Spec
	warnings []Warning
	hash     string
}

// Spec is the Spec a build of platform would package now (build number
// 0), with its warnings: what the console previews and tests check.
func (s *Service) Spec(ctx context.Context, tenant tenants.ID, platform Platform) (Spec, []Warning, error) {
	ps, err := s.spec(ctx, tenant, Build{Platform: platform})
	return ps.spec, ps.warnings, err
}

func (s *Service) spec(ctx context.Context, tenant tenants.ID, b Build) (prepared, error) {
	t, err := s.Tenants.Get(ctx, tenant)
	if err != nil {
		return prepared{}, err
	}
	set, err := s.Settings(ctx, tenant)
	if err != nil {
		return prepared{}, err
	}
	var ps prepared
	if ps.hash, err = s.brandingHash(ctx, tenant, set); err != nil {
		return prepared{}, err
	}
	name := firstOf(set.Name, t.Branding.AppName, t.Name)
	if err := CheckName(b.Platform, name); err != nil {
		return prepared{}, err
	}
	pal, warns, err := MakePalette(t.Branding.PrimaryColor, t.Branding.AccentColor, t.Branding.BackgroundColor)
	if err != nil {
		return prepared{}, errs.InvalidField("colors", "the branding's colours: %s", errs.MessageOf(err))
	}
	sp := Spec{Platform: b.Platform, TenantID: tenant.String(), Slug: t.Slug, Name: strings.TrimSpace(name),
		Description: set.Description, Keywords: set.Keywords, Palette: pal, BundleID: firstOf(set.BundleID, DefaultBundleID(t.Slug)),
		BaseURL: strings.TrimRight(s.BaseURL, "/"), Now: s.now(),
		Version: Version{Major: set.Version.Major, Minor: set.Version.Minor, Patch: set.Version.Patch, Build: b.BuildNumber}}
	sp.ShortName = ShortName(sp.Name, set.ShortName, &warns)
	if sp.Description == "" {
		sp.Description = "Watch " + sp.Name + "."
	}
	logo, _, err := s.Tenants.Logo(ctx, tenant)
	switch {
	case errs.KindOf(err) == errs.KindNotFound:
		sp.Logo = Monogram(sp.Name, pal.Primary, pal.OnPrimary)
		warns = append(warns, Warning("the workspace has no logo: the apps use a monogram (the name's first letter on the primary colour); upload a logo in the branding"))
	case err != nil:
		return prepared{}, err
	default:
		img, lw, err := CheckLogo(logo)
		if err != nil {
			return prepared{}, err
		}
		sp.Logo = img
		warns = append(warns, lw...)
	}
	if sp.AppKey, err = s.appKey(ctx, tenant); err != nil {
		return prepared{}, err
	}
	if sp.WebURL, err = s.WebURL(ctx, tenant); err != nil {
		return prepared{}, err
	}
	if sp.Features, err = s.features(ctx, tenant); err != nil {
		return prepared{}, err
	}
	ps.spec, ps.warnings = sp, warns
	return ps, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// appKey is the workspace's AppKeyName key, made on first use.
func (s *Service) appKey(ctx context.Context, tenant tenants.ID) (string, error) {
	keys, err := s.Tenants.ListAppKeys(ctx, tenant)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if k.Name == AppKeyName && k.RevokedAt == nil {
			return k.Key, nil
		}
	}
	k, err := s.Tenants.CreateAppKey(ctx, tenants.Principal{Tenant: tenant, Label: "apps"}, AppKeyName)
	if err != nil {
		return "", fmt.Errorf("apps: the app key: %w", err)
	}
	return k.Key, nil
}

// WebURL is the hosted web app's address, ending in "/": the workspace's
// verified custom domain, else {slug}.BaseDomain, else BaseURL/t/{slug}/.
func (s *Service) WebURL(ctx context.Context, tenant tenants.ID) (string, error) {
	if s.Domains != nil {
		ds, err := s.Domains.List(ctx, tenant)
		if err != nil {
			return "", err
		}
		for _, d := range ds {
			if d.Status == domains.StatusActive {
				return "https://" + d.Hostname + "/", nil
			}
		}
		for _, d := range ds {
			if d.Status == domains.StatusVerified {
				return "https://" + d.Hostname + "/", nil
			}
		}
	}
	t, err := s.Tenants.Get(ctx, tenant)
	if err != nil {
		return "", err
	}
	if s.BaseDomain != "" {
		return "https://" + t.Slug + "." + s.BaseDomain + "/", nil
	}
	return strings.TrimRight(s.BaseURL, "/") + "/t/" + t.Slug + "/", nil
}

// features: billing when the workspace sells something (an active plan or
// title offer), shorts and creators when the catalog has any; cast always.
func (s *Service) features(ctx context.Context, tenant tenants.ID) (Features, error) {
	var f Features
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		row, err := appssql.New(q).Features(ctx, tenant)
		f = Features{Billing: row.Billing, Shorts: row.Shorts, Creators: row.Creators, Cast: true}
		return err
	})
	if err != nil {
		return Features{}, fmt.Errorf("apps.features: %w", err)
	}
	return f, nil
}
