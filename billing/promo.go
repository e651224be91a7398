package billing

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// PromoWindow is how long a redeemed promo rental may wait for its first
// play (its viewing window, RentalHours, starts then), as a bought rental's
// purchase window.
const PromoWindow = 30 * 24 * time.Hour

// PromoCode gives a title free (a rental or to keep) to each viewer who
// redeems it, up to MaxRedemptions viewers, until ExpiresAt: gift cards,
// press, partners' promotions.
type PromoCode struct {
	ID             uuid.UUID
	Code           string
	Title          catalog.TitleID
	Kind           OfferKind
	RentalHours    *int
	MaxRedemptions int
	Redeemed       int
	ExpiresAt      time.Time
	CreatedAt      time.Time
}

// PromoInput makes a promo code; an empty Code is generated.
type PromoInput struct {
	Code           string
	Title          catalog.TitleID
	Kind           OfferKind
	RentalHours    *int
	MaxRedemptions int
	ExpiresAt      time.Time
}

var promoCodeRe = regexp.MustCompile(`^[A-Z0-9-]{4,32}$`)

// Validate checks the input as of now; the code is normalised to upper case.
func (in *PromoInput) Validate(now time.Time) error {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	switch {
	case in.Code != "" && !promoCodeRe.MatchString(in.Code):
		return errs.InvalidField("code", "a code is 4 to 32 letters, digits or dashes")
	case in.Kind != Rent && in.Kind != Buy:
		return errs.InvalidField("kind", "kind is RENT or BUY")
	case (in.Kind == Rent) != (in.RentalHours != nil):
		return errs.InvalidField("rentalHours", "a rental needs its viewing window in hours; a purchase has none")
	case in.RentalHours != nil && (*in.RentalHours < 1 || *in.RentalHours > 8760):
		return errs.InvalidField("rentalHours", "a viewing window is 1 to 8760 hours")
	case in.MaxRedemptions < 1 || in.MaxRedemptions > 1_000_000:
		return errs.InvalidField("maxRedemptions", "a code is for 1 to 1 000 000 viewers")
	case !in.ExpiresAt.After(now):
		return errs.InvalidField("expiresAt", "the code would already have expired")
	}
	return nil
}

// promoAlphabet leaves out letters and digits read alike (0/O, 1/I/L, 5/S).
const promoAlphabet = "ABCDEFGHJKMNPQRTUVWXYZ2346789"

func newPromoCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = promoAlphabet[int(b[i])%len(promoAlphabet)]
	}
	return string(b[:5]) + "-" + string(b[5:])
}

// CreatePromoCode makes a promo code for one of the tenant's titles
// (audited). A code the tenant already has is a Conflict.
func (s *Service) CreatePromoCode(ctx context.Context, tenant tenants.ID, in PromoInput) (PromoCode, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return PromoCode{}, err
	}
	if in.Code == "" {
		in.Code = newPromoCode()
	}
	var out PromoCode
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		ok, err := q.TitleExists(ctx, billingsql.TitleExistsParams{TenantID: tenant, ID: in.Title})
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFound("no such title")
		}
		r, err := q.CreatePromoCode(ctx, billingsql.CreatePromoCodeParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()), Code: in.Code,
			TitleID: in.Title, Kind: string(in.Kind), RentalHours: int32p(in.RentalHours), MaxRedemptions: int32(in.MaxRedemptions),
			ExpiresAt: in.ExpiresAt.UTC(), Now: now})
		if db.IsNoRows(err) {
			return errs.Conflict("the code %s exists already", in.Code)
		} else if err != nil {
			return err
		}
		out = promoOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.promo_created", "promo_code", r.ID.String(),
			map[string]any{"title": in.Title.String(), "kind": string(in.Kind), "max": in.MaxRedemptions})
	})
	if err != nil {
		return PromoCode{}, fmt.Errorf("billing.CreatePromoCode: %w", err)
	}
	return out, nil
}

