// Package operators is the platform operator: the people who run Marquee
// itself, as opposed to any tenant's staff. It holds their accounts, their
// sign-in (a password, then a TOTP code, always: the first sign-in enrols an
// authenticator), their sessions (bearer tokens prefixed mqo_), and what they
// may do to tenants: list them with their usage, set their quotas, suspend
// and resume them, export their data and delete them. It also enforces the
// quotas where tenant work is accepted (tenants.Quotas) and keeps the usage
// counters later metering adds to (AddUsage).
//
// Operators belong to no tenant. Their accounts, sessions and action log are
// platform tables the application's database role cannot read: it reaches
// them only through SECURITY DEFINER functions (migration 00003) that answer
// about one address or one session, and those that read across tenants
// answer only to a session whose secret hash matches and whose two-factor
// step is done. Operators are created only by the migrating role (the
// `marquee operator` command). Work on one tenant runs inside that tenant's
// own binding (db.InTenant), under row-level security like any tenant work,
// and is recorded in that tenant's audit log with actor type "operator".
//
// It is not for a tenant's content or its viewers' data: an operator sees a
// tenant's name, status, usage and quotas, and its data only as the export
// taken before a deletion.
package operators

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// ID identifies an operator.
type ID = uuid.UUID

// Operator is a person who runs the platform.
type Operator struct {
	ID        ID
	Email     string
	CreatedAt time.Time
}

// Principal is a request's signed-in operator. TwoFactor is false for the
// password-only session between the two sign-in steps, which may do nothing
// but complete them.
type Principal struct {
	Operator  Operator
	SessionID uuid.UUID
	TwoFactor bool
	// proof is the SHA-256 of the session's secret, which the database's
	// operator functions ask for before they answer.
	proof []byte
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p. Only the API edge calls it.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the context's operator, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Enrollment is the authenticator an operator sets up at first sign-in.
type Enrollment struct {
	Secret string // base32, to type in
	URI    string // otpauth://totp/…, what the QR code holds
	QRCode string // data: URL of a PNG of the URI
}

// Challenge is a right password: a token good for ten minutes and for
// nothing but VerifyTOTP, and, for an operator without an authenticator, the
// one to enrol.
type Challenge struct {
	LoginToken string
	Enrollment *Enrollment
	ExpiresAt  time.Time
}

// Session is a signed-in operator and the bearer token of their session.
type Session struct {
	Token     string
	Operator  Operator
	ExpiresAt time.Time
}

// Tenant is a tenant as the operator sees it: who it is, its state, its
// quotas and its team's size; nothing of its content.
type Tenant struct {
	ID              tenants.ID
	Slug            string
	Name            string
	Status          tenants.Status
	StatusReason    string
	StatusChangedAt *time.Time
	CreatedAt       time.Time
	Quotas          Quotas
	Staff           int // seats taken
	Invitations     int // pending invitations, each a seat when accepted
}

// TenantFilter narrows the tenant list; nil fields do not filter.
type TenantFilter struct {
	Status *tenants.Status
}

// TenantCursor marks a place in the tenant list (newest first).
type TenantCursor struct {
	CreatedAt time.Time
	ID        tenants.ID
}

// Quotas are a tenant's limits; nil is unlimited.
type Quotas struct {
	StorageBytes *int64
	Seats        *int
}

// Validate reports the first bad limit.
func (q Quotas) Validate() error {
	if q.StorageBytes != nil && *q.StorageBytes < 0 {
		return errs.InvalidField("storageBytes", "the storage quota must be 0 bytes or more")
	}
	if q.Seats != nil && (*q.Seats < 1 || *q.Seats > 100_000) {
		return errs.InvalidField("seats", "the seat quota must be between 1 and 100000")
	}
	return nil
}

// Usage is what a tenant uses now and this calendar month (UTC).
type Usage struct {
	Period         string // "2026-05"
	StorageBytes   int64  // under tenants/{id}/ in blob storage, listed now
	Staff          int
	Invitations    int
	EncodedMinutes float64 // from usage_counters; zero until encoding is metered
	StreamedHours  float64 // likewise for playback
}

// Usage metrics in usage_counters, counted in whole seconds.
const (
	MetricEncodedSeconds  = "encoded_seconds"
	MetricStreamedSeconds = "streamed_seconds"
)

// Export is one export of a tenant's data, a JSON document in blob storage
// under exports/{tenant}/. Exports outlive the tenant.
type Export struct {
	Tenant    tenants.ID
	Name      string // file name, unique per tenant
	Key       string // blob key
	Size      int64
	CreatedAt time.Time
}

// Deletion is a deleted tenant: what it was and where its export is.
type Deletion struct {
	Tenant    tenants.ID
	Slug      string
	Export    Export
	DeletedAt time.Time
}

// Action is one entry of the platform's log of operator actions.
type Action struct {
	ID            uuid.UUID
	At            time.Time
	OperatorEmail string
	Action        string
	Tenant        *tenants.ID
	TenantSlug    string
	Details       map[string]any
}

// ActionCursor marks a place in the action log (newest first).
type ActionCursor struct {
	At time.Time
	ID uuid.UUID
}
