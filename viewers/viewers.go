// Package viewers is the people who watch a tenant's apps: accounts (email
// and an argon2id password, verified by an emailed code), their profiles (a
// kids profile has a rating ceiling), devices (with a per-tenant limit),
// short-lived access tokens and rotating refresh tokens, "My List", resume
// positions, TV activation (OAuth 2.0 device authorization grant, RFC 8628),
// account deletion and the export of everything held about a viewer.
//
// Every row is a tenant's, under row-level security like the rest. It is not
// for staff (package tenants), for what a viewer may watch (entitlements are
// billing's) or for playback sessions (package playback reads a viewer's
// Principal from the request context through FromContext).
//
// Tokens: an access token is a JWT (HS256, key derived from the platform's
// secret key) with the tenant as its audience, valid AccessTTL; it is checked
// by signature and expiry alone, with no database read. A refresh token is an
// opaque secret stored hashed and usable once: using it returns a new pair and
// marks it used; presenting a used one again revokes its whole family (every
// token descended from the same sign-in). Signing out, removing a device,
// resetting the password or deleting the account revokes refresh tokens at
// once, and the access tokens already handed out stop working in this process
// at once and everywhere within AccessTTL.
package viewers

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	mailer "github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/ttl"
)

// Identifiers.
type (
	// TenantID identifies a tenant.
	TenantID = tenants.ID
	// ViewerID identifies a viewer account.
	ViewerID = uuid.UUID
	// ProfileID identifies a profile of an account.
	ProfileID = uuid.UUID
	// DeviceID identifies a registered device of an account.
	DeviceID = uuid.UUID
	// TitleID identifies a catalog title.
	TitleID = catalog.TitleID
)

// Lifetimes and limits.
const (
	AccessTTL          = 15 * time.Minute
	RefreshTTL         = 30 * 24 * time.Hour
	codeTTL            = 30 * time.Minute
	maxCodeAttempts    = 5
	maxLoginFailures   = 5
	lockout            = 15 * time.Minute
	MaxProfiles        = 5
	DefaultDeviceLimit = 5
	// FinishedShare is how much of a title counts as watched to the end: such
	// titles leave Continue Watching.
	FinishedShare = 0.95
)

