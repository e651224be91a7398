package tenants

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	mailer "github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
	"github.com/marquee-ott/marquee/ttl"
)

// Permissions keeps Keto's relation tuples in step with the team. authz.Client
// implements it.
type Permissions interface {
	SetRole(ctx context.Context, tenant, subject uuid.UUID, role authz.Role) error
	RemoveSubject(ctx context.Context, tenant, subject uuid.UUID) error
}

// Service is the tenants domain.
type Service struct {
	DB      *db.DB
	Perms   Permissions
	Mail    mailer.Sender
	Blobs   *blob.Bucket
	Now     func() time.Time
	BaseURL string // e.g. http://localhost:8080, for links in email
	Changes *Hub   // staff changes, for subscriptions; may be nil
	// Secrets seals TOTP secrets at rest (MARQUEE_SECRET_KEY); two-factor
	// enrollment and sign-in with a second factor fail without it.
	Secrets *sealbox.Box
	// Geo names the country of a session's address; nil names none.
	Geo GeoResolver

	// Quotas enforces the platform operator's limits where work is accepted
	// (operators.Service); nil enforces none.
	Quotas Quotas

	// Principals caches authenticated credentials for a moment, so a request
	// costs no session look-up; see CachePrincipals.
	principals ttl.Cache[string, Principal]
	// statuses caches whether a tenant is suspended, as long as principals.
	statuses ttl.Cache[ID, Status]
	// resolutions caches which tenant a slug or an app key names, as long as
	// principals: every storefront request resolves one.
	resolutions ttl.Cache[string, ID]
}

// CachePrincipals keeps an authenticated session or API key for d (zero, the
// default, keeps none). Signing out, a password reset, a role change, a removal
// or a key's revocation in this process drops the affected entries at once;
// done through another API process, it reaches this one within d.
func (s *Service) CachePrincipals(d time.Duration) {
	s.principals.TTL, s.statuses.TTL, s.resolutions.TTL = d, d, d
}

// forget drops cached principals that match.
func (s *Service) forget(match func(Principal) bool) {
	s.principals.DeleteFunc(func(_ string, p Principal) bool { return match(p) })
}

func (s *Service) forgetSubject(tenant ID, subject uuid.UUID) {
	s.forget(func(p Principal) bool { return p.Tenant == tenant && p.Subject == subject })
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Session lifetimes: a console session lasts two weeks from its last use.
const (
	sessionTTL       = 14 * 24 * time.Hour
	maxLoginFailures = 5
	lockout          = 15 * time.Minute
	codeTTL          = 30 * time.Minute
	maxCodeAttempts  = 5
	invitationTTL    = 7 * 24 * time.Hour
)

var slugRe = regexp.MustCompile(`^[a-z][a-z0-9-]{1,38}[a-z0-9]$`)

// Slugs that would shadow platform hosts or paths.
var reservedSlugs = map[string]bool{"www": true, "api": true, "console": true, "admin": true,
	"play": true, "app": true, "static": true, "graphql": true, "mail": true, "status": true}

// SignUpInput is what a new tenant gives.
type SignUpInput struct {
	CompanyName string
	Slug        string
	OwnerName   string
	OwnerEmail  string
	Password    string
}

// Validate reports every problem with the input at once in its message.
func (in *SignUpInput) Validate() error {
	in.CompanyName = strings.TrimSpace(in.CompanyName)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.OwnerName = strings.TrimSpace(in.OwnerName)
	var err error
	if in.OwnerEmail, err = normalizeEmail(in.OwnerEmail); err != nil {
		return err
	}
	switch {
	case in.CompanyName == "" || len(in.CompanyName) > 100:
		return errs.InvalidField("companyName", "company name must be 1 to 100 characters")
	case !slugRe.MatchString(in.Slug) || strings.Contains(in.Slug, "--"):
		return errs.InvalidField("slug", "slug must be 3 to 40 lowercase letters, digits or single hyphens, starting with a letter")
	case reservedSlugs[in.Slug]:
		return errs.InvalidField("slug", "slug %q is reserved", in.Slug)
	}
	return validatePassword(in.Password, in.OwnerEmail)
}

func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return "", errs.InvalidField("email", "%q is not an email address", s)
	}
	return strings.ToLower(s), nil
}

