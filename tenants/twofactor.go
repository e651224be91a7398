package tenants

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
	"rsc.io/qr"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
)

// Two-factor authentication is TOTP (RFC 6238: SHA-1, six digits, 30-second
// steps, what every authenticator app speaks) with ten single-use recovery
// codes. A code is accepted one step either side of now, never twice: the last
// accepted step is kept. Five wrong codes in a row (TOTP or recovery) lock the
// second factor for fifteen minutes.
const (
	totpPeriod              = 30
	totpIssuer              = "Marquee"
	challengeTTL            = 5 * time.Minute
	maxSecondFactorFailures = 5
	secondFactorLockout     = 15 * time.Minute
	recoveryCodeCount       = 10
)

// SecondFactorChallenge is what a right password earns an account with
// two-factor authentication on: a token to send with the second factor.
type SecondFactorChallenge struct {
	Token     string
	ExpiresAt time.Time
}

// TwoFactorStatus is a staff member's two-factor authentication.
type TwoFactorStatus struct {
	Enabled           bool
	EnabledAt         *time.Time
	RecoveryCodesLeft int
	// RequiredByWorkspace says the tenant requires two-factor authentication.
	RequiredByWorkspace bool
}

// TwoFactorEnrollment is a new TOTP secret awaiting confirmation by a code.
type TwoFactorEnrollment struct {
	Secret     string // base32, for typing into an authenticator app
	OTPAuthURL string // otpauth://totp/…, for scanning
	QRCode     string // OTPAuthURL as a QR code: a data:image/png;base64 URL
}

var (
	errNotSession       = errs.Invalid("this needs a staff member's session, not an API key")
	errWrongPassword    = errs.InvalidField("password", "wrong password")
	errWrongSecondCode  = errs.InvalidField("code", "wrong or already used code")
	errReusedTOTP       = errs.InvalidField("code", "this code was already used: wait for the next one")
	errChallengeExpired = errs.Unauthorized("the sign-in expired or is unknown: sign in with your password again")
	errNoSecrets        = errs.Internal(errors.New("tenants: no sealbox (MARQUEE_SECRET_KEY) configured"))
)

// committed is an error to report after committing the transaction that
// found it, so the failure counters it bumped are kept.
type committed struct{ err error }

func (c committed) Error() string { return c.err.Error() }

// inTenantCommitting runs fn in a tenant transaction; when fn returns a
// committed error, the transaction commits and that error is reported.
func (s *Service) inTenantCommitting(ctx context.Context, tenant ID, fn func(tx db.Tx, q *tenantsql.Queries, now time.Time) error) error {
	var soft error
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		err := fn(tx, tenantsql.New(tx), s.now())
		var c committed
		if errors.As(err, &c) {
			soft = c.err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return soft
}

// checkOwnPassword checks a signed-in staff member's password before a
// sensitive change. Wrong passwords count towards the same lock as logins.
func (s *Service) checkOwnPassword(ctx context.Context, q *tenantsql.Queries, tenant ID, st tenantsql.Staff, password, field string, now time.Time) error {
	if st.LockedUntil != nil && st.LockedUntil.After(now) {
		return errs.RateLimited("too many wrong passwords: try again after %s", st.LockedUntil.Format(time.RFC3339))
	}
	if checkPassword(st.PasswordHash, password) {
		return q.ResetLoginFailures(ctx, tenantsql.ResetLoginFailuresParams{TenantID: tenant, ID: st.ID})
	}
	if _, err := q.RecordLoginFailure(ctx, tenantsql.RecordLoginFailureParams{TenantID: tenant, ID: st.ID,
		MaxFailures: maxLoginFailures, LockUntil: now.Add(lockout)}); err != nil {
		return err
	}
	wrong := *errWrongPassword
	wrong.Field = field
	return committed{&wrong}
}

// sealAD binds a sealed TOTP secret to its staff member's row.
func sealAD(tenant ID, staff StaffID) []byte {
	return []byte("totp|" + tenant.String() + "|" + staff.String())
}

// matchTOTP returns the time step within one of now for which code is right, or -1.
func matchTOTP(secret, code string, now time.Time) int64 {
	step := now.Unix() / totpPeriod
	for _, st := range []int64{step, step - 1, step + 1} {
		want, err := hotp.GenerateCodeCustom(secret, uint64(st), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st
		}
	}
	return -1
}

// normalizeCode strips what people type around a code: spaces and hyphens.
func normalizeCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(code))
}

