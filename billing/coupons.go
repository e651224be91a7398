package billing

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// CouponDuration is how long a coupon discounts a subscription.
type CouponDuration string

// Coupon durations (Stripe's).
const (
	CouponOnce      CouponDuration = "once"
	CouponRepeating CouponDuration = "repeating" // for DurationMonths
	CouponForever   CouponDuration = "forever"
)

// Coupon is a subscription discount viewers enter at checkout under Code:
// PercentOffBP basis points off (2550 = 25.5%), or AmountOff minor units of
// Currency off each discounted invoice. It is a Stripe coupon on the
// workspace's connected account with a Stripe promotion code of the same
// code, max_redemptions and expiry; the code is checked here before
// Checkout opens (with a reason a viewer can read), and Checkout is given
// the promotion code, so Stripe enforces its limits too.
type Coupon struct {
	ID             uuid.UUID
	Code           string
	Name           string
	PercentOffBP   *int
	AmountOff      *int64
	Currency       string
	Duration       CouponDuration
	DurationMonths *int
	MaxRedemptions *int
	Redeemed       int
	RedeemBy       *time.Time
	StripeCouponID string
	// StripePromotionCodeID is the promotion code Checkout is given; ''
	// for a coupon made before promotion codes were (Checkout then names
	// the coupon).
	StripePromotionCodeID string
	Active                bool
	CreatedAt             time.Time
}

// CouponInput makes a coupon: exactly one of PercentOffBP and AmountOff
// (with Currency).
type CouponInput struct {
	Code           string
	Name           string
	PercentOffBP   *int
	AmountOff      *int64
	Currency       string
	Duration       CouponDuration
	DurationMonths *int
	MaxRedemptions *int
	RedeemBy       *time.Time
}