// Principal is the signed-in viewer of a request: their tenant, account,
// selected profile (uuid.Nil before one is selected) and device. The API edge
// puts it in the context from a verified access token.
type Principal struct {
	Tenant  TenantID
	Viewer  ViewerID
	Profile ProfileID
	Device  DeviceID
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p. Only the API edge calls it.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's viewer, if a viewer token came with it.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Viewer is an account.
type Viewer struct {
	ID            ViewerID
	Tenant        TenantID
	Email         string
	EmailVerified bool
	CreatedAt     time.Time
	ProfileCount  int
	DeviceCount   int
}

// Profile is one person's space in an account: their list, their progress,
// and for a kids profile the oldest content rating it may watch.
type Profile struct {
	ID       ProfileID
	Viewer   ViewerID
	Name     string
	Avatar   string // one of the app's avatars, by its id; "" for the default
	Language string // BCP 47; "" for the app's default
	Kids     bool
	// RatingCeiling is the oldest rating the profile may watch (its MinAge is
	// always set); nil: no ceiling.
	RatingCeiling *catalog.Rating
	// PinProtected says selecting the profile needs its PIN.
	PinProtected bool
	CreatedAt    time.Time
	pinHash      string
}

// Allows reports whether a title of rating r may play on the profile: no
// ceiling allows everything; under a ceiling an unrated title is refused, a
// rating with a minimum age passes when that age is at most the ceiling's,
// and one without passes only when it is the ceiling's own rating.
func (p Profile) Allows(r *catalog.Rating) bool {
	c := p.RatingCeiling
	switch {
	case c == nil:
		return true
	case r == nil:
		return false
	case r.MinAge != nil && c.MinAge != nil:
		return *r.MinAge <= *c.MinAge
	}
	return r.System == c.System && r.Value == c.Value
}

// Platform is what a device runs on.
type Platform string

// Platforms.
const (
	PlatformWeb       Platform = "web"
	PlatformRoku      Platform = "roku"
	PlatformTVOS      Platform = "tvos"
	PlatformAndroidTV Platform = "androidtv"
	PlatformFireTV    Platform = "firetv"
	PlatformSamsung   Platform = "samsung"
	PlatformLG        Platform = "lg"
	PlatformIOS       Platform = "ios"
	PlatformAndroid   Platform = "android"
)

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool {
	switch p {
	case PlatformWeb, PlatformRoku, PlatformTVOS, PlatformAndroidTV, PlatformFireTV, PlatformSamsung, PlatformLG, PlatformIOS, PlatformAndroid:
		return true
	}
	return false
}

// Device is a registered device of an account.
type Device struct {
	ID         DeviceID
	Viewer     ViewerID
	Name       string
	Platform   Platform
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// DeviceInput names a device signing in.
type DeviceInput struct {
	Name     string
	Platform Platform
}

// Tokens is a signed-in device's token pair.
type Tokens struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    int // seconds the access token lives
	Viewer       ViewerID
	Profile      *ProfileID // nil until a profile is selected
	Device       DeviceID
}

// TokenType is always "Bearer".
func (Tokens) TokenType() string { return "Bearer" }

// DeviceLimits says how many devices a tenant's viewers may register. The
// billing package will implement it per plan; without one, the tenant's
// setting (SetDeviceLimit) applies, DefaultDeviceLimit when unset.
type DeviceLimits interface {
	DeviceLimit(ctx context.Context, tenant TenantID) (int, error)
}

// TenantNames names a tenant's app in emails (tenants.Service implements it).
type TenantNames interface {
	Get(ctx context.Context, id tenants.ID) (tenants.Tenant, error)
}

// Service is the viewers domain.
type Service struct {
	DB      *db.DB
	Mail    mailer.Sender
	Tenants TenantNames
	Signer  *Signer
	Limits  DeviceLimits // nil: the tenant's setting
	Now     func() time.Time
	Log     *slog.Logger // nil: slog.Default()
	// ActivationInterval is the polling interval a TV is told (RFC 8628
	// interval); zero means 5 s.
	ActivationInterval time.Duration

	// revoked holds devices and accounts whose access tokens must stop
	// working before they expire (sign-out, removal, deletion), for AccessTTL.
	revoked     ttl.Cache[uuid.UUID, time.Time]
	revokedOnce sync.Once // sets revoked.TTL before any use
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// revoke makes the access tokens issued so far to the given devices or
// accounts fail in this process until they would have expired anyway; tokens
// issued afterwards (signing in again) work. Tokens carry their issue time in
// milliseconds, so the revocation is kept at millisecond precision too: a
// token issued in the revocation's own millisecond counts as issued after it
// (signing in again on the same device revokes and issues within
// microseconds), one issued a millisecond or more before is refused.
func (s *Service) revoke(ids ...uuid.UUID) {
	now := s.now().Truncate(time.Millisecond)
	s.revocations()
	for _, id := range ids {
		if id != uuid.Nil {
			s.revoked.Set(id, now)
			s.announce(id, now)
		}
	}
}

// revocationsChannel carries revocations to the other API processes as
// "{device or account id}:{unix milliseconds}"; ids are UUIDs, unique across
// tenants, so the payload needs no tenant.
const revocationsChannel = "viewer_revocations"

// announce tells the other processes (Listen) of a revocation. Best effort:
// a process that misses it still refuses the token when it expires
// (AccessTTL), as before there was a message.
func (s *Service) announce(id uuid.UUID, at time.Time) {
	if s.DB == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	payload := id.String() + ":" + strconv.FormatInt(at.UnixMilli(), 10)
	if _, err := s.DB.Pool.Exec(ctx, `SELECT pg_notify($1, $2)`, revocationsChannel, payload); err != nil {
		s.logger().Warn("could not announce a viewer revocation", "id", id, "err", err)
	}
}

// Listen applies the revocations other processes announce, until ctx ends
// (run it in its own goroutine beside the API).
func (s *Service) Listen(ctx context.Context) {
	s.DB.Listen(ctx, revocationsChannel, s.logger(), func() {}, func(payload string) {
		id, ms, ok := strings.Cut(payload, ":")
		v, err := uuid.Parse(id)
		at, err2 := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil || err2 != nil {
			return
		}
		s.revocations()
		if prev, had := s.revoked.Get(v); !had || prev.Before(time.UnixMilli(at)) {
			s.revoked.Set(v, time.UnixMilli(at).UTC())
		}
	})
}

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) revocations() *ttl.Cache[uuid.UUID, time.Time] {
	s.revokedOnce.Do(func() { s.revoked.TTL = AccessTTL })
	return &s.revoked
}

func encodeCeiling(r *catalog.Rating) []byte {
	if r == nil {
		return nil
	}
	b, _ := json.Marshal(r)
	return b
}

func decodeCeiling(b []byte) *catalog.Rating {
	if len(b) == 0 {
		return nil
	}
	var r catalog.Rating
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	return &r
}
