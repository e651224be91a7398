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

// myListPage makes a page of My List from up to n+1 items: the cursor moves
// past titles left out, so a page may hold fewer than n.
func (r *Resolver) myListPage(ctx context.Context, p viewers.Principal, items []viewers.ListItem, n int) (*model.StorefrontTitleConnection, error) {
	conn := &model.StorefrontTitleConnection{PageInfo: &model.PageInfo{HasNextPage: len(items) > n}, Edges: []*model.StorefrontTitleEdge{}}
	if len(items) > n {
		items = items[:n]
	}
	ids := make([]uuid.UUID, len(items))
	for i, it := range items {
		ids[i] = it.Title
	}
	ts, err := r.availableTitles(ctx, p.Tenant, ids)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		cur := encodeCursor(viewerCursor{At: it.AddedAt, ID: it.Title})
		conn.PageInfo.EndCursor = &cur
		if t, ok := ts[it.Title]; ok {
			conn.Edges = append(conn.Edges, &model.StorefrontTitleEdge{Cursor: cur, Node: &t})
		}
	}
	return conn, nil
}

func (r *Resolver) continueWatchingPage(ctx context.Context, p viewers.Principal, items []viewers.Progress, n int) (*model.ContinueWatchingConnection, error) {
	conn := &model.ContinueWatchingConnection{PageInfo: &model.PageInfo{HasNextPage: len(items) > n}, Edges: []*model.ContinueWatchingEdge{}}
	if len(items) > n {
		items = items[:n]
	}
	ids := make([]uuid.UUID, len(items))
	for i, it := range items {
		ids[i] = it.Title
	}
	ts, err := r.availableTitles(ctx, p.Tenant, ids)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		cur := encodeCursor(viewerCursor{At: it.UpdatedAt, ID: it.Title})
		conn.PageInfo.EndCursor = &cur
		if t, ok := ts[it.Title]; ok {
			conn.Edges = append(conn.Edges, &model.ContinueWatchingEdge{Cursor: cur, Node: &model.ContinueWatchingItem{Title: &t,
				PositionSeconds: it.PositionSeconds, DurationSeconds: it.DurationSeconds, UpdatedAt: it.UpdatedAt}})
		}
	}
	return conn, nil
}