// Auth is a signed-in staff member and the bearer token of their session.
// After a right password for an account with two-factor authentication on,
// Token is empty and SecondFactor holds the challenge to complete the sign-in
// with (LoginSecondFactor).
type Auth struct {
	Token        string
	Staff        Staff
	Tenant       Tenant
	SecondFactor *SecondFactorChallenge
}

// SignUp creates a tenant with its owner, signs the owner in and emails a
// verification code.
func (s *Service) SignUp(ctx context.Context, in SignUpInput, client ClientInfo) (Auth, error) {
	if err := in.Validate(); err != nil {
		return Auth{}, err
	}
	tenant, owner := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	// Keto first, then the rows: a failed insert leaves a tuple for ids nobody
	// holds, which we remove; the reverse order could leave an owner without rights.
	if err := s.Perms.SetRole(ctx, tenant, owner, authz.RoleOwner); err != nil {
		return Auth{}, fmt.Errorf("tenants.SignUp: %w", err)
	}
	var auth Auth
	var code string
	ctx = audit.WithActor(ctx, audit.Actor{Type: "staff", ID: owner, Label: in.OwnerEmail, IP: client.IP, UserAgent: client.UserAgent})
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		q := tenantsql.New(tx)
		if err := q.CreateTenant(ctx, tenantsql.CreateTenantParams{ID: tenant, Slug: in.Slug, Name: in.CompanyName, AppName: in.CompanyName, CreatedAt: now}); err != nil {
			if _, ok := db.IsUniqueViolation(err); ok {
				return errs.Conflict("the slug %q is taken", in.Slug)
			}
			return err
		}
		if err := q.CreateStaff(ctx, tenantsql.CreateStaffParams{TenantID: tenant, ID: owner, Email: in.OwnerEmail,
			Name: in.OwnerName, PasswordHash: hashPassword(in.Password), Role: string(authz.RoleOwner), CreatedAt: now}); err != nil {
			return err
		}
		var err error
		if code, err = s.issueCode(ctx, q, tenant, owner, "verify", now); err != nil {
			return err
		}
		if auth.Token, err = s.startSession(ctx, q, tenant, owner, client, now); err != nil {
			return err
		}
		if auth, err = s.authFor(ctx, q, tenant, owner, auth.Token); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, tenant, now, "tenant.created", "tenant", tenant.String(), map[string]any{"slug": in.Slug}); err != nil {
			return err
		}
		return outbox.Emit(ctx, tx, tenant, now, outbox.Event{Type: "tenant.created", ObjectType: "tenant", ObjectID: tenant.String(),
			Payload: map[string]any{"id": tenant, "slug": in.Slug, "name": in.CompanyName}})
	})
	if err != nil {
		_ = s.Perms.RemoveSubject(context.WithoutCancel(ctx), tenant, owner)
		return Auth{}, fmt.Errorf("tenants.SignUp %s: %w", in.Slug, err)
	}
	s.sendCode(ctx, in.OwnerEmail, in.Slug, "verify", code)
	return auth, nil
}

// ClientInfo is where a request came from, for sessions and the audit log.
type ClientInfo struct {
	IP        string
	UserAgent string
}

func (s *Service) startSession(ctx context.Context, q *tenantsql.Queries, tenant ID, staff StaffID, c ClientInfo, now time.Time) (string, error) {
	t := newToken(prefixSession, tenant, uuid.Must(uuid.NewV7()))
	err := q.CreateSession(ctx, tenantsql.CreateSessionParams{TenantID: tenant, ID: t.id, StaffID: staff, SecretHash: t.hash(),
		UserAgent: truncate(c.UserAgent, 300), Ip: c.IP, CreatedAt: now, ExpiresAt: now.Add(sessionTTL)})
	return t.String(), err
}

func (s *Service) authFor(ctx context.Context, q *tenantsql.Queries, tenant ID, staff StaffID, tok string) (Auth, error) {
	tr, err := q.GetTenant(ctx, tenant)
	if err != nil {
		return Auth{}, err
	}
	st, err := q.GetStaff(ctx, tenantsql.GetStaffParams{TenantID: tenant, ID: staff})
	if err != nil {
		return Auth{}, err
	}
	return Auth{Token: tok, Tenant: tenantFromRow(tr), Staff: staffFromRow(st)}, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
