package generated

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSliceInOrder marshals a list's elements one after another on the
// calling goroutine. graph/gqlgen puts it in place of gqlgen's
// MarshalSliceConcurrently for lists whose elements resolve nothing (no
// resolver and no method taking a context anywhere below them through plain
// fields): for those a goroutine per element only costs — its start, and its
// stack growing through gqlgen's deep field calls — and overlaps nothing.
// Lists whose elements do resolve something stay concurrent, so their
// dataloaders still see a whole list's keys in one batch.
//
// It keeps MarshalSliceConcurrently's signature (the worker limit does not
// apply) and its contract: each element gets a field context with its index,
// and a panic nulls that element and adds an error unless the panic handler is
// omitted.
func marshalSliceInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		ret[i] = marshalRecovering(childCtx, i, marshalElement)
	}
	return ret
}

func marshalRecovering(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}

// plainObject writes an object whose field values are all computed (graph/
// gqlgen puts it in place of gqlgen's FieldSet for objects with no field
// resolved concurrently). gqlgen's FieldSet.MarshalGQL allocates a map per
// object to skip an alias written twice; CollectFields merges fields by alias,
// so there is none, and a page of 20 made 40 maps for nothing. A repeated
// alias is still skipped here, by looking back over the few fields before it.
type plainObject struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

func (o plainObject) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, "{")
	written := 0
	for i := range o.fields {
		alias := o.fields[i].Alias
		if repeated(o.fields[:i], alias) {
			continue
		}
		if written > 0 {
			_, _ = io.WriteString(w, ",")
		}
		written++
		// An alias is a GraphQL name ([_A-Za-z][_0-9A-Za-z]*): nothing to escape.
		_, _ = io.WriteString(w, `"`)
		_, _ = io.WriteString(w, alias)
		_, _ = io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	_, _ = io.WriteString(w, "}")
}

func repeated(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}
