package graph

import (
	"context"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// storefrontViewer returns the storefront request's tenant and signed-in
// viewer (AccountOf, wired by the integrator to viewers.FromContext).
func (r *Resolver) storefrontViewer(ctx context.Context) (tenants.ID, uuid.UUID, error) {
	p, ok := tenants.PrincipalFrom(ctx)
	if !ok {
		return uuid.Nil, uuid.Nil, errNoTenant
	}
	if r.AccountOf == nil {
		return uuid.Nil, uuid.Nil, errs.Unauthorized("sign in as a viewer first")
	}
	v, ok := r.AccountOf(ctx)
	if !ok || v == uuid.Nil {
		return uuid.Nil, uuid.Nil, errs.Unauthorized("sign in as a viewer first")
	}
	return p.Tenant, v, nil
}
