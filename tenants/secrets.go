package tenants

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"

	"github.com/google/uuid"
)

// Bearer credentials carry their tenant and row id in clear beside a random
// secret: prefix + base64url(tenant[16] | id[16] | secret[32]). The tenant in
// the token lets the edge bind the tenant transaction before any look-up, so no
// cross-tenant query is ever needed to authenticate; the secret is checked
// against its SHA-256 (it has 256 bits of entropy, so a slow hash adds nothing).
const (
	prefixSession    = "mqs_"
	prefixAPIKey     = "mqk_"
	prefixInvitation = "mqi_"
	prefixAppKey     = "mqa_"
	prefixChallenge  = "mqc_" // a right password awaiting its second factor
)

type token struct {
	prefix string
	tenant ID
	id     uuid.UUID
	secret []byte
}

func newToken(prefix string, tenant ID, id uuid.UUID) token {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return token{prefix: prefix, tenant: tenant, id: id, secret: secret}
}

func (t token) String() string {
	b := make([]byte, 0, 64)
	b = append(b, t.tenant[:]...)
	b = append(b, t.id[:]...)
	b = append(b, t.secret...)
	return t.prefix + base64.RawURLEncoding.EncodeToString(b)
}

func (t token) hash() []byte {
	h := sha256.Sum256(t.secret)
	return h[:]
}

func parseToken(s, prefix string) (token, error) {
	if !strings.HasPrefix(s, prefix) {
		return token{}, fmt.Errorf("not a %s token", prefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(prefix):])
	if err != nil || len(b) != 64 {
		return token{}, fmt.Errorf("malformed %s token", prefix)
	}
	t := token{prefix: prefix, secret: b[32:]}
	copy(t.tenant[:], b[:16])
	copy(t.id[:], b[16:32])
	return t, nil
}

func (t token) matches(hash []byte) bool {
	return subtle.ConstantTimeCompare(t.hash(), hash) == 1
}

// newAppKey makes a public app key: not a secret, only unguessable enough that
// apps of different tenants never collide.
func newAppKey() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return prefixAppKey + strings.ToLower(base32NoPad(b))
}

func base32NoPad(b []byte) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	n := new(big.Int).SetBytes(b)
	var out []byte
	base := big.NewInt(32)
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		out = append(out, alphabet[mod.Int64()])
	}
	return string(out)
}

// newCode returns a six-digit code for email verification and password reset.
func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

func hashCode(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}
