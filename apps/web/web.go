// Package web is the white-label web app: TypeScript sources, CSS, the
// index.html, manifest and service worker templates embedded under
// template/, bundled with esbuild's Go API (minified, for Chromium 68 and
// up, so the TV layout runs on Tizen 5 and webOS 5). hls.js is a separate
// prebuilt file (template/vendor, refreshed by deploy/vendor-hls.sh) that the
// player loads on demand.
//
// It serves two uses: api hosts the app per tenant (Compile once per
// process, then Index, Manifest, ServiceWorker and Icons per tenant), and
// Packager/Bundle make the static site with the configuration baked in (a
// zip to self-host; the TV layout for the Tizen and webOS packagers). It is
// not an HTTP handler (api is) and holds no tenant data.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"io"
	"io/fs"
	"math"
	"path"
	"strings"
	"sync"
	ttemplate "text/template"
	"unicode/utf8"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/errs"
)

//go:embed all:template
var files embed.FS

// Compiled is the app's code for one layout: the bundled JavaScript and CSS
// under content-hashed names (cache them forever), and hls.js.
type Compiled struct {
	Layout apps.WebLayout
	// JSName and CSSName are paths relative to the app's root, e.g.
	// "_app/app.3f2a9c1d0b.js".
	JSName, CSSName string
	JS, CSS         []byte
	HlsName         string
	Hls             []byte
	// Version changes whenever any of the above does (the service worker's cache name).
	Version string
}

var (
	compileMu sync.Mutex
	compiled  = map[apps.WebLayout]*Compiled{}
)

// Compile bundles the app for layout, once per process.
func Compile(layout apps.WebLayout) (*Compiled, error) {
	if layout != apps.LayoutBrowser && layout != apps.LayoutTV {
		return nil, errs.Invalid("unknown web layout %q", layout)
	}
	compileMu.Lock()
	defer compileMu.Unlock()
	if c, ok := compiled[layout]; ok {
		return c, nil
	}
	c, err := compile(layout)
	if err != nil {
		return nil, err
	}
	compiled[layout] = c
	return c, nil
}

// embedPlugin resolves and loads every import from the embedded template,
// so the build never touches the disk.
var embedPlugin = api.Plugin{Name: "embed", Setup: func(b api.PluginBuild) {
	b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
		p := strings.TrimPrefix(a.Path, "./")
		if a.Kind != api.ResolveEntryPoint {
			p = path.Join(path.Dir(a.Importer), a.Path)
		}
		for _, cand := range []string{p, p + ".ts", p + "/index.ts"} {
			if st, err := fs.Stat(files, cand); err == nil && !st.IsDir() {
				return api.OnResolveResult{Path: cand, Namespace: "embed"}, nil
			}
		}
		return api.OnResolveResult{}, fmt.Errorf("cannot resolve %q from %s", a.Path, a.Importer)
	})
	b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "embed"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
		data, err := fs.ReadFile(files, a.Path)
		if err != nil {
			return api.OnLoadResult{}, err
		}
		s := string(data)
		loader := api.LoaderTS
		if strings.HasSuffix(a.Path, ".css") {
			loader = api.LoaderCSS
		}
		return api.OnLoadResult{Contents: &s, Loader: loader, ResolveDir: path.Dir(a.Path)}, nil
	})
}}

// engines is the oldest browsers the app runs on: Chromium 68/69 (webOS 5,
// Tizen 5), Safari 12, Firefox 68.
var engines = []api.Engine{{Name: api.EngineChrome, Version: "68"}, {Name: api.EngineSafari, Version: "12"}, {Name: api.EngineFirefox, Version: "68"}}

