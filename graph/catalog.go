package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/graph/model"
)

// catalogLoaders batch the catalog's relations per request. The loaders whose
// answer depends on the audience (which titles are available) or on a page
// are made per (audience, page) the first time a request asks, so every rail
// of a home page that asks for the same page of items shares one batch: one
// statement for all of them.
type catalogLoaders struct {
	series               *dataloadgen.Loader[catalog.SeriesID, *catalog.Series]
	seasons              *dataloadgen.Loader[catalog.SeasonID, *catalog.Season]
	creators             *dataloadgen.Loader[catalog.CreatorID, *catalog.Creator]
	collections          *dataloadgen.Loader[catalog.CollectionID, *catalog.Collection]
	seasonsOfSeries      *dataloadgen.Loader[catalog.SeriesID, []catalog.Season]
	collectionsOfCreator *dataloadgen.Loader[catalog.CreatorID, []catalog.Collection]

	mu       sync.Mutex
	episodes map[string]*dataloadgen.Loader[catalog.SeasonID, []catalog.Title]
	items    map[string]*dataloadgen.Loader[catalog.CollectionID, []catalog.Title]
}

// catalogWait is how long a catalog loader waits for more keys before it
// queries: a rail's or a title's relations are asked for by goroutines gqlgen
// starts per list element, and a home page's 20 rails must land in one batch
// even on a busy machine.
const catalogWait = 2 * time.Millisecond

func byID[K comparable, V any](load func(context.Context, []K) (map[K]V, error)) *dataloadgen.Loader[K, *V] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, ids []K) (map[K]*V, error) {
		m, err := load(ctx, ids)
		out := make(map[K]*V, len(m))
		for id, v := range m {
			out[id] = &v
		}
		return out, err
	}, dataloadgen.WithWait(catalogWait))
}

func listsByID[K comparable, V any](load func(context.Context, []K) (map[K][]V, error)) *dataloadgen.Loader[K, []V] {
	return dataloadgen.NewMappedLoader(load, dataloadgen.WithWait(catalogWait))
}

func (r *Resolver) newCatalogLoaders(tenant catalog.TenantID) *catalogLoaders {
	c := r.Catalog
	if c == nil {
		return nil
	}
	return &catalogLoaders{
		series: byID(func(ctx context.Context, ids []catalog.SeriesID) (map[catalog.SeriesID]catalog.Series, error) {
			return c.SeriesByIDs(ctx, tenant, ids)
		}),
		seasons: byID(func(ctx context.Context, ids []catalog.SeasonID) (map[catalog.SeasonID]catalog.Season, error) {
			return c.SeasonsByIDs(ctx, tenant, ids)
		}),
		creators: byID(func(ctx context.Context, ids []catalog.CreatorID) (map[catalog.CreatorID]catalog.Creator, error) {
			return c.CreatorsByIDs(ctx, tenant, ids)
		}),
		collections: byID(func(ctx context.Context, ids []catalog.CollectionID) (map[catalog.CollectionID]catalog.Collection, error) {
			return c.CollectionsByIDs(ctx, tenant, ids)
		}),
		seasonsOfSeries: listsByID(func(ctx context.Context, ids []catalog.SeriesID) (map[catalog.SeriesID][]catalog.Season, error) {
			return c.SeasonsOfSeries(ctx, tenant, ids)
		}),
		collectionsOfCreator: listsByID(func(ctx context.Context, ids []catalog.CreatorID) (map[catalog.CreatorID][]catalog.Collection, error) {
			return c.CollectionsOfCreators(ctx, tenant, ids)
		}),
		episodes: map[string]*dataloadgen.Loader[catalog.SeasonID, []catalog.Title]{},
		items:    map[string]*dataloadgen.Loader[catalog.CollectionID, []catalog.Title]{},
	}
}

func (r *Resolver) catalogLoaders(ctx context.Context) *catalogLoaders {
	return loadersFrom(ctx).catalogLoaders()
}

