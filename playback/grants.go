package playback

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/playback/internal/playbacksql"
	"github.com/marquee-ott/marquee/tenants"
)

// Grants is the interim Entitlements: a title is free unless staff marked it
// "requires entitlement"; then only viewers granted it may watch. Billing
// replaces it (plans, rentals, purchases) behind the same interface.
type Grants struct {
	DB     *db.DB
	Titles Titles
	Now    func() time.Time
}

func (g *Grants) now() time.Time {
	if g.Now != nil {
		return g.Now().UTC()
	}
	return time.Now().UTC()
}

// Check allows free titles, and titles requiring an entitlement to viewers
// granted them.
func (g *Grants) Check(ctx context.Context, tenant tenants.ID, viewer ViewerID, _ uuid.UUID, title catalog.Title) (Decision, error) {
	var requires, granted bool
	err := g.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		requires, err = playbacksql.New(q).GetRule(ctx, playbacksql.GetRuleParams{TenantID: tenant, TitleID: title.ID})
		if db.IsNoRows(err) {
			requires, err = false, nil
		}
		if err != nil || !requires {
			return err
		}
		granted, err = playbacksql.New(q).HasGrant(ctx, playbacksql.HasGrantParams{TenantID: tenant, TitleID: title.ID, ViewerID: viewer})
		return err
	})
	if err != nil {
		return Decision{}, fmt.Errorf("playback.Grants.Check: %w", err)
	}
	if requires && !granted {
		return Decision{Reason: "this title needs a purchase or subscription"}, nil
	}
	return Decision{Allowed: true}, nil
}

// RequiresEntitlement reports whether a title needs a grant.
func (g *Grants) RequiresEntitlement(ctx context.Context, tenant tenants.ID, title TitleID) (bool, error) {
	var requires bool
	err := g.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		requires, err = playbacksql.New(q).GetRule(ctx, playbacksql.GetRuleParams{TenantID: tenant, TitleID: title})
		if db.IsNoRows(err) {
			return nil
		}
		return err
	})
	return requires, err
}

// SetRequiresEntitlement marks a title free (false) or needing a grant
// (true); audited. Another tenant's title is NotFound.
func (g *Grants) SetRequiresEntitlement(ctx context.Context, tenant tenants.ID, title TitleID, requires bool) error {
	if _, err := g.Titles.GetTitle(ctx, tenant, title); err != nil {
		return fmt.Errorf("playback.SetRequiresEntitlement: %w", err)
	}
	now := g.now()
	err := g.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		if err := playbacksql.New(tx).SetRule(ctx, playbacksql.SetRuleParams{TenantID: tenant, TitleID: title, RequiresEntitlement: requires, UpdatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "title.entitlement_rule_set", "title", title.String(), map[string]any{"requiresEntitlement": requires})
	})
	if err != nil {
		return fmt.Errorf("playback.SetRequiresEntitlement: %w", err)
	}
	return nil
}

// Grant lets viewer watch title (audited); granting twice changes nothing.
func (g *Grants) Grant(ctx context.Context, tenant tenants.ID, title TitleID, viewer ViewerID) error {
	return g.change(ctx, tenant, title, viewer, true)
}

// Revoke takes a grant back (audited); a viewer without one is NotFound.
func (g *Grants) Revoke(ctx context.Context, tenant tenants.ID, title TitleID, viewer ViewerID) error {
	return g.change(ctx, tenant, title, viewer, false)
}

func (g *Grants) change(ctx context.Context, tenant tenants.ID, title TitleID, viewer ViewerID, grant bool) error {
	if viewer == uuid.Nil {
		return errs.InvalidField("viewerId", "a viewer id is required")
	}
	if _, err := g.Titles.GetTitle(ctx, tenant, title); err != nil {
		return fmt.Errorf("playback.Grants: %w", err)
	}
	now := g.now()
	err := g.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := playbacksql.New(tx)
		action := "title.granted"
		if grant {
			if _, err := q.Grant(ctx, playbacksql.GrantParams{TenantID: tenant, TitleID: title, ViewerID: viewer, CreatedAt: now}); err != nil {
				return err
			}
		} else {
			action = "title.revoked"
			n, err := q.Revoke(ctx, playbacksql.RevokeParams{TenantID: tenant, TitleID: title, ViewerID: viewer})
			if err != nil {
				return err
			}
			if n == 0 {
				return errs.NotFound("the viewer has no grant of this title")
			}
		}
		return audit.Record(ctx, tx, tenant, now, action, "title", title.String(), map[string]any{"viewer": viewer})
	})
	if err != nil {
		return fmt.Errorf("playback.Grants: %w", err)
	}
	return nil
}
