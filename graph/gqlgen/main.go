// Command gqlgen generates the GraphQL server code (`make generate`): gqlgen's
// own generation, exactly as `go tool gqlgen generate` does it, then three
// checked rewrites of its output: in-order lists (below), plain fields
// (leaves.go) and plain objects (deferred.go).
//
// The first rewrite: gqlgen marshals every list of objects with a goroutine per
// element, which lets resolvers below the elements (and the dataloaders they
// call) run side by side. A list whose elements resolve nothing gains nothing
// from that and pays for it: on the spine's benchmark (`{ team(first: 20) }`)
// the per-element goroutines and their stack growth were a third of the
// server's CPU. So for each list whose element type reaches no resolver and
// no method taking a context through its plain fields, the generated marshal
// function calls marshalSliceInOrder (graph/generated/inorder.go) instead.
// gqlgen has no setting for this (its templates are not replaceable), hence
// the rewrite; it is checked: every function it means to change must be
// found, with exactly one concurrent call in it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"
	goimports "golang.org/x/tools/imports"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return err
	}
	p := &inOrder{}
	if err := api.Generate(cfg, api.AddPlugin(p)); err != nil {
		return err
	}
	path := cfg.Exec.Filename
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	src, err := p.rewrite(string(b))
	if err != nil {
		return err
	}
	src, raws, err := rewriteLeaves(src, p.leaves)
	if err != nil {
		return err
	}
	if src, err = dropDeferred(src); err != nil {
		return err
	}
	out, err := goimports.Process(path, []byte(src), nil) // math and sync/atomic may be unused now
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return err
	}
	return writeRaws(filepath.Join(filepath.Dir(path), "leaves.go"), importBlock(src), raws)
}

// inOrder is a gqlgen plugin that only looks: it keeps the names of the list
// marshal functions and of the plain leaf fields to rewrite once gqlgen has
// written the file.
type inOrder struct {
	funcs  []string
	leaves []leaf
}

func (*inOrder) Name() string { return "marquee-inorder" }

// GenerateCode runs before gqlgen writes the executor, with the same data.
func (p *inOrder) GenerateCode(data *codegen.Data) error {
	pure := pureObjects(data)
	for _, ref := range data.ReferencedTypes {
		if !ref.IsSlice() || ref.Definition == nil {
			continue
		}
		if d := ref.Definition; d.Kind == ast.Enum || d.Kind == ast.Object && pure[d.Name] {
			p.funcs = append(p.funcs, ref.MarshalFunc())
		}
	}
	sort.Strings(p.funcs)
	p.leaves = plainLeaves(data)
	return nil
}

// pureObjects finds the object types whose marshalling does no I/O: none of
// their fields is concurrent in gqlgen's sense (a resolver, or a method taking
// a context), none is an interface or union (left to gqlgen: their concrete
// types vary), and every object type reached through a field is pure too. It
// is a fixed point so that cycles (a title's season's titles) settle.
func pureObjects(data *codegen.Data) map[string]bool {
	pure := map[string]bool{}
	for _, o := range data.Objects {
		pure[o.Name] = !o.Root
	}
	for changed := true; changed; {
		changed = false
		for _, o := range data.Objects {
			if pure[o.Name] && !fieldsPure(o, pure) {
				pure[o.Name], changed = false, true
			}
		}
	}
	return pure
}

func fieldsPure(o *codegen.Object, pure map[string]bool) bool {
	for _, f := range o.Fields {
		if f.IsConcurrent() || f.IsBatch() {
			return false
		}
		if f.TypeReference == nil || f.TypeReference.Definition == nil {
			continue // __typename and the like
		}
		switch d := f.TypeReference.Definition; d.Kind {
		case ast.Interface, ast.Union:
			return false
		case ast.Object:
			if !pure[d.Name] {
				return false
			}
		}
	}
	return true
}

const (
	concurrent = "graphql.MarshalSliceConcurrently("
	sequential = "marshalSliceInOrder("
)

// rewrite swaps the concurrent call for the in-order one in each function.
func (p *inOrder) rewrite(src string) (string, error) {
	for _, name := range p.funcs {
		start, body, err := funcBody(src, name)
		if err != nil {
			return "", err
		}
		if n := strings.Count(body, concurrent); n != 1 {
			return "", fmt.Errorf("rewrite: %s has %d concurrent list calls, want 1", name, n)
		}
		src = src[:start] + strings.Replace(body, concurrent, sequential, 1) + src[start+len(body):]
	}
	return src, nil
}
