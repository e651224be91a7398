package viewers

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/viewers/internal/viewersql"
)

// Signer signs and verifies access tokens with a key derived (HKDF-SHA256)
// from the platform's secret key, so the key is as secret as
// MARQUEE_SECRET_KEY and changes with it, and no other use of that key can
// produce a valid token.
type Signer struct {
	key []byte
}

const issuer = "marquee"

// NewSigner derives the access-token key from secret (the platform's secret
// key material, at least 32 bytes).
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < 32 {
		return nil, errors.New("viewers.NewSigner: the secret key must be at least 32 bytes")
	}
	k, err := hkdf.Key(sha256.New, secret, nil, "marquee viewer access token HS256 v1", 32)
	if err != nil {
		return nil, fmt.Errorf("viewers.NewSigner: %w", err)
	}
	return &Signer{key: k}, nil
}

type accessClaims struct {
	Tenant  uuid.UUID `json:"tid"`
	Profile string    `json:"pid,omitempty"`
	Device  uuid.UUID `json:"did"`
	// IssuedMs is iat in milliseconds: a revocation must refuse the tokens
	// issued before it and not one issued in the same second after it.
	IssuedMs int64 `json:"iat_ms"`
	jwt.RegisteredClaims
}

func (s *Signer) sign(p Principal, now time.Time) (string, error) {
	c := accessClaims{Tenant: p.Tenant, Device: p.Device, IssuedMs: now.UnixMilli(), RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: p.Viewer.String(), Audience: jwt.ClaimStrings{p.Tenant.String()},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(AccessTTL)),
	}}
	if p.Profile != uuid.Nil {
		c.Profile = p.Profile.String()
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.key)
}

// errBadAccess is every reason an access token is refused: garbage, a bad
// signature, expiry, another tenant's token, a revoked device. They read alike.
var errBadAccess = errs.Unauthorized("invalid or expired viewer token: refresh it or sign in again")

func (s *Signer) verify(tok string, tenant TenantID, now time.Time) (Principal, time.Time, error) {
	var c accessClaims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithAudience(tenant.String()),
		jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil || c.Tenant != tenant {
		return Principal{}, time.Time{}, errBadAccess
	}
	p := Principal{Tenant: c.Tenant, Device: c.Device}
	if p.Viewer, err = uuid.Parse(c.Subject); err != nil {
		return Principal{}, time.Time{}, errBadAccess
	}
	if c.Profile != "" {
		if p.Profile, err = uuid.Parse(c.Profile); err != nil {
			return Principal{}, time.Time{}, errBadAccess
		}
	}
	return p, time.UnixMilli(c.IssuedMs), nil
}

// LooksLikeAccessToken reports whether a bearer credential is shaped like a
// viewer access token (a JWT), so the edge knows which check to apply.
func LooksLikeAccessToken(tok string) bool {
	return strings.HasPrefix(tok, "eyJ") && strings.Count(tok, ".") == 2
}

// Authenticate verifies an access token for tenant (the app key's, host's or
// path's) by signature and expiry, without a database read. A token of
// another tenant is refused exactly like garbage.
func (s *Service) Authenticate(_ context.Context, tenant TenantID, tok string) (Principal, error) {
	p, issued, err := s.Signer.verify(tok, tenant, s.now())
	if err != nil {
		return Principal{}, err
	}
	for _, id := range []uuid.UUID{p.Device, p.Viewer} {
		if at, gone := s.revocations().Get(id); gone && issued.Before(at) {
			return Principal{}, errBadAccess
		}
	}
	return p, nil
}

// Opaque secrets (refresh tokens, device codes) carry their tenant and row id
// beside 256 random bits: prefix + base64url(tenant | id | secret). The
// secret is checked against its SHA-256.
const (
	prefixRefresh    = "mqr_"
	prefixDeviceCode = "mqd_"
)

type secret struct {
	tenant, id uuid.UUID
	raw        []byte
}

func newSecret(tenant, id uuid.UUID) secret {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return secret{tenant: tenant, id: id, raw: b}
}

func (t secret) format(prefix string) string {
	b := make([]byte, 0, 64)
	b = append(b, t.tenant[:]...)
	b = append(b, t.id[:]...)
	b = append(b, t.raw...)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func (t secret) hash() []byte {
	h := sha256.Sum256(t.raw)
	return h[:]
}

func (t secret) matches(hash []byte) bool { return subtle.ConstantTimeCompare(t.hash(), hash) == 1 }

func parseSecret(s, prefix string) (secret, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), prefix)
	if !ok {
		return secret{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) != 64 {
		return secret{}, false
	}
	t := secret{raw: b[32:]}
	copy(t.tenant[:], b[:16])
	copy(t.id[:], b[16:32])
	return t, true
}

