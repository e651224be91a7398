package viewers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	mailer "github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/viewers/internal/viewersql"
)

// SignUpInput is a new account: email, password and the first profile's name.
type SignUpInput struct {
	Email    string
	Password string
	Name     string // the first profile's; "" names it "Me"
}

// SignInInput is an email and password, and the device signing in: an
// already registered device of the account (DeviceID) keeps its slot, a new
// one (Device) is registered within the device limit.
type SignInInput struct {
	Email    string
	Password string
	Device   DeviceInput
	DeviceID *DeviceID
}

var (
	errBadLogin  = errs.Unauthorized("wrong email or password")
	errWrongCode = errs.InvalidField("code", "wrong or expired code: ask for a new one if it expired")
	// dummyHash is checked when there is no account, so timing does not tell.
	dummyHash = tenants.HashPassword("not a real password, only a timing decoy")
)

// SignUp creates an unverified account with its first profile and emails a
// verification code. It answers the same whether or not the email already has
// an account (that account's owner gets an email saying someone tried), so it
// cannot be used to find out who has one.
func (s *Service) SignUp(ctx context.Context, tenant TenantID, in SignUpInput) error {
	email, err := tenants.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := tenants.ValidatePassword(in.Password, email); err != nil {
		return err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = "Me"
	}
	if err := validProfileName(name); err != nil {
		return err
	}
	hash := tenants.HashPassword(in.Password) // before the look-up: equal time either way
	var code, notice string
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		now := s.now()
		existing, err := q.GetViewerByEmail(ctx, viewersql.GetViewerByEmailParams{TenantID: tenant, Email: email})
		switch {
		case err == nil && existing.EmailVerifiedAt == nil:
			// A second try before verifying: the latest sign-up's password
			// stands, and verifying needs it (VerifyEmail), so whoever
			// signed up first with someone else's email gains nothing.
			if err := q.SetViewerPassword(ctx, viewersql.SetViewerPasswordParams{TenantID: tenant, ID: existing.ID, PasswordHash: hash}); err != nil {
				return err
			}
			code, err = s.issueCode(ctx, q, tenant, existing.ID, "verify", now)
			return err
		case err == nil:
			notice = "Someone (perhaps you) tried to create an account with this email, which already has one.\n\n" +
				"If it was you, sign in, or reset your password if you forgot it. If not, you can ignore this email.\n"
			return nil
		case !db.IsNoRows(err):
			return err
		}
		id := uuid.Must(uuid.NewV7())
		if err := q.CreateViewer(ctx, viewersql.CreateViewerParams{TenantID: tenant, ID: id, Email: email, PasswordHash: hash, CreatedAt: now}); err != nil {
			if _, dup := db.IsUniqueViolation(err); dup { // a concurrent sign-up with the same email
				return nil
			}
			return err
		}
		if err := q.CreateProfile(ctx, viewersql.CreateProfileParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()), ViewerID: id,
			Name: name, CreatedAt: now}); err != nil {
			return err
		}
		code, err = s.issueCode(ctx, q, tenant, id, "verify", now)
		return err
	})
	if err != nil {
		return fmt.Errorf("viewers.SignUp: %w", err)
	}
	switch {
	case code != "":
		s.sendCode(ctx, tenant, email, "verify", code)
	case notice != "":
		s.send(ctx, tenant, email, "You already have an account", notice)
	}
	return nil
}

// ResendVerification emails a new verification code to an unverified account;
// it answers the same for any email.
func (s *Service) ResendVerification(ctx context.Context, tenant TenantID, email string) error {
	email, err := tenants.NormalizeEmail(email)
	if err != nil {
		return err
	}
	var code string
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		v, err := q.GetViewerByEmail(ctx, viewersql.GetViewerByEmailParams{TenantID: tenant, Email: email})
		if db.IsNoRows(err) || (err == nil && v.EmailVerifiedAt != nil) {
			return nil
		} else if err != nil {
			return err
		}
		code, err = s.issueCode(ctx, q, tenant, v.ID, "verify", s.now())
		return err
	})
	if err == nil && code != "" {
		s.sendCode(ctx, tenant, email, "verify", code)
	}
	return err
}