func build(entry string, layout apps.WebLayout) ([]byte, error) {
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{entry},
		Bundle:            true,
		Write:             false,
		Outdir:            "out",
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Engines:           engines,
		Format:            api.FormatIIFE,
		Define:            map[string]string{"__LAYOUT__": `"` + string(layout) + `"`},
		Plugins:           []api.Plugin{embedPlugin},
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return nil, fmt.Errorf("web: esbuild %s: %s", entry, strings.Join(msgs, "\n"))
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("web: esbuild %s made %d files, want 1", entry, len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
}

func hashName(prefix, ext string, data []byte) string {
	sum := sha256.Sum256(data)
	return "_app/" + prefix + "." + hex.EncodeToString(sum[:5]) + ext
}

func compile(layout apps.WebLayout) (*Compiled, error) {
	js, err := build("template/src/main.ts", layout)
	if err != nil {
		return nil, err
	}
	cssEntry := "template/src/app.css"
	if layout == apps.LayoutTV {
		cssEntry = "template/src/tv.entry.css"
	}
	css, err := build(cssEntry, layout)
	if err != nil {
		return nil, err
	}
	hls, err := fs.ReadFile(files, "template/vendor/hls.min.js")
	if err != nil {
		return nil, fmt.Errorf("web: hls.js: %w", err)
	}
	hlsVersion, _ := fs.ReadFile(files, "template/vendor/hls.js.VERSION")
	c := &Compiled{Layout: layout, JS: js, CSS: css, Hls: hls,
		JSName: hashName("app", ".js", js), CSSName: hashName("app", ".css", css),
		HlsName: "_app/hls-" + strings.TrimSpace(string(hlsVersion)) + ".min.js"}
	sum := sha256.Sum256([]byte(c.JSName + c.CSSName + c.HlsName))
	c.Version = hex.EncodeToString(sum[:6])
	return c, nil
}

// Config is what the app reads at start (index.html's script#marquee-config).
type Config struct {
	Name      string `json:"name"`
	ShortName string `json:"shortName"`
	Slug      string `json:"slug"`
	// Base is the routes' path prefix: "" at a host's root, "/t/{slug}" by path.
	Base string `json:"base"`
	// GraphQL is the API's address; AppKey its X-Marquee-App-Key (empty when
	// the host or path names the tenant).
	GraphQL string `json:"graphql"`
	AppKey  string `json:"appKey"`
	// Logo is the logo's URL, empty for none.
	Logo     string   `json:"logo"`
	Hls      string   `json:"hls"`
	Features Features `json:"features"`
	// Production loads Google's Cast sender at run time (with Features.Cast).
	Production bool `json:"production"`
}

// Features are apps.Features as the app reads them.
type Features struct {
	Billing  bool `json:"billing"`
	Shorts   bool `json:"shorts"`
	Creators bool `json:"creators"`
	Cast     bool `json:"cast"`
}

// FeaturesOf converts apps.Features.
func FeaturesOf(f apps.Features) Features {
	return Features{Billing: f.Billing, Shorts: f.Shorts, Creators: f.Creators, Cast: f.Cast}
}

// Site is one tenant's app: its configuration and palette, and Assets, the
// prefix of the static files' URLs ("/t/acme", "" or "." for relative).
type Site struct {
	Config  Config
	Palette apps.Palette
	Assets  string
}

type pageData struct {
	Name, Base, JS, CSS, Scheme string
	Palette                     map[string]string
	Config                      Config
}

var indexTmpl = template.Must(template.New("index.html").Delims("[[", "]]").ParseFS(files, "template/index.html"))

// Index renders index.html for a site.
func Index(c *Compiled, s Site) ([]byte, error) {
	p := s.Palette
	scheme := "dark"
	if luminance(p.Background) > 0.5 {
		scheme = "light"
	}
	d := pageData{Name: s.Config.Name, Base: s.Assets, JS: c.JSName, CSS: c.CSSName, Scheme: scheme, Config: s.Config,
		Palette: map[string]string{"Primary": apps.Hex(p.Primary), "OnPrimary": apps.Hex(p.OnPrimary), "Accent": apps.Hex(p.Accent),
			"Background": apps.Hex(p.Background), "Surface": apps.Hex(p.Surface), "Text": apps.Hex(p.Text), "Muted": apps.Hex(p.Muted)}}
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("web.Index: %w", err)
	}
	return buf.Bytes(), nil
}

