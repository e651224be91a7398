package api

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	_ "image/jpeg" // logos are PNG or JPEG
	_ "image/png"
	"net/http"
	"strings"
	"sync"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/web"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// WebApp hosts tenants' web apps (apps/web) at /t/{slug}/ and at the root
// of a tenant's host ({slug}.{base} or a verified custom domain). The code
// is bundled once per process and served under content-hashed names; each
// request for the page gets the tenant's name, palette and addresses baked
// into index.html; the manifest and icons are made per tenant, the icons
// cached by logo version and colours.
type WebApp struct {
	// Cast turns on Chromecast and AirPlay buttons (the Cast sender loads
	// from Google only when the server runs in production).
	Cast bool

	mu    sync.Mutex
	icons map[string]apps.Tree
	gz    map[string][]byte // the code's gzipped copies, by name
}

// webAppTenantHost wraps the router: on a tenant's host, a GET that no
// route claims (or the root) is the web app; elsewhere nothing changes, so
// the platform's own host keeps redirecting / to the console.
func (s *Server) webAppTenantHost(mux *http.ServeMux) http.Handler {
	if s.WebApp == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && (s.hostSlug(r.Host) != "" || s.customHost(r.Host)) {
			if _, pattern := mux.Handler(r); pattern == "" || pattern == "GET /{$}" {
				if s.serveWebApp(w, r, "") {
					return
				}
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// webAppByPath serves /t/{slug}/….
func (s *Server) webAppByPath(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, errs.Invalid("the web app answers GET"), http.StatusMethodNotAllowed)
		return
	}
	if !s.serveWebApp(w, r, "/t/"+r.PathValue("slug")) {
		writeError(w, errs.NotFound("no such app"), http.StatusNotFound)
	}
}

// serveWebApp answers one of the app's files for the tenant the host or
// path names, the app living under base. It reports false, having written
// nothing, when no tenant answers to the host.
func (s *Server) serveWebApp(w http.ResponseWriter, r *http.Request, base string) bool {
	ctx := r.Context()
	p, found, err := s.storefront(ctx, r)
	if err == nil && !found {
		return false
	}
	if err != nil {
		writeError(w, err, statusOf(err))
		return true
	}
	// ?layout=tv serves the 10-foot TV layout (what the Tizen and webOS
	// packages hold) to try it in a browser with the keyboard.
	layout := apps.LayoutBrowser
	if r.URL.Query().Get("layout") == string(apps.LayoutTV) {
		layout = apps.LayoutTV
	}
	c, err := web.Compile(layout)
	if err != nil {
		s.Log.Error("web app bundle", "err", err)
		writeError(w, errs.Internal(err), http.StatusInternalServerError)
		return true
	}
	rest := strings.TrimPrefix(r.URL.Path, base)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	for _, l := range []apps.WebLayout{apps.LayoutBrowser, apps.LayoutTV} {
		lc, err := web.Compile(l)
		if err != nil {
			continue
		}
		switch rest {
		case "/" + lc.JSName:
			s.immutable(w, r, lc.JSName, "text/javascript; charset=utf-8", lc.JS)
			return true
		case "/" + lc.CSSName:
			s.immutable(w, r, lc.CSSName, "text/css; charset=utf-8", lc.CSS)
			return true
		case "/" + lc.HlsName:
			s.immutable(w, r, lc.HlsName, "text/javascript; charset=utf-8", lc.Hls)
			return true
		}
	}
	if strings.HasPrefix(rest, "/_app/") {
		writeError(w, errs.NotFound("no such file (the app was updated: reload)"), http.StatusNotFound)
		return true
	}
	t, err := s.Tenants.Get(ctx, p.Tenant)
	if err != nil {
		writeError(w, err, statusOf(err))
		return true
	}
	site := s.webSite(t, c, base)
	var body []byte
	ctype := "text/html; charset=utf-8"
	switch {
	case rest == "/sw.js":
		body, err = web.ServiceWorker(c, base)
		ctype = "text/javascript; charset=utf-8"
	case rest == "/manifest.webmanifest":
		body, err = web.Manifest(site, base)
		ctype = "application/manifest+json"
	case strings.HasPrefix(rest, "/icons/"):
		var icons apps.Tree
		if icons, err = s.webIcons(r, t, site.Palette); err == nil {
			if body = icons[strings.TrimPrefix(rest, "/")]; body == nil {
				err = errs.NotFound("no such icon")
			}
		}
		ctype = "image/png"
		w.Header().Set("Cache-Control", "public, max-age=300")
	default: // every route of the single-page app
		body, err = web.Index(c, site)
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' https://www.gstatic.com; style-src 'self' 'unsafe-inline'; "+
			"img-src 'self' data: blob: https:; media-src 'self' blob: data: https:; connect-src 'self' https:; worker-src 'self' blob:; frame-ancestors 'none'")
	}
	if err != nil {
		writeError(w, err, statusOf(err))
		return true
	}
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write(body)
	return true
}

