package graph

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/graph/model"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/viewers"
)

var errNotViewer = errs.Unauthorized("sign in as a viewer: send the viewer's access token (Authorization: Bearer) with the app key, host or path")

// viewerOf is the request's signed-in viewer.
func viewerOf(ctx context.Context) (viewers.Principal, error) {
	if p, ok := viewers.FromContext(ctx); ok {
		return p, nil
	}
	return viewers.Principal{}, errNotViewer
}

// appTenant is the tenant of a storefront request (app key, host or path).
func appTenant(ctx context.Context) (viewers.TenantID, error) {
	p, ok := tenants.PrincipalFrom(ctx)
	if !ok {
		return uuid.Nil, errNoTenant
	}
	return p.Tenant, nil
}

type viewerCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

func decodeViewerCursor(after *string) (*viewers.Cursor, error) {
	if after == nil {
		return nil, nil
	}
	var c viewerCursor
	if err := decodeCursor(*after, &c); err != nil {
		return nil, err
	}
	return &viewers.Cursor{At: c.At, Title: c.ID}, nil
}

// availableTitles loads the titles of ids the audience may see now, in one
// catalog read; the rest (unpublished since, out of their window) are left out.
func (r *Resolver) availableTitles(ctx context.Context, tenant viewers.TenantID, ids []uuid.UUID) (map[uuid.UUID]catalog.Title, error) {
	ts, err := r.Catalog.TitlesByIDs(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	aud := r.audience(ctx)
	for id, t := range ts {
		if !r.Catalog.IsAvailable(t, aud) {
			delete(ts, id)
		}
	}
	return ts, nil
}

// viewerListArgs reads a viewer list field's arguments: the signed-in
// viewer, the page size and where to start.
func viewerListArgs(ctx context.Context, first *int, after *string) (viewers.Principal, int, *viewers.Cursor, error) {
	p, err := viewerOf(ctx)
	if err != nil {
		return viewers.Principal{}, 0, nil, err
	}
	n, err := pageSize(first)
	if err != nil {
		return viewers.Principal{}, 0, nil, err
	}
	cur, err := decodeViewerCursor(after)
	return p, n, cur, err
}

// titlePage walks a page of a viewer's title list from up to n+1 items
// (the extra one says there is a next page): each item whose title the
// storefront still shows goes to add with its cursor; the end cursor moves
// past titles left out, so a page may hold fewer than n.
func titlePage[T any](ctx context.Context, r *Resolver, tenant viewers.TenantID, items []T, n int,
	key func(T) viewerCursor, add func(item T, cursor string, title catalog.Title)) (*model.PageInfo, error) {
	info := &model.PageInfo{HasNextPage: len(items) > n}
	if len(items) > n {
		items = items[:n]
	}
	ids := make([]uuid.UUID, len(items))
	for i, it := range items {
		ids[i] = key(it).ID
	}
	ts, err := r.availableTitles(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		k := key(it)
		cur := encodeCursor(k)
		info.EndCursor = &cur
		if t, ok := ts[k.ID]; ok {
			add(it, cur, t)
		}
	}
	return info, nil
}

// myListPage makes a page of My List.
func (r *Resolver) myListPage(ctx context.Context, p viewers.Principal, items []viewers.ListItem, n int) (*model.StorefrontTitleConnection, error) {
	conn := &model.StorefrontTitleConnection{Edges: []*model.StorefrontTitleEdge{}}
	info, err := titlePage(ctx, r, p.Tenant, items, n, func(it viewers.ListItem) viewerCursor { return viewerCursor{At: it.AddedAt, ID: it.Title} },
		func(_ viewers.ListItem, cur string, t catalog.Title) {
			conn.Edges = append(conn.Edges, &model.StorefrontTitleEdge{Cursor: cur, Node: &t})
		})
	conn.PageInfo = info
	return conn, err
}

// continueWatchingPage makes a page of Continue Watching.
func (r *Resolver) continueWatchingPage(ctx context.Context, p viewers.Principal, items []viewers.Progress, n int) (*model.ContinueWatchingConnection, error) {
	conn := &model.ContinueWatchingConnection{Edges: []*model.ContinueWatchingEdge{}}
	info, err := titlePage(ctx, r, p.Tenant, items, n, func(it viewers.Progress) viewerCursor { return viewerCursor{At: it.UpdatedAt, ID: it.Title} },
		func(it viewers.Progress, cur string, t catalog.Title) {
			conn.Edges = append(conn.Edges, &model.ContinueWatchingEdge{Cursor: cur, Node: &model.ContinueWatchingItem{Title: &t,
				PositionSeconds: it.PositionSeconds, DurationSeconds: it.DurationSeconds, UpdatedAt: it.UpdatedAt}})
		})
	conn.PageInfo = info
	return conn, err
}