// errBadVerify is a wrong code or a wrong password at verification, alike.
var errBadVerify = errs.InvalidField("code", "wrong code or password: ask for a new code if it expired")

// VerifyEmail checks the emailed code and the account's password, marks the
// account verified and signs the device in. The password is asked again so
// that only the person who chose it and reads the mailbox can complete a
// sign-up: an account someone opened with another's email is taken over by
// the mailbox's owner signing up again (SignUp replaces an unverified
// account's password), never the other way round.
func (s *Service) VerifyEmail(ctx context.Context, tenant TenantID, email, code, password string, device DeviceInput) (Tokens, error) {
	email, err := tenants.NormalizeEmail(email)
	if err != nil {
		return Tokens{}, err
	}
	if err := device.validate(); err != nil {
		return Tokens{}, err
	}
	limit, err := s.outsideLimit(ctx, tenant)
	if err != nil {
		return Tokens{}, err
	}
	var out Tokens
	err = s.keepingSoft(ctx, tenant, func(q *viewersql.Queries, now time.Time) error {
		v, err := q.GetViewerByEmail(ctx, viewersql.GetViewerByEmailParams{TenantID: tenant, Email: email})
		if db.IsNoRows(err) {
			tenants.CheckPassword(dummyHash, password)
			return errBadVerify
		} else if err != nil {
			return err
		}
		if v.LockedUntil != nil && v.LockedUntil.After(now) {
			return errs.RateLimited("too many failed attempts: try again after %s", v.LockedUntil.Format(time.RFC3339))
		}
		if !tenants.CheckPassword(v.PasswordHash, password) {
			if err := q.RecordViewerLoginFailure(ctx, viewersql.RecordViewerLoginFailureParams{TenantID: tenant, ID: v.ID,
				MaxFailures: maxLoginFailures, LockUntil: now.Add(lockout)}); err != nil {
				return err
			}
			return softError{errBadVerify}
		}
		if err := s.useCode(ctx, q, tenant, v.ID, "verify", code, now); err != nil {
			var se softError
			if errors.As(err, &se) || err == errWrongCode {
				return softError{errBadVerify}
			}
			return err
		}
		if err := q.MarkViewerVerified(ctx, viewersql.MarkViewerVerifiedParams{TenantID: tenant, ID: v.ID, EmailVerifiedAt: &now}); err != nil {
			return err
		}
		if err := q.ResetViewerLoginFailures(ctx, viewersql.ResetViewerLoginFailuresParams{TenantID: tenant, ID: v.ID}); err != nil {
			return err
		}
		dev, err := s.registerDevice(ctx, q, tenant, v.ID, device, limit, now)
		if err != nil {
			return err
		}
		out, err = s.issue(ctx, q, Principal{Tenant: tenant, Viewer: v.ID, Device: dev}, uuid.Nil, now)
		return err
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("viewers.VerifyEmail: %w", err)
	}
	return out, nil
}

// SignIn checks the password and signs the device in, with no profile
// selected (SelectProfile binds one). Five wrong passwords in a row lock the
// account for fifteen minutes. An unverified account gets a new code instead.
func (s *Service) SignIn(ctx context.Context, tenant TenantID, in SignInInput) (Tokens, error) {
	email, err := tenants.NormalizeEmail(in.Email)
	if err != nil {
		return Tokens{}, err
	}
	if in.DeviceID == nil {
		if err := in.Device.validate(); err != nil {
			return Tokens{}, err
		}
	}
	limit, err := s.outsideLimit(ctx, tenant)
	if err != nil {
		return Tokens{}, err
	}
	var out Tokens
	var code string
	err = s.keepingSoft(ctx, tenant, func(q *viewersql.Queries, now time.Time) error {
		v, err := q.GetViewerByEmail(ctx, viewersql.GetViewerByEmailParams{TenantID: tenant, Email: email})
		if db.IsNoRows(err) {
			tenants.CheckPassword(dummyHash, in.Password)
			return errBadLogin
		} else if err != nil {
			return err
		}
		if v.LockedUntil != nil && v.LockedUntil.After(now) {
			return errs.RateLimited("too many failed sign-ins: try again after %s", v.LockedUntil.Format(time.RFC3339))
		}
		if !tenants.CheckPassword(v.PasswordHash, in.Password) {
			if err := q.RecordViewerLoginFailure(ctx, viewersql.RecordViewerLoginFailureParams{TenantID: tenant, ID: v.ID,
				MaxFailures: maxLoginFailures, LockUntil: now.Add(lockout)}); err != nil {
				return err
			}
			return softError{errBadLogin}
		}
		if err := q.ResetViewerLoginFailures(ctx, viewersql.ResetViewerLoginFailuresParams{TenantID: tenant, ID: v.ID}); err != nil {
			return err
		}
		// Expired refresh tokens are of no use, even to detect a reuse: a
		// sign-in clears the account's.
		if err := q.PruneRefreshTokens(ctx, viewersql.PruneRefreshTokensParams{TenantID: tenant, ViewerID: v.ID, ExpiresAt: now}); err != nil {
			return err
		}
		if v.EmailVerifiedAt == nil {
			if code, err = s.issueCode(ctx, q, tenant, v.ID, "verify", now); err != nil {
				return err
			}
			return softError{errs.Forbidden("verify your email first: we sent a new code to it")}
		}
		var dev DeviceID
		if in.DeviceID != nil {
			d, err := q.GetDevice(ctx, viewersql.GetDeviceParams{TenantID: tenant, ViewerID: v.ID, ID: *in.DeviceID})
			if db.IsNoRows(err) {
				return errs.NotFound("no device %s on this account: sign in as a new device", *in.DeviceID)
			} else if err != nil {
				return err
			}
			// A new sign-in on a device replaces its session.
			if err := q.RevokeDeviceRefreshTokens(ctx, viewersql.RevokeDeviceRefreshTokensParams{TenantID: tenant, DeviceID: d.ID, RevokedAt: &now}); err != nil {
				return err
			}
			dev = d.ID
		} else if dev, err = s.registerDevice(ctx, q, tenant, v.ID, in.Device, limit, now); err != nil {
			return err
		}
		out, err = s.issue(ctx, q, Principal{Tenant: tenant, Viewer: v.ID, Device: dev}, uuid.Nil, now)
		return err
	})
	if code != "" {
		s.sendCode(ctx, tenant, email, "verify", code)
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("viewers.SignIn: %w", err)
	}
	return out, nil
}

// SelectProfile issues a token pair bound to one of the account's profiles
// for the principal's device, replacing the device's session. A profile with
// a PIN needs it (pin; nil when none is given).
func (s *Service) SelectProfile(ctx context.Context, p Principal, profile ProfileID, pin *string) (Tokens, error) {
	var out Tokens
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		now := s.now()
		row, err := q.GetProfile(ctx, viewersql.GetProfileParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: profile})
		if db.IsNoRows(err) {
			return errNoProfile(profile)
		} else if err != nil {
			return err
		}
		switch {
		case row.PinHash == "":
		case pin == nil:
			return errs.Forbidden("this profile is locked: enter its PIN")
		case !tenants.CheckPassword(row.PinHash, *pin):
			return errs.InvalidField("pin", "wrong PIN")
		}
		if _, err := q.GetDevice(ctx, viewersql.GetDeviceParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: p.Device}); db.IsNoRows(err) {
			return errBadAccess // the device was removed since the token was issued
		} else if err != nil {
			return err
		}
		if err := q.RevokeDeviceRefreshTokens(ctx, viewersql.RevokeDeviceRefreshTokensParams{TenantID: p.Tenant, DeviceID: p.Device, RevokedAt: &now}); err != nil {
			return err
		}
		out, err = s.issue(ctx, q, Principal{Tenant: p.Tenant, Viewer: p.Viewer, Profile: profile, Device: p.Device}, uuid.Nil, now)
		return err
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("viewers.SelectProfile: %w", err)
	}
	return out, nil
}