var swTmpl = ttemplate.Must(ttemplate.New("sw.js").Delims("[[", "]]").ParseFS(files, "template/sw.js"))

// ServiceWorker renders sw.js for an app whose files are under base (a
// path: "/t/acme" or ""): it caches the shell (index, code, CSS, hls.js, icons).
func ServiceWorker(c *Compiled, base string) ([]byte, error) {
	shell := []string{base + "/", base + "/" + c.JSName, base + "/" + c.CSSName, base + "/" + c.HlsName,
		base + "/manifest.webmanifest", base + "/icons/icon-192.png"}
	list, err := json.Marshal(shell)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := swTmpl.Execute(&buf, map[string]string{"Version": c.Version, "ShellJSON": string(list)}); err != nil {
		return nil, fmt.Errorf("web.ServiceWorker: %w", err)
	}
	return buf.Bytes(), nil
}

// Manifest is the PWA's manifest.webmanifest; scope and start_url are base + "/".
func Manifest(s Site, base string) ([]byte, error) {
	icon := func(src, size, purpose string) map[string]string {
		return map[string]string{"src": s.Assets + "/" + src, "sizes": size, "type": "image/png", "purpose": purpose}
	}
	m := map[string]any{
		"name": s.Config.Name, "short_name": s.Config.ShortName, "id": base + "/",
		"start_url": base + "/", "scope": base + "/", "display": "standalone",
		"background_color": apps.Hex(s.Palette.Background), "theme_color": apps.Hex(s.Palette.Primary),
		"icons": []map[string]string{icon("icons/icon-192.png", "192x192", "any"), icon("icons/icon-512.png", "512x512", "any"),
			icon("icons/maskable-512.png", "512x512", "maskable")},
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("web.Manifest: %w", err)
	}
	return b, nil
}

// IconSizes are the icons Icons makes, by path: square sizes.
var IconSizes = map[string]int{
	"icons/icon-192.png":         192,
	"icons/icon-512.png":         512,
	"icons/maskable-512.png":     512,
	"icons/apple-touch-icon.png": 180,
	"icons/favicon-32.png":       32,
}

// Icons makes the PWA's icons from logo (nil: a plain tile of the primary
// colour): transparent "any" icons, an opaque maskable one with the logo in
// the safe zone (the inner 80%), an opaque apple-touch-icon, a favicon.
func Icons(logo image.Image, p apps.Palette) (apps.Tree, error) {
	bg := p.Background
	bg.A = 255
	if logo == nil {
		tile := image.NewNRGBA(image.Rect(0, 0, 1, 1))
		tile.Set(0, 0, p.Primary)
		logo = tile
	}
	out := apps.Tree{}
	for name, size := range IconSizes {
		var img image.Image
		switch name {
		case "icons/maskable-512.png":
			img = appimage.Fit(logo, size, size, bg, 0.2)
		case "icons/apple-touch-icon.png":
			img = appimage.Opaque(appimage.Fit(logo, size, size, bg, 0.1), bg)
		default:
			img = appimage.Fit(logo, size, size, color.RGBA{}, 0.04)
		}
		b, err := appimage.PNG(img)
		if err != nil {
			return nil, fmt.Errorf("web.Icons %s: %w", name, err)
		}
		out[name] = b
	}
	return out, nil
}

// ShortName fits name under a home-screen icon (12 characters).
func ShortName(name string) string {
	if utf8.RuneCountInString(name) <= 12 {
		return name
	}
	return strings.TrimSpace(string([]rune(name)[:12]))
}

