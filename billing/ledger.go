package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// Metadata keys Marquee puts on Stripe objects it creates, so their events
// lead back to the viewer and tenant.
const (
	metaTenant = "marquee_tenant"
	metaViewer = "marquee_viewer"
)

func entitlementOut(r billingsql.Entitlement) Entitlement {
	e := Entitlement{ID: r.ID, Viewer: r.ViewerID, Source: Source(r.Source), ExternalID: r.ExternalID, Kind: Kind(r.Kind),
		Scope: Scope(r.Scope), Collections: r.CollectionIds, Title: r.TitleID, Event: r.EventID, Ads: r.Ads, Plan: r.PlanID,
		Status: r.Status, StartsAt: r.StartsAt.UTC(), EndsAt: utcp(r.EndsAt), RentalStartedAt: utcp(r.RentalStartedAt),
		RevokedAt: utcp(r.RevokedAt), RevokeReason: r.RevokeReason, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.RentalHours != nil {
		h := int(*r.RentalHours)
		e.RentalHours = &h
	}
	return e
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// ActiveAt reports whether the entitlement grants anything at now.
func (e Entitlement) ActiveAt(now time.Time) bool {
	if e.RevokedAt != nil || now.Before(e.StartsAt) || (e.EndsAt != nil && !now.Before(*e.EndsAt)) {
		return false
	}
	if e.RentalHours != nil && e.RentalStartedAt != nil &&
		!now.Before(e.RentalStartedAt.Add(time.Duration(*e.RentalHours)*time.Hour)) {
		return false
	}
	return true
}

// ViewerEntitlements lists a viewer's entitlements, newest first, ended and
// revoked ones included.
func (s *Service) ViewerEntitlements(ctx context.Context, tenant tenants.ID, viewer uuid.UUID) ([]Entitlement, error) {
	var out []Entitlement
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := billingsql.New(q).ListViewerEntitlements(ctx, billingsql.ListViewerEntitlementsParams{TenantID: tenant, ViewerID: viewer})
		for _, r := range rows {
			out = append(out, entitlementOut(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.ViewerEntitlements: %w", err)
	}
	return out, nil
}

// GrantInput is free access given by staff (support) for a period.
type GrantInput struct {
	Viewer uuid.UUID
	Scope  Scope // library, collections or title
	// Collections for ScopeCollections, Title for ScopeTitle.
	Collections []uuid.UUID
	Title       *uuid.UUID
	Ads         bool
	Until       time.Time
	Note        string
}

// Validate checks the grant's shape.
func (in GrantInput) Validate(now time.Time) error {
	if in.Viewer == uuid.Nil {
		return errs.InvalidField("viewer", "a viewer is required")
	}
	switch in.Scope {
	case ScopeLibrary:
	case ScopeCollections:
		if len(in.Collections) == 0 {
			return errs.InvalidField("collections", "name at least one collection")
		}
	case ScopeTitle:
		if in.Title == nil {
			return errs.InvalidField("title", "name the title")
		}
	default:
		return errs.InvalidField("scope", "scope must be library, collections or title")
	}
	if !in.Until.After(now) {
		return errs.InvalidField("until", "the grant must end in the future")
	}
	if len(in.Note) > 500 {
		return errs.InvalidField("note", "the note is at most 500 characters")
	}
	return nil
}

// Grant gives a viewer free access until a time (audited).
func (s *Service) Grant(ctx context.Context, tenant tenants.ID, in GrantInput) (Entitlement, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Entitlement{}, err
	}
	if in.Scope != ScopeCollections {
		in.Collections = []uuid.UUID{}
	}
	if in.Scope != ScopeTitle {
		in.Title = nil
	}
	id := uuid.Must(uuid.NewV7())
	actor := audit.ActorFrom(ctx)
	verification, _ := json.Marshal(map[string]any{"granted_by": actor.Label, "note": in.Note})
	var out Entitlement
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		if in.Title != nil {
			ok, err := q.TitleExists(ctx, billingsql.TitleExistsParams{TenantID: tenant, ID: *in.Title})
			if err != nil {
				return err
			}
			if !ok {
				return errs.NotFound("no such title")
			}
		}
		if len(in.Collections) > 0 {
			ok, err := q.CollectionsExist(ctx, billingsql.CollectionsExistParams{TenantID: tenant, Ids: in.Collections})
			if err != nil {
				return err
			}
			if !ok {
				return errs.NotFound("no such collection")
			}
		}
		until := in.Until.UTC()
		r, err := q.UpsertEntitlement(ctx, billingsql.UpsertEntitlementParams{TenantID: tenant, ID: id, ViewerID: in.Viewer,
			Source: string(SourceGrant), ExternalID: id.String(), Verification: verification, Kind: string(KindGrant),
			Scope: string(in.Scope), CollectionIds: in.Collections, TitleID: in.Title, Ads: in.Ads, Status: "active",
			StartsAt: now, EndsAt: &until, Now: now})
		if err != nil {
			return err
		}
		out = entitlementOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.access_granted", "entitlement", id.String(),
			map[string]any{"viewer": in.Viewer.String(), "scope": string(in.Scope), "until": until, "note": in.Note})
	})
	if err != nil {
		return Entitlement{}, fmt.Errorf("billing.Grant: %w", err)
	}
	s.forget(tenant, in.Viewer)
	return out, nil
}

