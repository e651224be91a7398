package billing

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// Check answers whether the viewer may play the title now, and with or
// without ads: a free title plays for anyone without ads, an AVOD one with
// ads unless an ad-free entitlement covers it; an SVOD title needs an
// entitlement covering it (a subscription of the whole library or of a
// collection holding it, a rental, purchase or grant of it); a TVOD title a
// rental, purchase or grant. Several covering: ad-free wins.
//
// Check is what playback asks when a session starts, so an unstarted rental
// that is the only thing covering the title starts its viewing window here
// (first play). Decisions are cached per (tenant, viewer, title) for at most
// CacheTTL and never past the moment an entitlement ends; any change to the
// viewer's entitlements, in this process or another (NOTIFY), drops them.
//
// profile is accepted for the playback interface: what a profile may see
// (ratings) is playback's rule, not billing's.
func (s *Service) Check(ctx context.Context, tenant tenants.ID, viewer, profile uuid.UUID, title catalog.Title) (Decision, error) {
	now := s.now()
	k := cacheKey{tenant: tenant, viewer: viewer, title: title.ID}
	if d, ok := s.cache.get(k, now); ok {
		return d, nil
	}
	gen := s.cache.generation()
	d, until, err := s.checkUncached(ctx, tenant, viewer, title.ID, now)
	if err != nil {
		return Decision{}, err
	}
	s.cache.set(k, d, earliest(until, now.Add(s.cacheTTL())), gen)
	return d, nil
}

// CheckUncached is Check without the cache (benchmarks; support tools).
func (s *Service) CheckUncached(ctx context.Context, tenant tenants.ID, viewer uuid.UUID, title catalog.TitleID) (Decision, error) {
	d, _, err := s.checkUncached(ctx, tenant, viewer, title, s.now())
	return d, err
}

func (s *Service) cacheTTL() time.Duration {
	if s.CacheTTL > 0 {
		return s.CacheTTL
	}
	return 30 * time.Second
}

func (s *Service) checkUncached(ctx context.Context, tenant tenants.ID, viewer uuid.UUID, title catalog.TitleID, now time.Time) (Decision, time.Time, error) {
	var rows []billingsql.CheckRowsRow
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		rows, err = billingsql.New(q).CheckRows(ctx, billingsql.CheckRowsParams{TenantID: tenant, TitleID: title, ViewerID: viewer, Now: now})
		return err
	})
	if err != nil {
		return Decision{}, time.Time{}, fmt.Errorf("billing.Check %s %s: %w", viewer, title, err)
	}
	d, until, start := decide(rows, title, now)
	if start != uuid.Nil {
		err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
			_, err := billingsql.New(tx).StartRental(ctx, billingsql.StartRentalParams{TenantID: tenant, ID: start, Now: now})
			return err
		})
		if err != nil {
			return Decision{}, time.Time{}, fmt.Errorf("billing.Check: start rental %s: %w", start, err)
		}
	}
	return d, until, nil
}