func isTOTPCode(c string) bool {
	if len(c) != 6 {
		return false
	}
	for _, r := range c {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkSecondFactor accepts a TOTP code (never one of an already used step)
// or, when recovery is true, an unused recovery code, which it uses up. tf
// must have been read FOR UPDATE, so two requests with one code cannot both
// pass. A wrong code is a committed error; the fifth in a row locks. It
// returns which factor was used: "totp" or "recovery_code".
func (s *Service) checkSecondFactor(ctx context.Context, q *tenantsql.Queries, tf tenantsql.StaffTwoFactor, code string, recovery bool, now time.Time) (string, error) {
	if tf.LockedUntil != nil && tf.LockedUntil.After(now) {
		return "", errs.RateLimited("too many wrong codes: try again after %s", tf.LockedUntil.Format(time.RFC3339))
	}
	c := normalizeCode(code)
	var wrong error = errWrongSecondCode
	switch {
	case isTOTPCode(c):
		secret, err := s.openSecret(tf)
		if err != nil {
			return "", err
		}
		step := matchTOTP(secret, c, now)
		if step >= 0 && step > tf.LastStep {
			return "totp", q.AcceptTwoFactorStep(ctx, tenantsql.AcceptTwoFactorStepParams{TenantID: tf.TenantID, StaffID: tf.StaffID, LastStep: step})
		}
		if step >= 0 {
			wrong = errReusedTOTP
		}
	case recovery && c != "":
		n, err := q.UseRecoveryCode(ctx, tenantsql.UseRecoveryCodeParams{TenantID: tf.TenantID, StaffID: tf.StaffID, CodeHash: hashCode(c), UsedAt: &now})
		if err != nil {
			return "", err
		}
		if n == 1 {
			return "recovery_code", q.ResetTwoFactorFailures(ctx, tenantsql.ResetTwoFactorFailuresParams{TenantID: tf.TenantID, StaffID: tf.StaffID})
		}
	}
	if _, err := q.RecordTwoFactorFailure(ctx, tenantsql.RecordTwoFactorFailureParams{TenantID: tf.TenantID, StaffID: tf.StaffID,
		MaxFailures: maxSecondFactorFailures, LockUntil: now.Add(secondFactorLockout)}); err != nil {
		return "", err
	}
	return "", committed{wrong}
}

func (s *Service) openSecret(tf tenantsql.StaffTwoFactor) (string, error) {
	if s.Secrets == nil {
		return "", errNoSecrets
	}
	b, err := s.Secrets.Open(tf.SecretSealed, sealAD(tf.TenantID, tf.StaffID))
	if err != nil {
		return "", errs.Internal(fmt.Errorf("tenants: open the TOTP secret of %s: %w", tf.StaffID, err))
	}
	return string(b), nil
}

// startChallenge records a five-minute challenge for a right password.
func (s *Service) startChallenge(ctx context.Context, q *tenantsql.Queries, tenant ID, staff StaffID, c ClientInfo, now time.Time) (SecondFactorChallenge, error) {
	if err := q.PurgeLoginChallenges(ctx, tenantsql.PurgeLoginChallengesParams{TenantID: tenant, StaffID: staff, Before: now}); err != nil {
		return SecondFactorChallenge{}, err
	}
	t := newToken(prefixChallenge, tenant, uuid.Must(uuid.NewV7()))
	ch := SecondFactorChallenge{Token: t.String(), ExpiresAt: now.Add(challengeTTL)}
	err := q.CreateLoginChallenge(ctx, tenantsql.CreateLoginChallengeParams{TenantID: tenant, ID: t.id, StaffID: staff, SecretHash: t.hash(),
		Ip: c.IP, UserAgent: truncate(c.UserAgent, 300), CreatedAt: now, ExpiresAt: ch.ExpiresAt})
	return ch, err
}

// LoginSecondFactor completes a sign-in that Login answered with a challenge:
// with a right TOTP or unused recovery code it starts the session. The
// challenge stays usable until it expires, so a mistyped code can be retried;
// wrong codes count towards the account's second-factor lock.
func (s *Service) LoginSecondFactor(ctx context.Context, challenge, code string, client ClientInfo) (Auth, error) {
	t, err := parseToken(strings.TrimSpace(challenge), prefixChallenge)
	if err != nil {
		return Auth{}, errChallengeExpired
	}
	var auth Auth
	err = s.inTenantCommitting(ctx, t.tenant, func(tx db.Tx, q *tenantsql.Queries, now time.Time) error {
		ch, err := q.GetLoginChallenge(ctx, tenantsql.GetLoginChallengeParams{TenantID: t.tenant, ID: t.id})
		if db.IsNoRows(err) || (err == nil && (!t.matches(ch.SecretHash) || ch.UsedAt != nil || now.After(ch.ExpiresAt))) {
			return errChallengeExpired
		} else if err != nil {
			return err
		}
		tf, err := q.GetTwoFactorForUpdate(ctx, tenantsql.GetTwoFactorForUpdateParams{TenantID: t.tenant, StaffID: ch.StaffID})
		if db.IsNoRows(err) || (err == nil && tf.EnabledAt == nil) {
			return errChallengeExpired // two-factor was turned off meanwhile: sign in again
		} else if err != nil {
			return err
		}
		factor, err := s.checkSecondFactor(ctx, q, tf, code, true, now)
		if err != nil {
			return err
		}
		if err := q.UseLoginChallenge(ctx, tenantsql.UseLoginChallengeParams{TenantID: t.tenant, ID: t.id, UsedAt: &now}); err != nil {
			return err
		}
		tok, err := s.startSession(ctx, q, t.tenant, ch.StaffID, client, now)
		if err != nil {
			return err
		}
		if auth, err = s.authFor(ctx, q, t.tenant, ch.StaffID, tok); err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{Type: "staff", ID: ch.StaffID, Label: auth.Staff.Email, IP: client.IP, UserAgent: client.UserAgent})
		return audit.Record(ctx, tx, t.tenant, now, "staff.login", "staff", ch.StaffID.String(), map[string]any{"secondFactor": factor})
	})
	if err != nil {
		return Auth{}, fmt.Errorf("tenants.LoginSecondFactor: %w", err)
	}
	return auth, nil
}

// TwoFactorStatus reports the principal's two-factor authentication.
func (s *Service) TwoFactorStatus(ctx context.Context, p Principal) (TwoFactorStatus, error) {
	if p.Kind != PrincipalStaff {
		return TwoFactorStatus{}, errNotSession
	}
	var out TwoFactorStatus
	err := s.DB.ReadTenant(ctx, p.Tenant, func(tx db.Querier) error {
		q := tenantsql.New(tx)
		tr, err := q.GetTenant(ctx, p.Tenant)
		if err != nil {
			return err
		}
		out.RequiredByWorkspace = tr.RequireTwoFactor
		tf, err := q.GetTwoFactor(ctx, tenantsql.GetTwoFactorParams{TenantID: p.Tenant, StaffID: p.Subject})
		if db.IsNoRows(err) || (err == nil && tf.EnabledAt == nil) {
			return nil
		} else if err != nil {
			return err
		}
		out.Enabled, out.EnabledAt = true, tf.EnabledAt
		n, err := q.CountRecoveryCodesLeft(ctx, tenantsql.CountRecoveryCodesLeftParams{TenantID: p.Tenant, StaffID: p.Subject})
		out.RecoveryCodesLeft = int(n)
		return err
	})
	return out, err
}

// EnrollTwoFactor starts enrolling the principal's authenticator: it checks
// the password, makes a new TOTP secret (replacing an unconfirmed one) and
// returns it to show. Nothing changes at sign-in until ConfirmTwoFactor.
func (s *Service) EnrollTwoFactor(ctx context.Context, p Principal, password string) (TwoFactorEnrollment, error) {
	if p.Kind != PrincipalStaff {
		return TwoFactorEnrollment{}, errNotSession
	}
	if s.Secrets == nil {
		return TwoFactorEnrollment{}, errNoSecrets
	}
	var out TwoFactorEnrollment
	err := s.inTenantCommitting(ctx, p.Tenant, func(tx db.Tx, q *tenantsql.Queries, now time.Time) error {
		st, err := q.GetStaff(ctx, tenantsql.GetStaffParams{TenantID: p.Tenant, ID: p.Subject})
		if err != nil {
			return err
		}
		if err := s.checkOwnPassword(ctx, q, p.Tenant, st, password, "password", now); err != nil {
			return err
		}
		if tf, err := q.GetTwoFactor(ctx, tenantsql.GetTwoFactorParams{TenantID: p.Tenant, StaffID: p.Subject}); err == nil && tf.EnabledAt != nil {
			return errs.Conflict("two-factor authentication is already on: turn it off first to enroll another authenticator")
		} else if err != nil && !db.IsNoRows(err) {
			return err
		}
		tr, err := q.GetTenant(ctx, p.Tenant)
		if err != nil {
			return err
		}
		key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: fmt.Sprintf("%s (%s)", st.Email, tr.Slug)})
		if err != nil {
			return err
		}
		out = TwoFactorEnrollment{Secret: key.Secret(), OTPAuthURL: key.URL()}
		if out.QRCode, err = qrDataURL(out.OTPAuthURL); err != nil {
			return err
		}
		return q.StartTwoFactor(ctx, tenantsql.StartTwoFactorParams{TenantID: p.Tenant, StaffID: p.Subject,
			SecretSealed: s.Secrets.Seal([]byte(out.Secret), sealAD(p.Tenant, p.Subject)), CreatedAt: now})
	})
	if err != nil {
		return TwoFactorEnrollment{}, fmt.Errorf("tenants.EnrollTwoFactor: %w", err)
	}
	return out, nil
}