// episodesFor is the episodes loader for an audience (nil: staff, everything).
func (l *catalogLoaders) episodesFor(c *catalog.Service, tenant catalog.TenantID, aud *catalog.Audience) *dataloadgen.Loader[catalog.SeasonID, []catalog.Title] {
	key := "staff"
	if aud != nil {
		key = "viewer|" + aud.Country
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if ld, ok := l.episodes[key]; ok {
		return ld
	}
	ld := listsByID(func(ctx context.Context, ids []catalog.SeasonID) (map[catalog.SeasonID][]catalog.Title, error) {
		return c.EpisodesOfSeasons(ctx, tenant, ids, aud)
	})
	l.episodes[key] = ld
	return ld
}

// itemsFor is the collection items loader for an audience and a page.
func (l *catalogLoaders) itemsFor(c *catalog.Service, tenant catalog.TenantID, aud *catalog.Audience, page catalog.Page) *dataloadgen.Loader[catalog.CollectionID, []catalog.Title] {
	key := fmt.Sprintf("staff|%d|%d", page.Skip, page.Take)
	if aud != nil {
		key = fmt.Sprintf("viewer|%s|%d|%d", aud.Country, page.Skip, page.Take)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if ld, ok := l.items[key]; ok {
		return ld
	}
	ld := listsByID(func(ctx context.Context, ids []catalog.CollectionID) (map[catalog.CollectionID][]catalog.Title, error) {
		return c.CollectionItems(ctx, tenant, ids, aud, page)
	})
	l.items[key] = ld
	return ld
}

// primeCollections puts collections a statement already read into the
// collections loader, so resolving them costs nothing more.
func (l *catalogLoaders) primeCollections(cols map[catalog.CollectionID]catalog.Collection) {
	for id, c := range cols {
		l.collections.Prime(id, &c)
	}
}

// optional loads a relation that may be absent: a missing row is null, not an
// error (a creator deleted since, a series another request removed).
func optional[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, *V], id *K) (*V, error) {
	if id == nil {
		return nil, nil
	}
	v, err := l.Load(ctx, *id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// list loads a list relation; a key with no rows is an empty list.
func list[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, []V], id K) ([]*V, error) {
	vs, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return []*V{}, nil
	}
	return ptrsOf(vs, err)
}

// audience is who a storefront read is for: the country and language from
// the storefront field's arguments, else the X-Marquee-Country and
// Accept-Language headers, else (country only) the GeoIP lookup of the
// client's address when the platform has one (tenants.Service.Geo). This is
// the one place to plug in another source (a viewer's profile, a CDN header).
func (r *Resolver) audience(ctx context.Context) catalog.Audience {
	var a catalog.Audience
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Object == "Query" && fc.Field.Field != nil && fc.Field.Name == "storefront" {
			if c, ok := fc.Args["country"].(*string); ok && c != nil {
				a.Country = *c
			}
			if l, ok := fc.Args["language"].(*string); ok && l != nil {
				a.Language = *l
			}
		}
	}
	if graphql.HasOperationContext(ctx) {
		h := graphql.GetOperationContext(ctx).Headers
		if a.Country == "" && h != nil {
			a.Country = h.Get("X-Marquee-Country")
		}
		if a.Language == "" && h != nil {
			a.Language = firstLanguage(h.Get("Accept-Language"))
		}
	}
	if a.Country == "" && r.Tenants != nil && r.Tenants.Geo != nil {
		if ip := clientFrom(ctx).IP; ip != "" {
			a.Country = r.Tenants.Geo.Country(ip)
		}
	}
	a.Country = catalog.NormalizeCountry(a.Country)
	return a
}

// firstLanguage is the first tag of an Accept-Language header ("fr-CA,fr;q=0.9" → "fr-CA").
func firstLanguage(h string) string {
	first, _, _ := strings.Cut(h, ",")
	tag, _, _ := strings.Cut(first, ";")
	tag = strings.TrimSpace(tag)
	if tag == "*" || len(tag) > 35 {
		return ""
	}
	return tag
}

// offsetPage reads first/after of a position-paged connection: the cursor is
// the position of the last item seen. It takes one item more than asked, to
// know whether there is a next page.
func offsetPage(first *int, after *string) (catalog.Page, int, error) {
	n, err := pageSize(first)
	if err != nil {
		return catalog.Page{}, 0, err
	}
	skip := 0
	if after != nil {
		var pos int
		if err := decodeCursor(*after, &pos); err != nil || pos < 0 {
			return catalog.Page{}, 0, errInvalidCursor
		}
		skip = pos + 1
	}
	return catalog.Page{Skip: skip, Take: n + 1}, n, nil
}

var errInvalidCursor = errs.InvalidField("after", "malformed cursor")

// connect makes the edges of a position-paged page of up to n+1 items. The
// edges share one backing array: one allocation for a page, not one an edge.
func connect[T any, E any](items []T, page catalog.Page, n int, edge func(cursor string, node *T) E) ([]*E, *model.PageInfo) {
	info := &model.PageInfo{HasNextPage: len(items) > n}
	if len(items) > n {
		items = items[:n]
	}
	backing := make([]E, len(items))
	out := make([]*E, len(items))
	for i := range items {
		cur := positionCursor(page.Skip + i)
		backing[i] = edge(cur, &items[i])
		out[i] = &backing[i]
		info.EndCursor = &cur
	}
	return out, info
}

func titleEdges(ts []catalog.Title, page catalog.Page, n, total int) *model.TitleConnection {
	edges, info := connect(ts, page, n, func(c string, t *catalog.Title) model.TitleEdge { return model.TitleEdge{Cursor: c, Node: t} })
	return &model.TitleConnection{Edges: edges, PageInfo: info, TotalCount: total}
}

func storefrontTitles(ts []catalog.Title, page catalog.Page, n int) *model.StorefrontTitleConnection {
	edges, info := connect(ts, page, n, func(c string, t *catalog.Title) model.StorefrontTitleEdge {
		return model.StorefrontTitleEdge{Cursor: c, Node: t}
	})
	return &model.StorefrontTitleConnection{Edges: edges, PageInfo: info}
}

type shortsCursor struct {
	At time.Time `json:"t"`
	ID string    `json:"i"`
}

// shortsPage makes a page of the shorts feed, whose cursor is the last
// short's (publishedAt, id): new shorts published meanwhile do not shift it.
func shortsPage(ts []catalog.Title, n int) *model.StorefrontTitleConnection {
	conn := &model.StorefrontTitleConnection{PageInfo: &model.PageInfo{HasNextPage: len(ts) > n}, Edges: []*model.StorefrontTitleEdge{}}
	if len(ts) > n {
		ts = ts[:n]
	}
	for i := range ts {
		t := &ts[i]
		cur := encodeCursor(shortsCursor{At: deref(t.PublishedAt), ID: t.ID.String()})
		conn.Edges = append(conn.Edges, &model.StorefrontTitleEdge{Cursor: cur, Node: t})
		conn.PageInfo.EndCursor = &cur
	}
	return conn
}

func decodeShortsCursor(after *string) (*catalog.ShortsCursor, error) {
	if after == nil {
		return nil, nil
	}
	var c shortsCursor
	if err := decodeCursor(*after, &c); err != nil {
		return nil, err
	}
	var sc catalog.ShortsCursor
	if err := sc.ID.UnmarshalText([]byte(c.ID)); err != nil {
		return nil, errInvalidCursor
	}
	sc.PublishedAt = c.At
	return &sc, nil
}
