package catalog

import (
	"context"
	"strings"

	"github.com/marquee-ott/marquee/catalog/internal/catalogsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

func errNoSeries(id SeriesID) error { return errs.NotFound("no series %s", id) }
func errNoSeason(id SeasonID) error { return errs.NotFound("no season %s", id) }

func lower(p *string) *string {
	if p == nil {
		return nil
	}
	v := strings.ToLower(strings.TrimSpace(*p))
	return &v
}

func trimmed(s string) string { return strings.TrimSpace(s) }

// CreateSeries adds a draft series.
func (s *Service) CreateSeries(ctx context.Context, tenant TenantID, in SeriesInput) (Series, error) {
	now := s.now()
	se := Series{ID: newID(), Status: StatusDraft, DefaultLanguage: in.DefaultLanguage, Localizations: in.Localizations,
		Genres: in.Genres, Tags: in.Tags, Rating: in.Rating, Artwork: in.Artwork, CreatedAt: now, UpdatedAt: now}
	if se.Artwork == nil {
		se.Artwork = []Artwork{}
	}
	if err := se.validate(); err != nil {
		return Series{}, err
	}
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		if err := catalogsql.New(tx).InsertSeries(ctx, catalogsql.InsertSeriesParams{TenantID: tenant, ID: se.ID,
			Status: string(se.Status), DefaultLanguage: se.DefaultLanguage, Localizations: encodeLocalizations(se.Localizations),
			Genres: se.Genres, Tags: se.Tags, Rating: encodeRating(se.Rating), Artwork: encodeArtwork(se.Artwork),
			CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return record(ctx, tx, tenant, now, "series.created", "series", se.ID, map[string]any{"title": se.DisplayTitle()})
	})
	return se, wrap("CreateSeries", nil, err)
}

// UpdateSeries changes a series' metadata.
func (s *Service) UpdateSeries(ctx context.Context, tenant TenantID, id SeriesID, up SeriesUpdate) (Series, error) {
	se, err := s.changeSeries(ctx, tenant, id, "series.updated", func(se *Series) error {
		up.apply(se)
		return se.validate()
	})
	return se, wrap("UpdateSeries", id, err)
}

// PublishSeries makes a series' page visible to apps; its episodes show
// as each is published.
func (s *Service) PublishSeries(ctx context.Context, tenant TenantID, id SeriesID) (Series, error) {
	se, err := s.changeSeries(ctx, tenant, id, "series.published", func(se *Series) error {
		se.Status = StatusPublished
		if se.PublishedAt == nil {
			now := s.now()
			se.PublishedAt = &now
		}
		return nil
	})
	return se, wrap("PublishSeries", id, err)
}

// UnpublishSeries takes a series' page off the apps.
func (s *Service) UnpublishSeries(ctx context.Context, tenant TenantID, id SeriesID) (Series, error) {
	se, err := s.changeSeries(ctx, tenant, id, "series.unpublished", func(se *Series) error {
		if se.Status != StatusPublished {
			return errs.Conflict("the series is not published")
		}
		se.Status = StatusUnpublished
		return nil
	})
	return se, wrap("UnpublishSeries", id, err)
}

func (s *Service) changeSeries(ctx context.Context, tenant TenantID, id SeriesID, action string, fn func(*Series) error) (Series, error) {
	var se Series
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		r, err := q.LockSeries(ctx, catalogsql.LockSeriesParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoSeries(id)
		} else if err != nil {
			return err
		}
		se = seriesFromRow(r)
		if err := fn(&se); err != nil {
			return err
		}
		now := s.now()
		se.UpdatedAt = now
		if err := q.UpdateSeries(ctx, catalogsql.UpdateSeriesParams{TenantID: tenant, ID: id, Status: string(se.Status),
			DefaultLanguage: se.DefaultLanguage, Localizations: encodeLocalizations(se.Localizations), Genres: se.Genres,
			Tags: se.Tags, Rating: encodeRating(se.Rating), Artwork: encodeArtwork(se.Artwork), PublishedAt: se.PublishedAt,
			UpdatedAt: now}); err != nil {
			return err
		}
		return record(ctx, tx, tenant, now, action, "series", id, map[string]any{"title": se.DisplayTitle(), "status": se.Status})
	})
	return se, err
}

