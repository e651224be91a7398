package generated

import (
	"bytes"
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
// apply) and its contract: each element is marshalled with a field context
// holding its index, and a panic nulls that element and adds an error unless
// the panic handler is omitted. One field context serves every element, its
// index moved on before each: the elements are marshalled one at a time, and
// nothing below a pure element keeps its context once it is marshalled (an
// error takes its path when it is added).
func marshalSliceInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	ret := make(graphql.Array, length)
	index := 0
	childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &index})
	for i := range length {
		index = i
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

// plainObject is the field set of an object whose field values are all
// computed as its fields are walked (graph/gqlgen puts it in place of gqlgen's
// FieldSet for objects with no field resolved concurrently, so Dispatch has
// nothing to do), and writes it. gqlgen's FieldSet.MarshalGQL allocates a map
// per object to skip an alias written twice; CollectFields merges fields by
// alias, so there is none, and a page of 20 made 40 maps for nothing. A
// repeated alias is still skipped here, by looking back over the few fields
// before it.
type plainObject struct {
	fields   []graphql.CollectedField
	Values   []graphql.Marshaler
	Invalids uint32
	// inline holds the values of an object of a few fields (most selections
	// are), so that the object is one allocation instead of two.
	inline [6]graphql.Marshaler
}

func newPlainObject(fields []graphql.CollectedField) *plainObject {
	o := &plainObject{fields: fields}
	if len(fields) <= len(o.inline) {
		o.Values = o.inline[:len(fields)]
	} else {
		o.Values = make([]graphql.Marshaler, len(fields))
	}
	return o
}

// Dispatch is FieldSet's: there is nothing delayed to run.
func (*plainObject) Dispatch(context.Context) {}

func (o *plainObject) MarshalGQL(w io.Writer) {
	b, ok := w.(*bytes.Buffer) // the executor's; anything else gets the object whole
	if !ok {
		b = new(bytes.Buffer)
		defer func() { _, _ = w.Write(b.Bytes()) }()
	}
	b.WriteByte('{')
	written := 0
	for i := range o.fields {
		alias := o.fields[i].Alias
		if repeated(o.fields[:i], alias) {
			continue
		}
		if written > 0 {
			b.WriteByte(',')
		}
		written++
		// An alias is a GraphQL name ([_A-Za-z][_0-9A-Za-z]*): nothing to escape.
		b.WriteByte('"')
		b.WriteString(alias)
		b.WriteString(`":`)
		o.Values[i].MarshalGQL(b)
	}
	b.WriteByte('}')
}

func repeated(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}