// SignOut ends the principal device's session: its refresh tokens are revoked
// and its access tokens stop working (at once in this process, within
// AccessTTL in every other). The device stays registered.
func (s *Service) SignOut(ctx context.Context, p Principal) error {
	defer s.revoke(p.Device)
	return s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		return viewersql.New(tx).RevokeDeviceRefreshTokens(ctx, viewersql.RevokeDeviceRefreshTokensParams{TenantID: p.Tenant, DeviceID: p.Device, RevokedAt: &now})
	})
}

// RequestPasswordReset emails a reset code; it answers the same whether or
// not the email has an account.
func (s *Service) RequestPasswordReset(ctx context.Context, tenant TenantID, email string) error {
	email, err := tenants.NormalizeEmail(email)
	if err != nil {
		return err
	}
	var code string
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		v, err := q.GetViewerByEmail(ctx, viewersql.GetViewerByEmailParams{TenantID: tenant, Email: email})
		if db.IsNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		code, err = s.issueCode(ctx, q, tenant, v.ID, "reset", s.now())
		return err
	})
	if err == nil && code != "" {
		s.sendCode(ctx, tenant, email, "reset", code)
	}
	return err
}

// ResetPassword sets a new password with an emailed code, verifies the email
// (the code proves it) and signs every device out.
func (s *Service) ResetPassword(ctx context.Context, tenant TenantID, email, code, password string) error {
	email, err := tenants.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := tenants.ValidatePassword(password, email); err != nil {
		return err
	}
	hash := tenants.HashPassword(password)
	var viewer ViewerID
	err = s.keepingSoft(ctx, tenant, func(q *viewersql.Queries, now time.Time) error {
		v, err := q.GetViewerByEmail(ctx, viewersql.GetViewerByEmailParams{TenantID: tenant, Email: email})
		if db.IsNoRows(err) {
			return errWrongCode
		} else if err != nil {
			return err
		}
		if err := s.useCode(ctx, q, tenant, v.ID, "reset", code, now); err != nil {
			return err
		}
		viewer = v.ID
		if err := q.SetViewerPassword(ctx, viewersql.SetViewerPasswordParams{TenantID: tenant, ID: v.ID, PasswordHash: hash}); err != nil {
			return err
		}
		if err := q.MarkViewerVerified(ctx, viewersql.MarkViewerVerifiedParams{TenantID: tenant, ID: v.ID, EmailVerifiedAt: &now}); err != nil {
			return err
		}
		return q.RevokeViewerRefreshTokens(ctx, viewersql.RevokeViewerRefreshTokensParams{TenantID: tenant, ViewerID: v.ID, RevokedAt: &now})
	})
	if err != nil {
		return fmt.Errorf("viewers.ResetPassword: %w", err)
	}
	s.revoke(viewer)
	return nil
}