// Validate checks the input as of now; the code is upper-cased and the
// currency lower-cased.
func (in *CouponInput) Validate(now time.Time) error {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	in.Currency = strings.ToLower(strings.TrimSpace(in.Currency))
	switch {
	case len(in.Code) < 3 || len(in.Code) > 32 || strings.Trim(in.Code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "":
		return errs.InvalidField("code", "a code is 3 to 32 letters, digits or dashes")
	case in.Name == "" || len(in.Name) > 40: // Stripe shows a coupon's name on invoices; it allows 40
		return errs.InvalidField("name", "a coupon's name is 1 to 40 characters")
	case (in.PercentOffBP == nil) == (in.AmountOff == nil):
		return errs.InvalidField("percentOff", "give a percentage or an amount off, not both")
	case in.PercentOffBP != nil && (*in.PercentOffBP < 1 || *in.PercentOffBP > 10000):
		return errs.InvalidField("percentOff", "a percentage off is above 0 and at most 100")
	case in.AmountOff != nil && *in.AmountOff < 1:
		return errs.InvalidField("amountOff", "an amount off is at least 1 (in the currency's minor unit)")
	case in.AmountOff != nil && (len(in.Currency) != 3 || strings.Trim(in.Currency, "abcdefghijklmnopqrstuvwxyz") != ""):
		return errs.InvalidField("currency", "an amount off needs its currency (ISO 4217, e.g. usd)")
	case in.AmountOff == nil && in.Currency != "":
		return errs.InvalidField("currency", "a percentage off has no currency")
	case in.Duration != CouponOnce && in.Duration != CouponRepeating && in.Duration != CouponForever:
		return errs.InvalidField("duration", "duration is ONCE, REPEATING or FOREVER")
	case (in.Duration == CouponRepeating) != (in.DurationMonths != nil):
		return errs.InvalidField("durationMonths", "a repeating coupon, and only it, names its months")
	case in.DurationMonths != nil && (*in.DurationMonths < 1 || *in.DurationMonths > 36):
		return errs.InvalidField("durationMonths", "a coupon repeats for 1 to 36 months")
	case in.MaxRedemptions != nil && *in.MaxRedemptions < 1:
		return errs.InvalidField("maxRedemptions", "a coupon is for at least one subscription")
	case in.RedeemBy != nil && !in.RedeemBy.After(now):
		return errs.InvalidField("redeemBy", "the coupon would already have expired")
	}
	return nil
}

// CreateCoupon makes the Stripe coupon on the workspace's connected account
// and records it under its code (audited). A code the workspace has is a
// Conflict; a workspace that cannot sell is told why.
func (s *Service) CreateCoupon(ctx context.Context, tenant tenants.ID, in CouponInput) (Coupon, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Coupon{}, err
	}
	acct, err := s.StripeAccount(ctx, tenant)
	if err != nil {
		return Coupon{}, err
	}
	if ok, why := acct.CanSell(); !ok {
		return Coupon{}, errs.Conflict("%s", why)
	}
	var existing bool
	if err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		_, err := billingsql.New(q).CouponByCode(ctx, billingsql.CouponByCodeParams{TenantID: tenant, Code: in.Code})
		existing = err == nil
		if db.IsNoRows(err) {
			return nil
		}
		return err
	}); err != nil {
		return Coupon{}, fmt.Errorf("billing.CreateCoupon: %w", err)
	}
	if existing {
		return Coupon{}, errs.Conflict("the code %s exists already", in.Code)
	}
	id := uuid.Must(uuid.NewV7())
	sc, err := s.Stripe.Coupons.New(stripeCouponParams(acct.ID, tenant, id, in))
	if err != nil {
		return Coupon{}, stripeErr("billing.CreateCoupon", err)
	}
	pc, err := s.Stripe.PromotionCodes.New(stripePromotionCodeParams(acct.ID, tenant, id, sc.ID, in))
	if err != nil {
		return Coupon{}, stripeErr("billing.CreateCoupon: promotion code", err)
	}
	var out Coupon
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		r, err := q.CreateCoupon(ctx, billingsql.CreateCouponParams{TenantID: tenant, ID: id, Code: in.Code, Name: in.Name,
			PercentOffBp: int32p(in.PercentOffBP), AmountOff: in.AmountOff, Currency: strp(in.Currency), Duration: string(in.Duration),
			DurationMonths: int32p(in.DurationMonths), MaxRedemptions: int32p(in.MaxRedemptions), RedeemBy: in.RedeemBy,
			StripeCouponID: sc.ID, StripePromotionCodeID: pc.ID, Now: now})
		if db.IsNoRows(err) {
			return errs.Conflict("the code %s exists already", in.Code)
		} else if err != nil {
			return err
		}
		out = couponOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.coupon_created", "coupon", id.String(),
			map[string]any{"code": in.Code, "stripe_coupon": sc.ID, "stripe_promotion_code": pc.ID})
	})
	if err != nil {
		return Coupon{}, fmt.Errorf("billing.CreateCoupon: %w", err)
	}
	return out, nil
}

func stripeCouponParams(account string, tenant tenants.ID, id uuid.UUID, in CouponInput) *stripe.CouponParams {
	p := &stripe.CouponParams{Params: onAccount(account), Name: stripe.String(in.Name), Duration: stripe.String(string(in.Duration))}
	p.SetIdempotencyKey("marquee-coupon-" + id.String())
	if in.PercentOffBP != nil {
		p.PercentOff = stripe.Float64(float64(*in.PercentOffBP) / 100)
	} else {
		p.AmountOff = stripe.Int64(*in.AmountOff)
		p.Currency = stripe.String(in.Currency)
	}
	if in.DurationMonths != nil {
		p.DurationInMonths = stripe.Int64(int64(*in.DurationMonths))
	}
	if in.MaxRedemptions != nil {
		p.MaxRedemptions = stripe.Int64(int64(*in.MaxRedemptions))
	}
	if in.RedeemBy != nil {
		p.RedeemBy = stripe.Int64(in.RedeemBy.Unix())
	}
	p.AddMetadata(metaTenant, tenant.String())
	p.AddMetadata("marquee_coupon", id.String())
	return p
}

