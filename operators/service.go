package operators

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	mailer "github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/operators/internal/operatorsql"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/tenants"
)

// Permissions removes a deleted tenant's relation tuples; authz.Client
// implements it.
type Permissions interface {
	DeleteTenant(ctx context.Context, tenant uuid.UUID) error
}

// Service is the operators domain.
type Service struct {
	DB *db.DB
	// Tenants drops its cached principals and statuses when a tenant is
	// suspended, resumed or deleted, and lists owners to mail.
	Tenants *tenants.Service
	Perms   Permissions
	Blobs   *blob.Bucket
	Mail    mailer.Sender
	// Secrets seals the operators' TOTP seeds at rest (MARQUEE_SECRET_KEY).
	Secrets *sealbox.Box
	Now     func() time.Time
	BaseURL string // e.g. http://localhost:8080, for export links
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

var (
	errNotOperator = errs.Unauthorized("sign in as the platform operator")
	errNeedsTOTP   = errs.Forbidden("complete the two-factor step of the operator sign-in first")
)

// check refuses a principal that is not a signed-in operator with two-factor
// done. The @operator directive checks the same; services do not trust their
// callers to have.
func check(p Principal) error {
	switch {
	case p.SessionID == uuid.Nil:
		return errNotOperator
	case !p.TwoFactor:
		return errNeedsTOTP
	}
	return nil
}

// actor is p as the tenant's audit log records it.
func actor(ctx context.Context, p Principal) context.Context {
	c := tenants.ClientFrom(ctx)
	return audit.WithActor(ctx, audit.Actor{Type: "operator", ID: p.Operator.ID, Label: p.Operator.Email, IP: c.IP, UserAgent: c.UserAgent})
}

// logAction appends to the platform's operator log, which outlives tenants.
func (s *Service) logAction(ctx context.Context, p Principal, action string, tenant *tenants.ID, slug string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return errs.Internal(err)
	}
	return s.DB.System(ctx, func(tx db.Tx) error {
		return operatorsql.New(tx).OperatorRecordAction(ctx, operatorsql.OperatorRecordActionParams{SessionID: p.SessionID,
			SecretHash: p.proof, ID: uuid.Must(uuid.NewV7()), Now: s.now(), Action: action, SubjectTenant: tenant,
			SubjectSlug: slug, Details: raw})
	})
}

// Actions returns up to limit entries of the operator log older than after, newest first.
func (s *Service) Actions(ctx context.Context, p Principal, after *ActionCursor, limit int) ([]Action, error) {
	if err := check(p); err != nil {
		return nil, err
	}
	arg := operatorsql.OperatorActionsParams{SessionID: p.SessionID, SecretHash: p.proof, MaxRows: int32(limit)}
	if after != nil {
		arg.BeforeAt, arg.BeforeID = &after.At, &after.ID
	}
	var out []Action
	err := s.DB.System(ctx, func(tx db.Tx) error {
		rows, err := operatorsql.New(tx).OperatorActions(ctx, arg)
		for _, r := range rows {
			a := Action{ID: r.ID, At: r.At, OperatorEmail: r.OperatorEmail, Action: r.Action, TenantSlug: r.SubjectSlug}
			if r.SubjectTenant != uuid.Nil {
				a.Tenant = &r.SubjectTenant
			}
			_ = json.Unmarshal(r.Details, &a.Details)
			out = append(out, a)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("operators.Actions: %w", err)
	}
	return out, nil
}

// Session tokens: prefixSession + base64url(session id[16] | secret[32]).
// Unlike staff tokens they carry no tenant: operators have none.
const prefixSession = "mqo_"

type token struct {
	id     uuid.UUID
	secret []byte
}

func newToken() token {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return token{id: uuid.Must(uuid.NewV7()), secret: secret}
}

func (t token) String() string {
	return prefixSession + base64.RawURLEncoding.EncodeToString(append(t.id[:len(t.id):len(t.id)], t.secret...))
}

func (t token) hash() []byte {
	h := sha256.Sum256(t.secret)
	return h[:]
}

func parseToken(s string) (token, bool) {
	rest, ok := strings.CutPrefix(s, prefixSession)
	if !ok {
		return token{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) != 48 {
		return token{}, false
	}
	var t token
	copy(t.id[:], b[:16])
	t.secret = b[16:]
	return t, true
}

// IsToken reports whether s looks like an operator token (by its prefix), so
// the API edge knows whose it is before checking it.
func IsToken(s string) bool { return strings.HasPrefix(s, prefixSession) }
