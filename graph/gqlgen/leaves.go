package main

import (
	"fmt"
	"go/types"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/codegen"
	"github.com/vektah/gqlparser/v2/ast"
	goimports "golang.org/x/tools/imports"
)

// The second rewrite: plain leaves.
//
// gqlgen resolves every field through graphql.ResolveField: a field context
// and a context value for it, closures for the resolver and the middleware
// chain, the value boxed in an interface and asserted back, a deferred
// recover. For a scalar or enum read straight from a struct field (no
// resolver, no arguments, no directive) none of that does anything: reading
// the field cannot fail or panic, and no field middleware is installed
// (graph.NewHandler adds none). On list pages those leaves are most of the
// fields, and the machinery around them was most of the server's CPU after the
// query itself (`BenchmarkSpineTeamQuery`).
//
// So each such field's function first marshals the value directly and returns
// it when it is not null; only a null (a nil pointer, a zero time or uuid)
// takes gqlgen's own path, unchanged, so that its error carries the field's
// path exactly as before. For a required value the direct marshal is the
// marshal function's own expression without its error report (the "raw"
// functions written to leaves.go); an optional one's marshal function reports
// nothing and is called as it is. Like the list rewrite, this one is checked:
// each field function must have exactly the shape it expects, or generation
// fails. A leaf whose marshal function has another shape (Float: NaN is an
// error reported through the context) keeps gqlgen's path.

// leaf is a plain leaf field: object and field names as in the schema, the Go
// struct field read. An object-typed field read from a struct field is plain
// too (isObject): its value is marshalled with its field context, as gqlgen
// would, but without the resolver and middleware closures around it.
type leaf struct {
	object, field, goField string
	isObject               bool
}

// plainLeaves lists the fields that are scalars, enums or objects (not lists)
// read from a field declared in the object's own Go struct (not promoted
// through an embedded pointer, which could be nil), with no resolver,
// argument or directive.
func plainLeaves(data *codegen.Data) []leaf {
	var out []leaf
	for _, o := range data.Objects {
		if o.Root || len(o.Directives) > 0 || o.Stream {
			continue
		}
		st := structOf(o.Type)
		if st == nil {
			continue
		}
		for _, f := range o.Fields {
			if f.IsResolver || f.IsConcurrent() || f.IsBatch() || f.GoFieldType != codegen.GoFieldVariable ||
				len(f.Args) > 0 || len(f.Directives) > 0 || f.HasHaser || f.TypeReference == nil || f.TypeReference.Definition == nil ||
				f.TypeReference.IsSlice() {
				continue
			}
			k := f.TypeReference.Definition.Kind
			if k != ast.Scalar && k != ast.Enum && k != ast.Object {
				continue
			}
			if !ownField(st, f.GoFieldName) {
				continue
			}
			out = append(out, leaf{o.Name, f.Name, f.GoFieldName, k == ast.Object})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].object+"."+out[i].field < out[j].object+"."+out[j].field })
	return out
}

func structOf(t types.Type) *types.Struct {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	st, _ := t.Underlying().(*types.Struct)
	return st
}

func ownField(st *types.Struct, name string) bool {
	for i := 0; i < st.NumFields(); i++ {
		if f := st.Field(i); f.Name() == name && !f.Embedded() {
			return true
		}
	}
	return false
}

var (
	// The body gqlgen writes for a field read from a struct (no middleware).
	fieldShape = regexp.MustCompile(`^func \(ec \*executionContext\) ([^\s(]+)\(ctx context\.Context, field graphql\.CollectedField, obj (\*?[\w.]+)\) \(ret graphql\.Marshaler\) \{
	return graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.fieldContext_[^\s(]+\(ctx, field\)
		\},
		func\(ctx context\.Context\) \(any, error\) \{
			return obj\.(\w+), nil
		\},
		nil,
		func\(ctx context\.Context, selections ast\.SelectionSet, v ([^)]+)\) graphql\.Marshaler \{
			return ec\.([^\s(]+)\(ctx, selections, v\)
		\},
		true,
		(true|false),
	\)
`)
	// A required leaf's marshal function: one expression, an error report.
	requiredShape = regexp.MustCompile(`^func \(ec \*executionContext\) ([^\s(]+)\(ctx context\.Context, sel ast\.SelectionSet, v ([^)]+)\) graphql\.Marshaler \{
	_ = sel
	res := (.+)
	if res == graphql\.Null \{
		graphql\.AddInvalidNullFromMarshaler\(ctx, "[^"]+"\)
	\}
	return res
\}`)
	// An optional leaf's marshal function: nothing reported, ctx unused.
	optionalShape = regexp.MustCompile(`^func \(ec \*executionContext\) ([^\s(]+)\(ctx context\.Context, sel ast\.SelectionSet, v ([^)]+)\) graphql\.Marshaler \{
(?:	if v == nil \{
		return graphql\.Null
	\}
)?	_ = sel
	_ = ctx
	res := (.+)
	return res
\}`)
)

