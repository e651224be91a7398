package catalog

import (
	"context"
	"slices"

	"github.com/marquee-ott/marquee/catalog/internal/catalogsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

func errNoCollection(id CollectionID) error { return errs.NotFound("no collection %s", id) }
func errNoRail(id RailID) error             { return errs.NotFound("no rail %s", id) }

// maxItems bounds a hand-picked collection.
const maxItems = 1000

func checkCreator(ctx context.Context, q *catalogsql.Queries, tenant TenantID, id *CreatorID) error {
	if id == nil {
		return nil
	}
	if _, err := q.GetCreator(ctx, catalogsql.GetCreatorParams{TenantID: tenant, ID: *id}); db.IsNoRows(err) {
		return errNoCreator(*id)
	} else if err != nil {
		return err
	}
	return nil
}

// CreateCollection adds a collection: hand-picked when in.Rule is nil,
// rule-based otherwise.
func (s *Service) CreateCollection(ctx context.Context, tenant TenantID, in CollectionInput) (Collection, error) {
	now := s.now()
	c := Collection{ID: newID(), Kind: CollectionManual, Name: in.Name, Description: in.Description, CreatorID: in.CreatorID,
		Rule: in.Rule, CreatedAt: now, UpdatedAt: now}
	if in.Rule != nil {
		c.Kind = CollectionRule
	}
	if err := c.validate(); err != nil {
		return Collection{}, err
	}
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		if err := checkCreator(ctx, q, tenant, c.CreatorID); err != nil {
			return err
		}
		kinds, genres, tags, from, to, sort := c.ruleColumns()
		if err := q.InsertCollection(ctx, catalogsql.InsertCollectionParams{TenantID: tenant, ID: c.ID, Kind: string(c.Kind),
			Name: c.Name, Description: c.Description, CreatorID: c.CreatorID, RuleKinds: kinds, RuleGenres: genres,
			RuleTags: tags, RuleYearFrom: from, RuleYearTo: to, RuleSort: sort, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return record(ctx, tx, tenant, now, "collection.created", "collection", c.ID, map[string]any{"name": c.Name, "kind": c.Kind})
	})
	return c, wrap("CreateCollection", nil, err)
}

// UpdateCollection changes a collection's name, description, owner or rule.
func (s *Service) UpdateCollection(ctx context.Context, tenant TenantID, id CollectionID, up CollectionUpdate) (Collection, error) {
	var c Collection
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		r, err := q.LockCollection(ctx, catalogsql.LockCollectionParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoCollection(id)
		} else if err != nil {
			return err
		}
		c = collectionFromRow(r)
		if up.Name != nil {
			c.Name = *up.Name
		}
		if up.Description != nil {
			c.Description = *up.Description
		}
		if up.CreatorID != nil {
			c.CreatorID = up.CreatorID
		}
		if up.Rule != nil {
			c.Rule = up.Rule
		}
		if err := c.validate(); err != nil {
			return err
		}
		if err := checkCreator(ctx, q, tenant, c.CreatorID); err != nil {
			return err
		}
		now := s.now()
		c.UpdatedAt = now
		kinds, genres, tags, from, to, sort := c.ruleColumns()
		if err := q.UpdateCollection(ctx, catalogsql.UpdateCollectionParams{TenantID: tenant, ID: id, Name: c.Name,
			Description: c.Description, CreatorID: c.CreatorID, RuleKinds: kinds, RuleGenres: genres, RuleTags: tags,
			RuleYearFrom: from, RuleYearTo: to, RuleSort: sort, UpdatedAt: now}); err != nil {
			return err
		}
		return record(ctx, tx, tenant, now, "collection.updated", "collection", id, map[string]any{"name": c.Name})
	})
	return c, wrap("UpdateCollection", id, err)
}

// SetCollectionItems sets a hand-picked collection's titles, in order: adding,
// removing and reordering are all this one call.
func (s *Service) SetCollectionItems(ctx context.Context, tenant TenantID, id CollectionID, titles []TitleID) (Collection, error) {
	if len(titles) > maxItems {
		return Collection{}, errs.InvalidField("titleIds", "a collection holds at most %d titles", maxItems)
	}
	for i, t := range titles {
		if slices.Contains(titles[:i], t) {
			return Collection{}, errs.InvalidField("titleIds", "title %s is listed twice", t)
		}
	}
	var c Collection
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		r, err := q.LockCollection(ctx, catalogsql.LockCollectionParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoCollection(id)
		} else if err != nil {
			return err
		}
		c = collectionFromRow(r)
		if c.Kind != CollectionManual {
			return errs.InvalidField("titleIds", "a rule-based collection picks its own titles: change its rule")
		}
		found, err := q.TitlesByIDs(ctx, catalogsql.TitlesByIDsParams{TenantID: tenant, Ids: titles})
		if err != nil {
			return err
		}
		if len(found) != len(titles) {
			for _, t := range titles {
				if !slices.ContainsFunc(found, func(r catalogsql.Title) bool { return r.ID == t }) {
					return errNoTitle(t)
				}
			}
		}
		if err := q.ClearCollectionItems(ctx, catalogsql.ClearCollectionItemsParams{TenantID: tenant, CollectionID: id}); err != nil {
			return err
		}
		if err := q.InsertCollectionItems(ctx, catalogsql.InsertCollectionItemsParams{TenantID: tenant, CollectionID: id, TitleIds: titles}); err != nil {
			return err
		}
		return record(ctx, tx, tenant, s.now(), "collection.items_set", "collection", id, map[string]any{"title_ids": titles})
	})
	return c, wrap("SetCollectionItems", id, err)
}

