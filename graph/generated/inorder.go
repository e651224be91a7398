package generated

import (
	"context"

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
