package operators

import (
	"context"
	"fmt"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators/internal/operatorsql"
	"github.com/marquee-ott/marquee/tenants"
)

// DeleteTenant deletes a tenant and everything it has, after exporting it.
// confirmSlug must be the tenant's slug, typed by the operator.
//
// The steps, each safe to run again: suspend the tenant (nothing changes it
// from here on) and record the deletion in its audit log; export it (the
// export and the record are kept, under exports/); delete its relation tuples
// in Keto; delete its blobs; and last, in one transaction, its rows: the
// tenants row, and with it through ON DELETE CASCADE every row of every
// tenant table, the audit log included. The rows go last because they are
// what says the tenant exists: if any step fails, the tenant is still there,
// suspended, and deleting it again finishes the work.
func (s *Service) DeleteTenant(ctx context.Context, p Principal, id tenants.ID, confirmSlug string) (Deletion, error) {
	if err := check(p); err != nil {
		return Deletion{}, err
	}
	t, err := s.view(ctx, id)
	if err != nil {
		return Deletion{}, err
	}
	if confirmSlug != t.Slug {
		return Deletion{}, errs.InvalidField("confirmSlug", "type the tenant's slug, %s, to confirm its deletion", t.Slug)
	}
	op := fmt.Sprintf("operators.DeleteTenant %s", id)
	if t.Status != tenants.StatusSuspended {
		if t, err = s.Suspend(ctx, p, id, "being deleted"); err != nil {
			return Deletion{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	actx := actor(ctx, p)
	err = s.DB.InTenant(actx, id, func(tx db.Tx) error {
		return audit.Record(actx, tx, id, s.now(), "tenant.deletion_started", "tenant", id.String(), map[string]any{"slug": t.Slug})
	})
	if err != nil {
		return Deletion{}, fmt.Errorf("%s: %w", op, err)
	}
	export, err := s.export(ctx, p, t)
	if err != nil {
		return Deletion{}, fmt.Errorf("%s: export: %w", op, err)
	}
	// The platform's record of who deleted what, which outlives the tenant.
	if err := s.logAction(ctx, p, "tenant.deletion_started", &id, t.Slug, map[string]any{"export": export.Name, "size": export.Size}); err != nil {
		return Deletion{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := s.Perms.DeleteTenant(ctx, id); err != nil {
		return Deletion{}, fmt.Errorf("%s: permissions: %w", op, err)
	}
	if err := s.purgeBlobs(ctx, tenantPrefix(id)); err != nil {
		return Deletion{}, fmt.Errorf("%s: blobs: %w", op, err)
	}
	err = s.DB.InTenant(ctx, id, func(tx db.Tx) error {
		q := operatorsql.New(tx)
		if err := q.EnablePurge(ctx); err != nil {
			return err
		}
		n, err := q.DeleteTenant(ctx, id)
		if err == nil && n != 1 {
			err = errs.NotFound("no tenant %s", id)
		}
		return err
	})
	s.Tenants.ForgetTenant(id)
	if err != nil {
		return Deletion{}, fmt.Errorf("%s: rows: %w", op, err)
	}
	d := Deletion{Tenant: id, Slug: t.Slug, Export: export, DeletedAt: s.now()}
	// The start is on record with the export; this only confirms the end, so
	// failing to write it does not make the deletion fail.
	_ = s.logAction(ctx, p, "tenant.deleted", &id, t.Slug, map[string]any{"export": export.Name})
	return d, nil
}

// purgeBlobs deletes every blob under prefix; an already deleted one is fine.
func (s *Service) purgeBlobs(ctx context.Context, prefix string) error {
	blobs, err := s.listBlobs(ctx, prefix)
	if err != nil {
		return err
	}
	for _, b := range blobs {
		if err := s.Blobs.Delete(ctx, b.Key); err != nil && !isNotFound(err) {
			return errs.Unavailable(err, "could not delete %s", b.Key)
		}
	}
	return nil
}
