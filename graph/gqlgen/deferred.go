package main

import (
	"fmt"
	"strings"
)

// The third rewrite: plain objects, without deferred groups.
//
// gqlgen starts every object's marshalling with graphql.NewDeferredGroup,
// which builds the object's path, a field set and a map, so that fields of a
// @defer fragment can be sent later. Only objects with resolver fields can
// defer anything: they pass the group to gqlgen's concurrent resolution. In
// the others (a list page's edges and nodes) the group is a local that is made,
// checked for emptiness and dropped, for every object of every response (a page
// of 20 made 40). dropDeferred removes those two statements from functions
// where the group is used for nothing else, keeps it where it is passed on,
// and fails when a function has another shape.
//
// A plain object (one whose fields are all computed before Dispatch, which
// has nothing to do for it) is written by plainObject (graph/generated/
// inorder.go) instead of gqlgen's FieldSet.MarshalGQL, which makes a map per
// object to skip repeated aliases that CollectFields has already merged.
const (
	objectReturn = "\n\treturn out"
	objectNew    = "\tout := graphql.NewFieldSet(fields)\n"
	plainNew     = "\tout := newPlainObject(fields)\n"
	deferredNew  = "\tdeferred := graphql.NewDeferredGroup(ctx)\n"
	deferredTail = "\n\tif n := len(deferred.Defers); n > 0 {\n\t\tatomic.AddInt32(&ec.Deferred, int32(min(n, math.MaxInt32)))\n\t\tec.ProcessDeferredGroup(deferred)\n\t}\n"
)

func dropDeferred(src string) (string, error) {
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(src, deferredNew)
		if i < 0 && n == 0 {
			return "", fmt.Errorf("deferred: no plain object found: gqlgen's output changed, revisit graph/gqlgen/deferred.go")
		}
		if i < 0 {
			b.WriteString(src)
			return b.String(), nil
		}
		start := strings.LastIndex(src[:i], "\nfunc ")
		end := i + strings.Index(src[i:], "\n}\n")
		if start < 0 || end < i {
			return "", fmt.Errorf("deferred: no function around offset %d", i)
		}
		fn := src[start:end]
		if strings.Count(fn, deferredNew) != 1 || strings.Count(fn, deferredTail) != 1 {
			return "", fmt.Errorf("deferred: %q has another shape: revisit graph/gqlgen/deferred.go", firstLine(fn))
		}
		if strings.Count(fn, "deferred") == 3 && !strings.Contains(fn, "Concurrently(") { // made and checked, nothing else
			fn = strings.Replace(strings.Replace(fn, deferredNew, "", 1), deferredTail, "", 1)
			if !strings.HasSuffix(fn, objectReturn) || strings.Count(fn, objectNew) != 1 || strings.Count(fn, "out.Values[i] = ") == 0 {
				return "", fmt.Errorf("deferred: %q does not have the shape of an object's marshalling", firstLine(fn))
			}
			fn = strings.Replace(fn, objectNew, plainNew, 1)
			n++
		} // else it is passed to ResolveConcurrently, and kept
		b.WriteString(src[:start] + fn)
		src = src[end:]
	}
}

func firstLine(s string) string {
	s = strings.TrimPrefix(s, "\n")
	if i := strings.Index(s, "\n"); i >= 0 {
		return s[:i]
	}
	return s
}
