package tenants

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
)

// ResolveSlug finds a tenant by slug, through the one SECURITY DEFINER look-up
// that may read across tenants. Unknown is NotFound.
func (s *Service) ResolveSlug(ctx context.Context, slug string) (ID, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	return s.resolve(ctx, "slug:"+slug, func(q *tenantsql.Queries) (uuid.UUID, error) {
		return q.TenantIDBySlug(ctx, slug)
	})
}

// ResolveAppKey finds the tenant of an active app key.
func (s *Service) ResolveAppKey(ctx context.Context, key string) (ID, error) {
	return s.resolve(ctx, appKeyResolution(key), func(q *tenantsql.Queries) (uuid.UUID, error) {
		return q.TenantIDByAppKey(ctx, key)
	})
}

func appKeyResolution(key string) string { return "app:" + key }

// resolve looks a tenant up by a cached key; only hits are cached, so a new
// slug or key is found at once.
func (s *Service) resolve(ctx context.Context, cacheKey string, look func(*tenantsql.Queries) (uuid.UUID, error)) (ID, error) {
	if id, ok := s.resolutions.Get(cacheKey); ok {
		return id, nil
	}
	var id uuid.UUID
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		id, err = look(tenantsql.New(tx))
		return err
	})
	// The function returns NULL for an unknown key, which scans as an error.
	if err != nil || id == uuid.Nil {
		if errs.KindOf(err) == errs.KindUnavailable {
			return uuid.Nil, err
		}
		return uuid.Nil, errs.NotFound("no such tenant")
	}
	s.resolutions.Set(cacheKey, id)
	return id, nil
}

// Get returns a tenant.
func (s *Service) Get(ctx context.Context, tenant ID) (Tenant, error) {
	var t Tenant
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		r, err := tenantsql.New(tx).GetTenant(ctx, tenant)
		if db.IsNoRows(err) {
			return errs.NotFound("no such tenant")
		}
		t = tenantFromRow(r)
		return err
	})
	return t, err
}
