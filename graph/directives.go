package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/graph/generated"
	"github.com/marquee-ott/marquee/tenants"
)

// Directives returns the implementations of the schema's directives.
func (r *Resolver) Directives() generated.DirectiveRoot {
	return generated.DirectiveRoot{Requires: r.requires, Attempts: r.attempts}
}

// requires lets a field run only for a staff principal whose permit Keto
// confirms. It is the one place permissions are checked; no resolver repeats it.
func (r *Resolver) requires(ctx context.Context, _ any, next graphql.Resolver, permission authz.Permission) (any, error) {
	p, ok := tenants.PrincipalFrom(ctx)
	if !ok || !p.IsStaff() {
		return nil, errs.Unauthorized("sign in as staff, or send an API key")
	}
	if err := r.Authz.Check(ctx, p.Tenant, p.Subject, permission); err != nil {
		return nil, err
	}
	return next(ctx)
}

// attempts counts each execution of the field against the caller's address,
// so a hundred aliased logins in one request are a hundred attempts.
func (r *Resolver) attempts(ctx context.Context, _ any, next graphql.Resolver, bucket string) (any, error) {
	if r.Attempts != nil && !r.Attempts.Allow(bucket+"|"+tenants.ClientFrom(ctx).IP) {
		return nil, errs.RateLimited("too many %s attempts from your address: wait a minute", bucket)
	}
	return next(ctx)
}