// issue stores a new refresh token of family for the principal's device and
// signs an access token beside it.
func (s *Service) issue(ctx context.Context, q *viewersql.Queries, p Principal, family uuid.UUID, now time.Time) (Tokens, error) {
	if family == uuid.Nil {
		family = uuid.Must(uuid.NewV7())
	}
	rt := newSecret(p.Tenant, uuid.Must(uuid.NewV7()))
	var profile *ProfileID
	if p.Profile != uuid.Nil {
		profile = &p.Profile
	}
	if err := q.CreateRefreshToken(ctx, viewersql.CreateRefreshTokenParams{TenantID: p.Tenant, ID: rt.id, FamilyID: family,
		ViewerID: p.Viewer, ProfileID: profile, DeviceID: p.Device, SecretHash: rt.hash(), CreatedAt: now, ExpiresAt: now.Add(RefreshTTL)}); err != nil {
		return Tokens{}, err
	}
	if err := q.TouchDevice(ctx, viewersql.TouchDeviceParams{TenantID: p.Tenant, ID: p.Device, LastSeenAt: now}); err != nil {
		return Tokens{}, err
	}
	at, err := s.Signer.sign(p, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: at, RefreshToken: rt.format(prefixRefresh), ExpiresIn: int(AccessTTL / time.Second),
		Viewer: p.Viewer, Profile: profile, Device: p.Device}, nil
}

var errBadRefresh = errs.Unauthorized("invalid, expired or revoked refresh token: sign in again")

// errReused is reported after the family of a reused refresh token is revoked.
var errReused = errs.Unauthorized("this refresh token was already used, so every token of its sign-in is revoked: sign in again")

// Refresh exchanges a refresh token for a new pair and retires it. Presenting
// a refresh token that was already exchanged revokes its whole family: one of
// the two holders is not the viewer.
func (s *Service) Refresh(ctx context.Context, tenant TenantID, refresh string) (Tokens, error) {
	rt, ok := parseSecret(refresh, prefixRefresh)
	if !ok || rt.tenant != tenant {
		return Tokens{}, errBadRefresh
	}
	var out Tokens
	var device uuid.UUID
	err := s.keepingSoft(ctx, tenant, func(q *viewersql.Queries, now time.Time) error {
		row, err := q.GetRefreshTokenForUpdate(ctx, viewersql.GetRefreshTokenForUpdateParams{TenantID: tenant, ID: rt.id})
		if db.IsNoRows(err) || (err == nil && !rt.matches(row.SecretHash)) {
			return errBadRefresh
		} else if err != nil {
			return err
		}
		switch {
		case row.RevokedAt != nil || now.After(row.ExpiresAt):
			return errBadRefresh
		case row.UsedAt != nil:
			device = row.DeviceID
			if err := q.RevokeRefreshFamily(ctx, viewersql.RevokeRefreshFamilyParams{TenantID: tenant, FamilyID: row.FamilyID, RevokedAt: &now}); err != nil {
				return err
			}
			return softError{errReused}
		}
		if err := q.UseRefreshToken(ctx, viewersql.UseRefreshTokenParams{TenantID: tenant, ID: rt.id, UsedAt: &now}); err != nil {
			return err
		}
		out, err = s.issue(ctx, q, Principal{Tenant: tenant, Viewer: row.ViewerID, Profile: deref(row.ProfileID), Device: row.DeviceID}, row.FamilyID, now)
		return err
	})
	if errors.Is(err, errReused) {
		s.revoke(device) // the thief's access token, too
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("viewers.Refresh: %w", err)
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		return *p
	}
	return zero
}

// softError is an error after which the transaction still commits (a failure
// counter, a revocation), and is then reported.
type softError struct{ err error }

func (e softError) Error() string { return e.err.Error() }

// keepingSoft runs fn in a tenant transaction that commits when fn returns a
// softError, and reports the soft error's cause after the commit.
func (s *Service) keepingSoft(ctx context.Context, tenant TenantID, fn func(*viewersql.Queries, time.Time) error) error {
	var soft error
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		err := fn(viewersql.New(tx), s.now())
		var se softError
		if errors.As(err, &se) {
			soft = se.err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return soft
}

// userCodeAlphabet has no vowels (no words) and no look-alikes (0/O, 1/I).
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

func newUserCode() string {
	b := make([]byte, 8)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(userCodeAlphabet))))
		b[i] = userCodeAlphabet[n.Int64()]
	}
	return string(b[:4]) + "-" + string(b[4:])
}

// normalizeUserCode accepts what a viewer types: any case, with or without
// the dash or spaces.
func normalizeUserCode(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
	if len(s) != 8 || strings.Trim(s, userCodeAlphabet) != "" {
		return "", false
	}
	return s[:4] + "-" + s[4:], true
}

func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

func hashCode(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}
