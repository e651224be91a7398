package operators

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators/internal/operatorsql"
	"github.com/marquee-ott/marquee/tenants"
)

// Sign-in limits. An operator can do more than any tenant's owner, so the
// session is short and the second factor is never optional.
const (
	challengeTTL     = 10 * time.Minute // between the password and the code
	sessionTTL       = 12 * time.Hour   // from sign-in, however active
	maxLoginFailures = 5
	lockout          = 15 * time.Minute
	maxCodeFailures  = 5 // wrong codes before the password step must be redone
	totpIssuer       = "Marquee"
	totpPeriod       = 30
)

var (
	errBadLogin = errs.Unauthorized("wrong email or password")
	errExpired  = errs.Unauthorized("the sign-in expired or was ended: sign in with your password again")
	errBadCode  = errs.InvalidField("code", "wrong code")
	errReplay   = errs.InvalidField("code", "this code was used already: wait for the next one")
	dummyHash   = tenants.HashPassword("not an operator password, only a timing decoy")
)

// totpOpts are what every authenticator app does: six digits every 30
// seconds with HMAC-SHA1 (RFC 6238's defaults), one step of clock skew.
var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// sealAD binds a sealed seed to its operator, so a seed copied onto another
// operator's row does not open.
func sealAD(op ID) []byte { return []byte("operator-totp:" + op.String()) }

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Login checks an operator's password. A right one returns a challenge: the
// token VerifyTOTP needs with a code, and at first sign-in the authenticator
// to enrol. Five wrong passwords in a row lock the account for fifteen
// minutes, right password or not.
func (s *Service) Login(ctx context.Context, email, password string, client tenants.ClientInfo) (Challenge, error) {
	email = normalizeEmail(email)
	var ch Challenge
	var failed bool
	err := s.DB.System(ctx, func(tx db.Tx) error {
		q := operatorsql.New(tx)
		now := s.now()
		op, err := q.OperatorForLogin(ctx, email)
		if db.IsNoRows(err) {
			tenants.CheckPassword(dummyHash, password)
			return errBadLogin
		} else if err != nil {
			return err
		}
		if op.LockedUntil.After(now) {
			return errs.RateLimited("too many failed sign-ins: try again after %s", op.LockedUntil.UTC().Format(time.RFC3339))
		}
		if !tenants.CheckPassword(op.PasswordHash, password) {
			failed = true
			return q.OperatorLoginFailed(ctx, operatorsql.OperatorLoginFailedParams{OperatorID: op.ID,
				MaxFailures: maxLoginFailures, LockUntil: now.Add(lockout)})
		}
		var sealed []byte
		if !op.Enrolled {
			if s.Secrets == nil {
				return errs.Unavailable(nil, "two-factor enrolment is not configured (MARQUEE_SECRET_KEY)")
			}
			en, secret, err := newEnrollment(email)
			if err != nil {
				return errs.Internal(err)
			}
			ch.Enrollment = &en
			sealed = s.Secrets.Seal([]byte(secret), sealAD(op.ID))
		}
		t := newToken()
		ch.LoginToken, ch.ExpiresAt = t.String(), now.Add(challengeTTL)
		return q.OperatorOpenSession(ctx, operatorsql.OperatorOpenSessionParams{OperatorID: op.ID, SessionID: t.id,
			SecretHash: t.hash(), EnrollSealed: sealed, Ip: client.IP, UserAgent: truncate(client.UserAgent, 300),
			Now: now, ExpiresAt: ch.ExpiresAt})
	})
	if err != nil {
		return Challenge{}, fmt.Errorf("operators.Login: %w", err)
	}
	if failed {
		return Challenge{}, errBadLogin
	}
	return ch, nil
}

func newEnrollment(email string) (Enrollment, string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrollment{}, "", err
	}
	en := Enrollment{Secret: key.Secret(), URI: key.URL()}
	if img, err := key.Image(240, 240); err == nil {
		var buf bytes.Buffer
		if png.Encode(&buf, img) == nil {
			en.QRCode = "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
		}
	}
	return en, key.Secret(), nil
}

