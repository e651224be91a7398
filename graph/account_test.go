package graph_test

import (
	"regexp"
	"testing"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

var codeRe = regexp.MustCompile(`\b\d{6}\b`)

func lastCode(t *testing.T, m *platform.Main, to string) string {
	t.Helper()
	msgs, err := m.DevMail.List(to)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	return codeRe.FindString(msgs[0].Text)
}

// The owner verifies their email with the emailed code; a wrong code is refused.
func TestVerifyEmailWithTheEmailedCode(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	code := lastCode(t, m, ten.Email)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if r := ten.Owner.Do(t, `mutation($c: String!) { verifyEmail(code: $c) { emailVerified } }`, map[string]any{"c": wrong}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("wrong code: %v", r.Codes())
	}
	d := ten.Owner.Must(t, `mutation($c: String!) { verifyEmail(code: $c) { emailVerified } }`, map[string]any{"c": code})
	if pt.Str(d, "verifyEmail", "emailVerified") != "true" {
		t.Fatalf("verifyEmail = %v", d)
	}
	if r := ten.Owner.Do(t, `mutation($c: String!) { verifyEmail(code: $c) { emailVerified } }`, map[string]any{"c": code}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a used code worked again: %v", r.Codes())
	}
}

// A password reset by emailed code sets the new password and signs out every
// session; the answer does not tell whether an email has an account.
func TestPasswordResetByEmailedCode(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	anon := pt.Client{URL: m.URL()}
	for _, email := range []string{ten.Email, "nobody@example.com"} {
		d := anon.Must(t, `mutation($s: String!, $e: String!) { requestPasswordReset(slug: $s, email: $e) }`, map[string]any{"s": ten.Slug, "e": email})
		if d["requestPasswordReset"] != true {
			t.Fatalf("reset request for %s answered %v", email, d)
		}
	}
	code := lastCode(t, m, ten.Email)
	in := map[string]any{"slug": ten.Slug, "email": ten.Email, "code": code, "password": "a-new-password-7"}
	anon.Must(t, `mutation($in: ResetPasswordInput!) { resetPassword(input: $in) }`, map[string]any{"in": in})
	if r := ten.Owner.Do(t, `{ tenant { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("old session survived the reset: %v", r.Codes())
	}
	login := func(pw string) pt.Response {
		return anon.Do(t, `mutation($in: LoginInput!) { login(input: $in) { token } }`,
			map[string]any{"in": map[string]any{"slug": ten.Slug, "email": ten.Email, "password": pw}})
	}
	if r := login(pt.Password); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("old password still works: %v", r.Codes())
	}
	if r := login("a-new-password-7"); len(r.Errors) > 0 {
		t.Fatalf("new password refused: %v", r.Errors)
	}
}

// Logout ends the session at once.
func TestLogoutEndsTheSession(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	ten.Owner.Must(t, `mutation { logout }`, nil)
	if r := ten.Owner.Do(t, `{ tenant { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("after logout: %v", r.Codes())
	}
}
