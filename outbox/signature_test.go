package outbox_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/outbox"
)

// A receiver that knows only the documented scheme (HMAC-SHA256 over
// "<t>.<body>", hex) can check our signature with the secret.
func TestSignatureIsVerifiableWithTheSecret(t *testing.T) {
	secret, body := "whsec_test", []byte(`{"id":"1","type":"staff.invited"}`)
	at := time.Unix(1_800_000_000, 0)
	got := outbox.Sign(secret, at, body)

	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(at.Unix(), 10) + "." + string(body)))
	want := "t=1800000000,v1=" + hex.EncodeToString(h.Sum(nil))
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if err := outbox.VerifySignature(secret, got, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestVerifySignatureRefusesForgeries(t *testing.T) {
	secret, body := "whsec_test", []byte(`{"a":1}`)
	at := time.Unix(1_800_000_000, 0)
	sig := outbox.Sign(secret, at, body)
	cases := []struct {
		name, secret, header string
		body                 []byte
		now                  time.Time
		want                 error
	}{
		{"other secret", "whsec_other", sig, body, at, outbox.ErrSignatureMismatch},
		{"changed body", secret, sig, []byte(`{"a":2}`), at, outbox.ErrSignatureMismatch},
		{"too old", secret, sig, body, at.Add(6 * time.Minute), outbox.ErrSignatureExpired},
		{"no v1", secret, "t=1800000000", body, at, outbox.ErrSignatureMalformed},
		{"no t", secret, "v1=abc", body, at, outbox.ErrSignatureMalformed},
		{"garbage", secret, "hello", body, at, outbox.ErrSignatureMalformed},
		{"one of two matches", secret, sig + ",v1=00", body, at, nil},
	}
	for _, c := range cases {
		err := outbox.VerifySignature(c.secret, c.header, c.body, c.now, 5*time.Minute)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func FuzzVerifySignature(f *testing.F) {
	f.Add("t=1800000000,v1=00", []byte("{}"))
	f.Add("t=,v1=", []byte(""))
	f.Add(",,,=", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		_ = outbox.VerifySignature("s", header, body, time.Unix(1_800_000_000, 0), time.Minute)
		at := time.Unix(1_800_000_000, 0)
		if err := outbox.VerifySignature("s", outbox.Sign("s", at, body), body, at, time.Minute); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}
