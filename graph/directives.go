package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/graph/generated"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/tenants"
)

// Directives returns the implementations of the schema's directives.
func (r *Resolver) Directives() generated.DirectiveRoot {
	return generated.DirectiveRoot{Requires: r.requires, Attempts: r.attempts, Operator: r.operator}
}

// requires lets a field run only for a staff principal whose permit Keto
// confirms. It is the one place permissions are checked; no resolver repeats it.
// A session that must still enroll in two-factor authentication (its workspace
// requires it) reaches only the fields marked beforeTwoFactor.
func (r *Resolver) requires(ctx context.Context, _ any, next graphql.Resolver, permission authz.Permission, beforeTwoFactor bool) (any, error) {
	p, ok := tenants.PrincipalFrom(ctx)
	if !ok || !p.IsStaff() {
		return nil, errs.Unauthorized("sign in as staff, or send an API key")
	}
	if p.MustEnrollTwoFactor() && !beforeTwoFactor {
		return nil, tenants.ErrTwoFactorRequired
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

// operator lets a field run only for a platform operator whose sign-in is
// complete (password and TOTP). Tenant staff and keys are FORBIDDEN: being a
// tenant's owner grants nothing here.
func (r *Resolver) operator(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	op, ok := operators.PrincipalFrom(ctx)
	switch {
	case ok && op.TwoFactor:
		return next(ctx)
	case ok:
		return nil, errs.Forbidden("complete the two-factor step of the operator sign-in first")
	}
	if _, staff := tenants.PrincipalFrom(ctx); staff {
		return nil, errs.Forbidden("only the platform operator may do this")
	}
	return nil, errs.Unauthorized("sign in as the platform operator")
}
