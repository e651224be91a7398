package operators

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators/internal/operatorsql"
	"github.com/marquee-ott/marquee/tenants"
)

// Owner is a connection as the migrating role (MARQUEE_MIGRATE_DATABASE_URL),
// the only one that may write the operators table. The application role
// cannot: nothing that serves requests can make an operator.
type Owner = db.Querier

// Account is an operator as the `marquee operator` command lists it.
type Account struct {
	Operator
	Enrolled bool // has an authenticator
}

// CreateOperator makes an operator account with a generated password, which
// it returns in clear once; only its hash is stored. The first sign-in enrols
// an authenticator app.
func CreateOperator(ctx context.Context, owner Owner, email string, now time.Time) (Operator, string, error) {
	email, err := checkEmail(email)
	if err != nil {
		return Operator{}, "", err
	}
	pw := newPassword()
	op := Operator{ID: uuid.Must(uuid.NewV7()), Email: email, CreatedAt: now.UTC()}
	err = operatorsql.New(owner).CreateOperator(ctx, operatorsql.CreateOperatorParams{ID: op.ID, Email: email,
		PasswordHash: tenants.HashPassword(pw), CreatedAt: op.CreatedAt})
	if _, dup := db.IsUniqueViolation(err); dup {
		return Operator{}, "", errs.Conflict("there is already an operator %s", email)
	} else if err != nil {
		return Operator{}, "", fmt.Errorf("operators.CreateOperator: %w", err)
	}
	return op, pw, nil
}

// ResetOperator gives an operator a new generated password (returned once),
// removes their authenticator, so the next sign-in enrols a new one, and ends
// their sessions: for a lost password or a lost phone.
func ResetOperator(ctx context.Context, owner Owner, email string, now time.Time) (string, error) {
	email, err := checkEmail(email)
	if err != nil {
		return "", err
	}
	pw := newPassword()
	q := operatorsql.New(owner)
	id, err := q.ResetOperator(ctx, operatorsql.ResetOperatorParams{Email: email, PasswordHash: tenants.HashPassword(pw), UpdatedAt: now})
	if db.IsNoRows(err) {
		return "", errs.NotFound("no operator %s", email)
	} else if err != nil {
		return "", fmt.Errorf("operators.ResetOperator: %w", err)
	}
	if err := q.RevokeOperatorSessions(ctx, operatorsql.RevokeOperatorSessionsParams{OperatorID: id, RevokedAt: &now}); err != nil {
		return "", fmt.Errorf("operators.ResetOperator: %w", err)
	}
	return pw, nil
}

// ListOperators lists every operator account.
func ListOperators(ctx context.Context, owner Owner) ([]Account, error) {
	rows, err := operatorsql.New(owner).ListOperators(ctx)
	if err != nil {
		return nil, fmt.Errorf("operators.ListOperators: %w", err)
	}
	out := make([]Account, 0, len(rows))
	for _, r := range rows {
		out = append(out, Account{Operator: Operator{ID: r.ID, Email: r.Email, CreatedAt: r.CreatedAt}, Enrolled: r.Enrolled})
	}
	return out, nil
}

func checkEmail(s string) (string, error) {
	s = normalizeEmail(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return "", errs.InvalidField("email", "%q is not an email address", s)
	}
	return s, nil
}

// newPassword makes 24 characters of an unambiguous alphabet in groups of
// four (about 120 bits): strong enough to keep, easy to type once.
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no i, l, o, 0, 1
	var sb strings.Builder
	for i := range 24 {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		sb.WriteByte(alphabet[n.Int64()])
	}
	return sb.String()
}
