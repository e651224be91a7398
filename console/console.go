// Package console is the tenant console: the web UI tenant staff use to sign
// up, sign in, brand their apps, run their team and keys and read their audit
// log. It is static HTML, CSS and JavaScript (ES modules, no build step)
// embedded in the binary and served under /console/; the pages talk only to
// the GraphQL API at /graphql on the same origin, with the session cookie the
// API sets at /auth/session.
//
// It is not an API: it holds no rules, checks no permissions and reads no
// data itself. What the signed-in role may do is decided by the server; the
// console only hides or disables what the role cannot use and shows the
// server's errors. It is not the tenants' own apps either (package apps).
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// file is one embedded asset, read once at start.
type file struct {
	data        []byte
	contentType string
	etag        string
}

// contentTypes are set explicitly rather than from the system's MIME table,
// which varies by machine: a module script served as text/plain does not run.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".json":        "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".webmanifest": "application/manifest+json",
}

// securityHeaders go on every console response. The CSP allows only the
// console's own scripts and styles (no inline code), images from anywhere a
// tenant's logo may live, blob: for the logo preview before upload, and
// connections (fetch and the subscription's WebSocket) to this origin, and
// media from this origin or blob: (the player's MediaSource; its playlists and
// segments come from this origin's /play/).
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; " +
		"img-src 'self' blob: data: https: http:; connect-src 'self'; media-src 'self' blob:; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "no-referrer",
}

// Handler serves the console's files: index.html for "/", each asset by its
// path. Mount it with the /console prefix stripped. Every response carries
// Cache-Control: no-cache with an ETag, so a browser revalidates and a new
// binary never mixes its scripts with an old page; unchanged files cost a 304.
func Handler() http.Handler {
	files := map[string]file{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(data)
		files[strings.TrimPrefix(p, "static")] = file{data: data, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("console: reading embedded files: " + err.Error()) // the binary itself is broken
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := path.Clean("/" + r.URL.Path)
		if name == "/" {
			name = "/index.html"
		}
		f, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		for k, v := range securityHeaders {
			h.Set(k, v)
		}
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
	})
}
