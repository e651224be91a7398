package graph

import (
	"context"
	"math"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/graph/model"
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

// couponInput maps createCoupon's input onto the domain's: percentOff (a
// percentage with up to two decimals) becomes basis points.
func couponInput(in model.CreateCouponInput) billing.CouponInput {
	out := billing.CouponInput{Code: in.Code, Name: in.Name, Currency: deref(in.Currency), Duration: in.Duration,
		DurationMonths: in.DurationMonths, MaxRedemptions: in.MaxRedemptions, RedeemBy: in.RedeemBy}
	if in.PercentOff != nil {
		bp := int(math.Round(*in.PercentOff * 100))
		out.PercentOffBP = &bp
	}
	if in.AmountOff != nil {
		a := int64(*in.AmountOff)
		out.AmountOff = &a
	}
	return out
}

// storefrontBundle is a bundle on sale: a retired one is NOT_FOUND to viewers.
func (r *Resolver) storefrontBundle(ctx context.Context, tenant tenants.ID, id uuid.UUID) (*billing.Bundle, error) {
	b, err := r.Billing.GetBundle(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if b.RetiredAt != nil {
		return nil, errs.NotFound("no such bundle")
	}
	return &b, nil
}

// eventOffers are an event's active ticket prices.
func (r *Resolver) eventOffers(ctx context.Context, event uuid.UUID) ([]*billing.EventOffer, error) {
	m, err := r.Billing.EventOffers(ctx, principal(ctx).Tenant, []uuid.UUID{event})
	if err != nil {
		return nil, err
	}
	out := make([]*billing.EventOffer, 0, len(m[event]))
	for i := range m[event] {
		out = append(out, &m[event][i])
	}
	return out, nil
}
