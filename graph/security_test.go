package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

const (
	loginQ       = `mutation($in: LoginInput!) { login(input: $in) { token secondFactor { token expiresAt } staff { email } } }`
	secondQ      = `mutation($ch: String!, $code: String!) { loginSecondFactor(challenge: $ch, code: $code) { token staff { email } tenant { slug } } }`
	enrollQ      = `mutation($pw: String!) { enrollTwoFactor(password: $pw) { secret otpauthURL qrCode } }`
	confirmQ     = `mutation($code: String!) { confirmTwoFactor(code: $code) }`
	twoFactorQ   = `{ twoFactor { enabled enabledAt recoveryCodesLeft requiredByWorkspace } }`
	sessionsQ    = `{ mySessions { id device userAgent ip country createdAt lastSeenAt current } }`
	signOutAllQ  = `mutation($keep: Boolean!) { signOutEverywhere(keepCurrent: $keep) }`
	revokeQ      = `mutation($id: ID!) { revokeSession(id: $id) }`
	requireQ     = `mutation($on: Boolean!) { setRequireTwoFactor(required: $on) { requireTwoFactor } }`
	changePassQ  = `mutation($cur: String!, $new: String!) { changePassword(current: $cur, new: $new) }`
	enrollNeeded = "two-factor authentication is required by your workspace; enroll first"
)

// codeAt is the TOTP code of secret at now+offset.
func codeAt(t *testing.T, secret string, offset time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is six digits that no step near now accepts.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	near := map[string]bool{}
	for _, d := range []time.Duration{-60, -30, 0, 30, 60, 90} {
		near[codeAt(t, secret, d*time.Second)] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", i*7919%1000000); !near[c] {
			return c
		}
	}
}

// enrolled turns two-factor on for c's staff member with a code of the
// current step, and returns the secret, that code and the recovery codes.
func enrolled(t *testing.T, c pt.Client) (secret, used string, recovery []string) {
	t.Helper()
	d := c.Must(t, enrollQ, map[string]any{"pw": pt.Password})
	secret = pt.Str(d, "enrollTwoFactor", "secret")
	if url := pt.Str(d, "enrollTwoFactor", "otpauthURL"); !strings.HasPrefix(url, "otpauth://totp/Marquee:") || !strings.Contains(url, "secret="+secret) {
		t.Fatalf("otpauth URL %q", url)
	}
	if qr := pt.Str(d, "enrollTwoFactor", "qrCode"); !strings.HasPrefix(qr, "data:image/png;base64,") {
		t.Fatalf("QR code %.40q", qr)
	}
	used = codeAt(t, secret, 0)
	d = c.Must(t, confirmQ, map[string]any{"code": used})
	for _, v := range pt.Get(d, "confirmTwoFactor").([]any) {
		recovery = append(recovery, v.(string))
	}
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(recovery))
	}
	return secret, used, recovery
}

func login(t *testing.T, m *platform.Main, slug, email, password string) pt.Response {
	t.Helper()
	return (pt.Client{URL: m.URL()}).Do(t, loginQ, map[string]any{"in": map[string]any{"slug": slug, "email": email, "password": password}})
}

// challenged logs in with the right password and returns the challenge,
// failing unless a second factor is due.
func challenged(t *testing.T, m *platform.Main, slug, email string) string {
	t.Helper()
	r := login(t, m, slug, email, pt.Password)
	if len(r.Errors) > 0 {
		t.Fatalf("login: %v", r.Errors)
	}
	if tok := pt.Get(r.Data, "login", "token"); tok != nil {
		t.Fatalf("login with two-factor on returned a session token")
	}
	ch := pt.Str(r.Data, "login", "secondFactor", "token")
	if !strings.HasPrefix(ch, "mqc_") {
		t.Fatalf("no second-factor challenge: %v", r.Data)
	}
	return ch
}

func second(t *testing.T, m *platform.Main, challenge, code string) pt.Response {
	t.Helper()
	return (pt.Client{URL: m.URL()}).Do(t, secondQ, map[string]any{"ch": challenge, "code": code})
}