// decide is the model as a pure function of the rows CheckRows returns: the
// decision, until when it holds, and the rental to start (nil UUID: none).
func decide(rows []billingsql.CheckRowsRow, title uuid.UUID, now time.Time) (Decision, time.Time, uuid.UUID) {
	forever := now.Add(24 * time.Hour)
	if len(rows) == 0 {
		return Decision{Reason: "no such title"}, forever, uuid.Nil
	}
	model := Model(rows[0].Model)
	inCollection := map[uuid.UUID]bool{}
	for _, c := range rows[0].TitleCollections {
		inCollection[c] = true
	}
	until := forever
	covered, adFree := false, false
	var rental uuid.UUID
	var rentalHours int
	for _, r := range rows {
		if r.ID == nil {
			continue // the LEFT JOIN's empty row: no entitlements
		}
		kind, scope := Kind(deref(r.Kind)), Scope(deref(r.Scope))
		covers := false
		switch scope {
		case ScopeLibrary:
			covers = true
		case ScopeCollections:
			for _, c := range r.CollectionIds {
				covers = covers || inCollection[c]
			}
		case ScopeTitle:
			covers = r.TitleID != nil && *r.TitleID == title
		}
		if model == ModelTVOD && kind == KindSVOD {
			covers = false // rent or buy only
		}
		if !covers {
			continue
		}
		end := forever
		if r.EndsAt != nil {
			end = *r.EndsAt
		}
		if kind == KindTVODRent && r.RentalHours != nil {
			if r.RentalStartedAt == nil {
				if rental == uuid.Nil {
					rental, rentalHours = *r.ID, int(*r.RentalHours)
				}
				continue // used only when nothing else covers the title
			}
			w := r.RentalStartedAt.Add(time.Duration(*r.RentalHours) * time.Hour)
			if !now.Before(w) {
				continue // the viewing window has passed
			}
			end = earliest(end, w)
		}
		covered = true
		adFree = adFree || !deref(r.Ads)
		until = earliest(until, end)
	}
	start := uuid.Nil
	if !covered && rental != uuid.Nil {
		covered, adFree, start = true, true, rental
		until = earliest(until, now.Add(time.Duration(rentalHours)*time.Hour))
	}
	switch model {
	case ModelFree:
		return Decision{Allowed: true, Reason: "free"}, forever, uuid.Nil
	case ModelAVOD:
		if covered && adFree {
			return Decision{Allowed: true, Reason: "ad-free entitlement"}, until, start
		}
		return Decision{Allowed: true, Ads: true, Reason: "free with ads"}, until, uuid.Nil
	}
	if !covered {
		if model == ModelTVOD {
			return Decision{Reason: "this title is for rent or purchase"}, until, uuid.Nil
		}
		return Decision{Reason: "no subscription, rental or purchase covers this title"}, until, uuid.Nil
	}
	return Decision{Allowed: true, Ads: !adFree, Reason: "entitled"}, until, start
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// SetTitleAccess sets how a title is sold (audited); it applies to every
// viewer's next check at once.
func (s *Service) SetTitleAccess(ctx context.Context, tenant tenants.ID, title catalog.TitleID, m Model) error {
	if !m.Valid() {
		return errs.InvalidField("model", "model must be free, avod, svod or tvod")
	}
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		ok, err := q.TitleExists(ctx, billingsql.TitleExistsParams{TenantID: tenant, ID: title})
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFound("no such title")
		}
		now := s.now()
		if err := q.UpsertTitleAccess(ctx, billingsql.UpsertTitleAccessParams{TenantID: tenant, TitleID: title, Model: string(m), Now: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "billing.title_access_set", "title", title.String(), map[string]any{"model": string(m)})
	})
	if err != nil {
		return fmt.Errorf("billing.SetTitleAccess %s: %w", title, err)
	}
	s.forget(tenant, uuid.Nil)
	return nil
}

// SetDefaultTitleAccess sets how the workspace's titles without their own
// model are sold (audited); every cached decision of the tenant is dropped.
func (s *Service) SetDefaultTitleAccess(ctx context.Context, tenant tenants.ID, m Model) error {
	if !m.Valid() {
		return errs.InvalidField("model", "model must be free, avod, svod or tvod")
	}
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		if err := billingsql.New(tx).UpsertDefaultModel(ctx, billingsql.UpsertDefaultModelParams{TenantID: tenant, Model: string(m), Now: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "billing.default_access_set", "tenant", tenant.String(), map[string]any{"model": string(m)})
	})
	if err != nil {
		return fmt.Errorf("billing.SetDefaultTitleAccess: %w", err)
	}
	s.forget(tenant, uuid.Nil)
	return nil
}

// DefaultTitleAccess is how the workspace's titles without their own model
// are sold: free until set.
func (s *Service) DefaultTitleAccess(ctx context.Context, tenant tenants.ID) (Model, error) {
	var m string
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		m, err = billingsql.New(q).GetDefaultModel(ctx, tenant)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("billing.DefaultTitleAccess: %w", err)
	}
	return Model(m), nil
}

// forget drops the cached decisions of a viewer (uuid.Nil: of the whole tenant).
func (s *Service) forget(tenant, viewer uuid.UUID) { s.cache.forget(tenant, viewer) }