// immutable answers a content-hashed file, gzipped (compressed once) when
// the client takes it.
func (s *Server) immutable(w http.ResponseWriter, r *http.Request, name, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		s.WebApp.mu.Lock()
		z, ok := s.WebApp.gz[name]
		if !ok {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			if s.WebApp.gz == nil {
				s.WebApp.gz = map[string][]byte{}
			}
			z = buf.Bytes()
			s.WebApp.gz[name] = z
		}
		s.WebApp.mu.Unlock()
		w.Header().Set("Content-Encoding", "gzip")
		body = z
	}
	_, _ = w.Write(body)
}

// webSite is a tenant's app configuration: its name and contrast-checked
// palette from the branding, the API on the same host or path.
func (s *Server) webSite(t tenants.Tenant, c *web.Compiled, base string) web.Site {
	b := t.Branding
	name := b.AppName
	if name == "" {
		name = t.Name
	}
	logo := ""
	if b.LogoKey != "" {
		logo = fmt.Sprintf("/branding/%s/logo?v=%d", t.ID, b.LogoVersion)
	}
	return web.Site{Assets: base, Palette: web.PaletteFrom(b.PrimaryColor, b.AccentColor, b.BackgroundColor),
		Config: web.Config{Name: name, ShortName: web.ShortName(name), Slug: t.Slug, Base: base, GraphQL: base + "/graphql",
			Logo: logo, Hls: base + "/" + c.HlsName, Production: s.Production,
			Features: web.Features{Billing: true, Shorts: true, Creators: true, Cast: s.WebApp.Cast}}}
}

// webIcons makes (once per logo version and palette) a tenant's PWA icons.
func (s *Server) webIcons(r *http.Request, t tenants.Tenant, p apps.Palette) (apps.Tree, error) {
	key := fmt.Sprintf("%s|%d|%s|%s", t.ID, t.Branding.LogoVersion, apps.Hex(p.Primary), apps.Hex(p.Background))
	s.WebApp.mu.Lock()
	icons, ok := s.WebApp.icons[key]
	s.WebApp.mu.Unlock()
	if ok {
		return icons, nil
	}
	var logo image.Image
	if t.Branding.LogoKey != "" {
		data, _, err := s.Tenants.Logo(r.Context(), t.ID)
		if err != nil {
			return nil, err
		}
		if logo, _, err = image.Decode(bytes.NewReader(data)); err != nil {
			return nil, errs.Internal(fmt.Errorf("web app icons: the logo does not decode: %w", err))
		}
	}
	icons, err := web.Icons(logo, p)
	if err != nil {
		return nil, err
	}
	s.WebApp.mu.Lock()
	if s.WebApp.icons == nil || len(s.WebApp.icons) > 1000 {
		s.WebApp.icons = map[string]apps.Tree{}
	}
	s.WebApp.icons[key] = icons
	s.WebApp.mu.Unlock()
	return icons, nil
}
