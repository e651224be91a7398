package sealbox_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/marquee-ott/marquee/sealbox"
)

func newBox(t *testing.T) (*sealbox.Box, string) {
	t.Helper()
	k := make([]byte, sealbox.KeySize)
	_, _ = rand.Read(k)
	s := base64.StdEncoding.EncodeToString(k)
	b, err := sealbox.Open(s)
	if err != nil {
		t.Fatal(err)
	}
	return b, s
}

// A sealed value opens only with the same key and the same additional data,
// and never shows its plaintext.
func TestSealOpensOnlyWithItsKeyAndAdditionalData(t *testing.T) {
	b, _ := newBox(t)
	other, _ := newBox(t)
	secret := []byte("JBSWY3DPEHPK3PXP")
	sealed := b.Seal(secret, []byte("tenant|staff"))
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed value contains the plaintext")
	}
	if got, err := b.Open(sealed, []byte("tenant|staff")); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(sealed, []byte("tenant|other-staff")); err == nil {
		t.Fatal("opened with another row's additional data")
	}
	if _, err := other.Open(sealed, []byte("tenant|staff")); err == nil {
		t.Fatal("opened with another key")
	}
	damaged := append([]byte{}, sealed...)
	damaged[len(damaged)-1] ^= 1
	if _, err := b.Open(damaged, []byte("tenant|staff")); err == nil {
		t.Fatal("opened a damaged value")
	}
	if bytes.Equal(b.Seal(secret, nil), b.Seal(secret, nil)) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
}

func TestKeysAreCheckedAndTheDevKeyIsKnown(t *testing.T) {
	if _, err := sealbox.Open(base64.StdEncoding.EncodeToString(make([]byte, 16))); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
	if _, err := sealbox.Open("not base64!"); err == nil {
		t.Fatal("a non-base64 key was accepted")
	}
	if !sealbox.IsDevKey(sealbox.DevKey()) {
		t.Fatal("the dev key is not recognised")
	}
	if _, s := newBox(t); sealbox.IsDevKey(s) {
		t.Fatal("a random key is taken for the dev key")
	}
	if _, err := sealbox.Open(sealbox.DevKey()); err != nil {
		t.Fatal(err)
	}
}
