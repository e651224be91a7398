// Package platform wires the whole of Marquee from one typed Config: the
// database, Keto, Temporal, blob storage, mail, the domain services, the
// GraphQL handler and the HTTP server. cmd/marquee runs it; end-to-end tests
// reuse it, so they exercise exactly what production runs. It is the
// composition root: the only package besides cmd that imports both api and graph.
package platform

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/uploads"
)

// Config is every setting, from MARQUEE_* environment variables; the defaults
// are the local dev stack's (`marquee dev`), never production secrets.
type Config struct {
	Addr       string `env:"MARQUEE_ADDR" envDefault:"127.0.0.1:8080"`
	BaseURL    string `env:"MARQUEE_BASE_URL" envDefault:"http://localhost:8080"`
	BaseDomain string `env:"MARQUEE_BASE_DOMAIN"` // tenants answer on {slug}.BaseDomain
	Production bool   `env:"MARQUEE_PRODUCTION"`
	TrustProxy bool   `env:"MARQUEE_TRUST_PROXY"`

	DatabaseURL        string `env:"MARQUEE_DATABASE_URL" envDefault:"postgres://marquee_app:marquee-dev@127.0.0.1:54329/marquee?sslmode=disable"`
	MigrateDatabaseURL string `env:"MARQUEE_MIGRATE_DATABASE_URL" envDefault:"postgres://postgres:marquee-dev@127.0.0.1:54329/marquee?sslmode=disable"`
	KetoReadURL        string `env:"MARQUEE_KETO_READ_URL" envDefault:"http://127.0.0.1:4466"`
	KetoWriteURL       string `env:"MARQUEE_KETO_WRITE_URL" envDefault:"http://127.0.0.1:4467"`
	TemporalAddress    string `env:"MARQUEE_TEMPORAL_ADDRESS" envDefault:"127.0.0.1:7233"`
	TemporalNamespace  string `env:"MARQUEE_TEMPORAL_NAMESPACE" envDefault:"default"`
	// TaskQueue is the queue for light work (webhooks and the like); media and
	// app builds get their own. Tests give each platform its own queue so
	// workers of different test databases never take each other's tasks.
	TaskQueue string `env:"MARQUEE_TEMPORAL_TASK_QUEUE" envDefault:"default"`
	// BuildQueue is where white-label app builds run (workflows/appbuild).
	BuildQueue string `env:"MARQUEE_TEMPORAL_BUILD_QUEUE" envDefault:"builds"`
	// AppTools is the folder holding the app builds' npm checkers (bsc,
	// ares-package: deploy/npm-tools.sh puts them in bin/npm/node_modules/.bin);
	// empty: that folder of the working directory or a parent, then PATH.
	AppTools string `env:"MARQUEE_APP_TOOLS"`
	// KeepBuilds is how many builds of each platform keep their artifact and
	// store listing pack; older builds keep their record and log.
	KeepBuilds      int    `env:"MARQUEE_APP_KEEP_BUILDS" envDefault:"10"`
	StripeURL       string `env:"MARQUEE_STRIPE_URL" envDefault:"http://127.0.0.1:12111"` // empty: api.stripe.com
	StripeSecretKey string `env:"MARQUEE_STRIPE_SECRET_KEY" envDefault:"sk_test_123"`     // stripe-mock accepts any test key
	// Money (package billing): the signing secret of the /webhooks/stripe
	// endpoint (whsec_…; the dev default signs locally made test events),
	// how old a signed event may be, the platform's application fee on every
	// sale on a tenant's connected account, how long a subscription whose
	// renewal failed keeps playing, and how long an entitlement decision is
	// reused (a change drops it at once in every process).
	StripeWebhookSecret    string        `env:"MARQUEE_STRIPE_WEBHOOK_SECRET" envDefault:"whsec_local"`
	StripeWebhookTolerance time.Duration `env:"MARQUEE_STRIPE_WEBHOOK_TOLERANCE" envDefault:"5m"`
	PlatformFeePercent     float64       `env:"MARQUEE_PLATFORM_FEE_PERCENT" envDefault:"10"`
	BillingGracePeriod     time.Duration `env:"MARQUEE_BILLING_GRACE_PERIOD" envDefault:"168h"`
	// UsageReportInterval is how often the worker meters ended playback
	// and reports usage to Stripe (platform billing).
	UsageReportInterval time.Duration `env:"MARQUEE_USAGE_REPORT_INTERVAL" envDefault:"1m"`
	EntitlementCacheTTL time.Duration `env:"MARQUEE_ENTITLEMENT_CACHE_TTL" envDefault:"30s"`

	BlobURL  string `env:"MARQUEE_BLOB_URL" envDefault:"file://.data/blobs"` // file://, s3://, gs://
	MailDir  string `env:"MARQUEE_MAIL_DIR" envDefault:".data/mail"`         // dev mailer; ignored when SMTP is set
	SMTPAddr string `env:"MARQUEE_SMTP_ADDR"`
	SMTPUser string `env:"MARQUEE_SMTP_USER"`
	SMTPPass string `env:"MARQUEE_SMTP_PASSWORD"`
	MailFrom string `env:"MARQUEE_MAIL_FROM" envDefault:"Marquee <no-reply@localhost>"`

	GeoIPDB string `env:"MARQUEE_GEOIP_DB"` // MaxMind GeoIP2/GeoLite2 Country or City .mmdb for countries of addresses; empty: none

	// MediaWorkDir holds the ingest workflow's job folders (a source, its
	// transcode and package) on the worker's machine while an asset is made.
	MediaWorkDir string `env:"MARQUEE_MEDIA_WORK_DIR" envDefault:".data/work"`
	// HostQueue is the task queue only this machine's worker listens on: an
	// ingest's activities after the download run there, beside the job
	// folder. Empty: TaskQueue@hostname. Give every worker machine its own.
	HostQueue string `env:"MARQUEE_TEMPORAL_HOST_QUEUE"`
	// Ingest fan-out: a title longer than IngestFanOutAbove is transcoded in
	// chunks of IngestChunk in parallel. IngestHostTimeout is how long a
	// task may wait on a host's queue before the host counts as lost and the
	// ingest starts again elsewhere.
	IngestFanOutAbove time.Duration `env:"MARQUEE_INGEST_FANOUT_ABOVE" envDefault:"10m"`
	IngestChunk       time.Duration `env:"MARQUEE_INGEST_CHUNK" envDefault:"2m"`
	IngestHostTimeout time.Duration `env:"MARQUEE_INGEST_HOST_TIMEOUT" envDefault:"5m"`

	// CDNPurgeURL receives an HMAC-signed POST (CDNPurgeSecret, the webhook
	// signature scheme) listing a deleted asset's paths; empty: no CDN to tell.
	CDNPurgeURL    string `env:"MARQUEE_CDN_PURGE_URL"`
	CDNPurgeSecret string `env:"MARQUEE_CDN_PURGE_SECRET"`

	// ArtworkMaxBytes and ArtworkMaxPixels bound an uploaded artwork image:
	// its file size, and width × height read from its header before decoding.
	ArtworkMaxBytes  int64 `env:"MARQUEE_ARTWORK_MAX_BYTES" envDefault:"10485760"`
	ArtworkMaxPixels int64 `env:"MARQUEE_ARTWORK_MAX_PIXELS" envDefault:"40000000"`

	// SecretKey seals secrets the platform must read back (TOTP seeds): 32
	// random bytes, base64 (openssl rand -base64 32). Unset, it is the public
	// development-only key, which production refuses.
	SecretKey string `env:"MARQUEE_SECRET_KEY"`

	// ViewerActivationInterval is how often a TV polls during activation
	// (RFC 8628's interval); each too-early poll adds five seconds.
	ViewerActivationInterval time.Duration `env:"MARQUEE_VIEWER_ACTIVATION_INTERVAL" envDefault:"5s"`

	// Custom domains (tenants' own hostnames) and their certificates. HTTPS
	// for them is off unless TLSAddr is set; see the README's "Custom domains
	// and certificates in production".
	TLSAddr            string        `env:"MARQUEE_TLS_ADDR"`                          // e.g. ":443"
	CertDir            string        `env:"MARQUEE_CERT_DIR" envDefault:".data/certs"` // certificate storage (one machine)
	ACMEDirectory      string        `env:"MARQUEE_ACME_DIRECTORY" envDefault:"https://acme-v02.api.letsencrypt.org/directory"`
	ACMEEmail          string        `env:"MARQUEE_ACME_EMAIL"`
	ACMECARoot         string        `env:"MARQUEE_ACME_CA_ROOT"`  // PEM file trusted for a private ACME directory's HTTPS
	DNSResolver        string        `env:"MARQUEE_DNS_RESOLVER"`  // host:port the TXT checks ask; empty: the system's
	DomainTarget       string        `env:"MARQUEE_DOMAIN_TARGET"` // CNAME target shown to tenants; empty: MARQUEE_BASE_URL's host
	DomainSyncInterval time.Duration `env:"MARQUEE_DOMAIN_SYNC_INTERVAL" envDefault:"1m"`

	// How long a permission decision or an authenticated credential is reused.
	// Changes made through this process apply at once; through another, within this.
	AuthCacheTTL time.Duration `env:"MARQUEE_AUTH_CACHE_TTL" envDefault:"2s"`

	MaxComplexity int     `env:"MARQUEE_GRAPHQL_MAX_COMPLEXITY" envDefault:"2000"`
	MaxDepth      int     `env:"MARQUEE_GRAPHQL_MAX_DEPTH" envDefault:"12"`
	MaxAliases    int     `env:"MARQUEE_GRAPHQL_MAX_ALIASES" envDefault:"30"`
	MaxBodyBytes  int64   `env:"MARQUEE_MAX_BODY_BYTES" envDefault:"1048576"`
	MaxUpload     int64   `env:"MARQUEE_MAX_UPLOAD_BYTES" envDefault:"10485760"`
	TenantRate    float64 `env:"MARQUEE_TENANT_RATE" envDefault:"200"` // requests a second per tenant
	TenantBurst   float64 `env:"MARQUEE_TENANT_BURST" envDefault:"400"`
	KeyRate       float64 `env:"MARQUEE_KEY_RATE" envDefault:"50"` // per session, API key or app client
	KeyBurst      float64 `env:"MARQUEE_KEY_BURST" envDefault:"100"`
	AttemptRate   float64 `env:"MARQUEE_ATTEMPT_RATE" envDefault:"0.2"` // logins and codes a second per address
	AttemptBurst  float64 `env:"MARQUEE_ATTEMPT_BURST" envDefault:"10"`

	// Uploads (package uploads, the tus endpoint /uploads/): per-kind size and
	// type limits every tenant gets (the operator's storage quota comes on
	// top), where tus stages bytes until the last one arrives (one folder per
	// machine: a resumed upload must reach a process sharing it), and URL ingest.
	UploadDir           string        `env:"MARQUEE_UPLOAD_DIR" envDefault:".data/uploads"`
	UploadMaxSource     int64         `env:"MARQUEE_UPLOAD_MAX_SOURCE_BYTES" envDefault:"53687091200"` // 50 GiB
	UploadMaxCaption    int64         `env:"MARQUEE_UPLOAD_MAX_CAPTION_BYTES" envDefault:"10485760"`   // 10 MiB
	UploadMaxAudio      int64         `env:"MARQUEE_UPLOAD_MAX_AUDIO_BYTES" envDefault:"10737418240"`  // 10 GiB
	UploadSourceTypes   []string      `env:"MARQUEE_UPLOAD_SOURCE_TYPES" envSeparator:"," envDefault:"video/mp4,video/quicktime,video/x-matroska,video/webm,video/mp2t,video/mpeg,video/x-msvideo,application/mxf"`
	UploadCaptionTypes  []string      `env:"MARQUEE_UPLOAD_CAPTION_TYPES" envSeparator:"," envDefault:"text/vtt,application/x-subrip,text/srt,application/srt,text/plain"`
	UploadAudioTypes    []string      `env:"MARQUEE_UPLOAD_AUDIO_TYPES" envSeparator:"," envDefault:"audio/mp4,audio/x-m4a,audio/aac,audio/mpeg,audio/wav,audio/x-wav,audio/flac,audio/ac3,audio/eac3,audio/ogg"`
	IngestTimeout       time.Duration `env:"MARQUEE_INGEST_TIMEOUT" envDefault:"2h"`         // one URL fetch, start to stored
	IngestHeaderTimeout time.Duration `env:"MARQUEE_INGEST_HEADER_TIMEOUT" envDefault:"30s"` // connect and wait for headers
	// IngestAllowAddrs lets URL ingest reach these non-public ranges (CIDR,
	// comma-separated). Tests only: production refuses it.
	IngestAllowAddrs []string `env:"MARQUEE_INGEST_ALLOW_ADDRS" envSeparator:","`

	// Playback (package playback, the origin at /play/): how long a session
	// and its token live (a staff preview: PlaybackPreviewTTL); the CDN header
	// trusted for the viewer's country (e.g. CloudFront-Viewer-Country; set it
	// only when the API is reachable through that CDN alone), else the GeoIP
	// database decides; extra origins every tenant's players may fetch from
	// (CORS; the console's own origin is always allowed); key hand-outs a
	// second per session, with a burst.
	PlaybackSessionTTL    time.Duration `env:"MARQUEE_PLAYBACK_SESSION_TTL" envDefault:"6h"`
	PlaybackPreviewTTL    time.Duration `env:"MARQUEE_PLAYBACK_PREVIEW_TTL" envDefault:"30m"`
	PlaybackCountryHeader string        `env:"MARQUEE_PLAYBACK_COUNTRY_HEADER"`
	PlaybackOrigins       []string      `env:"MARQUEE_PLAYBACK_ORIGINS" envSeparator:","`
	PlaybackKeyRate       float64       `env:"MARQUEE_PLAYBACK_KEY_RATE" envDefault:"2"`
	PlaybackKeyBurst      float64       `env:"MARQUEE_PLAYBACK_KEY_BURST" envDefault:"20"`
}

