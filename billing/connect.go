package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// Account is a tenant's Stripe connected account as last reported by Stripe.
type Account struct {
	ID               string // acct_…
	ChargesEnabled   bool
	DetailsSubmitted bool
	PayoutsEnabled   bool
	// AutomaticTax turns Stripe Tax on in the tenant's Checkout sessions.
	AutomaticTax bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CanSell reports whether viewers can pay the tenant, and if not why.
func (a *Account) CanSell() (bool, string) {
	switch {
	case a == nil:
		return false, "this workspace has not connected a Stripe account yet (the owner connects it under Money)"
	case !a.DetailsSubmitted:
		return false, "this workspace's Stripe onboarding is unfinished (the owner resumes it under Money)"
	case !a.ChargesEnabled:
		return false, "Stripe has not enabled charges on this workspace's account yet"
	}
	return true, ""
}

// Onboarding is where the owner goes to finish connecting Stripe.
type Onboarding struct {
	URL       string
	ExpiresAt time.Time
	Account   Account
}

func accountOut(r billingsql.StripeAccount) Account {
	return Account{ID: r.AccountID, ChargesEnabled: r.ChargesEnabled, DetailsSubmitted: r.DetailsSubmitted,
		PayoutsEnabled: r.PayoutsEnabled, AutomaticTax: r.AutomaticTax, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// StripeAccount returns the tenant's connected account, or nil when it has none.
func (s *Service) StripeAccount(ctx context.Context, tenant tenants.ID) (*Account, error) {
	var out *Account
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		r, err := billingsql.New(q).GetAccount(ctx, tenant)
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		a := accountOut(r)
		out = &a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("billing.StripeAccount: %w", err)
	}
	return out, nil
}

// ConnectStripe creates the tenant's Express connected account the first
// time (once per tenant: Stripe's idempotency key is the tenant) and returns
// a fresh onboarding link for it. Audited. The caller checks that the
// principal is the owner (@requires(OWN)).
func (s *Service) ConnectStripe(ctx context.Context, p tenants.Principal) (Onboarding, error) {
	acct, err := s.StripeAccount(ctx, p.Tenant)
	if err != nil {
		return Onboarding{}, err
	}
	if acct == nil {
		params := &stripe.AccountParams{Type: stripe.String(string(stripe.AccountTypeExpress))}
		params.SetIdempotencyKey("marquee-connect-" + p.Tenant.String())
		params.AddMetadata("marquee_tenant", p.Tenant.String())
		a, err := s.Stripe.Accounts.New(params)
		if err != nil {
			return Onboarding{}, stripeErr("billing.ConnectStripe: create account", err)
		}
		if acct, err = s.saveAccount(ctx, p.Tenant, a); err != nil {
			return Onboarding{}, err
		}
	}
	link, err := s.Stripe.AccountLinks.New(&stripe.AccountLinkParams{
		Account:    stripe.String(acct.ID),
		Type:       stripe.String(string(stripe.AccountLinkTypeAccountOnboarding)),
		RefreshURL: stripe.String(s.BaseURL + "/console/#/money?stripe=refresh"),
		ReturnURL:  stripe.String(s.BaseURL + "/console/#/money?stripe=return"),
	})
	if err != nil {
		return Onboarding{}, stripeErr("billing.ConnectStripe: account link", err)
	}
	return Onboarding{URL: link.URL, ExpiresAt: time.Unix(link.ExpiresAt, 0).UTC(), Account: *acct}, nil
}

// saveAccount records a new connected account; when another request
// recorded one first, that one is kept (the idempotency key made it the same).
func (s *Service) saveAccount(ctx context.Context, tenant tenants.ID, a *stripe.Account) (*Account, error) {
	var out Account
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		now := s.now()
		if r, err := q.GetAccount(ctx, tenant); err == nil {
			out = accountOut(r)
			return nil
		} else if !db.IsNoRows(err) {
			return err
		}
		r, err := q.InsertAccount(ctx, billingsql.InsertAccountParams{TenantID: tenant, AccountID: a.ID,
			ChargesEnabled: a.ChargesEnabled, DetailsSubmitted: a.DetailsSubmitted, PayoutsEnabled: a.PayoutsEnabled, Now: now})
		if _, dup := db.IsUniqueViolation(err); dup {
			return errs.Conflict("this Stripe account is connected to another workspace")
		}
		if err != nil {
			return err
		}
		out = accountOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.stripe_connected", "stripe_account", a.ID, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("billing.ConnectStripe %s: %w", tenant, err)
	}
	return &out, nil
}

// SetAutomaticTax turns Stripe Tax on or off for the tenant's Checkout
// sessions (audited); the tenant must have connected Stripe.
func (s *Service) SetAutomaticTax(ctx context.Context, tenant tenants.ID, on bool) (Account, error) {
	var out Account
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		r, err := billingsql.New(tx).SetAutomaticTax(ctx, billingsql.SetAutomaticTaxParams{TenantID: tenant, AutomaticTax: on, Now: now})
		if db.IsNoRows(err) {
			return errs.Conflict("connect Stripe first")
		}
		if err != nil {
			return err
		}
		out = accountOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.automatic_tax_set", "stripe_account", r.AccountID, map[string]any{"on": on})
	})
	if err != nil {
		return Account{}, fmt.Errorf("billing.SetAutomaticTax: %w", err)
	}
	return out, nil
}
