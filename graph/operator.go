package graph

import (
	"context"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/graph/model"
	"github.com/marquee-ott/marquee/operators"
)

// operatorPrincipal returns the request's operator; @operator has checked it.
func operatorPrincipal(ctx context.Context) operators.Principal {
	p, _ := operators.PrincipalFrom(ctx)
	return p
}

type tenantCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

func operatorTenantArgs(first *int, after *string) (int, *operators.TenantCursor, error) {
	n, err := pageSize(first)
	if err != nil || after == nil {
		return n, nil, err
	}
	var c tenantCursor
	if err := decodeCursor(*after, &c); err != nil {
		return 0, nil, err
	}
	return n, &operators.TenantCursor{CreatedAt: c.At, ID: c.ID}, nil
}

// operatorTenantPage takes n+1 tenants and makes a page of n.
func operatorTenantPage(list []operators.Tenant, total, n int) *model.OperatorTenantConnection {
	conn := &model.OperatorTenantConnection{TotalCount: total, PageInfo: &model.PageInfo{HasNextPage: len(list) > n},
		Edges: []*model.OperatorTenantEdge{}}
	if len(list) > n {
		list = list[:n]
	}
	for i := range list {
		cur := encodeCursor(tenantCursor{At: list[i].CreatedAt, ID: list[i].ID})
		conn.Edges = append(conn.Edges, &model.OperatorTenantEdge{Cursor: cur, Node: &list[i]})
		conn.PageInfo.EndCursor = &cur
	}
	return conn
}

func operatorActionArgs(first *int, after *string) (int, *operators.ActionCursor, error) {
	n, err := pageSize(first)
	if err != nil || after == nil {
		return n, nil, err
	}
	var c tenantCursor
	if err := decodeCursor(*after, &c); err != nil {
		return 0, nil, err
	}
	return n, &operators.ActionCursor{At: c.At, ID: c.ID}, nil
}

func operatorActionPage(list []operators.Action, n int) *model.OperatorActionConnection {
	conn := &model.OperatorActionConnection{PageInfo: &model.PageInfo{HasNextPage: len(list) > n}, Edges: []*model.OperatorActionEdge{}}
	if len(list) > n {
		list = list[:n]
	}
	for i := range list {
		cur := encodeCursor(tenantCursor{At: list[i].At, ID: list[i].ID})
		conn.Edges = append(conn.Edges, &model.OperatorActionEdge{Cursor: cur, Node: &list[i]})
		conn.PageInfo.EndCursor = &cur
	}
	return conn
}

// exportPath is where the API serves an export to operators (api/operatorexport.go).
const exportPath = "/operator/exports/"

func (r *Resolver) exportURL(e *operators.Export) string {
	return r.BaseURL + exportPath + e.Tenant.String() + "/" + url.PathEscape(e.Name)
}
