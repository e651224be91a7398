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
// where payload is version 1 | tenant | asset | session | expiry (Unix
// seconds, big-endian) and mac is HMAC-SHA256 over the payload under a key
// derived from the platform's secret key. The token rides in the query
// (?token=), so a path names the same object for every session and a CDN
// whose cache key ignores the query caches it once.
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

const payloadLen = 1 + 16*3 + 8

var enc = base64.RawURLEncoding

// Make returns the token of c.
func (t *Tokens) Make(c Claims) string {
	var p [payloadLen]byte
	p[0] = tokenVersion
	copy(p[1:], c.Tenant[:])
	copy(p[17:], c.Asset[:])
	copy(p[33:], c.Session[:])
	binary.BigEndian.PutUint64(p[49:], uint64(c.Expires.Unix()))
	m := hmac.New(sha256.New, t.key)
	m.Write(p[:])
	return enc.EncodeToString(p[:]) + "." + enc.EncodeToString(m.Sum(nil))
}

// Token errors; every one is a 403 at the origin.
var (
	ErrTokenMalformed = errors.New("malformed playback token")
	ErrTokenSignature = errors.New("playback token signature mismatch")
	ErrTokenExpired   = errors.New("playback token expired")
	ErrTokenScope     = errors.New("playback token is for another tenant or asset")
)

// Verify checks tok's MAC (constant-time), expiry at now, and that it is for
// tenant and asset, returning its claims.
func (t *Tokens) Verify(tok string, tenant, asset uuid.UUID, now time.Time) (Claims, error) {
	const encPayload = (payloadLen*8 + 5) / 6
	const encMAC = (sha256.Size*8 + 5) / 6
	if len(tok) != encPayload+1+encMAC || tok[encPayload] != '.' {
		return Claims{}, ErrTokenMalformed
	}
	var p [payloadLen]byte
	var mac [sha256.Size]byte
	if n, err := enc.Decode(p[:], []byte(tok[:encPayload])); err != nil || n != payloadLen {
		return Claims{}, ErrTokenMalformed
	}
	if n, err := enc.Decode(mac[:], []byte(tok[encPayload+1:])); err != nil || n != sha256.Size {
		return Claims{}, ErrTokenMalformed
	}
	m := hmac.New(sha256.New, t.key)
	m.Write(p[:])
	if !hmac.Equal(m.Sum(nil), mac[:]) {
		return Claims{}, ErrTokenSignature
	}
	if p[0] != tokenVersion {
		return Claims{}, ErrTokenMalformed
	}
	var c Claims
	copy(c.Tenant[:], p[1:17])
	copy(c.Asset[:], p[17:33])
	copy(c.Session[:], p[33:49])
	c.Expires = time.Unix(int64(binary.BigEndian.Uint64(p[49:])), 0).UTC()
	if !now.Before(c.Expires) {
		return Claims{}, ErrTokenExpired
	}
	if c.Tenant != tenant || c.Asset != asset {
		return Claims{}, ErrTokenScope
	}
	return c, nil
}