func qrDataURL(text string) (string, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", err
	}
	c.Scale = 5
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(c.PNG()), nil
}

// ConfirmTwoFactor turns two-factor authentication on with a code from the
// newly enrolled authenticator and returns ten recovery codes, shown once.
func (s *Service) ConfirmTwoFactor(ctx context.Context, p Principal, code string) ([]string, error) {
	if p.Kind != PrincipalStaff {
		return nil, errNotSession
	}
	var codes []string
	defer s.forgetSubject(p.Tenant, p.Subject) // after the commit: sessions learn they have a second factor
	err := s.inTenantCommitting(ctx, p.Tenant, func(tx db.Tx, q *tenantsql.Queries, now time.Time) error {
		tf, err := q.GetTwoFactorForUpdate(ctx, tenantsql.GetTwoFactorForUpdateParams{TenantID: p.Tenant, StaffID: p.Subject})
		if db.IsNoRows(err) {
			return errs.InvalidField("code", "start enrolling an authenticator first")
		} else if err != nil {
			return err
		}
		if tf.EnabledAt != nil {
			return errs.Conflict("two-factor authentication is already on")
		}
		if _, err := s.checkSecondFactor(ctx, q, tf, code, false, now); err != nil {
			return err
		}
		if err := q.EnableTwoFactor(ctx, tenantsql.EnableTwoFactorParams{TenantID: p.Tenant, StaffID: p.Subject, EnabledAt: &now}); err != nil {
			return err
		}
		if codes, err = s.newRecoveryCodes(ctx, q, p, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Tenant, now, "staff.two_factor_enabled", "staff", p.Subject.String(), nil)
	})
	if err != nil {
		return nil, fmt.Errorf("tenants.ConfirmTwoFactor: %w", err)
	}
	return codes, nil
}