// Invariant: with two-factor on, a right password alone starts no session;
// a right TOTP code completes the sign-in, and neither a code nor a challenge
// works twice.
func TestTwoFactorLoginNeedsAFreshTOTPCode(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)

	if r := ten.Owner.Do(t, enrollQ, map[string]any{"pw": "wrong-password-1"}); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "password" {
		t.Fatalf("enroll with a wrong password: %v", r.Errors)
	}
	d := ten.Owner.Must(t, enrollQ, map[string]any{"pw": pt.Password})
	secret := pt.Str(d, "enrollTwoFactor", "secret")
	// Until confirmed, sign-in is unchanged.
	if r := login(t, m, ten.Slug, ten.Email, pt.Password); pt.Get(r.Data, "login", "token") == nil {
		t.Fatalf("an unconfirmed enrollment changed the sign-in: %v", r.Errors)
	}
	if r := ten.Owner.Do(t, confirmQ, map[string]any{"code": wrongCode(t, secret)}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("confirm with a wrong code: %v", r.Codes())
	}
	used := codeAt(t, secret, 0)
	ten.Owner.Must(t, confirmQ, map[string]any{"code": used})
	d = ten.Owner.Must(t, twoFactorQ, nil)
	if pt.Get(d, "twoFactor", "enabled") != true || pt.Get(d, "twoFactor", "recoveryCodesLeft") != float64(10) {
		t.Fatalf("twoFactor = %v", d)
	}

	ch := challenged(t, m, ten.Slug, ten.Email)
	// The code that confirmed the enrollment is spent.
	if r := second(t, m, ch, used); r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "already used") {
		t.Fatalf("reused TOTP code: %v", r.Errors)
	}
	next := codeAt(t, secret, 30*time.Second)
	r := second(t, m, ch, next)
	if len(r.Errors) > 0 {
		t.Fatalf("right code refused: %v", r.Errors)
	}
	c := pt.Client{URL: m.URL(), Token: pt.Str(r.Data, "loginSecondFactor", "token")}
	if got := pt.Str(c.Must(t, `{ me { email } }`, nil), "me", "email"); got != ten.Email {
		t.Fatalf("me = %s", got)
	}
	// Neither the challenge nor the code works again.
	if r := second(t, m, ch, codeAt(t, secret, 0)); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("used challenge: %v", r.Codes())
	}
	if r := second(t, m, challenged(t, m, ten.Slug, ten.Email), next); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("reused TOTP code on a new challenge: %v", r.Codes())
	}
	if r := second(t, m, "mqc_forged", next); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("forged challenge: %v", r.Codes())
	}
}

// Invariant: each recovery code signs in once; a used one is refused, and
// what is left is counted.
func TestRecoveryCodesWorkOnce(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	_, _, recovery := enrolled(t, ten.Owner)

	// Typed in capitals with spaces instead of hyphens, it still works.
	typed := strings.ToUpper(strings.ReplaceAll(recovery[0], "-", " "))
	if r := second(t, m, challenged(t, m, ten.Slug, ten.Email), typed); len(r.Errors) > 0 {
		t.Fatalf("recovery code refused: %v", r.Errors)
	}
	if r := second(t, m, challenged(t, m, ten.Slug, ten.Email), recovery[0]); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("reused recovery code: %v", r.Codes())
	}
	if got := pt.Get(ten.Owner.Must(t, twoFactorQ, nil), "twoFactor", "recoveryCodesLeft"); got != float64(9) {
		t.Fatalf("recovery codes left %v, want 9", got)
	}

	// Regenerating replaces every old code.
	d := ten.Owner.Must(t, `mutation($c: String!) { regenerateRecoveryCodes(code: $c) }`, map[string]any{"c": recovery[1]})
	fresh := pt.Get(d, "regenerateRecoveryCodes").([]any)
	if len(fresh) != 10 {
		t.Fatalf("%d new codes", len(fresh))
	}
	if r := second(t, m, challenged(t, m, ten.Slug, ten.Email), recovery[2]); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("an old recovery code survived regeneration: %v", r.Codes())
	}
	if r := second(t, m, challenged(t, m, ten.Slug, ten.Email), fresh[0].(string)); len(r.Errors) > 0 {
		t.Fatalf("new recovery code refused: %v", r.Errors)
	}
}

