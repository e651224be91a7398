package catalog

import (
	"context"

	"github.com/marquee-ott/marquee/catalog/internal/catalogsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

func errNoTitle(id TitleID) error { return errs.NotFound("no title %s", id) }

// CreateTitle adds a draft title.
func (s *Service) CreateTitle(ctx context.Context, tenant TenantID, in TitleInput) (Title, error) {
	now := s.now()
	t := Title{ID: newID(), Kind: in.Kind, Status: StatusDraft, DefaultLanguage: in.DefaultLanguage,
		Localizations: in.Localizations, Genres: in.Genres, Tags: in.Tags, Rating: in.Rating,
		DurationSeconds: in.DurationSeconds, ReleaseYear: in.ReleaseYear, Vertical: in.Kind == KindShort,
		AssetID: in.AssetID, Artwork: in.Artwork, SeriesID: in.SeriesID, SeasonID: in.SeasonID,
		EpisodeNumber: in.EpisodeNumber, CreatorID: in.CreatorID, CreatedAt: now, UpdatedAt: now}
	if in.Availability != nil {
		t.Availability = *in.Availability
	}
	if in.Vertical != nil {
		t.Vertical = *in.Vertical
	}
	if t.Artwork == nil {
		t.Artwork = []Artwork{}
	}
	if err := t.validate(); err != nil {
		return Title{}, err
	}
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		if err := resolveRefs(ctx, q, tenant, &t); err != nil {
			return err
		}
		if err := q.InsertTitle(ctx, insertTitleParams(tenant, t)); err != nil {
			return titleWriteError(err)
		}
		return record(ctx, tx, tenant, now, "title.created", "title", t.ID, map[string]any{"kind": t.Kind, "title": t.DisplayTitle()})
	})
	return t, wrap("CreateTitle", nil, err)
}

// resolveRefs checks the title's season, series and creator are the tenant's,
// and takes an episode's series and season number from its season.
func resolveRefs(ctx context.Context, q *catalogsql.Queries, tenant TenantID, t *Title) error {
	if t.SeasonID != nil {
		se, err := q.GetSeason(ctx, catalogsql.GetSeasonParams{TenantID: tenant, ID: *t.SeasonID})
		if db.IsNoRows(err) {
			return errs.NotFound("no season %s", *t.SeasonID)
		} else if err != nil {
			return err
		}
		n := int(se.Number)
		t.SeriesID, t.SeasonNumber = &se.SeriesID, &n
	} else {
		t.SeasonNumber = nil
	}
	if t.SeriesID != nil {
		if _, err := q.GetSeries(ctx, catalogsql.GetSeriesParams{TenantID: tenant, ID: *t.SeriesID}); db.IsNoRows(err) {
			return errs.NotFound("no series %s", *t.SeriesID)
		} else if err != nil {
			return err
		}
	}
	if t.CreatorID != nil {
		if _, err := q.GetCreator(ctx, catalogsql.GetCreatorParams{TenantID: tenant, ID: *t.CreatorID}); db.IsNoRows(err) {
			return errs.NotFound("no creator %s", *t.CreatorID)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func titleWriteError(err error) error {
	switch code, constraint := pgCode(err); code {
	case "23505":
		if constraint == "titles_season_id_episode_number_key" {
			return errs.Conflict("the season already has an episode with that number")
		}
	case "23503": // a reference vanished between the check and the write
		return errs.NotFound("a season, series or creator the title names does not exist")
	}
	return err
}

// UpdateTitle changes a title's metadata.
func (s *Service) UpdateTitle(ctx context.Context, tenant TenantID, id TitleID, up TitleUpdate) (Title, error) {
	t, err := s.changeTitle(ctx, tenant, id, "title.updated", func(q *catalogsql.Queries, t *Title) error {
		up.apply(t)
		if err := t.validate(); err != nil {
			return err
		}
		return resolveRefs(ctx, q, tenant, t)
	})
	return t, wrap("UpdateTitle", id, err)
}

// PublishTitle makes a title visible to apps (inside its availability window).
func (s *Service) PublishTitle(ctx context.Context, tenant TenantID, id TitleID) (Title, error) {
	t, err := s.changeTitle(ctx, tenant, id, "title.published", func(_ *catalogsql.Queries, t *Title) error {
		t.Status = StatusPublished
		if t.PublishedAt == nil {
			now := s.now()
			t.PublishedAt = &now
		}
		return nil
	})
	return t, wrap("PublishTitle", id, err)
}

// UnpublishTitle takes a title off the apps; it keeps its first publication time.
func (s *Service) UnpublishTitle(ctx context.Context, tenant TenantID, id TitleID) (Title, error) {
	t, err := s.changeTitle(ctx, tenant, id, "title.unpublished", func(_ *catalogsql.Queries, t *Title) error {
		if t.Status != StatusPublished {
			return errs.Conflict("the title is not published")
		}
		t.Status = StatusUnpublished
		return nil
	})
	return t, wrap("UnpublishTitle", id, err)
}

// SetTitleAsset attaches the media asset that plays for a title, or detaches
// it (nil). The ingest workflow calls it when an asset is ready.
func (s *Service) SetTitleAsset(ctx context.Context, tenant TenantID, id TitleID, asset *AssetID) (Title, error) {
	action := "title.asset_attached"
	if asset == nil {
		action = "title.asset_detached"
	}
	t, err := s.changeTitle(ctx, tenant, id, action, func(_ *catalogsql.Queries, t *Title) error {
		t.AssetID = asset
		return nil
	})
	return t, wrap("SetTitleAsset", id, err)
}

// changeTitle is the read-modify-write of one title in one transaction: the
// row is locked, changed by fn, written back, audited and announced.
func (s *Service) changeTitle(ctx context.Context, tenant TenantID, id TitleID, action string, fn func(*catalogsql.Queries, *Title) error) (Title, error) {
	var t Title
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		r, err := q.LockTitle(ctx, catalogsql.LockTitleParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoTitle(id)
		} else if err != nil {
			return err
		}
		t = titleFromRow(r)
		if err := fn(q, &t); err != nil {
			return err
		}
		now := s.now()
		t.UpdatedAt = now
		if err := q.UpdateTitle(ctx, updateTitleParams(tenant, t)); err != nil {
			return titleWriteError(err)
		}
		details := map[string]any{"kind": t.Kind, "title": t.DisplayTitle(), "status": t.Status}
		if t.AssetID != nil {
			details["asset_id"] = *t.AssetID
		}
		return record(ctx, tx, tenant, now, action, "title", id, details)
	})
	return t, err
}

// DeleteTitle removes a title (and its places in collections).
func (s *Service) DeleteTitle(ctx context.Context, tenant TenantID, id TitleID) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		n, err := catalogsql.New(tx).DeleteTitle(ctx, catalogsql.DeleteTitleParams{TenantID: tenant, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoTitle(id)
		}
		return record(ctx, tx, tenant, s.now(), "title.deleted", "title", id, nil)
	})
	return wrap("DeleteTitle", id, err)
}

