package tenants

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	mailer "github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
)

// LoginInput is a staff login: the tenant's slug, email and password.
type LoginInput struct {
	Slug     string
	Email    string
	Password string
}

var errBadLogin = errs.Unauthorized("wrong slug, email or password")

// Login checks a staff member's password and starts a session. Five wrong
// passwords in a row lock the account for fifteen minutes, right password or not.
// When the account has two-factor authentication on, a right password starts
// no session: the Auth carries a five-minute challenge instead, which
// LoginSecondFactor completes with a TOTP or recovery code.
func (s *Service) Login(ctx context.Context, in LoginInput, client ClientInfo) (Auth, error) {
	tenant, err := s.ResolveSlug(ctx, in.Slug)
	if err != nil {
		checkPassword(dummyHash, in.Password)
		return Auth{}, errBadLogin
	}
	if err := s.CheckActive(ctx, tenant); err != nil {
		return Auth{}, err // a suspended tenant's hosts say so anyway: this tells no secret
	}
	email, err := normalizeEmail(in.Email)
	if err != nil {
		return Auth{}, err
	}
	var auth Auth
	var failed bool
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := tenantsql.New(tx)
		now := s.now()
		st, err := q.GetStaffByEmail(ctx, tenantsql.GetStaffByEmailParams{TenantID: tenant, Email: email})
		if db.IsNoRows(err) {
			checkPassword(dummyHash, in.Password)
			return errBadLogin
		} else if err != nil {
			return err
		}
		if st.LockedUntil != nil && st.LockedUntil.After(now) {
			return errs.RateLimited("too many failed logins: try again after %s", st.LockedUntil.Format(time.RFC3339))
		}
		if !checkPassword(st.PasswordHash, in.Password) {
			failed = true
			_, err := q.RecordLoginFailure(ctx, tenantsql.RecordLoginFailureParams{TenantID: tenant, ID: st.ID,
				MaxFailures: maxLoginFailures, LockUntil: now.Add(lockout)})
			return err // commit the failure count; the caller reports errBadLogin
		}
		if err := q.ResetLoginFailures(ctx, tenantsql.ResetLoginFailuresParams{TenantID: tenant, ID: st.ID}); err != nil {
			return err
		}
		if tf, err := q.GetTwoFactor(ctx, tenantsql.GetTwoFactorParams{TenantID: tenant, StaffID: st.ID}); err == nil && tf.EnabledAt != nil {
			ch, err := s.startChallenge(ctx, q, tenant, st.ID, client, now)
			if err != nil {
				return err
			}
			auth, err = s.authFor(ctx, q, tenant, st.ID, "")
			auth.SecondFactor = &ch
			return err
		} else if err != nil && !db.IsNoRows(err) {
			return err
		}
		tok, err := s.startSession(ctx, q, tenant, st.ID, client, now)
		if err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{Type: "staff", ID: st.ID, Label: st.Email, IP: client.IP, UserAgent: client.UserAgent})
		if err := audit.Record(ctx, tx, tenant, now, "staff.login", "staff", st.ID.String(), nil); err != nil {
			return err
		}
		auth, err = s.authFor(ctx, q, tenant, st.ID, tok)
		return err
	})
	if err != nil {
		return Auth{}, fmt.Errorf("tenants.Login: %w", err)
	}
	if failed {
		return Auth{}, errBadLogin
	}
	return auth, nil
}

// Authenticate turns a bearer credential (a session token or an API key) into
// a principal. A bad, expired or revoked credential is Unauthorized.
func (s *Service) Authenticate(ctx context.Context, credential string) (Principal, error) {
	if p, ok := s.principals.Get(credential); ok {
		return p, s.CheckActive(ctx, p.Tenant) // a suspension ends a cached principal too
	}
	var p Principal
	var err error
	if t, perr := parseToken(credential, prefixSession); perr == nil {
		p, err = s.authSession(ctx, t)
	} else if t, perr := parseToken(credential, prefixAPIKey); perr == nil {
		p, err = s.authAPIKey(ctx, t)
	} else {
		return Principal{}, errs.Unauthorized("unknown credential")
	}
	if err == nil {
		s.principals.Set(credential, p)
		err = s.CheckActive(ctx, p.Tenant)
	}
	return p, err
}