// promotionCodeAPIVersion is the Stripe API version the promotion code
// create is sent at. Up to 2025-08-27.basil a promotion code names its
// coupon as `coupon`; from 2025-09-30.clover as `promotion[type]=coupon` and
// `promotion[coupon]`, and `coupon` is refused. stripe-go v76 pins
// 2023-10-16 and sends `coupon`; stripe-mock v0.203.0 serves the clover
// schema and refuses it ("object property 'promotion' is required"), so no
// one body is right for both at 2023-10-16. Sent at clover (Stripe honours
// a Stripe-Version header per request), the clover body is right for
// Stripe and for stripe-mock alike. Only the new object's id is read from
// the answer, the one field the versions share.
const promotionCodeAPIVersion = "2025-09-30.clover"

// stripePromotionCodeParams makes a coupon's code a Stripe promotion code
// with the coupon's limits, idempotently under our coupon's id.
func stripePromotionCodeParams(account string, tenant tenants.ID, id uuid.UUID, stripeCoupon string, in CouponInput) *stripe.PromotionCodeParams {
	p := &stripe.PromotionCodeParams{Params: onAccount(account), Code: stripe.String(in.Code)}
	p.SetIdempotencyKey("marquee-promotion-code-" + id.String())
	p.Headers = http.Header{"Stripe-Version": {promotionCodeAPIVersion}}
	p.AddExtra("promotion[type]", "coupon")
	p.AddExtra("promotion[coupon]", stripeCoupon)
	if in.MaxRedemptions != nil {
		p.MaxRedemptions = stripe.Int64(int64(*in.MaxRedemptions))
	}
	if in.RedeemBy != nil {
		p.ExpiresAt = stripe.Int64(in.RedeemBy.Unix())
	}
	p.AddMetadata(metaTenant, tenant.String())
	p.AddMetadata("marquee_coupon", id.String())
	return p
}

// Coupons lists the workspace's coupons, newest first.
func (s *Service) Coupons(ctx context.Context, tenant tenants.ID) ([]Coupon, error) {
	var rows []billingsql.Coupon
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		rows, err = billingsql.New(q).ListCoupons(ctx, tenant)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.Coupons: %w", err)
	}
	out := make([]Coupon, len(rows))
	for i, r := range rows {
		out[i] = couponOut(r)
	}
	return out, nil
}

// DeactivateCoupon stops a code from being accepted at checkout (audited),
// here and (its promotion code archived first) at Stripe, so Checkout's own
// promotion-code box refuses it too; subscriptions already discounted keep
// their discount. Another workspace's coupon is NotFound; Stripe
// unreachable is Unavailable and changes nothing here (try again).
func (s *Service) DeactivateCoupon(ctx context.Context, tenant tenants.ID, id uuid.UUID) (Coupon, error) {
	now := s.now()
	var c billingsql.Coupon
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		c, err = billingsql.New(q).GetCoupon(ctx, billingsql.GetCouponParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such coupon")
		}
		return err
	})
	if err != nil {
		return Coupon{}, fmt.Errorf("billing.DeactivateCoupon: %w", err)
	}
	if c.Active && c.StripePromotionCodeID != "" {
		acct, err := s.StripeAccount(ctx, tenant)
		if err != nil {
			return Coupon{}, fmt.Errorf("billing.DeactivateCoupon: %w", err)
		}
		if acct != nil {
			_, err := s.Stripe.PromotionCodes.Update(c.StripePromotionCodeID, &stripe.PromotionCodeParams{Params: onAccount(acct.ID),
				Active: stripe.Bool(false)})
			if err != nil && !stripeMissing(err) {
				return Coupon{}, stripeErr("billing.DeactivateCoupon: promotion code", err)
			}
		}
	}
	var out Coupon
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		r, err := billingsql.New(tx).DeactivateCoupon(ctx, billingsql.DeactivateCouponParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such coupon")
		} else if err != nil {
			return err
		}
		out = couponOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.coupon_deactivated", "coupon", id.String(), map[string]any{"code": r.Code})
	})
	if err != nil {
		return Coupon{}, fmt.Errorf("billing.DeactivateCoupon: %w", err)
	}
	return out, nil
}

