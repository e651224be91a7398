package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// shapeLimit refuses operations nested too deep or with too many aliases
// before any resolver runs. gqlgen's complexity limit bounds total work;
// depth and aliases are bounded separately because a deep or alias-heavy query
// can be cheap by that count yet expensive to validate, or a brute-force tool.
type shapeLimit struct {
	maxDepth   int
	maxAliases int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = shapeLimit{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (l shapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := walker{frags: oc.Doc.Fragments, seen: map[string]bool{}}
	depth := w.depth(oc.Operation.SelectionSet, 1)
	if l.maxDepth > 0 && depth > l.maxDepth {
		return limitError("the query is nested %d levels deep; the limit is %d", depth, l.maxDepth)
	}
	if l.maxAliases > 0 && w.aliases > l.maxAliases {
		return limitError("the query has %d aliases; the limit is %d", w.aliases, l.maxAliases)
	}
	return nil
}

func limitError(format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": "QUERY_TOO_COMPLEX"}
	return e
}

type walker struct {
	frags   ast.FragmentDefinitionList
	seen    map[string]bool // fragments on the current path, against cycles
	aliases int
}

func (w *walker) depth(set ast.SelectionSet, d int) int {
	max := d - 1
	for _, s := range set {
		var sub int
		switch s := s.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			sub = d
			if len(s.SelectionSet) > 0 {
				sub = w.depth(s.SelectionSet, d+1)
			}
		case *ast.InlineFragment:
			sub = w.depth(s.SelectionSet, d)
		case *ast.FragmentSpread:
			if w.seen[s.Name] {
				continue
			}
			f := w.frags.ForName(s.Name)
			if f == nil {
				continue
			}
			w.seen[s.Name] = true
			sub = w.depth(f.SelectionSet, d)
			delete(w.seen, s.Name)
		}
		if sub > max {
			max = sub
		}
	}
	return max
}