func (s *Service) authSession(ctx context.Context, t token) (Principal, error) {
	var p Principal
	err := s.DB.InTenant(ctx, t.tenant, func(tx db.Tx) error {
		q := tenantsql.New(tx)
		now := s.now()
		row, err := q.GetSession(ctx, tenantsql.GetSessionParams{TenantID: t.tenant, ID: t.id})
		if db.IsNoRows(err) || (err == nil && (!t.matches(row.SecretHash) || row.RevokedAt != nil || now.After(row.ExpiresAt))) {
			return errs.Unauthorized("session expired or signed out")
		} else if err != nil {
			return err
		}
		if now.Sub(row.LastSeenAt) > time.Minute { // a write per minute, not per request
			if err := q.TouchSession(ctx, tenantsql.TouchSessionParams{TenantID: t.tenant, ID: t.id, LastSeenAt: now}); err != nil {
				return err
			}
		}
		p = Principal{Tenant: t.tenant, Kind: PrincipalStaff, Subject: row.StaffID, Role: authz.Role(row.Role), Label: row.Email, SessionID: t.id,
			TwoFactor: row.TwoFactor, TwoFactorRequired: row.RequireTwoFactor}
		return nil
	})
	return p, err
}

func (s *Service) authAPIKey(ctx context.Context, t token) (Principal, error) {
	var p Principal
	err := s.DB.InTenant(ctx, t.tenant, func(tx db.Tx) error {
		q := tenantsql.New(tx)
		now := s.now()
		k, err := q.GetAPIKey(ctx, tenantsql.GetAPIKeyParams{TenantID: t.tenant, ID: t.id})
		if db.IsNoRows(err) || (err == nil && (!t.matches(k.SecretHash) || k.RevokedAt != nil)) {
			return errs.Unauthorized("API key revoked or unknown")
		} else if err != nil {
			return err
		}
		if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
			if err := q.TouchAPIKey(ctx, tenantsql.TouchAPIKeyParams{TenantID: t.tenant, ID: t.id, LastUsedAt: &now}); err != nil {
				return err
			}
		}
		p = Principal{Tenant: t.tenant, Kind: PrincipalAPIKey, Subject: k.ID, Role: authz.Role(k.Role), Label: "key:" + k.Name}
		return nil
	})
	return p, err
}

// Logout ends the principal's session.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if p.Kind != PrincipalStaff {
		return errs.Invalid("only a session can be signed out")
	}
	defer s.forget(func(c Principal) bool { return c.SessionID == p.SessionID })
	return s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		return tenantsql.New(tx).RevokeSession(ctx, tenantsql.RevokeSessionParams{TenantID: p.Tenant, ID: p.SessionID, RevokedAt: ptr(s.now())})
	})
}

func ptr[T any](v T) *T { return &v }

// issueCode stores a new one-time code for purpose and returns it in clear.
func (s *Service) issueCode(ctx context.Context, q *tenantsql.Queries, tenant ID, staff StaffID, purpose string, now time.Time) (string, error) {
	code := newCode()
	err := q.CreateEmailCode(ctx, tenantsql.CreateEmailCodeParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()), StaffID: staff,
		Purpose: purpose, CodeHash: hashCode(code), CreatedAt: now, ExpiresAt: now.Add(codeTTL)})
	return code, err
}

// sendCode mails a code; a mail failure is not the user's fault and the code
// can be asked for again, so it does not fail the operation.
func (s *Service) sendCode(ctx context.Context, to, slug, purpose, code string) {
	subject, what := "Verify your email for Marquee", "Your verification code"
	if purpose == "reset" {
		subject, what = "Reset your Marquee password", "Your password reset code"
	}
	_ = s.Mail.Send(ctx, mailer.Message{To: to, Subject: subject,
		Text: fmt.Sprintf("%s for workspace %q is: %s\n\nIt expires in 30 minutes.\n", what, slug, code)})
}