// DeleteSeries removes a series and its seasons. It refuses while episodes,
// trailers or extras still belong to it.
func (s *Service) DeleteSeries(ctx context.Context, tenant TenantID, id SeriesID) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		n, err := catalogsql.New(tx).DeleteSeries(ctx, catalogsql.DeleteSeriesParams{TenantID: tenant, ID: id})
		if code, _ := pgCode(err); code == "23503" {
			return errs.Conflict("the series still has titles: delete or move them first")
		} else if err != nil {
			return err
		}
		if n == 0 {
			return errNoSeries(id)
		}
		return record(ctx, tx, tenant, s.now(), "series.deleted", "series", id, nil)
	})
	return wrap("DeleteSeries", id, err)
}

// GetSeries returns one series, whatever its status.
func (s *Service) GetSeries(ctx context.Context, tenant TenantID, id SeriesID) (Series, error) {
	var se Series
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		r, err := catalogsql.New(tx).GetSeries(ctx, catalogsql.GetSeriesParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoSeries(id)
		}
		se = seriesFromRow(r)
		return err
	})
	return se, wrap("GetSeries", id, err)
}

// SeriesByIDs loads series by id, for dataloaders; missing ids are left out.
func (s *Service) SeriesByIDs(ctx context.Context, tenant TenantID, ids []SeriesID) (map[SeriesID]Series, error) {
	out := make(map[SeriesID]Series, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).SeriesByIDs(ctx, catalogsql.SeriesByIDsParams{TenantID: tenant, Ids: ids})
		for _, r := range rows {
			out[r.ID] = seriesFromRow(r)
		}
		return err
	})
	return out, wrap("SeriesByIDs", nil, err)
}

// ListSeries returns a page of series, newest first, and how many there are.
func (s *Service) ListSeries(ctx context.Context, tenant TenantID, status *Status, page Page) ([]Series, int, error) {
	page, err := page.valid()
	if err != nil {
		return nil, 0, err
	}
	p := catalogsql.ListSeriesParams{TenantID: tenant, Skip: int32(page.Skip), Take: int32(page.Take)}
	if status != nil {
		st := string(*status)
		p.Status = &st
	}
	var out []Series
	total := 0
	err = s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).ListSeries(ctx, p)
		out = make([]Series, 0, len(rows))
		for _, r := range rows {
			out = append(out, seriesFromRow(r.Series))
			total = int(r.Total)
		}
		return err
	})
	return out, total, wrap("ListSeries", nil, err)
}

// CreateSeason adds a season to a series.
func (s *Service) CreateSeason(ctx context.Context, tenant TenantID, series SeriesID, in SeasonInput) (Season, error) {
	now := s.now()
	se := Season{ID: newID(), SeriesID: series, Number: in.Number, Name: in.Name, Synopsis: in.Synopsis, CreatedAt: now, UpdatedAt: now}
	if err := se.validate(); err != nil {
		return Season{}, err
	}
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		if _, err := q.LockSeries(ctx, catalogsql.LockSeriesParams{TenantID: tenant, ID: series}); db.IsNoRows(err) {
			return errNoSeries(series)
		} else if err != nil {
			return err
		}
		err := q.InsertSeason(ctx, catalogsql.InsertSeasonParams{TenantID: tenant, ID: se.ID, SeriesID: series,
			Number: int32(se.Number), Name: se.Name, Synopsis: se.Synopsis, CreatedAt: now, UpdatedAt: now})
		if code, _ := pgCode(err); code == "23505" {
			return errs.Conflict("the series already has a season %d", se.Number)
		} else if err != nil {
			return err
		}
		return record(ctx, tx, tenant, now, "season.created", "season", se.ID, map[string]any{"series_id": series, "number": se.Number})
	})
	return se, wrap("CreateSeason", series, err)
}

