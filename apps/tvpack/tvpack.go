// Package tvpack packages the web app's 10-foot TV build for smart TVs: an
// LG webOS .ipk made by LG's own ares-package, and a Samsung Tizen .wgt
// (config.xml, icon) left unsigned, because Samsung's signing needs the
// tenant's Samsung certificate (see the README). Both wrap the tree an
// apps.WebBundler makes for apps.LayoutTV.
//
// It is not the TV layout itself (apps/web/template/src/tv, bundled by
// apps/web) nor a signer or an installer for TVs.
package tvpack

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/errs"
)

//go:embed all:template
var templates embed.FS

// TitleMax is the longest app name either TV packager accepts, in
// characters: the limit the apps core applies for Tizen and webOS (the
// stores' title fields); neither vendor's packager checks one, so a longer
// name reaching a packager is refused here rather than by a store later.
const TitleMax = 50

// Image is one image a TV package must carry: its path in the package and
// its size in pixels.
type Image struct {
	Path string
	W, H int
}

// funcs escape template values: json for appinfo.json, xml for an XML
// attribute value (with its quotes), xmltext for element text.
var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // a JSON file, not HTML: keep "&" and "<" readable
		err := enc.Encode(v)
		return strings.TrimSuffix(b.String(), "\n"), err
	},
	"xml": func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return `"` + strings.ReplaceAll(b.String(), `"`, "&#34;") + `"`
	},
	"xmltext": func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	},
}

// checkSpec is what both packagers refuse before any work.
func checkSpec(s apps.Spec, want apps.Platform) error {
	if s.Platform != want {
		return errs.Invalid("a %s package needs a %s spec, not %s", want, want, s.Platform)
	}
	name := strings.TrimSpace(s.Name)
	if name == "" {
		return errs.InvalidField("name", "the app needs a name")
	}
	if n := utf8.RuneCountInString(name); n > TitleMax {
		return errs.InvalidField("name", "the app name has %d characters; TV apps allow at most %d", n, TitleMax)
	}
	if s.BundleID == "" {
		return errs.InvalidField("bundleId", "the app needs an application id")
	}
	if s.Logo == nil {
		return errs.InvalidField("logo", "the app needs a logo")
	}
	v := s.Version
	if v.Major < 0 || v.Minor < 0 || v.Patch < 0 {
		return errs.InvalidField("version", "version %s has a negative number", v)
	}
	return nil
}

// bundle asks the web app for its TV build and checks it has an index.html.
func bundle(ctx context.Context, web apps.WebBundler, s apps.Spec, log io.Writer) (apps.Tree, error) {
	if web == nil {
		return nil, errs.Internal(fmt.Errorf("tvpack: no web bundler configured"))
	}
	fmt.Fprintf(log, "bundling the web app's TV layout\n")
	tree, err := web.Bundle(ctx, s, apps.LayoutTV)
	if err != nil {
		return nil, fmt.Errorf("tvpack: web bundle: %w", err)
	}
	if _, ok := tree["index.html"]; !ok {
		return nil, errs.Internal(fmt.Errorf("tvpack: the web bundle has no index.html"))
	}
	fmt.Fprintf(log, "web bundle: %d files\n", len(tree))
	return tree, nil
}

// render renders one platform's template folder and checks nothing was left.
func render(platform string, data any) (apps.Tree, error) {
	t, err := apptmpl.Render(templates, "template/"+platform, data, funcs)
	if err != nil {
		return nil, errs.Internal(fmt.Errorf("tvpack %s: %w", platform, err))
	}
	if left := apptmpl.Leftovers(t); len(left) > 0 {
		return nil, errs.Internal(fmt.Errorf("tvpack %s: placeholders left: %s", platform, strings.Join(left, ", ")))
	}
	return t, nil
}

// fileName is the artifact's download name, "acme-webos-1.4.0-12.ipk".
func fileName(s apps.Spec, platform, ext string) string {
	slug := s.Slug
	if slug == "" {
		slug = "app"
	}
	return fmt.Sprintf("%s-%s-%s-%d.%s", slug, platform, s.Version, s.Version.Build, ext)
}

// add merges the platform's files into the web bundle, refusing to replace
// one of the bundle's own files.
func add(tree, files apps.Tree) error {
	for _, p := range files.Paths() {
		if _, ok := tree[p]; ok {
			return errs.Internal(fmt.Errorf("tvpack: the web bundle already has %s", p))
		}
	}
	tree.Merge("", files)
	return nil
}
