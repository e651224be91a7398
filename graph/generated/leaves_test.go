package generated

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/tenants"
)

// Plain leaves are marshalled without gqlgen's field machinery (see
// graph/gqlgen/leaves.go). A value gqlgen would refuse must still be refused
// the same way: the object nulled and an error naming the field's own path.
func TestPlainLeaves(t *testing.T) {
	doc, errs := gqlparser.LoadQueryWithRules(parsedSchema, `{ team { edges { node { id email role createdAt } } } }`, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	node := doc.Operations[0].SelectionSet // team → edges → node
	for i := 0; i < 3; i++ {
		node = graphql.CollectFields(&graphql.OperationContext{Doc: doc}, node, nil)[0].Selections
	}
	marshal := func(s *tenants.Staff) (string, []string) {
		oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{},
			ResolverMiddleware: func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) }}
		ctx := graphql.WithOperationContext(context.Background(), oc)
		ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "StaffEdge", Field: graphql.CollectedField{Field: doc.Operations[0].SelectionSet[0].(*ast.Field)}})
		ec := newExecutionContext(oc, &executableSchema{}, nil)
		var buf bytes.Buffer
		ec._Staff(ctx, node, s).MarshalGQL(&buf)
		var paths []string
		for _, e := range graphql.GetErrors(ctx) {
			paths = append(paths, e.Path.String()+": "+e.Message)
		}
		return buf.String(), paths
	}
	id := uuid.MustParse("0b7d4b32-4a7a-4d2b-9f6c-7d8e0b1c2a3f")
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	out, errList := marshal(&tenants.Staff{ID: id, Email: "a\"b@example.com", Role: authz.RoleEditor, CreatedAt: at})
	if want := `{"id":"` + id.String() + `","email":"a\"b@example.com","role":"EDITOR","createdAt":"2026-11-28T09:00:00Z"}`; out != want || errList != nil {
		t.Fatalf("a plain staff member:\n got %s %v\nwant %s", out, errList, want)
	}
	for field, s := range map[string]*tenants.Staff{
		"id":        {Email: "a@example.com", Role: authz.RoleEditor, CreatedAt: at},
		"createdAt": {ID: id, Email: "a@example.com", Role: authz.RoleEditor},
	} {
		out, errList := marshal(s)
		if want := "team." + field + ": cannot return null for non-null field Staff." + field; out != "null" || len(errList) != 1 || !strings.HasPrefix(errList[0], want) {
			t.Errorf("a zero %s: got %s %q, want null and one error on team.%s", field, out, errList, field)
		}
	}
}

// plainObject writes fields in order, once per alias.
func TestPlainObject(t *testing.T) {
	f := func(alias string) graphql.CollectedField { return graphql.CollectedField{Field: &ast.Field{Alias: alias}} }
	var buf bytes.Buffer
	plainObject{
		fields: []graphql.CollectedField{f("a"), f("b"), f("a")},
		values: []graphql.Marshaler{graphql.MarshalInt(1), graphql.MarshalString("x"), graphql.MarshalInt(3)},
	}.MarshalGQL(&buf)
	if buf.String() != `{"a":1,"b":"x"}` {
		t.Fatalf("got %s", buf.String())
	}
	buf.Reset()
	plainObject{}.MarshalGQL(&buf)
	if buf.String() != `{}` {
		t.Fatalf("no fields: %s", buf.String())
	}
}