// PromoCodes lists the tenant's promo codes, newest first.
func (s *Service) PromoCodes(ctx context.Context, tenant tenants.ID) ([]PromoCode, error) {
	var rows []billingsql.PromoCode
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		rows, err = billingsql.New(q).ListPromoCodes(ctx, tenant)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.PromoCodes: %w", err)
	}
	out := make([]PromoCode, len(rows))
	for i, r := range rows {
		out[i] = promoOut(r)
	}
	return out, nil
}

// RedeemPromoCode gives the viewer the code's title: one entitlement
// (source promo) per viewer and code. The code row is locked while it is
// counted, so two viewers racing for its last use cannot both have it.
func (s *Service) RedeemPromoCode(ctx context.Context, tenant tenants.ID, viewer uuid.UUID, code string) (Entitlement, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if !promoCodeRe.MatchString(code) {
		return Entitlement{}, errs.NotFound("no such code")
	}
	now := s.now()
	var out Entitlement
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		pc, err := q.LockPromoCode(ctx, billingsql.LockPromoCodeParams{TenantID: tenant, Code: code})
		if db.IsNoRows(err) {
			return errs.NotFound("no such code")
		} else if err != nil {
			return err
		}
		switch {
		case !now.Before(pc.ExpiresAt):
			return errs.Invalid("this code expired on %s", pc.ExpiresAt.UTC().Format("2 January 2006"))
		case pc.Redeemed >= pc.MaxRedemptions:
			return errs.Conflict("this code has been used as many times as it may be")
		}
		id := uuid.Must(uuid.NewV7())
		n, err := q.AddPromoRedemption(ctx, billingsql.AddPromoRedemptionParams{TenantID: tenant, CodeID: pc.ID, ViewerID: viewer, EntitlementID: id, Now: now})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Conflict("you have redeemed this code already")
		}
		if err := q.CountPromoRedemption(ctx, billingsql.CountPromoRedemptionParams{TenantID: tenant, ID: pc.ID}); err != nil {
			return err
		}
		kind, ends := KindTVODBuy, (*time.Time)(nil)
		if pc.Kind == string(Rent) {
			e := now.Add(PromoWindow)
			kind, ends = KindTVODRent, &e
		}
		verification, _ := json.Marshal(map[string]any{"promo_code": pc.ID, "code": pc.Code, "redeemed_at": now})
		title := pc.TitleID
		r, err := q.UpsertEntitlement(ctx, billingsql.UpsertEntitlementParams{TenantID: tenant, ID: id, ViewerID: viewer,
			Source: string(SourcePromo), ExternalID: pc.ID.String() + ":" + viewer.String(), Verification: verification,
			Kind: string(kind), Scope: string(ScopeTitle), CollectionIds: []uuid.UUID{}, TitleID: &title, Status: "active",
			StartsAt: now, EndsAt: ends, RentalHours: pc.RentalHours, Now: now})
		if err != nil {
			return err
		}
		out = entitlementOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.promo_redeemed", "promo_code", pc.ID.String(),
			map[string]any{"viewer": viewer.String(), "entitlement": id.String()})
	})
	if err != nil {
		return Entitlement{}, fmt.Errorf("billing.RedeemPromoCode: %w", err)
	}
	s.forget(tenant, viewer)
	return out, nil
}

func promoOut(r billingsql.PromoCode) PromoCode {
	out := PromoCode{ID: r.ID, Code: r.Code, Title: r.TitleID, Kind: OfferKind(r.Kind), MaxRedemptions: int(r.MaxRedemptions),
		Redeemed: int(r.Redeemed), ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC()}
	if r.RentalHours != nil {
		h := int(*r.RentalHours)
		out.RentalHours = &h
	}
	return out
}

func int32p(v *int) *int32 {
	if v == nil {
		return nil
	}
	n := int32(*v)
	return &n
}