// VerifyTOTP completes a sign-in with a code from the operator's
// authenticator (at first sign-in, the one just enrolled, which the code
// confirms). It ends the password-only session and starts a full one with a
// new token (from the address the password came from). A code is accepted
// once; five wrong codes end the challenge.
func (s *Service) VerifyTOTP(ctx context.Context, loginToken, code string) (Session, error) {
	t, ok := parseToken(strings.TrimSpace(loginToken))
	if !ok {
		return Session{}, errs.InvalidField("loginToken", "not an operator sign-in token")
	}
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	var sess Session
	var soft error // a wrong code: its count must commit
	err := s.DB.System(ctx, func(tx db.Tx) error {
		q := operatorsql.New(tx)
		now := s.now()
		st, err := q.OperatorTOTPState(ctx, operatorsql.OperatorTOTPStateParams{SessionID: t.id, SecretHash: t.hash()})
		if db.IsNoRows(err) {
			return errExpired
		} else if err != nil {
			return err
		}
		sealed := st.TotpSealed
		if sealed == nil {
			sealed = st.EnrollSealed
		}
		if sealed == nil || s.Secrets == nil {
			return errs.Unavailable(nil, "two-factor sign-in is not configured (MARQUEE_SECRET_KEY)")
		}
		secret, err := s.Secrets.Open(sealed, sealAD(st.OperatorID))
		if err != nil {
			return errs.Internal(fmt.Errorf("open the TOTP seed of operator %s: %w", st.OperatorID, err))
		}
		step, ok := matchCode(string(secret), code, now)
		if !ok {
			n, err := q.OperatorTOTPFailed(ctx, operatorsql.OperatorTOTPFailedParams{SessionID: t.id, SecretHash: t.hash(),
				MaxFailures: maxCodeFailures, Now: now})
			if err != nil {
				return err
			}
			soft = errBadCode
			if n >= maxCodeFailures {
				soft = errs.RateLimited("too many wrong codes: sign in with your password again")
			}
			return nil
		}
		full := newToken()
		passed, err := q.OperatorTOTPPassed(ctx, operatorsql.OperatorTOTPPassedParams{SessionID: t.id, SecretHash: t.hash(),
			Step: step, NewSessionID: full.id, NewSecretHash: full.hash(), Now: now, ExpiresAt: now.Add(sessionTTL)})
		if err != nil {
			return err
		}
		if !passed {
			soft = errReplay
			return nil
		}
		sess = Session{Token: full.String(), ExpiresAt: now.Add(sessionTTL),
			Operator: Operator{ID: st.OperatorID, Email: st.Email}}
		return nil
	})
	if err != nil {
		return Session{}, fmt.Errorf("operators.VerifyTOTP: %w", err)
	}
	if soft != nil {
		return Session{}, soft
	}
	p, err := s.Authenticate(ctx, sess.Token)
	if err != nil {
		return Session{}, fmt.Errorf("operators.VerifyTOTP: %w", err)
	}
	sess.Operator = p.Operator
	if err := s.logAction(ctx, p, "operator.signed_in", nil, "", map[string]any{"ip": tenants.ClientFrom(ctx).IP}); err != nil {
		return Session{}, fmt.Errorf("operators.VerifyTOTP: %w", err)
	}
	return sess, nil
}

// matchCode finds the time step, within one step of now, whose code is code.
func matchCode(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	for _, d := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / totpPeriod, true
		}
	}
	return 0, false
}

// Authenticate turns an operator token into a principal: a full session, or
// the password-only one between the sign-in steps (TwoFactor false). A bad,
// expired or ended token is Unauthorized. Nothing is cached: operators are
// few, and a sign-out must end a session at once.
func (s *Service) Authenticate(ctx context.Context, tok string) (Principal, error) {
	t, ok := parseToken(tok)
	if !ok {
		return Principal{}, errs.Unauthorized("not an operator token")
	}
	var p Principal
	err := s.DB.System(ctx, func(tx db.Tx) error {
		q := operatorsql.New(tx)
		row, err := q.OperatorSession(ctx, operatorsql.OperatorSessionParams{SessionID: t.id, SecretHash: t.hash()})
		if db.IsNoRows(err) {
			return errs.Unauthorized("operator session expired or signed out")
		} else if err != nil {
			return err
		}
		now := s.now()
		if now.Sub(row.LastSeenAt) > time.Minute { // a write per minute, not per request
			if err := q.OperatorTouchSession(ctx, operatorsql.OperatorTouchSessionParams{SessionID: t.id, SecretHash: t.hash(), Now: now}); err != nil {
				return err
			}
		}
		p = Principal{Operator: Operator{ID: row.OperatorID, Email: row.Email, CreatedAt: row.OperatorCreatedAt},
			SessionID: t.id, TwoFactor: row.TwoFactor, proof: t.hash()}
		return nil
	})
	return p, err
}

// Logout ends the principal's session.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if p.SessionID == [16]byte{} {
		return errNotOperator
	}
	return s.DB.System(ctx, func(tx db.Tx) error {
		return operatorsql.New(tx).OperatorEndSession(ctx, operatorsql.OperatorEndSessionParams{SessionID: p.SessionID, SecretHash: p.proof, Now: s.now()})
	})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
