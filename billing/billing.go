// Package billing is money: the tenant's Stripe Connect account (onboarding
// and status), the Stripe webhooks (verified, recorded once, routed to the
// tenant of the connected account), SVOD plans with Checkout and the customer
// portal, and the entitlement ledger with the model that answers "may this
// viewer play this title now, with or without ads?" (Check, cached).
//
// Every charge for a tenant's viewers is made on the tenant's connected
// account with the platform's application fee; a tenant without a connected,
// charges-enabled account cannot sell (Conflict, saying why). The ledger takes
// entitlements from any source (Stripe now; app-store receipts later) with an
// external id and a verification record.
//
// It is not for the HTTP edge (api/stripe_webhook.go translates a request
// into HandleWebhook) nor for playback itself: playback asks Check.
package billing

import (
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/marquee-ott/marquee/db"
)

// Source is where an entitlement comes from.
type Source string

// The sources; only Stripe and grants are written today, the app stores'
// receipts come later with their own verification.
const (
	SourceStripe Source = "stripe"
	SourceApple  Source = "apple"
	SourceGoogle Source = "google"
	SourceRoku   Source = "roku"
	SourceAmazon Source = "amazon"
	SourceGrant  Source = "grant"
	SourcePromo  Source = "promo"
)

// Kind is what was bought or given.
type Kind string

// The kinds of entitlement.
const (
	KindSVOD     Kind = "svod"
	KindTVODRent Kind = "tvod_rent"
	KindTVODBuy  Kind = "tvod_buy"
	KindPPV      Kind = "ppv"
	KindGrant    Kind = "grant"
)

// Scope is what an entitlement covers.
type Scope string

// The scopes.
const (
	ScopeLibrary     Scope = "library"
	ScopeCollections Scope = "collections"
	ScopeTitle       Scope = "title"
	ScopeEvent       Scope = "event"
)

// Model is how a title is sold.
type Model string

// The access models. A title with none set is SVOD.
const (
	ModelFree Model = "free" // anyone, no ads
	ModelAVOD Model = "avod" // anyone, with ads unless an ad-free entitlement covers it
	ModelSVOD Model = "svod" // a subscription (or rental, purchase or grant) covering it
	ModelTVOD Model = "tvod" // a rental, purchase or grant of it only
)

// Valid reports whether m is a known model.
func (m Model) Valid() bool {
	return m == ModelFree || m == ModelAVOD || m == ModelSVOD || m == ModelTVOD
}

// Decision is whether a viewer may play a title now. It has the fields of
// playback's decision, which the wiring adapts.
type Decision struct {
	Allowed bool
	Ads     bool
	Reason  string
}

// Entitlement is one row of the ledger.
type Entitlement struct {
	ID          uuid.UUID
	Viewer      uuid.UUID
	Source      Source
	ExternalID  string
	Kind        Kind
	Scope       Scope
	Collections []uuid.UUID
	Title       *uuid.UUID
	Event       *uuid.UUID
	Ads         bool
	Plan        *uuid.UUID
	// Status is the source's own word (Stripe: active, trialing, past_due, canceled).
	Status   string
	StartsAt time.Time
	EndsAt   *time.Time
	// RentalHours is a rental's viewing window, which starts at first play
	// (RentalStartedAt) inside the purchase window [StartsAt, EndsAt).
	RentalHours     *int
	RentalStartedAt *time.Time
	RevokedAt       *time.Time
	RevokeReason    string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Service is billing for every tenant.
type Service struct {
	DB *db.DB
	// Stripe talks to Stripe (or stripe-mock) with the platform's secret key;
	// calls for a tenant name its connected account. NewStripe makes one.
	Stripe *client.API
	// FeePercent is the platform's application fee on every sale, 0–100.
	FeePercent float64
	// WebhookSecret verifies Stripe-Signature; WebhookTolerance bounds the
	// age of a signed timestamp (zero: 5 minutes).
	WebhookSecret    string
	WebhookTolerance time.Duration
	// BaseURL is where Stripe sends viewers and staff back to.
	BaseURL string
	// GracePeriod is how long a subscription whose renewal failed keeps
	// playing (zero: 7 days).
	GracePeriod time.Duration
	// CacheTTL bounds how long a decision is reused (zero: 30 s); a change
	// through any process drops it at once (Changes).
	CacheTTL time.Duration
	Now      func() time.Time
	Log      *slog.Logger
	// Titles names a title in Checkout (catalog.Service); nil: a generic name.
	Titles Titles
	// Platform applies the platform account's own events (platformbilling);
	// nil: they are recorded and ignored.
	Platform PlatformEvents

	cache decisionCache
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (s *Service) grace() time.Duration {
	if s.GracePeriod > 0 {
		return s.GracePeriod
	}
	return 7 * 24 * time.Hour
}

func (s *Service) tolerance() time.Duration {
	if s.WebhookTolerance > 0 {
		return s.WebhookTolerance
	}
	return 5 * time.Minute
}