// DisableTwoFactor turns two-factor authentication off; it takes the
// password and a current TOTP or unused recovery code.
func (s *Service) DisableTwoFactor(ctx context.Context, p Principal, password, code string) error {
	if p.Kind != PrincipalStaff {
		return errNotSession
	}
	defer s.forgetSubject(p.Tenant, p.Subject)
	err := s.inTenantCommitting(ctx, p.Tenant, func(tx db.Tx, q *tenantsql.Queries, now time.Time) error {
		tf, err := q.GetTwoFactorForUpdate(ctx, tenantsql.GetTwoFactorForUpdateParams{TenantID: p.Tenant, StaffID: p.Subject})
		if db.IsNoRows(err) || (err == nil && tf.EnabledAt == nil) {
			return errs.Conflict("two-factor authentication is not on")
		} else if err != nil {
			return err
		}
		st, err := q.GetStaff(ctx, tenantsql.GetStaffParams{TenantID: p.Tenant, ID: p.Subject})
		if err != nil {
			return err
		}
		if err := s.checkOwnPassword(ctx, q, p.Tenant, st, password, "password", now); err != nil {
			return err
		}
		if _, err := s.checkSecondFactor(ctx, q, tf, code, true, now); err != nil {
			return err
		}
		if err := q.DeleteRecoveryCodes(ctx, tenantsql.DeleteRecoveryCodesParams{TenantID: p.Tenant, StaffID: p.Subject}); err != nil {
			return err
		}
		if err := q.DeleteTwoFactor(ctx, tenantsql.DeleteTwoFactorParams{TenantID: p.Tenant, StaffID: p.Subject}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Tenant, now, "staff.two_factor_disabled", "staff", p.Subject.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("tenants.DisableTwoFactor: %w", err)
	}
	return nil
}

// RegenerateRecoveryCodes replaces every recovery code with ten new ones,
// shown once; it takes a current TOTP or unused recovery code.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p Principal, code string) ([]string, error) {
	if p.Kind != PrincipalStaff {
		return nil, errNotSession
	}
	var codes []string
	err := s.inTenantCommitting(ctx, p.Tenant, func(tx db.Tx, q *tenantsql.Queries, now time.Time) error {
		tf, err := q.GetTwoFactorForUpdate(ctx, tenantsql.GetTwoFactorForUpdateParams{TenantID: p.Tenant, StaffID: p.Subject})
		if db.IsNoRows(err) || (err == nil && tf.EnabledAt == nil) {
			return errs.Conflict("two-factor authentication is not on")
		} else if err != nil {
			return err
		}
		if _, err := s.checkSecondFactor(ctx, q, tf, code, true, now); err != nil {
			return err
		}
		if codes, err = s.newRecoveryCodes(ctx, q, p, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Tenant, now, "staff.recovery_codes_regenerated", "staff", p.Subject.String(), nil)
	})
	if err != nil {
		return nil, fmt.Errorf("tenants.RegenerateRecoveryCodes: %w", err)
	}
	return codes, nil
}

// newRecoveryCodes replaces the principal's recovery codes. Each is 80 random
// bits as four groups of four base32 letters; only its SHA-256 is stored (80
// bits make a slow hash needless).
func (s *Service) newRecoveryCodes(ctx context.Context, q *tenantsql.Queries, p Principal, now time.Time) ([]string, error) {
	if err := q.DeleteRecoveryCodes(ctx, tenantsql.DeleteRecoveryCodesParams{TenantID: p.Tenant, StaffID: p.Subject}); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodeCount)
	for i := range codes {
		c := newRecoveryCode()
		if err := q.CreateRecoveryCode(ctx, tenantsql.CreateRecoveryCodeParams{TenantID: p.Tenant, ID: uuid.Must(uuid.NewV7()),
			StaffID: p.Subject, CodeHash: hashCode(normalizeCode(c)), CreatedAt: now}); err != nil {
			return nil, err
		}
		codes[i] = c
	}
	return codes, nil
}