// Revoke ends an entitlement now with a reason (audited); revoking one
// already revoked is a Conflict.
func (s *Service) Revoke(ctx context.Context, tenant tenants.ID, id uuid.UUID, reason string) (Entitlement, error) {
	if reason == "" || len(reason) > 500 {
		return Entitlement{}, errs.InvalidField("reason", "give a reason of 1 to 500 characters")
	}
	var out Entitlement
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		r, err := billingsql.New(tx).RevokeEntitlement(ctx, billingsql.RevokeEntitlementParams{TenantID: tenant, ID: id, Reason: reason, Now: now})
		if db.IsNoRows(err) {
			return errs.NotFound("no such entitlement, or it is already revoked")
		}
		if err != nil {
			return err
		}
		out = entitlementOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.entitlement_revoked", "entitlement", id.String(),
			map[string]any{"viewer": r.ViewerID.String(), "reason": reason})
	})
	if err != nil {
		return Entitlement{}, fmt.Errorf("billing.Revoke %s: %w", id, err)
	}
	s.forget(tenant, out.Viewer)
	return out, nil
}

// applySubscription writes a Stripe subscription's state into the ledger:
// one entitlement per subscription (external id sub_…), its window from the
// subscription's status and period. It returns the viewer, or the nil UUID
// when the subscription is not one of ours for this tenant (no metadata, a
// price of no plan of ours): those change nothing.
func (s *Service) applySubscription(ctx context.Context, q *billingsql.Queries, tenant uuid.UUID, sub *stripe.Subscription, now time.Time) (uuid.UUID, error) {
	if sub.Metadata[metaTenant] != tenant.String() {
		return uuid.Nil, nil
	}
	viewer, err := uuid.Parse(sub.Metadata[metaViewer])
	if err != nil || sub.Items == nil || len(sub.Items.Data) == 0 || sub.Items.Data[0].Price == nil {
		return uuid.Nil, nil
	}
	price, err := q.GetPlanPriceByStripeID(ctx, billingsql.GetPlanPriceByStripeIDParams{TenantID: tenant, StripePriceID: sub.Items.Data[0].Price.ID})
	if db.IsNoRows(err) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, err
	}
	plan, err := q.GetPlan(ctx, billingsql.GetPlanParams{TenantID: tenant, ID: price.PlanID})
	if err != nil {
		return uuid.Nil, err
	}
	starts := time.Unix(sub.StartDate, 0).UTC()
	if sub.StartDate == 0 {
		starts = now
	}
	var ends time.Time
	switch sub.Status {
	case stripe.SubscriptionStatusActive, stripe.SubscriptionStatusTrialing, stripe.SubscriptionStatusPastDue:
		// Paid (or trialing) through the period; a renewal that fails leaves
		// the grace period after the period's end, then the entitlement ends
		// unless a later event (paid) moves the period on.
		ends = time.Unix(sub.CurrentPeriodEnd, 0).UTC().Add(s.grace())
		if sub.CancelAt > 0 && time.Unix(sub.CancelAt, 0).UTC().Before(ends) {
			ends = time.Unix(sub.CancelAt, 0).UTC() // cancel at period end: no grace after it
		}
	case stripe.SubscriptionStatusIncomplete:
		ends = starts // not paid yet: nothing
	default: // canceled, unpaid, incomplete_expired, paused
		ends = now
		if sub.EndedAt > 0 {
			ends = time.Unix(sub.EndedAt, 0).UTC()
		}
	}
	if ends.Before(starts) {
		ends = starts
	}
	customer := ""
	if sub.Customer != nil {
		customer = sub.Customer.ID
	}
	verification, _ := json.Marshal(map[string]any{"subscription": sub.ID, "customer": customer, "price": price.StripePriceID,
		"status": sub.Status, "current_period_end": sub.CurrentPeriodEnd,
		"cancel_at_period_end": sub.CancelAtPeriodEnd || sub.CancelAt > 0, "checked_at": now})
	collections := plan.CollectionIds
	if collections == nil {
		collections = []uuid.UUID{}
	}
	_, err = q.UpsertEntitlement(ctx, billingsql.UpsertEntitlementParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
		ViewerID: viewer, Source: string(SourceStripe), ExternalID: sub.ID, Verification: verification, Kind: string(KindSVOD),
		Scope: plan.Scope, CollectionIds: collections, Ads: plan.Ads, PlanID: &plan.ID, Status: string(sub.Status),
		StartsAt: starts, EndsAt: &ends, Now: now})
	if db.IsNoRows(err) {
		return uuid.Nil, nil // the subscription belongs to another viewer's row: never move it
	}
	if err != nil {
		return uuid.Nil, err
	}
	if customer != "" && sub.Currency != "" {
		if err := q.SetCustomerCurrency(ctx, billingsql.SetCustomerCurrencyParams{TenantID: tenant, StripeCustomerID: customer,
			Currency: string(sub.Currency)}); err != nil {
			return uuid.Nil, err
		}
	}
	return viewer, nil
}