// UploadLimits are the per-kind limits of Config.
func (c Config) UploadLimits() uploads.Limits {
	return uploads.Limits{MaxSourceBytes: c.UploadMaxSource, MaxCaptionBytes: c.UploadMaxCaption, MaxAudioBytes: c.UploadMaxAudio,
		SourceTypes: c.UploadSourceTypes, CaptionTypes: c.UploadCaptionTypes, AudioTypes: c.UploadAudioTypes}
}

// IngestAllow parses IngestAllowAddrs (Validate has checked it).
func (c Config) IngestAllow() []netip.Prefix {
	var out []netip.Prefix
	for _, a := range c.IngestAllowAddrs {
		if p, err := netip.ParsePrefix(strings.TrimSpace(a)); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// LoadConfig reads the environment over the defaults.
func LoadConfig() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if c.SecretKey == "" {
		c.SecretKey = sealbox.DevKey() // development only: Validate refuses it in production
	}
	return c, nil
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("MARQUEE_ADDR %q: want host:port", c.Addr)
	}
	if c.BaseURL != "" {
		if p, err := url.Parse(c.BaseURL); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("MARQUEE_BASE_URL %q: want an http(s) URL", c.BaseURL)
		}
	}
	for name, u := range map[string]string{"MARQUEE_KETO_READ_URL": c.KetoReadURL,
		"MARQUEE_KETO_WRITE_URL": c.KetoWriteURL} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("%s %q: want an http(s) URL", name, u)
		}
	}
	for name, u := range map[string]string{"MARQUEE_DATABASE_URL": c.DatabaseURL, "MARQUEE_MIGRATE_DATABASE_URL": c.MigrateDatabaseURL} {
		if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
			bad("%s: want a postgres:// URL", name)
		}
	}
	if _, _, err := net.SplitHostPort(c.TemporalAddress); err != nil {
		bad("MARQUEE_TEMPORAL_ADDRESS %q: want host:port", c.TemporalAddress)
	}
	if !strings.Contains(c.BlobURL, "://") {
		bad("MARQUEE_BLOB_URL %q: want file://, s3:// or gs://", c.BlobURL)
	}
	if _, err := sealbox.ParseKey(c.SecretKey); err != nil {
		bad("MARQUEE_SECRET_KEY: want 32 random bytes, base64 (openssl rand -base64 32): %v", err)
	}
	if c.TLSAddr != "" {
		if _, _, err := net.SplitHostPort(c.TLSAddr); err != nil {
			bad("MARQUEE_TLS_ADDR %q: want host:port", c.TLSAddr)
		}
		if p, err := url.Parse(c.ACMEDirectory); err != nil || p.Scheme != "https" || p.Host == "" {
			bad("MARQUEE_ACME_DIRECTORY %q: want an https URL", c.ACMEDirectory)
		}
		if c.DomainSyncInterval <= 0 {
			bad("MARQUEE_DOMAIN_SYNC_INTERVAL must be positive")
		}
	}
	if _, _, err := net.SplitHostPort(c.DNSResolver); c.DNSResolver != "" && err != nil {
		bad("MARQUEE_DNS_RESOLVER %q: want host:port", c.DNSResolver)
	}
	for name, v := range map[string]int64{"MARQUEE_UPLOAD_MAX_SOURCE_BYTES": c.UploadMaxSource,
		"MARQUEE_UPLOAD_MAX_CAPTION_BYTES": c.UploadMaxCaption, "MARQUEE_UPLOAD_MAX_AUDIO_BYTES": c.UploadMaxAudio} {
		if v < 1 {
			bad("%s must be positive", name)
		}
	}
	if c.UploadDir == "" {
		bad("MARQUEE_UPLOAD_DIR must name a folder")
	}
	if c.ViewerActivationInterval < time.Second || c.ViewerActivationInterval > time.Minute {
		bad("MARQUEE_VIEWER_ACTIVATION_INTERVAL must be 1s to 1m")
	}
	if c.MediaWorkDir == "" {
		bad("MARQUEE_MEDIA_WORK_DIR must name a folder")
	}
	if c.CDNPurgeURL != "" {
		if u, err := url.Parse(c.CDNPurgeURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("MARQUEE_CDN_PURGE_URL must be an http(s) URL")
		}
		if len(c.CDNPurgeSecret) < 16 {
			bad("MARQUEE_CDN_PURGE_SECRET must be set (at least 16 characters) when MARQUEE_CDN_PURGE_URL is")
		}
	}
	if c.ArtworkMaxBytes < 1 || c.ArtworkMaxPixels < 1 {
		bad("MARQUEE_ARTWORK_MAX_BYTES and MARQUEE_ARTWORK_MAX_PIXELS must be positive")
	}
	if c.IngestFanOutAbove <= 0 || c.IngestChunk <= 0 || c.IngestHostTimeout <= 0 {
		bad("MARQUEE_INGEST_FANOUT_ABOVE, MARQUEE_INGEST_CHUNK and MARQUEE_INGEST_HOST_TIMEOUT must be positive")
	}
	if c.IngestTimeout <= 0 || c.IngestHeaderTimeout <= 0 {
		bad("MARQUEE_INGEST_TIMEOUT and MARQUEE_INGEST_HEADER_TIMEOUT must be positive")
	}
	for _, a := range c.IngestAllowAddrs {
		if _, err := netip.ParsePrefix(strings.TrimSpace(a)); err != nil {
			bad("MARQUEE_INGEST_ALLOW_ADDRS: %q is not a CIDR range (like 127.0.0.1/32)", a)
		}
	}
	if c.PlatformFeePercent < 0 || c.PlatformFeePercent > 100 {
		bad("MARQUEE_PLATFORM_FEE_PERCENT %v: want 0 to 100", c.PlatformFeePercent)
	}
	if c.StripeWebhookSecret == "" {
		bad("MARQUEE_STRIPE_WEBHOOK_SECRET must be set (the endpoint's whsec_… signing secret)")
	}
	if c.StripeWebhookTolerance <= 0 || c.BillingGracePeriod < 0 || c.EntitlementCacheTTL <= 0 {
		bad("MARQUEE_STRIPE_WEBHOOK_TOLERANCE and MARQUEE_ENTITLEMENT_CACHE_TTL must be positive, MARQUEE_BILLING_GRACE_PERIOD not negative")
	}
	if c.Production {
		if c.StripeWebhookSecret == "whsec_local" {
			bad("MARQUEE_STRIPE_WEBHOOK_SECRET is the dev default in production: set the endpoint's signing secret from Stripe")
		}
		if len(c.IngestAllowAddrs) > 0 {
			bad("MARQUEE_INGEST_ALLOW_ADDRS is for tests only: production never fetches from private addresses")
		}
		if c.SecretKey == "" || sealbox.IsDevKey(c.SecretKey) {
			bad("MARQUEE_SECRET_KEY is unset or the public development key in production: set 32 random bytes, base64 (openssl rand -base64 32)")
		}
		if strings.Contains(c.DatabaseURL, "marquee-dev") {
			bad("MARQUEE_DATABASE_URL uses the dev password in production")
		}
		if c.SMTPAddr == "" {
			bad("MARQUEE_SMTP_ADDR is required in production (the dev mailer only writes files)")
		}
		if !strings.HasPrefix(c.BaseURL, "https://") && c.BaseURL != "" {
			bad("MARQUEE_BASE_URL must be https:// in production")
		}
	}
	for name, v := range map[string]int{"MARQUEE_GRAPHQL_MAX_COMPLEXITY": c.MaxComplexity, "MARQUEE_GRAPHQL_MAX_DEPTH": c.MaxDepth,
		"MARQUEE_GRAPHQL_MAX_ALIASES": c.MaxAliases} {
		if v < 1 {
			bad("%s must be positive", name)
		}
	}
	return errors.Join(problems...)
}
