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
	return s.resolve(ctx, func(q *tenantsql.Queries) (uuid.UUID, error) {
		return q.TenantIDBySlug(ctx, strings.ToLower(strings.TrimSpace(slug)))
	})
}

// ResolveAppKey finds the tenant of an active app key.
func (s *Service) ResolveAppKey(ctx context.Context, key string) (ID, error) {
	return s.resolve(ctx, func(q *tenantsql.Queries) (uuid.UUID, error) {
		return q.TenantIDByAppKey(ctx, key)
	})
}

func (s *Service) resolve(ctx context.Context, look func(*tenantsql.Queries) (uuid.UUID, error)) (ID, error) {
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
