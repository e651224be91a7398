// Package playback turns "a viewer wants to watch a title" into a playback
// session and guards everything the origin serves for it: the checks in
// order (the title and its READY asset, the availability window, the
// country, the profile's rating ceiling, the entitlement, the concurrent-
// stream limit), the session's HMAC token (bound to tenant, asset and
// session, expiring), the rewriting of HLS and DASH manifests so every child
// URL carries that token, the tenant's CDN signer (none, CloudFront signed
// URLs or cookies, a generic HMAC edge token), heartbeats, and the content
// key hand-out (live, entitled session; rate-limited; logged).
//
// It is not for HTTP (api/origin_*.go translates requests into these calls),
// nor for who a viewer is (package viewers: the edge hands a Viewer in), nor
// for what a viewer has paid for (billing implements Entitlements; until then
// Grants: free titles and a per-title "requires entitlement" flag with
// grants), nor for content keys themselves (KeySource: package contentkeys).
package playback

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/tenants"
)

// Identifiers.
type (
	SessionID = uuid.UUID
	AssetID   = uuid.UUID
	TitleID   = uuid.UUID
	ViewerID  = uuid.UUID
)

// Viewer is who asks for a session, as the edge's viewer authentication
// (package viewers' Principal) says: the consumer-side view of it.
type Viewer struct {
	ID      uuid.UUID
	Profile uuid.UUID
	Device  uuid.UUID
	// RatingCeiling is the profile's ceiling as a minimum age in decimal
	// digits ("12"); "" is no ceiling. A title whose rating's minimum age is
	// above it, or whose rating has no minimum age, is refused (RATING).
	RatingCeiling string
}

// Refusal codes: why a session was not started.
type Code string

// The codes a client can act on.
const (
	NotAvailableYet Code = "NOT_AVAILABLE_YET"
	Expired         Code = "EXPIRED"
	GeoBlocked      Code = "GEO_BLOCKED"
	RatingBlocked   Code = "RATING"
	NotEntitled     Code = "NOT_ENTITLED"
	TooManyStreams  Code = "TOO_MANY_STREAMS"
)

// Refusal is a session that was not started and why; it is an answer, not
// an error.
type Refusal struct {
	Code   Code
	Reason string // for people
}

// Decision is an entitlement check's answer.
type Decision struct {
	Allowed bool
	Ads     bool   // the viewer watches with ads (an ad-supported tier)
	Reason  string // why not, for people, when not Allowed
}

// Entitlements decides whether a viewer's profile may watch a title. Billing
// implements it later (plans, rentals, purchases); Grants is the interim
// implementation.
type Entitlements interface {
	Check(ctx context.Context, tenant tenants.ID, viewer ViewerID, profile uuid.UUID, title catalog.Title) (Decision, error)
}

// KeySource hands out an asset's AES-128 content key (package contentkeys'
// Store); a clear asset's key is NotFound.
type KeySource interface {
	AssetKey(ctx context.Context, tenant, asset uuid.UUID) ([]byte, error)
}

// Resumes gives the resume position of a title for a viewer's profile
// (continue watching, package viewers); nil: sessions start at 0.
type Resumes interface {
	ResumePosition(ctx context.Context, tenant tenants.ID, profile uuid.UUID, title TitleID) (time.Duration, error)
}

// Titles is what the Service needs of the catalog.
type Titles interface {
	GetTitle(ctx context.Context, tenant catalog.TenantID, id catalog.TitleID) (catalog.Title, error)
}

// StartRequest asks for a viewer's session of a title.
type StartRequest struct {
	Tenant  tenants.ID
	Viewer  Viewer
	Title   TitleID
	Country string // ISO 3166-1 alpha-2 from the CountryResolver; "" unknown
	Client  tenants.ClientInfo
}

// Session is a started playback session and what the player needs.
type Session struct {
	ID        SessionID
	Tenant    tenants.ID
	Asset     AssetID
	Title     *TitleID
	Viewer    *ViewerID
	Preview   bool
	Token     string
	HLSURL    string
	DASHURL   string // "" for HLS-only (encrypted) assets
	ExpiresAt time.Time
	// Resume is where to start playing.
	Resume time.Duration
	// Ads: the entitlement says this viewer watches with ads.
	Ads         bool
	AudioTracks []AudioTrack
	Subtitles   []Subtitle
	// Thumbnails is the tokenized URL of a WebVTT of scrubbing thumbnails
	// (cues pointing into sprite sheets); "" when the asset has none.
	Thumbnails string
	// Cookies to set on the CDN's domain when the tenant signs with
	// CloudFront signed cookies.
	Cookies   []Cookie
	StartedAt time.Time
	EndedAt   *time.Time
	EndReason string
	Position  time.Duration
}

// AudioTrack is one audio rendition of the asset.
type AudioTrack struct {
	Language string
	Channels int
	Name     string // what a player's menu shows; "" for the source's own audio
	// Descriptive: audio description for the blind and partially sighted.
	Descriptive bool
}

// Subtitle is one subtitle track.
type Subtitle struct {
	Language string
	Name     string
	// SDH: captions for the deaf and hard of hearing (sounds too), not
	// only a translation of the dialogue.
	SDH bool
	URL string // the WebVTT file, tokenized, for players that take sidecar text
}

// Limit is what the N+1th stream does.
type Limit string

// The tenant's choices.
const (
	LimitRefuse    Limit = "REFUSE"
	LimitEndOldest Limit = "END_OLDEST"
)

// StreamSettings is a tenant's concurrent-stream limit.
type StreamSettings struct {
	MaxStreams int // 0: no limit
	OnLimit    Limit
}