func newRecoveryCode() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	var sb strings.Builder
	for i, v := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[v&31]) // 32 letters: each byte gives 5 uniform bits
	}
	return sb.String()
}

// SetRequireTwoFactor turns the workspace's two-factor requirement on or
// off. Turning it on needs the caller's own two-factor authentication, so an
// owner cannot shut themselves out. Cached sessions of the tenant learn of it
// at once.
func (s *Service) SetRequireTwoFactor(ctx context.Context, p Principal, required bool) (Tenant, error) {
	var t Tenant
	defer s.forget(func(c Principal) bool { return c.Tenant == p.Tenant })
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		q := tenantsql.New(tx)
		if required && p.Kind == PrincipalStaff {
			tf, err := q.GetTwoFactor(ctx, tenantsql.GetTwoFactorParams{TenantID: p.Tenant, StaffID: p.Subject})
			if db.IsNoRows(err) || (err == nil && tf.EnabledAt == nil) {
				return errs.InvalidField("required", "turn on two-factor authentication for your own account first")
			} else if err != nil {
				return err
			}
		}
		row, err := q.SetRequireTwoFactor(ctx, tenantsql.SetRequireTwoFactorParams{ID: p.Tenant, RequireTwoFactor: required, UpdatedAt: now})
		if err != nil {
			return err
		}
		t = tenantFromRow(row)
		return s.record(ctx, tx, p.Tenant, now, "tenant.updated", "tenant", p.Tenant.String(), map[string]any{"requireTwoFactor": required})
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("tenants.SetRequireTwoFactor: %w", err)
	}
	return t, nil
}
