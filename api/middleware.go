package api

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/viewers"
)

// withClient records where a request came from, for sessions, limits and the
// audit log.
func (s *Server) withClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		if s.TrustProxy {
			if f := r.Header.Get("X-Forwarded-For"); f != "" {
				ip = strings.TrimSpace(strings.Split(f, ",")[0])
			}
		}
		c := tenants.ClientInfo{IP: ip, UserAgent: r.UserAgent()}
		next.ServeHTTP(w, r.WithContext(tenants.WithClient(r.Context(), c)))
	})
}

// limitBody bounds request bodies; GraphQL multipart uploads get the upload limit.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.MaxBodySize
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			limit = s.MaxUpload
		}
		if r.ContentLength > limit {
			writeError(w, errs.Invalid("the request body is over %d bytes", limit), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

const (
	sessionCookie = "marquee_session"
	csrfHeader    = "X-Marquee-CSRF"
	appKeyHeader  = "X-Marquee-App-Key"
)

// withTenant resolves who the request acts as: a bearer credential (session
// token or API key), the console's session cookie, an app key, or the tenant's
// host or /t/{slug}/ path (storefront only). Limits apply per tenant and per
// credential. A bad credential is refused outright rather than treated as
// anonymous, so a client learns at once that its key was revoked.
func (s *Server) withTenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if octx, isOperator, err := s.operatorContext(r); isOperator { // an mqo_ token: no tenant
			if err != nil {
				writeError(w, err, statusOf(err))
				return
			}
			next.ServeHTTP(w, r.WithContext(octx))
			return
		}
		var p tenants.Principal
		var found bool
		var err error
		if tok, ok := viewerBearer(r); ok && s.Viewers != nil {
			var vp viewers.Principal
			if p, vp, err = s.viewer(ctx, r, tok); err == nil {
				found, ctx = true, viewers.WithPrincipal(ctx, vp)
			}
		} else {
			p, found, err = s.principal(ctx, r)
		}
		if err != nil {
			writeError(w, err, statusOf(err))
			return
		}
		if found {
			if !s.TenantLimit.Allow(p.Tenant.String()) || !s.KeyLimit.Allow(credentialKey(r, p)) {
				writeError(w, errs.RateLimited("too many requests: slow down"), http.StatusTooManyRequests)
				return
			}
			ctx = tenants.WithPrincipal(ctx, p)
			c := tenants.ClientFrom(ctx)
			actor := audit.Actor{Type: string(p.Kind), ID: p.Subject, Label: p.Label, IP: c.IP, UserAgent: c.UserAgent}
			if vp, ok := viewers.FromContext(ctx); ok { // a viewer's audit entries carry no personal data
				actor = audit.Actor{Type: "viewer", ID: vp.Viewer, Label: "viewer"}
			}
			ctx = audit.WithActor(ctx, actor)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) principal(ctx context.Context, r *http.Request) (tenants.Principal, bool, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			return tenants.Principal{}, false, errs.Unauthorized("use Authorization: Bearer <token>")
		}
		p, err := s.Tenants.Authenticate(ctx, strings.TrimSpace(tok))
		return p, err == nil, err
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		// A cookie rides along on cross-site requests; the custom header cannot
		// be sent cross-site without a CORS preflight we never grant.
		if r.Method != http.MethodGet && r.Header.Get(csrfHeader) == "" && !isWebSocket(r) {
			return tenants.Principal{}, false, errs.Forbidden("cookie sessions need the %s header", csrfHeader)
		}
		p, err := s.Tenants.Authenticate(ctx, c.Value)
		if err == nil || errs.Is(err, errs.KindSuspended) {
			return p, err == nil, err
		}
		// A stale cookie falls through to the app key or host, as if signed out.
	}
	return s.storefront(ctx, r)
}

