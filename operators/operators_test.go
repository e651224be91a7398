package operators_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pquerna/otp/totp"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
)

func ownerPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), testenv.OwnerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func service(t *testing.T) *operators.Service {
	t.Helper()
	box, err := sealbox.Open(sealbox.DevKey())
	if err != nil {
		t.Fatal(err)
	}
	return &operators.Service{DB: testenv.DB(t), Secrets: box}
}

func newOperator(t *testing.T) (string, string) {
	t.Helper()
	email := "ops-" + uuid.NewString()[:8] + "@platform.example.com"
	_, pw, err := operators.CreateOperator(context.Background(), ownerPool(t), email, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return email, pw
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// Invariant: the application role can neither read nor write the operator
// tables (accounts, sessions, log), nor call the internal session check; it
// reaches them only through the granted SECURITY DEFINER functions, and the
// cross-tenant ones refuse without a real two-factor session. The role still
// has no BYPASSRLS.
func TestOperatorTablesAreClosedToTheAppRole(t *testing.T) {
	ctx := context.Background()
	app := testenv.DB(t).Pool
	newOperator(t) // so the tables hold a row to leak
	for _, q := range []string{
		"SELECT * FROM operators",
		"SELECT * FROM operator_sessions",
		"SELECT * FROM operator_actions",
		"INSERT INTO operators (id, email, password_hash, created_at, updated_at) VALUES (gen_random_uuid(), 'x@example.com', 'x', now(), now())",
		"UPDATE operators SET password_hash = 'x'",
		"SELECT operator_session_holder(gen_random_uuid(), '\\x00', true)",
		"SELECT operator_require_session(gen_random_uuid(), '\\x00')",
	} {
		if _, err := app.Exec(ctx, q); pgCode(err) != "42501" {
			t.Errorf("app role: %s gave %v, want permission denied", q, err)
		}
	}
	for _, q := range []string{
		"SELECT * FROM operator_tenants(gen_random_uuid(), '\\x00', NULL, NULL, NULL, 10)",
		"SELECT operator_tenant_count(gen_random_uuid(), '\\x00', NULL)",
		"SELECT * FROM operator_actions_page(gen_random_uuid(), '\\x00', NULL, NULL, 10)",
		"SELECT operator_record_action(gen_random_uuid(), '\\x00', gen_random_uuid(), now(), 'x', NULL, '', '{}')",
	} {
		if _, err := app.Exec(ctx, q); pgCode(err) != "42501" {
			t.Errorf("without a session: %s gave %v, want refused", q, err)
		}
	}
	var bypass bool
	if err := app.QueryRow(ctx, "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&bypass); err != nil || bypass {
		t.Fatalf("the app role bypasses RLS: %v %v", bypass, err)
	}
	// Only the migrating role makes operators.
	if _, _, err := operators.CreateOperator(ctx, app, "sneaky@example.com", time.Now()); pgCode(err) != "42501" {
		t.Fatalf("the app role created an operator: %v", err)
	}
}

// Invariant: five wrong passwords lock an operator out for a while, the right
// password included.
func TestOperatorPasswordLockout(t *testing.T) {
	ctx := context.Background()
	s := service(t)
	email, pw := newOperator(t)
	for i := 0; i < 5; i++ {
		if _, err := s.Login(ctx, email, "wrong-password-1", tenants.ClientInfo{}); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	if _, err := s.Login(ctx, email, pw, tenants.ClientInfo{}); !errs.Is(err, errs.KindRateLimited) {
		t.Fatalf("right password while locked: %v", err)
	}
	if _, err := s.Login(ctx, "nobody@example.com", pw, tenants.ClientInfo{}); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("unknown operator: %v", err)
	}
}

// Invariant: a session's principal says whether two-factor is done, and the
// service refuses the password-only one for everything but the second step.
func TestOperatorServiceRefusesPasswordOnlySessions(t *testing.T) {
	ctx := context.Background()
	s := service(t)
	email, pw := newOperator(t)
	ch, err := s.Login(ctx, email, pw, tenants.ClientInfo{IP: "192.0.2.1"})
	if err != nil || ch.Enrollment == nil {
		t.Fatalf("login: %+v %v", ch, err)
	}
	half, err := s.Authenticate(ctx, ch.LoginToken)
	if err != nil || half.TwoFactor || half.Operator.Email != email {
		t.Fatalf("password-only principal: %+v %v", half, err)
	}
	if _, _, err := s.ListTenants(ctx, half, operators.TenantFilter{}, nil, 10); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("ListTenants with a password-only session: %v", err)
	}
	code, _ := totp.GenerateCode(ch.Enrollment.Secret, time.Now())
	sess, err := s.VerifyTOTP(ctx, ch.LoginToken, code)
	if err != nil {
		t.Fatal(err)
	}
	full, err := s.Authenticate(ctx, sess.Token)
	if err != nil || !full.TwoFactor {
		t.Fatalf("full principal: %+v %v", full, err)
	}
	if _, _, err := s.ListTenants(ctx, full, operators.TenantFilter{}, nil, 10); err != nil {
		t.Fatalf("ListTenants: %v", err)
	}
	if _, err := s.Authenticate(ctx, ch.LoginToken); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("the password-only token after the second step: %v", err)
	}
	// A reset ends every session and removes the authenticator.
	if _, err := operators.ResetOperator(ctx, ownerPool(t), email, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, sess.Token); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("a session after the reset: %v", err)
	}
}
