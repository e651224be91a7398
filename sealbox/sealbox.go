// Package sealbox encrypts small secrets at rest — the TOTP seeds of staff
// two-factor authentication — with AES-256-GCM under the platform's one secret
// key (MARQUEE_SECRET_KEY). A sealed value is bound to the row it belongs to by
// additional data the caller gives (say, tenant and staff ids), so a sealed
// secret copied onto another row does not open.
//
// It is for secrets the platform must read back in clear. It is not for
// passwords, tokens or codes the platform only has to recognise: those are
// hashed, never sealed. It does not manage keys beyond one current key.
package sealbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
)

// KeySize is the key length: 32 bytes, AES-256.
const KeySize = 32

// version prefixes every sealed value, so a later key rotation can tell keys apart.
const version byte = 1

// devKeyPhrase is hashed into the key that development and tests use when
// MARQUEE_SECRET_KEY is unset. DEVELOPMENT ONLY: it is public, so anything
// sealed under it is as good as clear; production refuses it (IsDevKey).
const devKeyPhrase = "marquee DEVELOPMENT-ONLY secret key: public, never use in production"

// DevKey returns the development-only key, base64-encoded as
// MARQUEE_SECRET_KEY would be.
func DevKey() string {
	k := sha256.Sum256([]byte(devKeyPhrase))
	return base64.StdEncoding.EncodeToString(k[:])
}

// ParseKey decodes a base64 (standard or URL alphabet, padded or not) key of
// KeySize bytes.
func ParseKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("sealbox: key is %d bytes, want %d", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, errors.New("sealbox: key is not base64")
}

// IsDevKey reports whether the base64 key s is the development-only key.
func IsDevKey(s string) bool {
	k, err := ParseKey(s)
	if err != nil {
		return false
	}
	dev, _ := ParseKey(DevKey())
	return subtle.ConstantTimeCompare(k, dev) == 1
}

// Box seals and opens values under one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a KeySize-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("sealbox: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sealbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Open returns a Box for a base64 key (see ParseKey).
func Open(key string) (*Box, error) {
	k, err := ParseKey(key)
	if err != nil {
		return nil, err
	}
	return New(k)
}

// Seal encrypts plaintext bound to ad: version | random 96-bit nonce | ciphertext and tag.
func (b *Box) Seal(plaintext, ad []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+b.aead.Overhead())
	out = append(out, version)
	out = append(out, nonce...)
	return b.aead.Seal(out, nonce, plaintext, ad)
}

// ErrOpen is any failure to open: a wrong key, other additional data, or a
// damaged value. It says no more, by design.
var ErrOpen = errors.New("sealbox: cannot open the sealed value")

// Open decrypts what Seal made with the same key and additional data.
func (b *Box) Open(sealed, ad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
