package platformtest

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/marquee-ott/marquee/platform"
)

// Viewer is a signed-up, verified viewer account of a tenant's app.
type Viewer struct {
	Email    string
	Password string
	AppKey   string
	// Client sends the app key and the viewer's current access token.
	Client  Client
	Refresh string
	Device  string // the id of the device that signed up
}

// AppKey creates an app key as the tenant's owner.
func AppKey(tb testing.TB, owner Client) string {
	tb.Helper()
	return Str(owner.Must(tb, `mutation { createAppKey(name: "app") { key } }`, nil), "createAppKey", "key")
}

var codeRe = regexp.MustCompile(`\b(\d{6})\b`)

// MailCode returns the six-digit code in the newest email to to.
func MailCode(tb testing.TB, m *platform.Main, to string) string {
	tb.Helper()
	msgs, err := m.DevMail.List(to)
	if err != nil || len(msgs) == 0 {
		tb.Fatalf("no mail to %s: %v", to, err)
	}
	c := codeRe.FindString(msgs[0].Text)
	if c == "" {
		tb.Fatalf("no code in the mail to %s: %q", to, msgs[0].Text)
	}
	return c
}

// ViewerTokensFields is the selection of ViewerTokens the helpers read.
const ViewerTokensFields = `{ accessToken refreshToken expiresIn tokenType deviceId profileId }`

// SignUpViewer signs a viewer up on the app of appKey with a random email,
// verifies the email with the mailed code, and returns the signed-in viewer.
func SignUpViewer(tb testing.TB, m *platform.Main, appKey string) Viewer {
	tb.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	v := Viewer{Email: "viewer-" + hex.EncodeToString(b) + "@example.com", Password: Password, AppKey: appKey}
	app := Client{URL: m.URL(), AppKey: appKey}
	app.Must(tb, `mutation($in: ViewerSignUpInput!) { viewerSignUp(input: $in) }`,
		map[string]any{"in": map[string]any{"email": v.Email, "password": v.Password, "name": "Main"}})
	d := app.Must(tb, `mutation($e: String!, $c: String!, $p: String!) { viewerVerifyEmail(email: $e, code: $c, password: $p, device: {name: "Laptop", platform: WEB}) `+ViewerTokensFields+` }`,
		map[string]any{"e": v.Email, "c": MailCode(tb, m, v.Email), "p": v.Password})
	v.Use(d["viewerVerifyEmail"])
	v.Client.URL = m.URL()
	return v
}

// Use takes a ViewerTokens answer as the viewer's current tokens.
func (v *Viewer) Use(tokens any) {
	v.Client.AppKey = v.AppKey
	v.Client.Token = Str(tokens, "accessToken")
	v.Refresh = Str(tokens, "refreshToken")
	v.Device = Str(tokens, "deviceId")
}