// DeleteCollection removes a collection and the rails that showed it.
func (s *Service) DeleteCollection(ctx context.Context, tenant TenantID, id CollectionID) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		if _, err := q.LockRails(ctx, tenant); err != nil { // rails may go: keep their order dense
			return err
		}
		n, err := q.DeleteCollection(ctx, catalogsql.DeleteCollectionParams{TenantID: tenant, ID: id})
		if table, ok := db.IsForeignKeyViolation(err); ok && table == "bundles" {
			return errs.Conflict("this collection is sold as a bundle: retire the bundle and point it at another collection first")
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoCollection(id)
		}
		if err := renumberRails(ctx, q, tenant); err != nil {
			return err
		}
		return record(ctx, tx, tenant, s.now(), "collection.deleted", "collection", id, nil)
	})
	return wrap("DeleteCollection", id, err)
}

// GetCollection returns one collection.
func (s *Service) GetCollection(ctx context.Context, tenant TenantID, id CollectionID) (Collection, error) {
	var c Collection
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		r, err := catalogsql.New(tx).GetCollection(ctx, catalogsql.GetCollectionParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoCollection(id)
		}
		c = collectionFromRow(r)
		return err
	})
	return c, wrap("GetCollection", id, err)
}

// CollectionsByIDs loads collections by id, for dataloaders.
func (s *Service) CollectionsByIDs(ctx context.Context, tenant TenantID, ids []CollectionID) (map[CollectionID]Collection, error) {
	out := make(map[CollectionID]Collection, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).CollectionsByIDs(ctx, catalogsql.CollectionsByIDsParams{TenantID: tenant, Ids: ids})
		for _, r := range rows {
			out[r.ID] = collectionFromRow(r)
		}
		return err
	})
	return out, wrap("CollectionsByIDs", nil, err)
}

// CollectionsOfCreators returns the collections each creator programs, oldest
// first, for dataloaders.
func (s *Service) CollectionsOfCreators(ctx context.Context, tenant TenantID, ids []CreatorID) (map[CreatorID][]Collection, error) {
	out := make(map[CreatorID][]Collection, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).CollectionsOfCreators(ctx, catalogsql.CollectionsOfCreatorsParams{TenantID: tenant, CreatorIds: ids})
		for _, r := range rows {
			out[*r.CreatorID] = append(out[*r.CreatorID], collectionFromRow(r))
		}
		return err
	})
	return out, wrap("CollectionsOfCreators", nil, err)
}

// ListCollections returns a page of collections, newest first (only one
// creator's when creator is given), and how many match.
func (s *Service) ListCollections(ctx context.Context, tenant TenantID, creator *CreatorID, page Page) ([]Collection, int, error) {
	page, err := page.valid()
	if err != nil {
		return nil, 0, err
	}
	var out []Collection
	total := 0
	err = s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).ListCollections(ctx, catalogsql.ListCollectionsParams{TenantID: tenant, CreatorID: creator,
			Skip: int32(page.Skip), Take: int32(page.Take)})
		out = make([]Collection, 0, len(rows))
		for _, r := range rows {
			out = append(out, collectionFromRow(r.Collection))
			total = int(r.Total)
		}
		return err
	})
	return out, total, wrap("ListCollections", nil, err)
}

// CollectionItems returns a page of the titles of many collections at once,
// in each collection's order, in one statement (for dataloaders: a home page
// of rails is one query). With aud nil (staff) every title counts; otherwise
// only titles available to aud, and the page counts only those.
func (s *Service) CollectionItems(ctx context.Context, tenant TenantID, ids []CollectionID, aud *Audience, page Page) (map[CollectionID][]Title, error) {
	page, err := page.valid()
	if err != nil {
		return nil, err
	}
	p := catalogsql.CollectionItemsParams{TenantID: tenant, CollectionIds: ids, Everything: aud == nil, At: s.now(),
		Skip: int32(page.Skip), Lim: int32(page.Skip + page.Take)}
	if aud != nil {
		a := aud.at(p.At)
		p.At, p.Country = a.At, a.Country
	}
	out := make(map[CollectionID][]Title, len(ids))
	err = s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).CollectionItems(ctx, p)
		for _, r := range rows {
			out[r.CollectionID] = append(out[r.CollectionID], titleFromRow(r.Title))
		}
		return err
	})
	return out, wrap("CollectionItems", nil, err)
}
