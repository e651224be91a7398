package api

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/playback"
)

// Origin serves asset packages at /play/{tenant}/{asset}/{file}?token=…
// (also under /t/{slug}/ and on the tenant's hosts, same paths): manifests
// rewritten per session (origin_manifest.go), segments from blob storage
// (origin_segment.go), and the content key (origin_key.go). The token in the
// query is what authorizes; the path never depends on the session, so a CDN
// whose cache key ignores the query caches one copy of each segment.
type Origin struct {
	Playback *playback.Service
	Blobs    *blob.Bucket
	// AppOrigins are origins (scheme://host[:port]) every tenant's players
	// may fetch from, e.g. the console's; a tenant's own hosts and verified
	// custom domains are allowed besides.
	AppOrigins []string
}

func (s *Server) mountOrigin(mux *http.ServeMux) {
	if s.Origin == nil {
		return
	}
	for _, prefix := range []string{"", "/t/{slug}"} {
		mux.HandleFunc("GET "+prefix+"/play/{tenant}/{asset}/{file...}", s.originGet)
		mux.HandleFunc("OPTIONS "+prefix+"/play/{tenant}/{asset}/{file...}", s.originPreflight)
	}
}

// originTarget is a parsed origin request; a malformed path is NotFound,
// exactly as a missing object.
type originTarget struct {
	tenant, asset uuid.UUID
	file          string
	token         string
}

func parseOrigin(r *http.Request) (originTarget, error) {
	t, err1 := uuid.Parse(r.PathValue("tenant"))
	a, err2 := uuid.Parse(r.PathValue("asset"))
	f := r.PathValue("file")
	if err1 != nil || err2 != nil || !validPath(f) {
		return originTarget{}, errs.NotFound("no such object")
	}
	return originTarget{tenant: t, asset: a, file: f, token: r.URL.Query().Get("token")}, nil
}

// validPath admits a package's file names, at the top or one folder down
// (an extra audio track's track_{k}/, subtitles' subs/, images/): each part
// a validFile, so no dot segments, empty parts or deeper paths.
func validPath(p string) bool {
	dir, file, nested := strings.Cut(p, "/")
	if !nested {
		return validFile(p)
	}
	return validFile(dir) && !strings.Contains(dir, ".") && validFile(file)
}

// validFile admits the names a package holds: letters, digits, _ - and one
// dot; no path separators or dot segments.
func validFile(f string) bool {
	if f == "" || len(f) > 128 || strings.Count(f, ".") > 1 || f[0] == '.' {
		return false
	}
	for _, c := range f {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func (s *Server) originGet(w http.ResponseWriter, r *http.Request) {
	t, err := parseOrigin(r)
	if err == nil && r.PathValue("slug") != "" {
		err = s.sameTenant(r.Context(), r.PathValue("slug"), t.tenant)
	}
	if err != nil {
		s.originError(w, r, err)
		return
	}
	s.cors(w, r, t.tenant)
	switch ext := path.Ext(t.file); {
	case path.Base(t.file) == "key":
		// Media playlists name the key "key", relative: an extra audio
		// track's (track_{k}/media_0.m3u8) resolves to track_{k}/key. One
		// asset, one key.
		s.originKey(w, r, t)
	case ext == ".m3u8" || ext == ".mpd" || path.Base(t.file) == media.ThumbnailsFile:
		s.originManifest(w, r, t)
	default:
		s.originSegment(w, r, t)
	}
}

// sameTenant refuses a /t/{slug}/ path naming another tenant's objects as
// NotFound.
func (s *Server) sameTenant(ctx context.Context, slug string, tenant uuid.UUID) error {
	if s.Tenants == nil {
		return nil
	}
	id, err := s.Tenants.ResolveSlug(ctx, slug)
	if err != nil || id != tenant {
		return errs.NotFound("no such object")
	}
	return nil
}

func (s *Server) originPreflight(w http.ResponseWriter, r *http.Request) {
	t, err := parseOrigin(r)
	if err != nil {
		s.originError(w, r, err)
		return
	}
	if s.cors(w, r, t.tenant) {
		w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Range")
		w.Header().Set("Access-Control-Max-Age", "600")
	}
	w.WriteHeader(http.StatusNoContent)
}

// cors allows the tenant's origins: the configured app origins, its
// {slug}.{base} host and its verified custom domains. It reports whether
// the request's origin is allowed.
func (s *Server) cors(w http.ResponseWriter, r *http.Request, tenant uuid.UUID) bool {
	w.Header().Add("Vary", "Origin")
	o := r.Header.Get("Origin")
	if o == "" || !s.allowedOrigin(r.Context(), o, tenant) {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", o)
	w.Header().Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges")
	return true
}

func (s *Server) allowedOrigin(ctx context.Context, origin string, tenant uuid.UUID) bool {
	if slices.Contains(s.Origin.AppOrigins, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false
	}
	host := u.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if slug := s.hostSlug(host); slug != "" && s.Tenants != nil {
		id, err := s.Tenants.ResolveSlug(ctx, slug)
		return err == nil && id == tenant
	}
	if s.customHost(host) {
		id, err := s.Domains.TenantByHost(ctx, host)
		return err == nil && id == tenant
	}
	return false
}

// originError answers an origin failure; nothing of it is cacheable. Only
// internal errors are logged, once, here.
func (s *Server) originError(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Cache-Control", "no-store")
	status := statusOf(err)
	if status == 0 || status == http.StatusInternalServerError {
		status = http.StatusInternalServerError
		if s.Log != nil {
			s.Log.ErrorContext(r.Context(), "origin", "path", r.URL.Path, "err", err)
		}
	}
	http.Error(w, errs.MessageOf(err), status)
}
