package generated

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/graph/model"
	"github.com/marquee-ott/marquee/tenants"
)

// Plain fields are marshalled without gqlgen's field machinery (see
// graph/gqlgen/leaves.go). A value gqlgen would refuse must still be refused
// the same way: the object nulled and an error naming the field's own path.
func TestPlainFields(t *testing.T) {
	doc, errs := gqlparser.LoadQueryWithRules(parsedSchema, `{ team { edges { node { id email role createdAt } } } }`, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	oc := &graphql.OperationContext{Doc: doc}
	edge := doc.Operations[0].SelectionSet // team → edges → (edge) → node
	for i := 0; i < 2; i++ {
		edge = graphql.CollectFields(oc, edge, nil)[0].Selections
	}
	node := graphql.CollectFields(oc, edge, nil)[0].Selections
	staff := func(s *tenants.Staff) (string, []string) {
		return marshalWith(doc, func(ctx context.Context, ec *executionContext) graphql.Marshaler { return ec._Staff(ctx, node, s) })
	}
	id := uuid.MustParse("0b7d4b32-4a7a-4d2b-9f6c-7d8e0b1c2a3f")
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	out, errList := staff(&tenants.Staff{ID: id, Email: "a\"b@example.com", Role: authz.RoleEditor, CreatedAt: at})
	if want := `{"id":"` + id.String() + `","email":"a\"b@example.com","role":"EDITOR","createdAt":"2026-11-28T09:00:00Z"}`; out != want || errList != nil {
		t.Fatalf("a plain staff member:\n got %s %v\nwant %s", out, errList, want)
	}
	// In a list, the element's index is in the path of its error though the
	// elements share one field context (marshalSliceInOrder).
	good := &tenants.Staff{ID: id, Email: "a@example.com", Role: authz.RoleEditor, CreatedAt: at}
	out, errList = marshalWith(doc, func(ctx context.Context, ec *executionContext) graphql.Marshaler {
		return ec.marshalNStaffEdge2ᚕᚖgithubᚗcomᚋmarqueeᚑottᚋmarqueeᚋgraphᚋmodelᚐStaffEdgeᚄ(ctx, edge, []*model.StaffEdge{{Node: good}, {Node: good}, {Cursor: "c"}, {Node: good}})
	})
	if out != "null" || len(errList) != 1 || !strings.HasPrefix(errList[0], "team[2].node: ") {
		t.Errorf("a list with an edge without its node: got %s %q, want null and one error on team[2].node", out, errList)
	}
	for field, s := range map[string]*tenants.Staff{
		"id":        {Email: "a@example.com", Role: authz.RoleEditor, CreatedAt: at},
		"createdAt": {ID: id, Email: "a@example.com", Role: authz.RoleEditor},
	} {
		out, errList := staff(s)
		if want := "team." + field + ": cannot return null for non-null field Staff." + field; out != "null" || len(errList) != 1 || !strings.HasPrefix(errList[0], want) {
			t.Errorf("a zero %s: got %s %q, want null and one error on team.%s", field, out, errList, field)
		}
	}
	// A plain object field keeps its own path too: a missing node nulls the
	// edge, with the error on team.node.
	out, errList = marshalWith(doc, func(ctx context.Context, ec *executionContext) graphql.Marshaler {
		return ec._StaffEdge(ctx, edge, &model.StaffEdge{Cursor: "c"})
	})
	if out != "null" || len(errList) != 1 || !strings.HasPrefix(errList[0], "team.node: ") {
		t.Errorf("an edge without its node: got %s %q, want null and one error on team.node", out, errList)
	}
}

// marshalWith runs marshal as a child of the query's first field and returns
// what it writes and the errors it adds, each as "path: message".
func marshalWith(doc *ast.QueryDocument, marshal func(context.Context, *executionContext) graphql.Marshaler) (string, []string) {
	oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{},
		ResolverMiddleware: func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) }}
	ctx := graphql.WithOperationContext(context.Background(), oc)
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Field: graphql.CollectedField{Field: doc.Operations[0].SelectionSet[0].(*ast.Field)}})
	ec := newExecutionContext(oc, &executableSchema{}, nil)
	var buf bytes.Buffer
	marshal(ctx, ec).MarshalGQL(&buf)
	var paths []string
	for _, e := range graphql.GetErrors(ctx) {
		paths = append(paths, e.Path.String()+": "+e.Message)
	}
	return buf.String(), paths
}

// plainObject writes fields in order, once per alias.
func TestPlainObject(t *testing.T) {
	f := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias}}
	}
	var buf bytes.Buffer
	o := newPlainObject([]graphql.CollectedField{f("a"), f("b"), f("a")})
	o.Values[0], o.Values[1], o.Values[2] = graphql.MarshalInt(1), graphql.MarshalString("x"), graphql.MarshalInt(3)
	o.MarshalGQL(&buf)
	if buf.String() != `{"a":1,"b":"x"}` {
		t.Fatalf("got %s", buf.String())
	}
	var other bytes.Buffer // a writer that is not the executor's buffer
	o.MarshalGQL(struct{ io.Writer }{&other})
	if other.String() != buf.String() {
		t.Fatalf("through another writer: %s", other.String())
	}
	buf.Reset()
	newPlainObject(nil).MarshalGQL(&buf)
	if buf.String() != `{}` {
		t.Fatalf("no fields: %s", buf.String())
	}
}

// An object of more fields than plainObject holds inline is written whole.
func TestPlainObjectOfManyFields(t *testing.T) {
	var fields []graphql.CollectedField
	var want []string
	for _, a := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		fields = append(fields, graphql.CollectedField{Field: &ast.Field{Alias: a}})
		want = append(want, `"`+a+`":"`+a+`"`)
	}
	o := newPlainObject(fields)
	for i, f := range fields {
		o.Values[i] = graphql.MarshalString(f.Alias)
	}
	var buf bytes.Buffer
	o.MarshalGQL(&buf)
	if buf.String() != "{"+strings.Join(want, ",")+"}" {
		t.Fatalf("got %s", buf.String())
	}
}

// The leaf values write exactly what gqlgen's marshalling writes, into the
// executor's buffer or any other writer.
func TestLeafValuesWriteAsGqlgen(t *testing.T) {
	written := func(m graphql.Marshaler, buffer bool) string {
		var b bytes.Buffer
		if buffer {
			m.MarshalGQL(&b)
		} else {
			m.MarshalGQL(struct{ io.Writer }{&b})
		}
		return b.String()
	}
	for _, s := range []string{"", "plain", "a\"b", `back\slash`, "tab\tnew\nline\r", "\x00\x1f", "héllo 日本 🎬", "bad \xff utf-8", "<b>&</b>"} {
		want := written(graphql.MarshalString(s), true)
		for _, buffer := range []bool{true, false} {
			if got := written(marshalString(s), buffer); got != want {
				t.Errorf("%q (buffer %v): %s, gqlgen %s", s, buffer, got, want)
			}
		}
	}
	for i := 0; i < 50; i++ {
		id := uuid.New()
		want := written(graphql.MarshalUUID(id), true)
		for _, buffer := range []bool{true, false} {
			if got := written(marshalUUID(id), buffer); got != want {
				t.Errorf("%s (buffer %v): %s, gqlgen %s", id, buffer, got, want)
			}
		}
	}
	if marshalUUID(uuid.Nil) != graphql.Null {
		t.Error("the zero id is not null")
	}
}
