package outbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of every webhook request. A receiver verifies the signature with
// the endpoint's secret and deduplicates on the event id: delivery is at least
// once, so the same event may arrive again (after a timeout, or a replay).
const (
	SignatureHeader = "Marquee-Signature"
	EventIDHeader   = "Marquee-Event-Id"
)

// secretPrefix tells a leaked secret apart in logs and secret scanners.
const secretPrefix = "whsec_"

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// secretHint is the tail of a secret, enough to tell two apart in the console.
func secretHint(secret string) string {
	if len(secret) < 4 {
		return ""
	}
	return secret[len(secret)-4:]
}

// Sign returns the Marquee-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>" keyed with
// the secret>". The timestamp is signed too, so a captured request cannot be
// replayed later than the receiver's tolerance.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Errors of VerifySignature.
var (
	ErrSignatureMalformed = errors.New("outbox: malformed Marquee-Signature header")
	ErrSignatureMismatch  = errors.New("outbox: no v1 signature matches")
	ErrSignatureExpired   = errors.New("outbox: signature timestamp outside the tolerance")
)

// VerifySignature checks a Marquee-Signature header as a receiver should:
// some v1 signature matches (several may be sent), compared in constant time,
// and the signed timestamp is within tolerance of now. It documents the scheme
// in code and lets our tests check it; Marquee itself only signs.
func VerifySignature(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, sigs, err := parseSignature(header)
	if err != nil {
		return err
	}
	want := mac(secret, ts, body)
	matched := false
	for _, s := range sigs {
		matched = matched || hmac.Equal([]byte(s), []byte(want))
	}
	if !matched {
		return ErrSignatureMismatch
	}
	unix, _ := strconv.ParseInt(ts, 10, 64)
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureExpired
	}
	return nil
}

func parseSignature(header string) (ts string, sigs []string, err error) {
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			return "", nil, ErrSignatureMalformed
		case k == "t":
			ts = v
		case k == "v1":
			sigs = append(sigs, v)
		}
	}
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil || len(sigs) == 0 {
		return "", nil, ErrSignatureMalformed
	}
	return ts, sigs, nil
}