type cacheKey struct{ tenant, viewer, title uuid.UUID }

type cached struct {
	d     Decision
	until time.Time
}

// decisionCache holds decisions per tenant and viewer, so one viewer's
// change drops only theirs. A generation counter keeps a check that read the
// database before a change from caching what it read after the change
// dropped the entry.
type decisionCache struct {
	mu  sync.RWMutex
	m   map[uuid.UUID]map[uuid.UUID]map[uuid.UUID]cached
	gen atomic.Uint64
	n   int
}

const maxCached = 200_000

func (c *decisionCache) generation() uint64 { return c.gen.Load() }

func (c *decisionCache) get(k cacheKey, now time.Time) (Decision, bool) {
	c.mu.RLock()
	e, ok := c.m[k.tenant][k.viewer][k.title]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return Decision{}, false
	}
	return e.d, true
}

func (c *decisionCache) set(k cacheKey, d Decision, until time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return // something changed while we read
	}
	if c.m == nil || c.n >= maxCached {
		c.m, c.n = map[uuid.UUID]map[uuid.UUID]map[uuid.UUID]cached{}, 0
	}
	vs := c.m[k.tenant]
	if vs == nil {
		vs = map[uuid.UUID]map[uuid.UUID]cached{}
		c.m[k.tenant] = vs
	}
	ts := vs[k.viewer]
	if ts == nil {
		ts = map[uuid.UUID]cached{}
		vs[k.viewer] = ts
	}
	if _, had := ts[k.title]; !had {
		c.n++
	}
	ts[k.title] = cached{d: d, until: until}
}

func (c *decisionCache) forget(tenant, viewer uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	switch {
	case tenant == uuid.Nil:
		c.m, c.n = nil, 0
	case viewer == uuid.Nil:
		for _, ts := range c.m[tenant] {
			c.n -= len(ts)
		}
		delete(c.m, tenant)
	default:
		c.n -= len(c.m[tenant][viewer])
		delete(c.m[tenant], viewer)
	}
}

// changesChannel is where the entitlements and title_access triggers
// announce a change, as "tenant:viewer" or "tenant:*".
const changesChannel = "entitlement_changes"

// Listen drops cached decisions when any process changes entitlements; it
// runs until ctx ends (start it in its own goroutine). After each
// (re)connection the whole cache is dropped: notifications sent while
// nobody listened are lost.
func (s *Service) Listen(ctx context.Context) {
	s.DB.Listen(ctx, changesChannel, s.log(), func() { s.forget(uuid.Nil, uuid.Nil) }, func(payload string) {
		t, v, ok := strings.Cut(payload, ":")
		tenant, err := uuid.Parse(t)
		if !ok || err != nil {
			return
		}
		viewer, err := uuid.Parse(v)
		if err != nil {
			viewer = uuid.Nil // "*": the whole tenant
		}
		s.forget(tenant, viewer)
	})
}

// CheckEvent answers whether the viewer may watch a live event now: only a
// pay-per-view ticket (an entitlement of scope event naming it, not revoked)
// admits; subscriptions, rentals and grants of titles do not, whatever
// their scope (a plan "including events" is not a thing yet: a tenant who
// wants one sells the event at a price or gives tickets). The event's status
// (whether anything is on air) is the live-streaming side's to check; this
// is the ticket only. Not cached: a live start is not the hot path.
func (s *Service) CheckEvent(ctx context.Context, tenant tenants.ID, viewer, event uuid.UUID) (Decision, error) {
	var ok bool
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		ok, err = billingsql.New(q).EventEntitled(ctx, billingsql.EventEntitledParams{TenantID: tenant, ViewerID: viewer, EventID: &event, Now: s.now()})
		return err
	})
	if err != nil {
		return Decision{}, fmt.Errorf("billing.CheckEvent %s: %w", event, err)
	}
	if !ok {
		return Decision{Reason: "no pay-per-view ticket for this event"}, nil
	}
	return Decision{Allowed: true, Reason: "pay-per-view"}, nil
}
