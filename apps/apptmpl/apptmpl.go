// Package apptmpl renders a platform's embedded app template into a file
// tree: files ending in ".tmpl" are Go text/templates (the suffix is
// dropped), every other file is copied as is. Templates use the delimiters
// "[[" and "]]" so that Kotlin, Swift, BrightScript and JavaScript braces need
// no escaping; Leftovers finds any placeholder that survived. It is not for
// HTML served to browsers (html/template escapes; these are source files).
package apptmpl

import (
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"text/template"

	"github.com/marquee-ott/marquee/apps"
)

// Delims are the template delimiters.
const (
	Left  = "[["
	Right = "]]"
)

// Render walks fsys from root and renders it with data. A template that
// names a missing field or function fails the render (missingkey=error).
func Render(fsys fs.FS, root string, data any, funcs template.FuncMap) (apps.Tree, error) {
	out := apps.Tree{}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		if !strings.HasSuffix(rel, ".tmpl") {
			out[rel] = b
			return nil
		}
		t, err := template.New(rel).Delims(Left, Right).Option("missingkey=error").Funcs(funcs).Parse(string(b))
		if err != nil {
			return fmt.Errorf("parse %s: %w", rel, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return fmt.Errorf("render %s: %w", rel, err)
		}
		out[strings.TrimSuffix(rel, ".tmpl")] = buf.Bytes()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("apptmpl.Render: %w", err)
	}
	return out, nil
}

var placeholder = regexp.MustCompile(`\[\[[^\]\n]*\]\]`)

// Leftovers lists "path: placeholder" for every "[[ … ]]" still present in a
// text file of t, and every file still named *.tmpl. Images and other binary
// files are skipped.
func Leftovers(t apps.Tree) []string {
	var found []string
	for _, p := range t.Paths() {
		if strings.HasSuffix(p, ".tmpl") {
			found = append(found, p+": unrendered template")
		}
		b := t[p]
		if bytes.IndexByte(b, 0) >= 0 {
			continue // binary
		}
		for _, m := range placeholder.FindAll(b, -1) {
			found = append(found, p+": "+string(m))
		}
	}
	return found
}
