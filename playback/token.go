package playback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Tokens makes and checks origin tokens: base64url(payload) "." base64url(mac)
// where payload is version 1 | session | expiry (Unix seconds, 32 bits,
// big-endian) and mac is HMAC-SHA256, truncated to 128 bits, over version |
// tenant | asset | session | expiry under a key derived from the platform's
// secret key. Tenant and asset are in the URL's path, so the token binds
// them without carrying them: a token is 51 characters, and a 2-hour media
// playlist repeats it 1200 times. The token rides in the query (?token=), so
// a path names the same object for every session and a CDN whose cache key
// ignores the query caches it once.
type Tokens struct {
	key []byte
}

const tokenVersion = 1

// NewTokens derives the token key from secret (MARQUEE_SECRET_KEY's bytes):
// a purpose-bound key, so a token MAC is never a MAC made for another use.
func NewTokens(secret []byte) (*Tokens, error) {
	if len(secret) < 16 {
		return nil, errors.New("playback.NewTokens: the secret is shorter than 16 bytes")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("marquee playback origin token v1"))
	return &Tokens{key: m.Sum(nil)}, nil
}

// Claims are what a token binds.
type Claims struct {
	Tenant  uuid.UUID
	Asset   uuid.UUID
	Session uuid.UUID
	Expires time.Time
}

const (
	payloadLen = 1 + 16 + 4
	macLen     = 16 // HMAC-SHA256 truncated to 128 bits (NIST SP 800-107 allows ≥ 64)
	encPayload = (payloadLen*8 + 5) / 6
	encMAC     = (macLen*8 + 5) / 6
	// TokenLen is the length of a token.
	TokenLen = encPayload + 1 + encMAC
)

var enc = base64.RawURLEncoding.Strict() // one spelling per token

func (t *Tokens) mac(p *[payloadLen]byte, tenant, asset uuid.UUID) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write(p[:1])
	m.Write(tenant[:])
	m.Write(asset[:])
	m.Write(p[1:])
	return m.Sum(nil)[:macLen]
}

// Make returns the token of c.
func (t *Tokens) Make(c Claims) string {
	var p [payloadLen]byte
	p[0] = tokenVersion
	copy(p[1:], c.Session[:])
	binary.BigEndian.PutUint32(p[17:], uint32(c.Expires.Unix()))
	return enc.EncodeToString(p[:]) + "." + enc.EncodeToString(t.mac(&p, c.Tenant, c.Asset))
}

// Token errors; every one is a 403 at the origin. A token presented for
// another tenant or asset than it was made for fails its MAC.
var (
	ErrTokenMalformed = errors.New("malformed playback token")
	ErrTokenSignature = errors.New("playback token signature mismatch (tampered, or for another tenant or asset)")
	ErrTokenExpired   = errors.New("playback token expired")
)

// Verify checks tok's MAC (constant-time) for tenant and asset and its
// expiry at now, returning its claims.
func (t *Tokens) Verify(tok string, tenant, asset uuid.UUID, now time.Time) (Claims, error) {
	if len(tok) != TokenLen || tok[encPayload] != '.' {
		return Claims{}, ErrTokenMalformed
	}
	var p [payloadLen]byte
	var mac [macLen]byte
	if n, err := enc.Decode(p[:], []byte(tok[:encPayload])); err != nil || n != payloadLen {
		return Claims{}, ErrTokenMalformed
	}
	if n, err := enc.Decode(mac[:], []byte(tok[encPayload+1:])); err != nil || n != macLen {
		return Claims{}, ErrTokenMalformed
	}
	if !hmac.Equal(t.mac(&p, tenant, asset), mac[:]) {
		return Claims{}, ErrTokenSignature
	}
	if p[0] != tokenVersion {
		return Claims{}, ErrTokenMalformed
	}
	c := Claims{Tenant: tenant, Asset: asset}
	copy(c.Session[:], p[1:17])
	c.Expires = time.Unix(int64(binary.BigEndian.Uint32(p[17:])), 0).UTC()
	if !now.Before(c.Expires) {
		return Claims{}, ErrTokenExpired
	}
	return c, nil
}
