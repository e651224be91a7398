// Package api is the one HTTP server: middleware (client address, tenant
// resolution, authentication, limits), /graphql (the handler comes from graph,
// wired in cmd/marquee), the console, and the machine endpoints (/healthz,
// /readyz, logos, the session cookie). It translates HTTP into domain calls
// and holds no rules of its own.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/ratelimit"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
	"github.com/marquee-ott/marquee/viewers"
)

// Server holds the HTTP edge's dependencies.
type Server struct {
	Tenants    *tenants.Service
	GraphQL    http.Handler // from graph.NewHandler
	Playground http.Handler // nil in production
	Console    http.Handler // the console's static files, served under /console/
	// Operators signs the platform operator in (mqo_ tokens) and serves
	// tenant exports; nil: no operator sign-in.
	Operators *operators.Service
	// Checks are the dependencies /readyz reports, by name.
	Checks     map[string]func(context.Context) error
	BaseDomain string // e.g. "marquee.example"; {slug}.BaseDomain is a tenant's host
	// Domains maps a verified custom domain's Host to its tenant; nil: none.
	Domains    DomainResolver
	Production bool
	// TrustProxy takes the client address from X-Forwarded-For (behind a load balancer).
	TrustProxy bool
	// Limits per tenant and per credential, requests a second with a burst.
	TenantLimit *ratelimit.Limiter
	KeyLimit    *ratelimit.Limiter
	MaxBodySize int64 // of a non-upload request
	MaxUpload   int64
	Log         *slog.Logger

	// Uploads takes resumable uploads at /uploads/ (tus; uploads.go), staged
	// in UploadDir, each file at most MaxUploadFile bytes; nil: no uploads.
	// Permits checks the edit_content permit they need (authz.Client).
	Uploads       *uploads.Service
	UploadDir     string
	MaxUploadFile int64
	Permits       Permits

	// Viewers verifies viewer access tokens (Authorization: Bearer with the
	// tenant's app key, host or path) and serves TV activation (oauth_*.go);
	// nil: no viewer accounts. BaseURL makes activation links.
	Viewers *viewers.Service
	BaseURL string
	// Origin serves playback manifests, segments and keys at /play/ (and
	// /t/{slug}/play/); nil: no origin.
	Origin *Origin
	// Stripe takes Stripe's webhooks at /webhooks/stripe; nil: not mounted.
	Stripe StripeWebhooks
	// Artwork serves title artwork at /images/{key...}; nil: not mounted.
	Artwork ArtworkImages
	// WebApp hosts the tenants' web apps at /t/{slug}/ and on their hosts
	// (webapp.go); nil: not served.
	WebApp *WebApp
	// AppDownloads serves app builds' signed download links at
	// /apps/downloads/ (appdownload.go); nil: not mounted.
	AppDownloads AppDownloads
}

// Handler returns the routed, middleware-wrapped handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /branding/{tenant}/logo", s.logo)
	mux.HandleFunc("POST /auth/session", s.setSession)
	mux.HandleFunc("DELETE /auth/session", s.clearSession)
	mux.HandleFunc("GET /operator/exports/{tenant}/{name}", s.operatorExport)
	s.mountOrigin(mux)
	if s.Artwork != nil {
		mux.HandleFunc("GET /images/{key...}", s.image)
	}
	if s.AppDownloads != nil {
		mux.HandleFunc("GET /apps/downloads/{tenant}/{build}/{kind}", s.appDownload)
	}
	if s.Stripe != nil {
		mux.HandleFunc("POST /webhooks/stripe", s.stripeWebhook)
	}
	gql := s.graphQLCORS(s.withTenant(s.GraphQL))
	mux.Handle("/graphql", gql)
	mux.Handle("/t/{slug}/graphql", gql)
	if s.Viewers != nil {
		for _, prefix := range []string{"", "/t/{slug}"} {
			mux.Handle("POST "+prefix+"/oauth/device_authorization", s.withTenant(http.HandlerFunc(s.deviceAuthorization)))
			mux.Handle("POST "+prefix+"/oauth/token", s.withTenant(http.HandlerFunc(s.token)))
		}
	}
	if s.Playground != nil && !s.Production {
		mux.Handle("GET /playground", s.Playground)
	}
	if s.Console != nil {
		mux.Handle("/console/", http.StripPrefix("/console", s.Console))
		mux.Handle("GET /{$}", http.RedirectHandler("/console/", http.StatusFound))
	}
	if s.WebApp != nil {
		mux.HandleFunc("/t/{slug}/", s.webAppByPath)
	}
	h := s.withClient(s.limitBody(s.webAppTenantHost(mux)))
	if s.Uploads == nil {
		return h
	}
	// tus bounds its own bodies (Upload-Length, MaxUploadFile), so uploads
	// skip limitBody.
	root := http.NewServeMux()
	root.Handle(uploadsPath, s.withClient(s.withTenant(s.uploadHandler())))
	root.Handle("/", h)
	return root
}

// HTTPServer returns an http.Server with timeouts suited to an API (uploads
// and subscriptions get their own deadlines through their handlers).
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
}