// couponForCheckout is the coupon a viewer's code names, if it may discount
// a price in currency now: an unknown or deactivated code is NotFound (no
// hint which), an expired one, one used up, or one in another currency is
// Invalid with the reason.
func (s *Service) couponForCheckout(ctx context.Context, tenant tenants.ID, code, currency string) (Coupon, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	var c Coupon
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		r, err := billingsql.New(q).CouponByCode(ctx, billingsql.CouponByCodeParams{TenantID: tenant, Code: code})
		if db.IsNoRows(err) || (err == nil && !r.Active) {
			return errs.NotFound("no such code")
		} else if err != nil {
			return err
		}
		c = couponOut(r)
		return nil
	})
	if err != nil {
		return Coupon{}, err
	}
	switch {
	case c.RedeemBy != nil && !s.now().Before(*c.RedeemBy):
		return Coupon{}, errs.InvalidField("promoCode", "this code expired on %s", c.RedeemBy.UTC().Format("2 January 2006"))
	case c.MaxRedemptions != nil && c.Redeemed >= *c.MaxRedemptions:
		return Coupon{}, errs.InvalidField("promoCode", "this code has been used as many times as it may be")
	case c.AmountOff != nil && c.Currency != strings.ToLower(currency):
		return Coupon{}, errs.InvalidField("promoCode", "this code takes %s off; the price is in %s",
			strings.ToUpper(c.Currency), strings.ToUpper(currency))
	}
	return c, nil
}

// redemptionChange counts a completed subscription Checkout that carried
// one of our coupons (its id in the session's metadata): once per session,
// however often the event comes.
func redemptionChange(tenant uuid.UUID, sess *stripe.CheckoutSession) change {
	couponID, err1 := uuid.Parse(sess.Metadata[metaCoupon])
	viewer, err2 := uuid.Parse(sess.Metadata[metaViewer])
	if err1 != nil || err2 != nil || sess.Metadata[metaTenant] != tenant.String() || sess.Status != stripe.CheckoutSessionStatusComplete {
		return nil
	}
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		n, err := q.AddCouponRedemption(ctx, billingsql.AddCouponRedemptionParams{TenantID: tenant, CouponID: couponID,
			CheckoutSessionID: sess.ID, ViewerID: viewer, Now: now})
		if err != nil || n == 0 {
			return nil, err
		}
		return nil, q.CountCouponRedemption(ctx, billingsql.CountCouponRedemptionParams{TenantID: tenant, ID: couponID})
	}
}

// metaCoupon names our coupon on a Checkout session.
const metaCoupon = "marquee_coupon"

func couponOut(r billingsql.Coupon) Coupon {
	c := Coupon{ID: r.ID, Code: r.Code, Name: r.Name, AmountOff: r.AmountOff, Duration: CouponDuration(r.Duration),
		Redeemed: int(r.Redeemed), RedeemBy: r.RedeemBy, StripeCouponID: r.StripeCouponID, StripePromotionCodeID: r.StripePromotionCodeID,
		Active: r.Active, CreatedAt: r.CreatedAt}
	c.PercentOffBP = intOf(r.PercentOffBp)
	c.DurationMonths = intOf(r.DurationMonths)
	c.MaxRedemptions = intOf(r.MaxRedemptions)
	if r.Currency != nil {
		c.Currency = *r.Currency
	}
	return c
}

func intOf(v *int32) *int {
	if v == nil {
		return nil
	}
	i := int(*v)
	return &i
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
