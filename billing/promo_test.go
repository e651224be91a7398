package billing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

// A promo code gives its title to each viewer who redeems it, once each, up
// to its limit and until it expires; another workspace cannot redeem it; a
// rental's window starts at first play as a bought one's does.
func TestPromoCodes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := e.mustSVODTenant(t)
	film := e.mustTitle(t, tenant)
	if err := e.svc.SetTitleAccess(ctx, tenant, film.ID, billing.ModelTVOD); err != nil {
		t.Fatal(err)
	}
	hours := 48
	in := billing.PromoInput{Code: " press-2026 ", Title: film.ID, Kind: billing.Rent, RentalHours: &hours, MaxRedemptions: 2,
		ExpiresAt: e.clock.Now().Add(24 * time.Hour)}
	pc, err := e.svc.CreatePromoCode(ctx, tenant, in)
	if err != nil || pc.Code != "PRESS-2026" {
		t.Fatalf("create = %+v, %v", pc, err)
	}
	_, err = e.svc.CreatePromoCode(ctx, tenant, in)
	wantKind(t, err, errs.KindConflict)
	gen, err := e.svc.CreatePromoCode(ctx, tenant, billing.PromoInput{Title: film.ID, Kind: billing.Buy, MaxRedemptions: 1, ExpiresAt: e.clock.Now().Add(time.Hour)})
	if err != nil || len(gen.Code) != 11 {
		t.Fatalf("generated code = %+v, %v", gen, err)
	}
	for name, bad := range map[string]billing.PromoInput{
		"rent without hours": {Title: film.ID, Kind: billing.Rent, MaxRedemptions: 1, ExpiresAt: e.clock.Now().Add(time.Hour)},
		"no uses":            {Title: film.ID, Kind: billing.Buy, ExpiresAt: e.clock.Now().Add(time.Hour)},
		"expired":            {Title: film.ID, Kind: billing.Buy, MaxRedemptions: 1, ExpiresAt: e.clock.Now().Add(-time.Hour)},
		"bad code":           {Code: "no spaces", Title: film.ID, Kind: billing.Buy, MaxRedemptions: 1, ExpiresAt: e.clock.Now().Add(time.Hour)},
	} {
		if _, err := e.svc.CreatePromoCode(ctx, tenant, bad); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = e.svc.CreatePromoCode(ctx, tenant, billing.PromoInput{Title: uuid.New(), Kind: billing.Buy, MaxRedemptions: 1, ExpiresAt: e.clock.Now().Add(time.Hour)})
	wantKind(t, err, errs.KindNotFound)

	v1, v2, v3 := uuid.New(), uuid.New(), uuid.New()
	if d := e.check(t, tenant, v1, film); d.Allowed {
		t.Fatalf("before redeeming: %+v", d)
	}
	ent, err := e.svc.RedeemPromoCode(ctx, tenant, v1, "press-2026")
	if err != nil || ent.Source != billing.SourcePromo || ent.Kind != billing.KindTVODRent {
		t.Fatalf("redeem = %+v, %v", ent, err)
	}
	if d := e.check(t, tenant, v1, film); !d.Allowed {
		t.Fatalf("after redeeming: %+v", d)
	}
	_, err = e.svc.RedeemPromoCode(ctx, tenant, v1, "PRESS-2026")
	wantKind(t, err, errs.KindConflict)
	if _, err := e.svc.RedeemPromoCode(ctx, tenant, v2, "PRESS-2026"); err != nil {
		t.Fatal(err)
	}
	// Past its limit: the third viewer gets nothing.
	_, err = e.svc.RedeemPromoCode(ctx, tenant, v3, "PRESS-2026")
	wantKind(t, err, errs.KindConflict)
	if d := e.check(t, tenant, v3, film); d.Allowed {
		t.Errorf("a viewer refused the code plays: %+v", d)
	}
	_, err = e.svc.RedeemPromoCode(ctx, tenant, v3, "NO-SUCH-CODE")
	wantKind(t, err, errs.KindNotFound)
	other := e.mustSVODTenant(t)
	_, err = e.svc.RedeemPromoCode(ctx, other, v3, gen.Code)
	wantKind(t, err, errs.KindNotFound)
	e.clock.Add(2 * time.Hour)
	_, err = e.svc.RedeemPromoCode(ctx, tenant, v3, gen.Code)
	wantKind(t, err, errs.KindInvalid)

	codes, err := e.svc.PromoCodes(ctx, tenant)
	if err != nil || len(codes) != 2 || codes[1].Redeemed != 2 {
		t.Fatalf("codes = %+v, %v", codes, err)
	}
	if codes, _ := e.svc.PromoCodes(ctx, other); len(codes) != 0 {
		t.Errorf("another workspace lists %+v", codes)
	}
}

// Invariant: viewers racing for a code's last use cannot both have it.
func TestPromoCodeLastUseRace(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, e.db)
	film := e.mustTitle(t, tenant)
	pc, err := e.svc.CreatePromoCode(ctx, tenant, billing.PromoInput{Title: film.ID, Kind: billing.Buy, MaxRedemptions: 1, ExpiresAt: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.RedeemPromoCode(ctx, tenant, uuid.New(), pc.Code)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errs.Is(err, errs.KindConflict):
				t.Errorf("a losing redemption: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d viewers redeemed a code for one", won)
	}
}