// Account returns the principal's account.
func (s *Service) Account(ctx context.Context, p Principal) (Viewer, error) {
	return s.Get(ctx, p.Tenant, p.Viewer)
}

// Get returns an account of tenant; another tenant's is NotFound.
func (s *Service) Get(ctx context.Context, tenant TenantID, id ViewerID) (Viewer, error) {
	var v Viewer
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		q := viewersql.New(tx)
		row, err := q.GetViewer(ctx, viewersql.GetViewerParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no viewer %s", id)
		} else if err != nil {
			return err
		}
		v = viewerFromRow(row)
		n, err := q.CountProfiles(ctx, viewersql.CountProfilesParams{TenantID: tenant, ViewerID: id})
		v.ProfileCount = int(n)
		if err != nil {
			return err
		}
		n, err = q.CountDevices(ctx, viewersql.CountDevicesParams{TenantID: tenant, ViewerID: id})
		v.DeviceCount = int(n)
		return err
	})
	if err != nil {
		return Viewer{}, fmt.Errorf("viewers.Get: %w", err)
	}
	return v, nil
}

func viewerFromRow(r viewersql.Viewer) Viewer {
	return Viewer{ID: r.ID, Tenant: r.TenantID, Email: r.Email, EmailVerified: r.EmailVerifiedAt != nil, CreatedAt: r.CreatedAt}
}

func (s *Service) issueCode(ctx context.Context, q *viewersql.Queries, tenant TenantID, viewer ViewerID, purpose string, now time.Time) (string, error) {
	if err := q.PruneViewerCodes(ctx, viewersql.PruneViewerCodesParams{TenantID: tenant, ViewerID: viewer, ExpiresAt: now}); err != nil {
		return "", err
	}
	code := newCode()
	err := q.CreateViewerCode(ctx, viewersql.CreateViewerCodeParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()), ViewerID: viewer,
		Purpose: purpose, CodeHash: hashCode(code), CreatedAt: now, ExpiresAt: now.Add(codeTTL)})
	return code, err
}

