package tenants

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"

	"github.com/marquee-ott/marquee/errs"
)

// argon2id parameters: OWASP's minimum (19 MiB, 2 passes) would do; we take
// 64 MiB and 1 pass, RFC 9106's second recommendation, which costs about 50 ms
// on one core here.
const (
	argonTime    = 1
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

func hashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when an account does not exist, so a login's
// timing does not tell whether an email is registered.
var dummyHash = hashPassword("not a real password, only a timing decoy")

// validatePassword wants length over composition (NIST SP 800-63B): at least 10
// characters, not all of one class, and not the email itself.
func validatePassword(pw, email string) error {
	if len(pw) < 10 {
		return errs.InvalidField("password", "password must be at least 10 characters")
	}
	if len(pw) > 200 {
		return errs.InvalidField("password", "password must be at most 200 characters")
	}
	classes := 0
	for _, in := range []func(rune) bool{unicode.IsLower, unicode.IsUpper, unicode.IsDigit, isSymbol} {
		if strings.IndexFunc(pw, in) >= 0 {
			classes++
		}
	}
	if classes < 2 {
		return errs.InvalidField("password", "password is too weak: mix letters with digits or symbols")
	}
	if strings.EqualFold(pw, email) {
		return errs.InvalidField("password", "password must not be your email")
	}
	return nil
}

func isSymbol(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) }

// HashPassword and CheckPassword are the argon2id hashing of staff
// passwords, which the platform operators' accounts share (package operators).
func HashPassword(pw string) string { return hashPassword(pw) }

// CheckPassword reports whether pw matches a HashPassword hash.
func CheckPassword(encoded, pw string) bool { return checkPassword(encoded, pw) }

// ValidatePassword applies the staff password rules, which viewers' accounts
// share (package viewers).
func ValidatePassword(pw, email string) error { return validatePassword(pw, email) }

// NormalizeEmail checks an email address and lower-cases it.
func NormalizeEmail(s string) (string, error) { return normalizeEmail(s) }