// UpdateSeason changes a season; a new number is copied to its episodes.
func (s *Service) UpdateSeason(ctx context.Context, tenant TenantID, id SeasonID, up SeasonUpdate) (Season, error) {
	var se Season
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := catalogsql.New(tx)
		r, err := q.LockSeason(ctx, catalogsql.LockSeasonParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoSeason(id)
		} else if err != nil {
			return err
		}
		se = seasonFromRow(r)
		if up.Number != nil {
			se.Number = *up.Number
		}
		if up.Name != nil {
			se.Name = *up.Name
		}
		if up.Synopsis != nil {
			se.Synopsis = *up.Synopsis
		}
		if err := se.validate(); err != nil {
			return err
		}
		now := s.now()
		se.UpdatedAt = now
		err = q.UpdateSeason(ctx, catalogsql.UpdateSeasonParams{TenantID: tenant, ID: id, Number: int32(se.Number),
			Name: se.Name, Synopsis: se.Synopsis, UpdatedAt: now})
		if code, _ := pgCode(err); code == "23505" {
			return errs.Conflict("the series already has a season %d", se.Number)
		} else if err != nil {
			return err
		}
		if se.Number != int(r.Number) {
			n := int32(se.Number)
			if err := q.RenumberSeasonEpisodes(ctx, catalogsql.RenumberSeasonEpisodesParams{TenantID: tenant, SeasonID: &id, SeasonNumber: &n}); err != nil {
				return err
			}
		}
		return record(ctx, tx, tenant, now, "season.updated", "season", id, map[string]any{"series_id": se.SeriesID, "number": se.Number})
	})
	return se, wrap("UpdateSeason", id, err)
}

// DeleteSeason removes a season; it refuses while it has episodes.
func (s *Service) DeleteSeason(ctx context.Context, tenant TenantID, id SeasonID) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		n, err := catalogsql.New(tx).DeleteSeason(ctx, catalogsql.DeleteSeasonParams{TenantID: tenant, ID: id})
		if code, _ := pgCode(err); code == "23503" {
			return errs.Conflict("the season still has episodes: delete or move them first")
		} else if err != nil {
			return err
		}
		if n == 0 {
			return errNoSeason(id)
		}
		return record(ctx, tx, tenant, s.now(), "season.deleted", "season", id, nil)
	})
	return wrap("DeleteSeason", id, err)
}

// GetSeason returns one season.
func (s *Service) GetSeason(ctx context.Context, tenant TenantID, id SeasonID) (Season, error) {
	var se Season
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		r, err := catalogsql.New(tx).GetSeason(ctx, catalogsql.GetSeasonParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errNoSeason(id)
		}
		se = seasonFromRow(r)
		return err
	})
	return se, wrap("GetSeason", id, err)
}

// SeasonsByIDs loads seasons by id, for dataloaders.
func (s *Service) SeasonsByIDs(ctx context.Context, tenant TenantID, ids []SeasonID) (map[SeasonID]Season, error) {
	out := make(map[SeasonID]Season, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).SeasonsByIDs(ctx, catalogsql.SeasonsByIDsParams{TenantID: tenant, Ids: ids})
		for _, r := range rows {
			out[r.ID] = seasonFromRow(r)
		}
		return err
	})
	return out, wrap("SeasonsByIDs", nil, err)
}

// SeasonsOfSeries returns the seasons of many series, in number order, for
// dataloaders.
func (s *Service) SeasonsOfSeries(ctx context.Context, tenant TenantID, ids []SeriesID) (map[SeriesID][]Season, error) {
	out := make(map[SeriesID][]Season, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).SeasonsOfSeries(ctx, catalogsql.SeasonsOfSeriesParams{TenantID: tenant, SeriesIds: ids})
		for _, r := range rows {
			out[r.SeriesID] = append(out[r.SeriesID], seasonFromRow(r))
		}
		return err
	})
	return out, wrap("SeasonsOfSeries", nil, err)
}

// EpisodesOfSeasons returns the episodes of many seasons in number order, for
// dataloaders: every episode for staff (aud nil), or those available to aud.
func (s *Service) EpisodesOfSeasons(ctx context.Context, tenant TenantID, ids []SeasonID, aud *Audience) (map[SeasonID][]Title, error) {
	p := catalogsql.EpisodesOfSeasonsParams{TenantID: tenant, SeasonIds: ids, Everything: aud == nil, At: s.now()}
	if aud != nil {
		a := aud.at(p.At)
		p.At, p.Country = a.At, a.Country
	}
	out := make(map[SeasonID][]Title, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).EpisodesOfSeasons(ctx, p)
		for _, r := range rows {
			out[*r.SeasonID] = append(out[*r.SeasonID], titleFromRow(r))
		}
		return err
	})
	return out, wrap("EpisodesOfSeasons", nil, err)
}
