package catalog

import (
	"context"
	"slices"

	"github.com/marquee-ott/marquee/catalog/internal/catalogsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

// maxRails bounds a home page.
const maxRails = 200

// The rails' positions are kept dense (0..n-1): every change locks the
// tenant's rails (LockRails), works out the new order in Go and writes it in
// one statement (SetRailOrder).

func renumberRails(ctx context.Context, q *catalogsql.Queries, tenant TenantID) error {
	ids, err := q.LockRails(ctx, tenant)
	if err != nil {
		return err
	}
	return q.SetRailOrder(ctx, catalogsql.SetRailOrderParams{TenantID: tenant, Ids: ids})
}

func clampPosition(p *int, n int) int {
	if p == nil || *p > n || *p < 0 {
		return n
	}
	return *p
}

// CreateRail adds a rail showing a collection to the home page.
func (s *Service) CreateRail(ctx context.Context, tenant TenantID, in RailInput) (Rail, error) {
	heading, err := validHeading(in.Heading)
	if err != nil {
		return Rail{}, err
	}
	if in.Position != nil && *in.Position < 0 {
		return Rail{}, errs.InvalidField("position", "a position is 0 or more")
	}
	now := s.now()
	r := Rail{ID: newID(), CollectionID: in.CollectionID, Heading: heading, CreatedAt: now}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		ids, err := q.LockRails(ctx, tenant)
		if err != nil {
			return err
		}
		if len(ids) >= maxRails {
			return errs.Invalid("a home page has at most %d rails", maxRails)
		}
		if _, err := q.GetCollection(ctx, catalogsql.GetCollectionParams{TenantID: tenant, ID: in.CollectionID}); db.IsNoRows(err) {
			return errNoCollection(in.CollectionID)
		} else if err != nil {
			return err
		}
		r.Position = clampPosition(in.Position, len(ids))
		if err := q.InsertRail(ctx, catalogsql.InsertRailParams{TenantID: tenant, ID: r.ID, CollectionID: r.CollectionID,
			Heading: r.Heading, Position: int32(len(ids)), CreatedAt: now}); err != nil {
			return err
		}
		if err := q.SetRailOrder(ctx, catalogsql.SetRailOrderParams{TenantID: tenant, Ids: slices.Insert(ids, r.Position, r.ID)}); err != nil {
			return err
		}
		return record(ctx, tx, tenant, now, "rail.created", "rail", r.ID, map[string]any{"collection_id": r.CollectionID, "position": r.Position})
	})
	return r, wrap("CreateRail", nil, err)
}

// UpdateRail changes what a rail shows or its heading.
func (s *Service) UpdateRail(ctx context.Context, tenant TenantID, id RailID, up RailUpdate) (Rail, error) {
	var r Rail
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		row, err := q.GetRail(ctx, catalogsql.GetRailParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoRail(id)
		} else if err != nil {
			return err
		}
		r = railFromRow(row)
		if up.Heading != nil {
			if r.Heading, err = validHeading(*up.Heading); err != nil {
				return err
			}
		}
		if up.CollectionID != nil {
			if _, err := q.GetCollection(ctx, catalogsql.GetCollectionParams{TenantID: tenant, ID: *up.CollectionID}); db.IsNoRows(err) {
				return errNoCollection(*up.CollectionID)
			} else if err != nil {
				return err
			}
			r.CollectionID = *up.CollectionID
		}
		if err := q.UpdateRail(ctx, catalogsql.UpdateRailParams{TenantID: tenant, ID: id, CollectionID: r.CollectionID, Heading: r.Heading}); err != nil {
			return err
		}
		return record(ctx, tx, tenant, s.now(), "rail.updated", "rail", id, map[string]any{"collection_id": r.CollectionID})
	})
	return r, wrap("UpdateRail", id, err)
}

// MoveRail moves a rail to position (0-based; past the end: last), shifting
// the others.
func (s *Service) MoveRail(ctx context.Context, tenant TenantID, id RailID, position int) (Rail, error) {
	if position < 0 {
		return Rail{}, errs.InvalidField("position", "a position is 0 or more")
	}
	var r Rail
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		ids, err := q.LockRails(ctx, tenant)
		if err != nil {
			return err
		}
		from := slices.Index(ids, id)
		if from < 0 {
			return errNoRail(id)
		}
		ids = slices.Delete(ids, from, from+1)
		to := clampPosition(&position, len(ids))
		ids = slices.Insert(ids, to, id)
		if err := q.SetRailOrder(ctx, catalogsql.SetRailOrderParams{TenantID: tenant, Ids: ids}); err != nil {
			return err
		}
		row, err := q.GetRail(ctx, catalogsql.GetRailParams{TenantID: tenant, ID: id})
		if err != nil {
			return err
		}
		r = railFromRow(row)
		return record(ctx, tx, tenant, s.now(), "rail.moved", "rail", id, map[string]any{"from": from, "to": to})
	})
	return r, wrap("MoveRail", id, err)
}

// DeleteRail removes a rail from the home page.
func (s *Service) DeleteRail(ctx context.Context, tenant TenantID, id RailID) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		if _, err := q.LockRails(ctx, tenant); err != nil {
			return err
		}
		n, err := q.DeleteRail(ctx, catalogsql.DeleteRailParams{TenantID: tenant, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoRail(id)
		}
		if err := renumberRails(ctx, q, tenant); err != nil {
			return err
		}
		return record(ctx, tx, tenant, s.now(), "rail.deleted", "rail", id, nil)
	})
	return wrap("DeleteRail", id, err)
}

// GetRail returns one rail.
func (s *Service) GetRail(ctx context.Context, tenant TenantID, id RailID) (Rail, error) {
	var r Rail
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		row, err := catalogsql.New(tx).GetRail(ctx, catalogsql.GetRailParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoRail(id)
		}
		r = railFromRow(row)
		return err
	})
	return r, wrap("GetRail", id, err)
}

// ListRails returns a page of the home page's rails in order, and how many
// there are.
func (s *Service) ListRails(ctx context.Context, tenant TenantID, page Page) ([]Rail, int, error) {
	page, err := page.valid()
	if err != nil {
		return nil, 0, err
	}
	var out []Rail
	total := 0
	err = s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).PageRails(ctx, catalogsql.PageRailsParams{TenantID: tenant, Skip: int32(page.Skip), Take: int32(page.Take)})
		out = make([]Rail, 0, len(rows))
		for _, r := range rows {
			out = append(out, railFromRow(r.Rail))
			total = int(r.Total)
		}
		return err
	})
	return out, total, wrap("ListRails", nil, err)
}

// HomeRails returns a page of the home page's rails in order, with the
// collection each shows, in one statement.
func (s *Service) HomeRails(ctx context.Context, tenant TenantID, page Page) ([]Rail, map[CollectionID]Collection, error) {
	page, err := page.valid()
	if err != nil {
		return nil, nil, err
	}
	var out []Rail
	cols := map[CollectionID]Collection{}
	err = s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).HomeRails(ctx, catalogsql.HomeRailsParams{TenantID: tenant, Skip: int32(page.Skip), Take: int32(page.Take)})
		out = make([]Rail, 0, len(rows))
		for _, r := range rows {
			out = append(out, railFromRow(r.Rail))
			cols[r.Collection.ID] = collectionFromRow(r.Collection)
		}
		return err
	})
	return out, cols, wrap("HomeRails", nil, err)
}