// rewriteLeaves puts the direct path in front of each plain field's function
// and returns the raw marshal functions it calls, for leaves.go.
func rewriteLeaves(src string, leaves []leaf) (string, map[string]string, error) {
	raws := map[string]string{} // raw function name → its source
	skipped := 0
	for _, l := range leaves {
		name := "_" + l.object + "_" + l.field
		start, body, err := funcBody(src, name)
		if err != nil {
			return "", nil, err
		}
		m := fieldShape.FindStringSubmatch(body)
		if m == nil || m[3] != l.goField {
			return "", nil, fmt.Errorf("leaves: %s does not have the shape of a plain field", name)
		}
		marshal := m[5]
		_, mbody, err := funcBody(src, marshal)
		if err != nil && !l.isObject {
			return "", nil, err
		}
		var fast string
		switch {
		case l.isObject:
			fast = fmt.Sprintf("\tif fc, err := ec.fieldContext_%s_%s(ctx, field); err == nil { // plain object field: see graph/gqlgen/leaves.go\n"+
				"\t\tfc.Result = obj.%s\n\t\treturn ec.%s(graphql.WithFieldContext(ctx, fc), field.Selections, obj.%s)\n\t}\n",
				l.object, l.field, l.goField, marshal, l.goField)
		case requiredShape.MatchString(mbody):
			r := requiredShape.FindStringSubmatch(mbody)
			raw := "raw" + marshal
			raws[raw] = fmt.Sprintf("func %s(v %s) graphql.Marshaler {\n\treturn %s\n}\n", raw, r[2], leafValue(r[3]))
			fast = fmt.Sprintf("\tif res := %s(obj.%s); res != graphql.Null { // plain leaf: see graph/gqlgen/leaves.go\n\t\treturn res\n\t}\n", raw, l.goField)
		case optionalShape.MatchString(mbody):
			// gqlgen's path gives the same null, without an error, for a nil.
			fast = fmt.Sprintf("\treturn ec.%s(ctx, field.Selections, obj.%s) // plain leaf: see graph/gqlgen/leaves.go\n", marshal, l.goField)
		default: // e.g. Float: NaN is an error reported through the context
			skipped++
			continue
		}
		head := body[:strings.Index(body, "\n")+1]
		if !strings.HasPrefix(fast, "\tif") { // the whole body
			src = src[:start] + head + fast + "}\n" + src[start+len(body):]
			continue
		}
		src = src[:start] + head + fast + body[len(head):] + src[start+len(body):]
	}
	if len(leaves)-skipped < len(leaves)/2 { // gqlgen's marshal functions changed shape
		return "", nil, fmt.Errorf("leaves: only %d of %d plain leaves have a marshal function of a known shape", len(leaves)-skipped, len(leaves))
	}
	return src, raws, nil
}

// importBlock is the import declaration of the generated executor: the raw
// functions name no package it does not import (imports.Process drops the rest).
func importBlock(src string) string {
	start := strings.Index(src, "\nimport (\n")
	end := strings.Index(src[start+1:], "\n)\n")
	return src[start+1 : start+1+end+3]
}

// funcBody finds method name of the executionContext in src: where it starts
// and its text up to its closing brace.
func funcBody(src, name string) (int, string, error) {
	head := "func (ec *executionContext) " + name + "("
	start := strings.Index(src, head)
	if start < 0 {
		return 0, "", fmt.Errorf("generated code: %s not found", name)
	}
	end := strings.Index(src[start:], "\n}\n")
	if end < 0 {
		return 0, "", fmt.Errorf("generated code: end of %s not found", name)
	}
	return start, src[start : start+end+3], nil
}

func writeRaws(path, imports string, raws map[string]string) error {
	names := make([]string, 0, len(raws))
	for n := range raws {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("// Code generated by graph/gqlgen, DO NOT EDIT.\n\n")
	b.WriteString("// The direct marshal of required plain leaves: each is its marshal function's\n// expression without the null report (see graph/gqlgen/leaves.go).\n\npackage generated\n\n")
	b.WriteString(imports)
	for _, n := range names {
		b.WriteString("\n" + raws[n])
	}
	out, err := goimports.Process(path, []byte(b.String()), nil)
	if err != nil {
		return fmt.Errorf("leaves: %s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// leafValue swaps gqlgen's string and id marshalling in a raw marshal
// expression for graph/generated/leafvalues.go's, which write the same bytes
// with less work.
func leafValue(expr string) string {
	for from, to := range map[string]string{"graphql.MarshalString(": "marshalString(", "graphql.MarshalUUID(": "marshalUUID("} {
		if strings.HasPrefix(expr, from) {
			return to + strings.TrimPrefix(expr, from)
		}
	}
	return expr
}
