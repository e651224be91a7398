package catalog

import (
	"context"
	"strings"

	"github.com/marquee-ott/marquee/catalog/internal/catalogsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

func errNoCreator(id CreatorID) error { return errs.NotFound("no creator %s", id) }

// CreateCreator adds a creator profile.
func (s *Service) CreateCreator(ctx context.Context, tenant TenantID, in CreatorInput) (Creator, error) {
	now := s.now()
	c := Creator{ID: newID(), Handle: in.Handle, Name: in.Name, Bio: in.Bio, Avatar: in.Avatar, CreatedAt: now, UpdatedAt: now}
	if err := c.validate(); err != nil {
		return Creator{}, err
	}
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		err := catalogsql.New(tx).InsertCreator(ctx, catalogsql.InsertCreatorParams{TenantID: tenant, ID: c.ID, Handle: c.Handle,
			Name: c.Name, Bio: c.Bio, Avatar: encodeImage(c.Avatar), CreatedAt: now, UpdatedAt: now})
		if code, _ := pgCode(err); code == "23505" {
			return errs.Conflict("the handle @%s is taken", c.Handle)
		} else if err != nil {
			return err
		}
		return record(ctx, tx, tenant, now, "creator.created", "creator", c.ID, map[string]any{"handle": c.Handle})
	})
	return c, wrap("CreateCreator", nil, err)
}

// UpdateCreator changes a creator's profile.
func (s *Service) UpdateCreator(ctx context.Context, tenant TenantID, id CreatorID, up CreatorUpdate) (Creator, error) {
	var c Creator
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		r, err := q.LockCreator(ctx, catalogsql.LockCreatorParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoCreator(id)
		} else if err != nil {
			return err
		}
		c = creatorFromRow(r)
		if up.Handle != nil {
			c.Handle = *up.Handle
		}
		if up.Name != nil {
			c.Name = *up.Name
		}
		if up.Bio != nil {
			c.Bio = *up.Bio
		}
		if up.Avatar != nil {
			c.Avatar = up.Avatar
			if up.Avatar.Key == "" { // an empty key removes the avatar
				c.Avatar = nil
			}
		}
		if err := c.validate(); err != nil {
			return err
		}
		now := s.now()
		c.UpdatedAt = now
		err = q.UpdateCreator(ctx, catalogsql.UpdateCreatorParams{TenantID: tenant, ID: id, Handle: c.Handle, Name: c.Name,
			Bio: c.Bio, Avatar: encodeImage(c.Avatar), UpdatedAt: now})
		if code, _ := pgCode(err); code == "23505" {
			return errs.Conflict("the handle @%s is taken", c.Handle)
		} else if err != nil {
			return err
		}
		return record(ctx, tx, tenant, now, "creator.updated", "creator", id, map[string]any{"handle": c.Handle})
	})
	return c, wrap("UpdateCreator", id, err)
}

// DeleteCreator removes a creator; their titles and collections stay, without
// an owner.
func (s *Service) DeleteCreator(ctx context.Context, tenant TenantID, id CreatorID) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		n, err := catalogsql.New(tx).DeleteCreator(ctx, catalogsql.DeleteCreatorParams{TenantID: tenant, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoCreator(id)
		}
		return record(ctx, tx, tenant, s.now(), "creator.deleted", "creator", id, nil)
	})
	return wrap("DeleteCreator", id, err)
}

// GetCreator returns one creator.
func (s *Service) GetCreator(ctx context.Context, tenant TenantID, id CreatorID) (Creator, error) {
	var c Creator
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		r, err := catalogsql.New(tx).GetCreator(ctx, catalogsql.GetCreatorParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoCreator(id)
		}
		c = creatorFromRow(r)
		return err
	})
	return c, wrap("GetCreator", id, err)
}

// CreatorByHandle returns the creator with a handle (with or without its @).
func (s *Service) CreatorByHandle(ctx context.Context, tenant TenantID, handle string) (Creator, error) {
	handle = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(handle), "@"))
	var c Creator
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		r, err := catalogsql.New(tx).GetCreatorByHandle(ctx, catalogsql.GetCreatorByHandleParams{TenantID: tenant, Handle: handle})
		if db.IsNoRows(err) {
			return errs.NotFound("no creator @%s", handle)
		}
		c = creatorFromRow(r)
		return err
	})
	return c, wrap("CreatorByHandle", handle, err)
}

// CreatorsByIDs loads creators by id, for dataloaders.
func (s *Service) CreatorsByIDs(ctx context.Context, tenant TenantID, ids []CreatorID) (map[CreatorID]Creator, error) {
	out := make(map[CreatorID]Creator, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).CreatorsByIDs(ctx, catalogsql.CreatorsByIDsParams{TenantID: tenant, Ids: ids})
		for _, r := range rows {
			out[r.ID] = creatorFromRow(r)
		}
		return err
	})
	return out, wrap("CreatorsByIDs", nil, err)
}

// ListCreators returns a page of creators by name, and how many there are.
func (s *Service) ListCreators(ctx context.Context, tenant TenantID, page Page) ([]Creator, int, error) {
	page, err := page.valid()
	if err != nil {
		return nil, 0, err
	}
	var out []Creator
	total := 0
	err = s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).ListCreators(ctx, catalogsql.ListCreatorsParams{TenantID: tenant,
			Skip: int32(page.Skip), Take: int32(page.Take)})
		out = make([]Creator, 0, len(rows))
		for _, r := range rows {
			out = append(out, creatorFromRow(r.Creator))
			total = int(r.Total)
		}
		return err
	})
	return out, total, wrap("ListCreators", nil, err)
}
