package catalog

import (
	"context"
	"time"

	"github.com/marquee-ott/marquee/catalog/internal/catalogsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

// The storefront's reads: what a tenant's apps show a viewer. A title that is
// not published, or not available to the audience now, is NotFound here, as
// a missing one is.

// IsAvailable reports whether t is available to aud (at aud.At, or now).
func (s *Service) IsAvailable(t Title, aud Audience) bool { return t.AvailableTo(aud.at(s.now())) }

// AvailableTitle returns a title the audience may see now.
func (s *Service) AvailableTitle(ctx context.Context, tenant TenantID, id TitleID, aud Audience) (Title, error) {
	t, err := s.GetTitle(ctx, tenant, id)
	if err != nil {
		return Title{}, err
	}
	if !t.AvailableTo(aud.at(s.now())) {
		return Title{}, wrap("AvailableTitle", id, errNoTitle(id))
	}
	return t, nil
}

// PublishedSeries returns a published series.
func (s *Service) PublishedSeries(ctx context.Context, tenant TenantID, id SeriesID) (Series, error) {
	se, err := s.GetSeries(ctx, tenant, id)
	if err != nil {
		return Series{}, err
	}
	if se.Status != StatusPublished {
		return Series{}, wrap("PublishedSeries", id, errNoSeries(id))
	}
	return se, nil
}

// Search finds the titles available to the audience that match query (full
// text over titles, synopses, genres and tags in every language, and trigram
// similarity to the titles for typos), best first.
func (s *Service) Search(ctx context.Context, tenant TenantID, query string, aud Audience, page Page) ([]Title, error) {
	if trimmed(query) == "" {
		return nil, errs.InvalidField("query", "search for something")
	}
	ts, _, err := s.listTitles(ctx, tenant, TitleFilter{Query: &query}, page, &aud)
	return ts, wrap("Search", nil, err)
}

// ShortsCursor is where a page of the shorts feed ends.
type ShortsCursor struct {
	PublishedAt time.Time
	ID          TitleID
}

// ShortsFeed returns published vertical shorts available to the audience,
// newest first, after the cursor (nil: from the newest).
func (s *Service) ShortsFeed(ctx context.Context, tenant TenantID, aud Audience, after *ShortsCursor, take int) ([]Title, error) {
	page, err := Page{Take: take}.valid()
	if err != nil {
		return nil, err
	}
	a := aud.at(s.now())
	p := catalogsql.ShortsFeedParams{TenantID: tenant, At: a.At, Country: a.Country, Take: int32(page.Take)}
	if after != nil {
		p.BeforeAt, p.BeforeID = &after.PublishedAt, &after.ID
	}
	var out []Title
	err = s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := catalogsql.New(tx).ShortsFeed(ctx, p)
		out = make([]Title, 0, len(rows))
		for _, r := range rows {
			out = append(out, titleFromRow(r))
		}
		return err
	})
	return out, wrap("ShortsFeed", nil, err)
}
