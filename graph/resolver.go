// Package graph is the GraphQL layer: the schema per domain under schema/, the
// gqlgen output, and resolvers that only translate a request into one domain
// call. It holds no rules: permissions are the @requires directive (Keto), and
// everything else is in the domain packages.
package graph

import (
	"context"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/artwork"
	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/contentkeys"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/domains"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/live"
	"github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/platformbilling"
	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/ratelimit"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
	"github.com/marquee-ott/marquee/viewers"
)

// Resolver is the GraphQL layer's only wiring.
type Resolver struct {
	DB      *db.DB
	Tenants *tenants.Service
	Authz   *authz.Client
	// DevMail is the dev mailer's folder; nil in production, where devMailbox is empty.
	DevMail *mail.Folder
	// Attempts limits sign-in-like attempts per client address (@attempts).
	Attempts *ratelimit.Limiter
	// BaseURL is the public base URL of the API, e.g. http://localhost:8080.
	BaseURL string
	// Webhooks is the tenant's webhook endpoints and deliveries.
	Webhooks *outbox.Service
	// Operators is the platform operator's sign-in and tenant administration.
	Operators *operators.Service
	// Domains is the tenant's custom domains.
	Domains *domains.Service
	// Uploads is files coming in: resumable uploads, URL ingest, captions.
	Uploads *uploads.Service
	// Assets is media assets: ingesting source uploads and following them.
	Assets *assets.Service
	// ContentKeys is per-asset encryption: the media settings and CPIX export.
	ContentKeys *contentkeys.Store
	// Catalog is titles, series, collections, rails and creators (staff and storefront).
	Catalog *catalog.Service
	// Viewers is viewer accounts, profiles, lists, progress and TV activation.
	ViewerAccounts *viewers.Service
	// Lifecycle is deleting assets and replacing titles' sources.
	Lifecycle *lifecycle.Service
	// Artwork makes titles' artwork in the app platforms' sizes.
	Artworks *artwork.Service
	// Playback starts and guards playback sessions; Grants is the interim
	// entitlement model's staff side (requires-entitlement flag, grants).
	Playback *playback.Service
	Grants   *playback.Grants
	// Countries resolves a viewer's country for playback enforcement.
	Countries *playback.Countries
	// ViewerOf is the signed-in viewer of a storefront request; the wiring
	// connects it to package viewers (viewers.FromContext). nil: no viewer
	// can start a session.
	ViewerOf func(ctx context.Context) (playback.Viewer, bool)
	// Billing is money: the Stripe connection, plans, Checkout, the portal
	// and entitlements.
	Billing *billing.Service
	// AccountOf returns the signed-in viewer of a storefront request; nil or
	// false: no viewer (checkout and portal are then UNAUTHENTICATED). The
	// integrator wires it to viewers.FromContext.
	AccountOf func(ctx context.Context) (uuid.UUID, bool)
	// PlatformBilling is Marquee billing the workspace: platform plans,
	// usage and invoices.
	PlatformBilling *platformbilling.Service
	// Apps is the white-label apps: builds, their logs and downloads, settings.
	Apps *apps.Service
	// Live is live events (their tickets are Billing's).
	Live *live.Service
}

// imageURL is where apps load an artwork key: the API's public image
// endpoint (api/images.go), which serves artwork renditions only.
func (r *Resolver) imageURL(key string) string {
	return r.BaseURL + "/images/" + key
}