// Invariant: five wrong second-factor codes in a row lock the account's
// second factor: then even a right code, on any challenge, is RATE_LIMITED.
func TestWrongTOTPCodesThrottleTheAccount(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	secret, _, recovery := enrolled(t, ten.Owner)
	ch := challenged(t, m, ten.Slug, ten.Email)
	wrong := wrongCode(t, secret)
	for i := 0; i < 5; i++ {
		if r := second(t, m, ch, wrong); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("wrong code %d: %v", i+1, r.Codes())
		}
	}
	if r := second(t, m, ch, codeAt(t, secret, 30*time.Second)); r.Code() != "RATE_LIMITED" {
		t.Fatalf("sixth attempt with a right code: %v", r.Codes())
	}
	if r := second(t, m, challenged(t, m, ten.Slug, ten.Email), recovery[0]); r.Code() != "RATE_LIMITED" {
		t.Fatalf("a new challenge with a recovery code: %v", r.Codes())
	}
	// The lock holds for turning two-factor off too.
	if r := ten.Owner.Do(t, `mutation($pw: String!, $c: String!) { disableTwoFactor(password: $pw, code: $c) }`,
		map[string]any{"pw": pt.Password, "c": recovery[1]}); r.Code() != "RATE_LIMITED" {
		t.Fatalf("disable while locked: %v", r.Codes())
	}
}

// Invariant: turning two-factor off needs the password and a second factor;
// afterwards the password alone signs in again.
func TestDisableTwoFactorNeedsPasswordAndCode(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	secret, _, recovery := enrolled(t, ten.Owner)
	q := `mutation($pw: String!, $c: String!) { disableTwoFactor(password: $pw, code: $c) }`
	if r := ten.Owner.Do(t, q, map[string]any{"pw": "wrong-password-1", "c": recovery[0]}); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "password" {
		t.Fatalf("wrong password: %v", r.Errors)
	}
	if r := ten.Owner.Do(t, q, map[string]any{"pw": pt.Password, "c": wrongCode(t, secret)}); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "code" {
		t.Fatalf("wrong code: %v", r.Errors)
	}
	ten.Owner.Must(t, q, map[string]any{"pw": pt.Password, "c": recovery[0]})
	if d := ten.Owner.Must(t, twoFactorQ, nil); pt.Get(d, "twoFactor", "enabled") != false {
		t.Fatalf("still on: %v", d)
	}
	if r := login(t, m, ten.Slug, ten.Email, pt.Password); pt.Get(r.Data, "login", "token") == nil {
		t.Fatalf("password alone after disabling: %v", r.Errors)
	}
}

