package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/api"
	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/artwork"
	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/certs"
	"github.com/marquee-ott/marquee/console"
	"github.com/marquee-ott/marquee/contentkeys"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/domains"
	"github.com/marquee-ott/marquee/geo"
	"github.com/marquee-ott/marquee/graph"
	"github.com/marquee-ott/marquee/live"
	"github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/platformbilling"
	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/ratelimit"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
	"github.com/marquee-ott/marquee/viewers"
)

// Main is the wired platform. Open connects it; Serve and RunWorker run its
// parts; Close releases everything.
type Main struct {
	Config   Config
	Log      *slog.Logger
	DB       *db.DB
	Authz    *authz.Client
	Temporal client.Client
	Blobs    *blob.Bucket
	Mail     mail.Sender
	DevMail  *mail.Folder // nil with SMTP
	Tenants  *tenants.Service
	API      *api.Server
	Viewers  *viewers.Service // viewer accounts of the tenants' apps

	Operators *operators.Service // the platform operator; enforces quotas for tenants

	Domains *domains.Service
	Uploads *uploads.Service // files coming in: tus at /uploads/, URL ingest, captions
	Certs   *certs.Manager   // nil unless MARQUEE_TLS_ADDR is set (domains.go)
	Geo     *geo.MaxMind     // nil unless MARQUEE_GEOIP_DB is set

	// ContentKeys is per-asset encryption keys and the tenant's media settings.
	ContentKeys *contentkeys.Store

	// AssetChanges wakes assetProgress subscribers; it listens while Serve runs.
	AssetChanges *assets.Changes
	// Apps is the white-label apps (API and worker share it); AppChanges
	// wakes appBuildUpdated subscribers while Serve runs.
	Apps       *apps.Service
	AppChanges *apps.Changes
	// Billing is money: Stripe Connect, webhooks, plans, Checkout and the
	// entitlement model (Check) playback asks.
	Billing *billing.Service
	// PlatformBilling is Marquee billing its tenants: platform plans, usage
	// metering and its reports to Stripe (the worker runs the reporter).
	PlatformBilling *platformbilling.Service
	stopBilling     context.CancelFunc
	billingDone     chan struct{}

	// Playback starts sessions and guards the origin. ViewerOf (the signed-in
	// viewer of a storefront request), Keys (content keys) and Resumes
	// (continue watching) are hooks the viewers and contentkeys packages fill
	// in; nil: no viewer sessions, clear assets only, sessions from 0.
	Playback *playback.Service
	ViewerOf func(ctx context.Context) (playback.Viewer, bool)
	Keys     playback.KeySource
	Resumes  playback.Resumes // continue watching (viewers); nil: sessions start at 0

	httpServer  *http.Server
	listener    net.Listener
	tlsServer   *http.Server
	tlsListener net.Listener
}

// Open connects every dependency and builds the services. It refuses to start,
// with every unreachable dependency named, rather than serve half a platform.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Main, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Main{Config: cfg, Log: log}
	if err := m.connect(ctx); err != nil {
		m.Close()
		return nil, err
	}
	if err := m.listen(); err != nil {
		m.Close()
		return nil, err
	}
	if m.Config.BaseURL == "" { // tests: links point at wherever we listen
		m.Config.BaseURL = m.URL()
	}
	m.build()
	return m, nil
}

func (m *Main) connect(ctx context.Context) error {
	var problems []error
	var err error
	if m.DB, err = db.Open(ctx, m.Config.DatabaseURL); err != nil {
		problems = append(problems, fmt.Errorf("connecting to PostgreSQL (MARQUEE_DATABASE_URL): %w", err))
	}
	m.Authz = authz.New(m.Config.KetoReadURL, m.Config.KetoWriteURL)
	if err := m.Authz.Ping(ctx); err != nil {
		problems = append(problems, fmt.Errorf("reaching Keto (MARQUEE_KETO_READ_URL %s): %w", m.Config.KetoReadURL, err))
	}
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m.Temporal, err = client.DialContext(dialCtx, client.Options{HostPort: m.Config.TemporalAddress,
		Namespace: m.Config.TemporalNamespace, Logger: newTemporalLogger(m.Log)})
	if err != nil {
		problems = append(problems, fmt.Errorf("dialing Temporal (MARQUEE_TEMPORAL_ADDRESS %s): %w", m.Config.TemporalAddress, err))
	}
	if m.Blobs, err = blobstore.Open(ctx, m.Config.BlobURL); err != nil {
		problems = append(problems, fmt.Errorf("blob storage (MARQUEE_BLOB_URL): %w", err))
	}
	if m.Config.GeoIPDB != "" {
		if m.Geo, err = geo.Open(m.Config.GeoIPDB); err != nil {
			problems = append(problems, fmt.Errorf("MARQUEE_GEOIP_DB: %w", err))
		}
	}
	return errors.Join(problems...)
}