// storefront resolves an app's tenant from its app key, path or host (a
// {slug}.{base} host or a verified custom domain).
func (s *Server) storefront(ctx context.Context, r *http.Request) (tenants.Principal, bool, error) {
	var id tenants.ID
	var err error
	switch {
	case r.Header.Get(appKeyHeader) != "":
		id, err = s.Tenants.ResolveAppKey(ctx, r.Header.Get(appKeyHeader))
		if errs.Is(err, errs.KindNotFound) {
			err = errs.Unauthorized("unknown or revoked app key")
		}
	case r.PathValue("slug") != "":
		id, err = s.Tenants.ResolveSlug(ctx, r.PathValue("slug"))
	case s.hostSlug(r.Host) != "":
		id, err = s.Tenants.ResolveSlug(ctx, s.hostSlug(r.Host))
	case s.customHost(r.Host):
		if id, err = s.Domains.TenantByHost(ctx, r.Host); errs.Is(err, errs.KindNotFound) {
			return tenants.Principal{}, false, nil // no tenant's domain: anonymous, as any unknown host
		}
	default:
		return tenants.Principal{}, false, nil
	}
	if err == nil {
		err = s.Tenants.CheckActive(ctx, id) // a suspended tenant's apps get TENANT_SUSPENDED
	}
	if err != nil {
		return tenants.Principal{}, false, err
	}
	return tenants.Principal{Tenant: id, Kind: tenants.PrincipalApp, Label: "app"}, true, nil
}

// viewerBearer returns the Authorization header's token when it is shaped
// like a viewer access token.
func viewerBearer(r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	tok = strings.TrimSpace(tok)
	return tok, ok && viewers.LooksLikeAccessToken(tok)
}

var errViewerToken = errs.Unauthorized("invalid or expired viewer token: refresh it or sign in again")

// viewer checks a viewer access token against the tenant the app key, host
// or /t/{slug}/ path names: a viewer token alone names no tenant we trust,
// and a token of another tenant is refused exactly like garbage.
func (s *Server) viewer(ctx context.Context, r *http.Request, tok string) (tenants.Principal, viewers.Principal, error) {
	p, found, err := s.storefront(ctx, r)
	if err != nil {
		return p, viewers.Principal{}, err
	}
	if !found {
		return p, viewers.Principal{}, errs.Unauthorized("a viewer token needs the tenant's app key (%s), host or /t/{slug}/ path", appKeyHeader)
	}
	vp, err := s.Viewers.Authenticate(ctx, p.Tenant, tok)
	if err != nil {
		return p, viewers.Principal{}, errViewerToken
	}
	p.Subject, p.Label = vp.Viewer, "viewer"
	return p, vp, nil
}

func (s *Server) hostSlug(host string) string {
	if s.BaseDomain == "" {
		return ""
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	slug, ok := strings.CutSuffix(strings.ToLower(host), "."+s.BaseDomain)
	if !ok || strings.Contains(slug, ".") {
		return ""
	}
	return slug
}

func credentialKey(r *http.Request, p tenants.Principal) string {
	switch p.Kind {
	case tenants.PrincipalApp:
		return "app|" + p.Tenant.String() + "|" + tenants.ClientFrom(r.Context()).IP
	default:
		return string(p.Kind) + "|" + p.Subject.String()
	}
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// WebSocketInit authenticates a GraphQL WebSocket connection from its
// connection_init payload ({"authorization": "Bearer …"} or {"appKey": "…"}).
// A connection without a valid credential is closed before any subscription.
func (s *Server) WebSocketInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	var p tenants.Principal
	var err error
	switch {
	case payload["authorization"] != nil:
		tok, _ := payload["authorization"].(string)
		p, err = s.Tenants.Authenticate(ctx, strings.TrimSpace(strings.TrimPrefix(tok, "Bearer ")))
	case payload["appKey"] != nil:
		key, _ := payload["appKey"].(string)
		var id tenants.ID
		id, err = s.Tenants.ResolveAppKey(ctx, key)
		if err == nil {
			err = s.Tenants.CheckActive(ctx, id)
		}
		p = tenants.Principal{Tenant: id, Kind: tenants.PrincipalApp, Label: "app"}
	default:
		return ctx, errs.Unauthorized("connection_init needs an authorization or appKey")
	}
	if errs.Is(err, errs.KindSuspended) {
		return ctx, err
	} else if err != nil {
		return ctx, errs.Unauthorized("bad credential")
	}
	return tenants.WithPrincipal(ctx, p), nil
}
