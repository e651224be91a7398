package tenants

import (
	"context"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

// Quotas enforces the platform operator's per-tenant limits where work is
// accepted, before it starts. operators.Service implements it; every upload
// path and every way onto the team asks it.
type Quotas interface {
	// AllowStorage refuses (Conflict) storing size bytes at key, replacing
	// whatever is there, when it would take tenant over its storage quota.
	AllowStorage(ctx context.Context, tenant ID, key string, size int64) error
	// AllowSeats refuses (Conflict) adding seats to the team (staff plus
	// pending invitations) beyond the seat quota. It reads inside tx, the
	// caller's tenant transaction, and holds the tenant's seat lock until tx
	// ends, so two invitations at once cannot both take the last seat.
	AllowSeats(ctx context.Context, tx db.Tx, tenant ID, adding int) error
}

// errSuspended is what every credential of a suspended tenant gets: its
// staff's sessions and API keys, its app keys, its hosts and paths. Apps show
// the message as it is.
var errSuspended = errs.Suspended("this service is suspended by the platform operator and unavailable until it is resumed")

// CheckActive returns nil for an active tenant and a TENANT_SUSPENDED error
// for a suspended one. The answer is cached as long as authenticated
// principals are (CachePrincipals); a suspension through this process drops
// it at once (ForgetTenant), through another within that time.
func (s *Service) CheckActive(ctx context.Context, tenant ID) error {
	st, ok := s.statuses.Get(tenant)
	if !ok {
		t, err := s.Get(ctx, tenant)
		if errs.Is(err, errs.KindNotFound) {
			return errs.Unauthorized("this tenant no longer exists")
		} else if err != nil {
			return err
		}
		st = t.Status
		s.statuses.Set(tenant, st)
	}
	if st == StatusSuspended {
		return errSuspended
	}
	return nil
}

// ForgetTenant drops everything this process caches about tenant (its status
// and its authenticated principals), after a suspension, a resumption or a
// deletion.
func (s *Service) ForgetTenant(tenant ID) {
	s.statuses.DeleteFunc(func(id ID, _ Status) bool { return id == tenant })
	s.resolutions.DeleteFunc(func(_ string, id ID) bool { return id == tenant })
	s.forget(func(p Principal) bool { return p.Tenant == tenant })
}

// checkSeats asks the quota, when there is one, whether the team may grow by adding.
func (s *Service) checkSeats(ctx context.Context, tx db.Tx, tenant ID, adding int) error {
	if s.Quotas == nil {
		return nil
	}
	return s.Quotas.AllowSeats(ctx, tx, tenant, adding)
}

// checkStorage asks the quota, when there is one, whether size bytes may be stored at key.
func (s *Service) checkStorage(ctx context.Context, tenant ID, key string, size int64) error {
	if s.Quotas == nil {
		return nil
	}
	return s.Quotas.AllowStorage(ctx, tenant, key, size)
}