func (m *Main) build() {
	c := m.Config
	if c.SMTPAddr != "" {
		m.Mail = &mail.SMTP{Addr: c.SMTPAddr, User: c.SMTPUser, Password: c.SMTPPass, From: c.MailFrom}
	} else {
		m.DevMail = &mail.Folder{Dir: c.MailDir, From: c.MailFrom}
		m.Mail = m.DevMail
	}
	m.Tenants = &tenants.Service{DB: m.DB, Perms: m.Authz, Mail: m.Mail, Blobs: m.Blobs, BaseURL: c.BaseURL, Changes: &tenants.Hub{}}
	m.Tenants.Secrets, _ = sealbox.Open(c.SecretKey) // Validate checked the key
	m.Tenants.CachePrincipals(c.AuthCacheTTL)
	m.ContentKeys = &contentkeys.Store{DB: m.DB, Box: m.Tenants.Secrets}
	if m.Geo != nil {
		m.Tenants.Geo = m.Geo
	}
	m.Authz.CacheDecisions(c.AuthCacheTTL)
	resolver := &graph.Resolver{DB: m.DB, Tenants: m.Tenants, Authz: m.Authz, BaseURL: c.BaseURL,
		Attempts: ratelimit.New(c.AttemptRate, c.AttemptBurst)}
	resolver.Webhooks = m.webhookService()
	resolver.Catalog = &catalog.Service{DB: m.DB}
	m.Operators = &operators.Service{DB: m.DB, Tenants: m.Tenants, Perms: m.Authz, Blobs: m.Blobs, Mail: m.Mail,
		Secrets: m.Tenants.Secrets, BaseURL: c.BaseURL}
	m.Tenants.Quotas = m.Operators
	resolver.Operators = m.Operators
	m.Domains = m.domainService()
	resolver.Domains = m.Domains
	m.Uploads = &uploads.Service{DB: m.DB, Blobs: m.Blobs, Quotas: m.Operators, Limits: c.UploadLimits(), Log: m.Log,
		Fetcher: &uploads.Fetcher{Allow: c.IngestAllow(), HeaderTimeout: c.IngestHeaderTimeout}, IngestTimeout: c.IngestTimeout}
	m.Uploads.Titles = resolver.Catalog
	resolver.Uploads = m.Uploads
	resolver.Assets = m.assetService()
	resolver.ContentKeys = m.ContentKeys
	resolver.Lifecycle = m.lifecycleService()
	resolver.Artworks = &artwork.Service{Blobs: m.Blobs, Titles: resolver.Catalog, MaxBytes: c.ArtworkMaxBytes,
		MaxPixels: c.ArtworkMaxPixels, Log: m.Log}
	m.Billing = &billing.Service{DB: m.DB, Stripe: billing.NewStripe(c.StripeURL, c.StripeSecretKey, nil),
		FeePercent: c.PlatformFeePercent, WebhookSecret: c.StripeWebhookSecret, WebhookTolerance: c.StripeWebhookTolerance,
		BaseURL: c.BaseURL, GracePeriod: c.BillingGracePeriod, CacheTTL: c.EntitlementCacheTTL, Log: m.Log.With("component", "billing")}
	m.Billing.Titles = resolver.Catalog
	resolver.Billing = m.Billing
	m.PlatformBilling = &platformbilling.Service{DB: m.DB, Stripe: m.Billing.Stripe, Storage: m.Operators,
		Log: m.Log.With("component", "platformbilling")}
	m.Billing.Platform = m.PlatformBilling
	resolver.PlatformBilling = m.PlatformBilling
	resolver.Live = &live.Service{DB: m.DB, Tickets: m.Billing}
	resolver.AccountOf = accountOf
	m.AssetChanges = assets.NewChanges(m.DB, m.Log.With("component", "asset_changes"))
	resolver.Assets.Changes = m.AssetChanges
	m.buildPlayback(resolver)
	if !c.Production {
		resolver.DevMail = m.DevMail
	}
	m.Apps = m.appService()
	resolver.Apps = m.Apps
	m.Viewers = m.viewerService()
	resolver.ViewerAccounts = m.Viewers
	m.connectViewersToPlayback()
	m.API = &api.Server{
		Tenants: m.Tenants, BaseDomain: c.BaseDomain, Production: c.Production, TrustProxy: c.TrustProxy,
		TenantLimit: ratelimit.New(c.TenantRate, c.TenantBurst), KeyLimit: ratelimit.New(c.KeyRate, c.KeyBurst),
		MaxBodySize: c.MaxBodyBytes, MaxUpload: c.MaxUpload, Log: m.Log, Domains: m.Domains,
		Uploads: m.Uploads, UploadDir: c.UploadDir, Permits: m.Authz,
		MaxUploadFile: max(c.UploadMaxSource, c.UploadMaxCaption, c.UploadMaxAudio),
		Checks: map[string]func(context.Context) error{
			"postgres": m.DB.Ping,
			"keto":     m.Authz.Ping,
			"temporal": func(ctx context.Context) error {
				_, err := m.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
				return err
			},
		},
	}
	m.API.Viewers, m.API.BaseURL = m.Viewers, c.BaseURL
	m.API.Origin = &api.Origin{Playback: m.Playback, Blobs: m.Blobs, AppOrigins: m.playbackOrigins()}
	m.API.Stripe = m.Billing
	m.API.Artwork = resolver.Artworks
	m.API.Console = console.Handler()
	m.API.WebApp = &api.WebApp{Cast: true}
	m.API.Operators = m.Operators
	m.API.AppDownloads = m.Apps
	m.API.GraphQL = graph.NewHandler(resolver, graph.Options{Production: c.Production, MaxComplexity: c.MaxComplexity,
		MaxDepth: c.MaxDepth, MaxAliases: c.MaxAliases, MaxUploadSize: c.MaxUpload, WebSocketInit: m.API.WebSocketInit, Log: m.Log})
	if !c.Production {
		m.API.Playground = graph.Playground("/graphql")
	}
}