// GetTitle returns one title, whatever its status; another tenant's is NotFound.
func (s *Service) GetTitle(ctx context.Context, tenant TenantID, id TitleID) (Title, error) {
	var t Title
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		r, err := catalogsql.New(tx).GetTitle(ctx, catalogsql.GetTitleParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoTitle(id)
		}
		t = titleFromRow(r)
		return err
	})
	return t, wrap("GetTitle", id, err)
}

// TitlesByIDs loads titles by id, for dataloaders; missing ids are left out.
func (s *Service) TitlesByIDs(ctx context.Context, tenant TenantID, ids []TitleID) (map[TitleID]Title, error) {
	out := make(map[TitleID]Title, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).TitlesByIDs(ctx, catalogsql.TitlesByIDsParams{TenantID: tenant, Ids: ids})
		for _, r := range rows {
			out[r.ID] = titleFromRow(r)
		}
		return err
	})
	return out, wrap("TitlesByIDs", nil, err)
}

// ListTitles returns a page of the tenant's titles, newest first (by
// relevance when searching), and how many match.
func (s *Service) ListTitles(ctx context.Context, tenant TenantID, f TitleFilter, page Page) ([]Title, int, error) {
	ts, total, err := s.listTitles(ctx, tenant, f, page, nil)
	return ts, total, wrap("ListTitles", nil, err)
}

func (s *Service) listTitles(ctx context.Context, tenant TenantID, f TitleFilter, page Page, aud *Audience) ([]Title, int, error) {
	page, err := page.valid()
	if err != nil {
		return nil, 0, err
	}
	p := catalogsql.ListTitlesParams{TenantID: tenant, SeriesID: f.SeriesID, SeasonID: f.SeasonID, CreatorID: f.CreatorID,
		Genre: lower(f.Genre), Tag: lower(f.Tag), Vertical: f.Vertical, Everything: aud == nil,
		At: s.now(), Skip: int32(page.Skip), Take: int32(page.Take)}
	if aud != nil {
		a := aud.at(p.At)
		p.At, p.Country = a.At, a.Country
	}
	if f.Kind != nil {
		k := string(*f.Kind)
		p.Kind = &k
	}
	if f.Status != nil {
		st := string(*f.Status)
		p.Status = &st
	}
	if f.Query != nil {
		q := trimmed(*f.Query)
		if len(q) > 200 {
			return nil, 0, errs.InvalidField("query", "a search is up to 200 characters")
		}
		if q != "" {
			p.Query = &q
		}
	}
	var out []Title
	total := 0
	err = s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).ListTitles(ctx, p)
		out = make([]Title, 0, len(rows))
		for _, r := range rows {
			out = append(out, titleFromRow(r.Title))
			total = int(r.Total)
		}
		return err
	})
	return out, total, err
}

// SetTitleArtwork replaces the title's artwork in role with images (one role
// at a time: the artwork package makes every size of a role from one upload)
// and returns the title with the images it replaced, whose blobs the caller
// may remove.
func (s *Service) SetTitleArtwork(ctx context.Context, tenant TenantID, id TitleID, role ArtworkRole, images []Artwork) (Title, []Artwork, error) {
	var replaced []Artwork
	t, err := s.changeTitle(ctx, tenant, id, "title.artwork_set", func(_ *catalogsql.Queries, t *Title) error {
		next := make([]Artwork, 0, len(t.Artwork)+len(images))
		replaced = replaced[:0]
		for _, a := range t.Artwork {
			if a.Role == role {
				replaced = append(replaced, a)
			} else {
				next = append(next, a)
			}
		}
		for _, a := range images {
			if a.Role != role {
				return errs.InvalidField("artwork", "an image of role %s among %s", a.Role, role)
			}
		}
		t.Artwork = append(next, images...)
		return validArtwork(t.Artwork)
	})
	if err != nil {
		return Title{}, nil, wrap("SetTitleArtwork", id, err)
	}
	return t, replaced, nil
}
