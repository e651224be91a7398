// Package tenants is the platform's customers and their staff: sign-up, email
// verification, staff login and sessions, password reset, invitations and roles,
// API keys and app keys, and branding. It also resolves which tenant a request
// is for (slug, app key, key or session). It is not for viewers (package
// viewers) or for what staff may do (package authz decides; this package keeps
// Keto's tuples in step with the team).
package tenants

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/errs"
)

// ID identifies a tenant.
type ID = uuid.UUID

// StaffID identifies a staff member of a tenant.
type StaffID = uuid.UUID

// Status of a tenant.
type Status string

// Tenant statuses.
const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
)

// Tenant is a media company on the platform.
type Tenant struct {
	ID        ID
	Slug      string
	Name      string
	Status    Status
	Branding  Branding
	CreatedAt time.Time
	// RequireTwoFactor makes every staff member enroll in two-factor
	// authentication before doing anything else (see Principal.MustEnrollTwoFactor).
	RequireTwoFactor bool
}

// Branding is how a tenant's apps and console look.
type Branding struct {
	Tenant          ID // whose branding; the logo's URL needs it
	AppName         string
	PrimaryColor    string
	AccentColor     string
	BackgroundColor string
	LogoKey         string // blob key; empty when no logo
	LogoType        string
	LogoVersion     int
}

// Staff is a member of a tenant's team.
type Staff struct {
	ID            StaffID
	TenantID      ID
	Email         string
	Name          string
	Role          authz.Role
	EmailVerified bool
	CreatedAt     time.Time
}

// PrincipalKind says what kind of credential a request carries.
type PrincipalKind string

// Principal kinds.
const (
	PrincipalStaff  PrincipalKind = "staff"
	PrincipalAPIKey PrincipalKind = "api_key"
	PrincipalApp    PrincipalKind = "app" // an app key: storefront only, no staff rights
)

// Principal is who a request acts as, within one tenant.
type Principal struct {
	Tenant    ID
	Kind      PrincipalKind
	Subject   uuid.UUID // staff id or API key id; nil for apps
	Role      authz.Role
	Label     string // staff email or key name, for the audit log
	SessionID uuid.UUID
	// TwoFactor says the session's staff member has two-factor authentication
	// on; TwoFactorRequired that their workspace requires it. Sessions only.
	TwoFactor         bool
	TwoFactorRequired bool
}

// IsStaff reports whether p may act as staff (a session or an API key).
func (p Principal) IsStaff() bool { return p.Kind == PrincipalStaff || p.Kind == PrincipalAPIKey }

// MustEnrollTwoFactor reports whether p is a session whose workspace requires
// two-factor authentication that its staff member has not turned on: such a
// session may only enroll, read who it is and its tenant, and sign out; every
// other operation is refused with ErrTwoFactorRequired. API keys have no
// second factor and are not affected.
func (p Principal) MustEnrollTwoFactor() bool {
	return p.Kind == PrincipalStaff && p.TwoFactorRequired && !p.TwoFactor
}

// ErrTwoFactorRequired refuses an operation to a session that must enroll in
// two-factor authentication first.
var ErrTwoFactorRequired = errs.Forbidden("two-factor authentication is required by your workspace; enroll first")

type principalKey struct{}

// WithPrincipal returns ctx carrying p. Only the API edge calls it.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the context's principal, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Invitation is a pending invitation to join a team.
type Invitation struct {
	ID        uuid.UUID
	Email     string
	Role      authz.Role
	InvitedBy *StaffID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// APIKey is a secret credential for server-to-server use; its secret is shown once.
type APIKey struct {
	ID         uuid.UUID
	Name       string
	Role       authz.Role
	Hint       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// AppKey is a public identifier a tenant's apps embed to reach the storefront.
type AppKey struct {
	ID        uuid.UUID
	Key       string
	Name      string
	CreatedAt time.Time
	RevokedAt *time.Time
}

type clientKey struct{}

// WithClient returns ctx carrying where the request came from.
func WithClient(ctx context.Context, c ClientInfo) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns where the request came from, if the edge said.
func ClientFrom(ctx context.Context) ClientInfo {
	c, _ := ctx.Value(clientKey{}).(ClientInfo)
	return c
}