// useCode checks code against the latest unused code for purpose and marks
// it used. A wrong code counts against the code (softError: the count commits).
func (s *Service) useCode(ctx context.Context, q *viewersql.Queries, tenant TenantID, viewer ViewerID, purpose, code string, now time.Time) error {
	c, err := q.LatestViewerCode(ctx, viewersql.LatestViewerCodeParams{TenantID: tenant, ViewerID: viewer, Purpose: purpose})
	if db.IsNoRows(err) {
		return errWrongCode
	} else if err != nil {
		return err
	}
	if c.Attempts >= maxCodeAttempts {
		return errs.RateLimited("too many wrong codes: ask for a new one")
	}
	if now.After(c.ExpiresAt) {
		return errWrongCode
	}
	if string(hashCode(strings.TrimSpace(code))) != string(c.CodeHash) {
		if err := q.BumpViewerCodeAttempts(ctx, viewersql.BumpViewerCodeAttemptsParams{TenantID: tenant, ID: c.ID}); err != nil {
			return err
		}
		return softError{errWrongCode}
	}
	return q.UseViewerCode(ctx, viewersql.UseViewerCodeParams{TenantID: tenant, ID: c.ID, UsedAt: &now})
}

func (s *Service) appName(ctx context.Context, tenant TenantID) string {
	if s.Tenants != nil {
		if t, err := s.Tenants.Get(ctx, tenant); err == nil {
			if t.Branding.AppName != "" {
				return t.Branding.AppName
			}
			return t.Name
		}
	}
	return "your streaming app"
}

func (s *Service) sendCode(ctx context.Context, tenant TenantID, to, purpose, code string) {
	subject, what := "Verify your email", "Your verification code"
	if purpose == "reset" {
		subject, what = "Reset your password", "Your password reset code"
	}
	s.send(ctx, tenant, to, subject, fmt.Sprintf("%s is: %s\n\nIt expires in 30 minutes. If you did not ask for it, ignore this email.\n", what, code))
}

// send mails a viewer; a mail failure is not the viewer's fault and the code
// can be asked for again, so it does not fail the operation.
func (s *Service) send(ctx context.Context, tenant TenantID, to, subject, text string) {
	if s.Mail == nil {
		return
	}
	name := s.appName(ctx, tenant)
	_ = s.Mail.Send(ctx, mailer.Message{To: to, Subject: name + ": " + subject, Text: text})
}

// recordDeletion audits an account's deletion without personal data: the
// account's id and nothing that names the person.
func recordDeletion(ctx context.Context, tx db.Tx, tenant TenantID, viewer ViewerID, now time.Time) error {
	ctx = audit.WithActor(ctx, audit.Actor{Type: "viewer", ID: viewer, Label: "viewer"})
	return audit.Record(ctx, tx, tenant, now, "viewer.deleted", "viewer", viewer.String(), nil)
}

// SignOutEverywhere is a support tool: every device of the account is signed
// out (its refresh tokens revoked; its access tokens refused in this process
// at once, elsewhere when they expire), audited as the staff member's act.
// Another tenant's account is NotFound.
func (s *Service) SignOutEverywhere(ctx context.Context, tenant TenantID, viewer ViewerID) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		if _, err := q.GetViewer(ctx, viewersql.GetViewerParams{TenantID: tenant, ID: viewer}); db.IsNoRows(err) {
			return errs.NotFound("no viewer %s", viewer)
		} else if err != nil {
			return err
		}
		now := s.now()
		if err := q.RevokeViewerRefreshTokens(ctx, viewersql.RevokeViewerRefreshTokensParams{TenantID: tenant, ViewerID: viewer, RevokedAt: &now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "viewer.signed_out_everywhere", "viewer", viewer.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("viewers.SignOutEverywhere %s: %w", viewer, err)
	}
	s.revoke(viewer)
	return nil
}