// Invariant: when the workspace requires two-factor, a session without it can
// only enroll, read me and tenant, and sign out; everything else is FORBIDDEN
// with a clear message until it enrolls. Only an owner with two-factor on may
// require it; API keys are not affected.
func TestRequiredTwoFactorBlocksUnenrolledStaffUntilTheyEnroll(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	admin, _ := pt.AddStaff(t, m, ten, "admin@"+ten.Slug+".example.com", "ADMIN")
	editor, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	leaver, _ := pt.AddStaff(t, m, ten, "lee@"+ten.Slug+".example.com", "ANALYST")
	key := pt.Str(ten.Owner.Must(t, `mutation { createAPIKey(input: {name: "ci", role: EDITOR}) { secret } }`, nil), "createAPIKey", "secret")

	if r := ten.Owner.Do(t, requireQ, map[string]any{"on": true}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("requiring two-factor without having it: %v", r.Codes())
	}
	enrolled(t, ten.Owner)
	if r := admin.Do(t, requireQ, map[string]any{"on": true}); r.Code() != "FORBIDDEN" {
		t.Fatalf("an admin requiring two-factor: %v", r.Codes())
	}
	d := ten.Owner.Must(t, requireQ, map[string]any{"on": true})
	if pt.Get(d, "setRequireTwoFactor", "requireTwoFactor") != true {
		t.Fatalf("setRequireTwoFactor = %v", d)
	}

	// Refused at once (the editor's session was cached a moment ago).
	for _, q := range []string{`{ team { totalCount } }`, sessionsQ, `mutation { updateBranding(input: {appName: "X"}) { id } }`} {
		r := editor.Do(t, q, nil)
		if r.Code() != "FORBIDDEN" || r.Errors[0].Message != enrollNeeded {
			t.Fatalf("%s by an unenrolled editor: %v", q, r.Errors)
		}
	}
	d = editor.Must(t, `{ me { email } tenant { requireTwoFactor } twoFactor { enabled requiredByWorkspace } }`, nil)
	if pt.Get(d, "tenant", "requireTwoFactor") != true || pt.Get(d, "twoFactor", "requiredByWorkspace") != true {
		t.Fatalf("what an unenrolled editor sees: %v", d)
	}
	leaver.Must(t, `mutation { logout }`, nil)
	// The owner, enrolled, and an API key work as before.
	ten.Owner.Must(t, `{ team { totalCount } }`, nil)
	(pt.Client{URL: m.URL(), Token: key}).Must(t, `{ team { totalCount } }`, nil)

	// Enrolling lifts the block.
	enrolled(t, editor)
	editor.Must(t, `{ team { totalCount } }`, nil)

	// Turning the requirement off lifts it for everyone.
	if r := admin.Do(t, `{ team { totalCount } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("admin before the requirement is off: %v", r.Codes())
	}
	ten.Owner.Must(t, requireQ, map[string]any{"on": false})
	admin.Must(t, `{ team { totalCount } }`, nil)
}

// uaTransport sends every request with one User-Agent, like one browser.
type uaTransport string

func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", string(u))
	return http.DefaultTransport.RoundTrip(r)
}

const (
	firefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
	chromeMac    = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)

// loginAs signs in with a browser's user agent and returns its client.
func loginAs(t *testing.T, m *platform.Main, slug, email, ua string) pt.Client {
	t.Helper()
	c := pt.Client{URL: m.URL(), HTTP: &http.Client{Transport: uaTransport(ua)}}
	d := c.Must(t, loginQ, map[string]any{"in": map[string]any{"slug": slug, "email": email, "password": pt.Password}})
	c.Token = pt.Str(d, "login", "token")
	return c
}

// sessionIDs maps each of c's sessions' device to its id, and names the current one.
func sessionIDs(t *testing.T, c pt.Client) (byDevice map[string]string, current string) {
	t.Helper()
	byDevice = map[string]string{}
	for _, s := range pt.Get(c.Must(t, sessionsQ, nil), "mySessions").([]any) {
		byDevice[pt.Str(s, "device")] = pt.Str(s, "id")
		if pt.Get(s, "current") == true {
			current = pt.Str(s, "device")
		}
		if pt.Str(s, "ip") != "127.0.0.1" || pt.Get(s, "country") != nil {
			t.Errorf("session place: ip %v, country %v", pt.Get(s, "ip"), pt.Get(s, "country"))
		}
	}
	return byDevice, current
}

// Invariant: a staff member sees and ends only their own sessions; a revoked
// session's token is UNAUTHENTICATED at once (no cached principal outlives
// it); another member's or another tenant's session is NOT_FOUND.
func TestSessionsListRevokeAndSignOutEverywhere(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m) // this session's user agent is Go's
	firefox := loginAs(t, m, ten.Slug, ten.Email, firefoxLinux)
	chrome := loginAs(t, m, ten.Slug, ten.Email, chromeMac)
	editor, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	other := pt.SignUp(t, m)

	ids, current := sessionIDs(t, chrome)
	if len(ids) != 3 || ids["Firefox on Linux"] == "" || ids["Chrome on macOS"] == "" || ids["Go HTTP client"] == "" || current != "Chrome on macOS" {
		t.Fatalf("sessions %v, current %q", ids, current)
	}
	editorIDs, _ := sessionIDs(t, editor)
	otherIDs, _ := sessionIDs(t, other.Owner)

	// Revoke the first session, used a moment ago (so its principal is cached).
	ten.Owner.Must(t, `{ me { id } }`, nil)
	chrome.Must(t, revokeQ, map[string]any{"id": ids["Go HTTP client"]})
	if r := ten.Owner.Do(t, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked session: %v", r.Codes())
	}
	if r := chrome.Do(t, revokeQ, map[string]any{"id": ids["Go HTTP client"]}); r.Code() != "NOT_FOUND" {
		t.Fatalf("revoking it again: %v", r.Codes())
	}
	for who, id := range map[string]string{"a colleague's": editorIDs["Go HTTP client"], "another tenant's": otherIDs["Go HTTP client"]} {
		if r := chrome.Do(t, revokeQ, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
			t.Fatalf("revoking %s session: %v", who, r.Codes())
		}
	}
	editor.Must(t, `{ me { id } }`, nil)
	other.Owner.Must(t, `{ me { id } }`, nil)

	// Everywhere but here, then everywhere.
	firefox.Must(t, `{ me { id } }`, nil)
	if d := chrome.Must(t, signOutAllQ, map[string]any{"keep": true}); pt.Get(d, "signOutEverywhere") != float64(1) {
		t.Fatalf("signOutEverywhere(keepCurrent) = %v", d)
	}
	if r := firefox.Do(t, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("other session after signing out everywhere else: %v", r.Codes())
	}
	if ids, _ := sessionIDs(t, chrome); len(ids) != 1 {
		t.Fatalf("sessions left: %v", ids)
	}
	if d := chrome.Must(t, signOutAllQ, map[string]any{"keep": false}); pt.Get(d, "signOutEverywhere") != float64(1) {
		t.Fatalf("signOutEverywhere = %v", d)
	}
	if r := chrome.Do(t, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("current session after signing out everywhere: %v", r.Codes())
	}
	editor.Must(t, `{ me { id } }`, nil)
}

// Invariant: changing the password needs the current one and ends every
// other session of the member at once; the one that changed it stays.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	here := loginAs(t, m, ten.Slug, ten.Email, chromeMac)
	ten.Owner.Must(t, `{ me { id } }`, nil) // cached

	if r := here.Do(t, changePassQ, map[string]any{"cur": "wrong-password-1", "new": "a-new-password-7"}); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "current" {
		t.Fatalf("wrong current password: %v", r.Errors)
	}
	if r := here.Do(t, changePassQ, map[string]any{"cur": pt.Password, "new": "short"}); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "new" {
		t.Fatalf("weak new password: %v", r.Errors)
	}
	ten.Owner.Must(t, `{ me { id } }`, nil) // refused attempts end nothing
	here.Must(t, changePassQ, map[string]any{"cur": pt.Password, "new": "a-new-password-7"})
	if r := ten.Owner.Do(t, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("other session after a password change: %v", r.Codes())
	}
	here.Must(t, `{ me { id } }`, nil)
	if r := login(t, m, ten.Slug, ten.Email, pt.Password); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("old password: %v", r.Codes())
	}
	if r := login(t, m, ten.Slug, ten.Email, "a-new-password-7"); len(r.Errors) > 0 {
		t.Fatalf("new password: %v", r.Errors)
	}
}

// Invariant: removal from the team and a password reset end the member's
// sessions at once, cached or not.
func TestRemovalAndPasswordResetEndSessions(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	editor, editorID := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	editor.Must(t, `{ me { id } }`, nil) // cached
	ten.Owner.Must(t, `mutation($id: ID!) { removeStaff(id: $id) }`, map[string]any{"id": editorID})
	if r := editor.Do(t, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("removed member's session: %v", r.Codes())
	}

	ten.Owner.Must(t, `{ me { id } }`, nil) // cached
	anon := pt.Client{URL: m.URL()}
	anon.Must(t, `mutation($s: String!, $e: String!) { requestPasswordReset(slug: $s, email: $e) }`, map[string]any{"s": ten.Slug, "e": ten.Email})
	in := map[string]any{"slug": ten.Slug, "email": ten.Email, "code": lastCode(t, m, ten.Email), "password": "a-new-password-7"}
	anon.Must(t, `mutation($in: ResetPasswordInput!) { resetPassword(input: $in) }`, map[string]any{"in": in})
	if r := ten.Owner.Do(t, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("session after a password reset: %v", r.Codes())
	}
}

// Invariant: logins are limited per client address across accounts (the
// @attempts directive), so one address cannot spray passwords over many
// accounts; a right password is throttled too once the address is over.
func TestManyAccountsFromOneAddressAreRateLimited(t *testing.T) {
	m := pt.Start(t, func(c *platform.Config) { c.AttemptRate, c.AttemptBurst = 0.001, 6 })
	tenants := []pt.Tenant{pt.SignUp(t, m), pt.SignUp(t, m), pt.SignUp(t, m)}
	for i := 0; i < 6; i++ {
		ten := tenants[i%len(tenants)]
		pw := "wrong-password-1"
		if i%2 == 0 {
			pw = pt.Password
		}
		if r := login(t, m, ten.Slug, ten.Email, pw); r.Code() == "RATE_LIMITED" {
			t.Fatalf("login %d limited within the burst", i+1)
		}
	}
	for _, ten := range tenants {
		if r := login(t, m, ten.Slug, ten.Email, pt.Password); r.Code() != "RATE_LIMITED" {
			t.Fatalf("login to %s past the address's burst: %v", ten.Slug, r.Codes())
		}
	}
	// The second factor counts against the same limit.
	if r := second(t, m, "mqc_any", "123456"); r.Code() != "RATE_LIMITED" {
		t.Fatalf("loginSecondFactor past the burst: %v", r.Codes())
	}
}