// listen binds the HTTP address (":0" picks a free port; see URL) and the
// custom domains' TLS address, if any, at Open, so a taken port is reported
// before anything starts.
func (m *Main) listen() error {
	l, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.listener = l
	return m.listenTLS()
}

// URL is where the listening server answers.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// Serve answers HTTP (and HTTPS for custom domains, when on) until ctx
// ends, then shuts down gracefully.
func (m *Main) Serve(ctx context.Context) error {
	m.AssetChanges.Start()
	m.AppChanges.Start()
	m.startBilling()
	m.httpServer = m.API.HTTPServer(m.listener.Addr().String())
	m.httpServer.Handler = m.withACMEChallenges(m.httpServer.Handler)
	errc := make(chan error, 2)
	go func() { errc <- m.httpServer.Serve(m.listener) }()
	stopTLS := m.serveTLS(ctx, errc)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return errors.Join(stopTLS(sctx), m.httpServer.Shutdown(sctx))
	}
}

// startBilling listens for entitlement changes and viewer revocations made
// by other processes, so cached decisions are dropped and revoked access
// tokens refused at once.
func (m *Main) startBilling() {
	if m.stopBilling != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.stopBilling, m.billingDone = cancel, make(chan struct{})
	go func() {
		defer close(m.billingDone)
		// Viewer revocations too: a device signed out through one API
		// process is refused by the others at once.
		done := make(chan struct{})
		go func() { defer close(done); m.Viewers.Listen(ctx) }()
		m.Billing.Listen(ctx)
		<-done
	}()
}

// Close releases every connection.
func (m *Main) Close() {
	if m.listener != nil && m.httpServer == nil {
		_ = m.listener.Close()
	}
	m.closeTLS()
	if m.AppChanges != nil {
		m.AppChanges.Close() // before the database closes
	}
	if m.AssetChanges != nil {
		m.AssetChanges.Close() // before the database closes
	}
	if m.stopBilling != nil {
		m.stopBilling() // the entitlement and revocation listeners, before the database closes
		<-m.billingDone
	}
	if m.Uploads != nil {
		m.Uploads.Close() // background URL fetches end before the bucket and database close
	}
	if m.Temporal != nil {
		m.Temporal.Close()
	}
	if m.Blobs != nil {
		_ = m.Blobs.Close()
	}
	if m.DB != nil {
		m.DB.Close()
	}
	if m.Geo != nil {
		_ = m.Geo.Close()
	}
}

// viewerService signs viewer access tokens with a key derived from
// MARQUEE_SECRET_KEY (Validate checked it), never a constant.
func (m *Main) viewerService() *viewers.Service {
	key, _ := sealbox.ParseKey(m.Config.SecretKey)
	signer, err := viewers.NewSigner(key)
	if err != nil {
		panic(err) // Validate refused a short key already
	}
	return &viewers.Service{DB: m.DB, Mail: m.Mail, Tenants: m.Tenants, Signer: signer,
		ActivationInterval: m.Config.ViewerActivationInterval, Log: m.Log.With("component", "viewers")}
}
