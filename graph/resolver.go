// Package graph is the GraphQL layer: the schema per domain under schema/, the
// gqlgen output, and resolvers that only translate a request into one domain
// call. It holds no rules: permissions are the @requires directive (Keto), and
// everything else is in the domain packages.
package graph

import (
	"context"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/contentkeys"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/domains"
	"github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/ratelimit"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
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
	// Billing is money: the Stripe connection, plans, Checkout, the portal
	// and entitlements.
	Billing *billing.Service
	// ViewerOf returns the signed-in viewer of a storefront request; nil or
	// false: no viewer (checkout and portal are then UNAUTHENTICATED). The
	// integrator wires it to viewers.FromContext.
	ViewerOf func(ctx context.Context) (uuid.UUID, bool)
}