// Bundle makes the static site for a Spec: index.html with the configuration
// baked in (GraphQL at Spec.BaseURL with the app key), the code, CSS,
// hls.js, manifest, service worker and icons, with relative asset paths so
// it runs from any folder (the TV packagers load it from files).
func (p *Packager) Bundle(ctx context.Context, s apps.Spec, layout apps.WebLayout) (apps.Tree, error) {
	if err := validate(s); err != nil {
		return nil, err
	}
	c, err := Compile(layout)
	if err != nil {
		return nil, err
	}
	site := Site{Assets: ".", Palette: s.Palette, Config: Config{Name: s.Name, ShortName: s.ShortName, Slug: s.Slug,
		GraphQL: strings.TrimSuffix(s.BaseURL, "/") + "/graphql", AppKey: s.AppKey, Logo: "./icons/icon-192.png", Hls: "./" + c.HlsName,
		Features: FeaturesOf(s.Features), Production: true}}
	if layout == apps.LayoutTV {
		site.Config.Features.Cast = false // a TV is the receiver, not a sender
	}
	if site.Config.ShortName == "" {
		site.Config.ShortName = ShortName(s.Name)
	}
	t := apps.Tree{c.JSName: c.JS, c.CSSName: c.CSS, c.HlsName: c.Hls}
	if lic, err := fs.ReadFile(files, "template/vendor/hls.js.LICENSE"); err == nil {
		t["_app/hls.js.LICENSE"] = lic
	}
	if t["index.html"], err = Index(c, site); err != nil {
		return nil, err
	}
	if t["manifest.webmanifest"], err = Manifest(site, ""); err != nil {
		return nil, err
	}
	if t["sw.js"], err = ServiceWorker(c, ""); err != nil {
		return nil, err
	}
	icons, err := Icons(s.Logo, s.Palette)
	if err != nil {
		return nil, err
	}
	t.Merge("", icons)
	return t, ctx.Err()
}

func validate(s apps.Spec) error {
	var bad []string
	if strings.TrimSpace(s.Name) == "" {
		bad = append(bad, "a name")
	}
	if !strings.HasPrefix(s.BaseURL, "https://") && !strings.HasPrefix(s.BaseURL, "http://") {
		bad = append(bad, "an http(s) BaseURL")
	}
	if s.AppKey == "" {
		bad = append(bad, "an app key")
	}
	if len(bad) > 0 {
		return errs.Invalid("the web app needs %s", strings.Join(bad, ", "))
	}
	return nil
}

// Packager builds the self-hosted web app (Platform Web): a zip of Bundle's
// browser layout.
type Packager struct{}

var (
	_ apps.Packager   = (*Packager)(nil)
	_ apps.WebBundler = (*Packager)(nil)
)

// Platform is apps.Web.
func (p *Packager) Platform() apps.Platform { return apps.Web }

// Package bundles the browser layout and zips it.
func (p *Packager) Package(ctx context.Context, s apps.Spec, log io.Writer) (apps.Artifact, error) {
	fmt.Fprintf(log, "bundling the web app (browser layout) for %s\n", s.Slug)
	t, err := p.Bundle(ctx, s, apps.LayoutBrowser)
	if err != nil {
		return apps.Artifact{}, err
	}
	c, _ := Compile(apps.LayoutBrowser)
	fmt.Fprintf(log, "bundle: %s %d bytes, %s %d bytes, %d files\n", c.JSName, len(c.JS), c.CSSName, len(c.CSS), len(t))
	data, err := t.Zip()
	if err != nil {
		return apps.Artifact{}, err
	}
	fmt.Fprintf(log, "zipped: %d bytes\n", len(data))
	return apps.Artifact{FileName: fmt.Sprintf("%s-web-%s-%d.zip", s.Slug, s.Version, s.Version.Build),
		ContentType: "application/zip", Data: data, Files: t}, nil
}

// PaletteFrom is the hosted app's palette from a tenant's branding colours:
// the same contrast-checked palette the app builds use (apps.MakePalette),
// or its defaults when a colour is malformed (branding validates colours,
// so that only happens to rows written before it did).
func PaletteFrom(primary, accent, background string) apps.Palette {
	p, _, err := apps.MakePalette(primary, accent, background)
	if err != nil {
		p, _, _ = apps.MakePalette("", "", "")
	}
	return p
}

func luminance(c color.RGBA) float64 {
	ch := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c.R) + 0.7152*ch(c.G) + 0.0722*ch(c.B)
}

func contrast(a, b color.RGBA) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
