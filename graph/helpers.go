package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/graph/model"
	"github.com/marquee-ott/marquee/tenants"
)

var (
	errNoTenant        = errs.Unauthorized("no tenant: send an app key, a session or an API key, or use the tenant's host")
	errNotStaffSession = errs.Invalid("this field needs a staff session, not an API key")
)

// principal returns the request's principal; @requires has checked it exists.
func principal(ctx context.Context) tenants.Principal {
	p, _ := tenants.PrincipalFrom(ctx)
	return p
}

func clientFrom(ctx context.Context) tenants.ClientInfo { return tenants.ClientFrom(ctx) }

func sessionOut(_ context.Context, a tenants.Auth, err error) (*tenants.Auth, error) {
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func ok(err error) (bool, error) { return err == nil, err }

func ptrOf[T any](v T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func ptrsOf[T any](vs []T, err error) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out, nil
}

// nonEmpty is s, or nil (null) when it is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// relay turns a domain channel into a subscription's channel, ending the
// domain subscription when the client goes away.
func relay[T any](ctx context.Context, in <-chan T, cancel func()) <-chan *T {
	out := make(chan *T, 1)
	go func() {
		defer close(out)
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case v, open := <-in:
				if !open {
					return
				}
				select {
				case out <- &v:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// maxPage bounds every connection's first argument.
const maxPage = 200

func pageSize(first *int) (int, error) {
	n := 50
	if first != nil {
		n = *first
	}
	if n < 1 || n > maxPage {
		return 0, errs.InvalidField("first", "first must be between 1 and %d", maxPage)
	}
	return n, nil
}

// Cursors are opaque to clients: base64 of JSON we choose.
func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// positionCursor is encodeCursor(n) for a position in a list (the JSON of an
// int is its decimal), without json.Marshal's reflection: a page makes one
// per row.
func positionCursor(n int) string {
	var b [20]byte
	return base64.RawURLEncoding.EncodeToString(strconv.AppendInt(b[:0], int64(n), 10))
}

func decodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, v) != nil {
		return errs.InvalidField("after", "malformed cursor")
	}
	return nil
}

type auditCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

func pageArgs(first *int, after *string) (int, *audit.Cursor, error) {
	n, err := pageSize(first)
	if err != nil || after == nil {
		return n, nil, err
	}
	var c auditCursor
	if err := decodeCursor(*after, &c); err != nil {
		return 0, nil, err
	}
	return n, &audit.Cursor{At: c.At, ID: c.ID}, nil
}

// auditPage takes n+1 entries and makes a page of n.
func auditPage(entries []audit.Entry, n int) *model.AuditConnection {
	conn := &model.AuditConnection{PageInfo: &model.PageInfo{HasNextPage: len(entries) > n}, Edges: []*model.AuditEdge{}}
	if len(entries) > n {
		entries = entries[:n]
	}
	for i := range entries {
		e := &entries[i]
		cur := encodeCursor(auditCursor{At: e.At, ID: e.ID})
		conn.Edges = append(conn.Edges, &model.AuditEdge{Cursor: cur, Node: e})
		conn.PageInfo.EndCursor = &cur
	}
	return conn
}

// staffPage makes a position-paged team connection of up to n+1 members.
func staffPage(staff []tenants.Staff, page catalog.Page, n, total int) *model.StaffConnection {
	edges, info := connect(staff, page, n, func(c string, s *tenants.Staff) model.StaffEdge { return model.StaffEdge{Cursor: c, Node: s} })
	return &model.StaffConnection{Edges: edges, PageInfo: info, TotalCount: total}
}

// orNotFound is an optional field's value: a NotFound object is null.
func orNotFound[T any](v T, err error) (*T, error) {
	if errs.Is(err, errs.KindNotFound) {
		return nil, nil
	}
	return ptrOf(v, err)
}

// selects reports whether the field being resolved selects child by name
// (directly or through a fragment), so a resolver can skip work, such as a
// count, that nobody asked for.
func selects(ctx context.Context, child string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == child {
			return true
		}
	}
	return false
}