// useCode checks code against the latest unused code for purpose and marks it used.
func (s *Service) useCode(ctx context.Context, q *tenantsql.Queries, tenant ID, staff StaffID, purpose, code string, now time.Time) error {
	c, err := q.LatestEmailCode(ctx, tenantsql.LatestEmailCodeParams{TenantID: tenant, StaffID: staff, Purpose: purpose})
	if db.IsNoRows(err) {
		return errs.InvalidField("code", "no code was sent, or it was used: ask for a new one")
	} else if err != nil {
		return err
	}
	if c.Attempts >= maxCodeAttempts {
		return errs.RateLimited("too many wrong codes: ask for a new one")
	}
	if now.After(c.ExpiresAt) {
		return errs.InvalidField("code", "the code has expired: ask for a new one")
	}
	if string(hashCode(code)) != string(c.CodeHash) {
		if err := q.BumpEmailCodeAttempts(ctx, tenantsql.BumpEmailCodeAttemptsParams{TenantID: tenant, ID: c.ID}); err != nil {
			return err
		}
		return errWrongCode
	}
	return q.UseEmailCode(ctx, tenantsql.UseEmailCodeParams{TenantID: tenant, ID: c.ID, UsedAt: &now})
}

var errWrongCode = errs.InvalidField("code", "wrong code")

// VerifyEmail marks the principal's email verified with the emailed code.
func (s *Service) VerifyEmail(ctx context.Context, p Principal, code string) error {
	return s.inTenantKeepingFailures(ctx, p.Tenant, func(q *tenantsql.Queries, now time.Time) error {
		if err := s.useCode(ctx, q, p.Tenant, p.Subject, "verify", code, now); err != nil {
			return err
		}
		return q.MarkEmailVerified(ctx, tenantsql.MarkEmailVerifiedParams{TenantID: p.Tenant, ID: p.Subject, EmailVerifiedAt: &now})
	})
}

// inTenantKeepingFailures commits even when fn returns errWrongCode, so the
// attempt counter a wrong code bumped is kept, and then reports the error.
func (s *Service) inTenantKeepingFailures(ctx context.Context, tenant ID, fn func(*tenantsql.Queries, time.Time) error) error {
	var soft error
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		err := fn(tenantsql.New(tx), s.now())
		if err == errWrongCode {
			soft = err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return soft
}

// RequestPasswordReset emails a reset code. It answers the same whether or not
// the email has an account, so it cannot be used to find staff.
func (s *Service) RequestPasswordReset(ctx context.Context, slug, email string) error {
	tenant, err := s.ResolveSlug(ctx, slug)
	if err != nil {
		return nil
	}
	if email, err = normalizeEmail(email); err != nil {
		return err
	}
	var code string
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := tenantsql.New(tx)
		st, err := q.GetStaffByEmail(ctx, tenantsql.GetStaffByEmailParams{TenantID: tenant, Email: email})
		if db.IsNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		code, err = s.issueCode(ctx, q, tenant, st.ID, "reset", s.now())
		return err
	})
	if err == nil && code != "" {
		s.sendCode(ctx, email, slug, "reset", code)
	}
	return err
}

// ResetPassword sets a new password with an emailed code and ends every session.
func (s *Service) ResetPassword(ctx context.Context, slug, email, code, password string) error {
	tenant, err := s.ResolveSlug(ctx, slug)
	if err != nil {
		return errs.InvalidField("code", "wrong code")
	}
	if email, err = normalizeEmail(email); err != nil {
		return err
	}
	if err := validatePassword(password, email); err != nil {
		return err
	}
	var staff StaffID
	defer func() { s.forgetSubject(tenant, staff) }() // after the commit: no stale re-cache
	return s.inTenantKeepingFailures(ctx, tenant, func(q *tenantsql.Queries, now time.Time) error {
		st, err := q.GetStaffByEmail(ctx, tenantsql.GetStaffByEmailParams{TenantID: tenant, Email: email})
		staff = st.ID
		if db.IsNoRows(err) {
			return errs.InvalidField("code", "wrong code")
		} else if err != nil {
			return err
		}
		if err := s.useCode(ctx, q, tenant, st.ID, "reset", code, now); err != nil {
			return err
		}
		if err := q.SetPassword(ctx, tenantsql.SetPasswordParams{TenantID: tenant, ID: st.ID, PasswordHash: hashPassword(password)}); err != nil {
			return err
		}
		return q.RevokeStaffSessions(ctx, tenantsql.RevokeStaffSessionsParams{TenantID: tenant, StaffID: st.ID, RevokedAt: &now})
	})
}
