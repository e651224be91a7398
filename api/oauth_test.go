package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

type oauthAnswer struct {
	Status int
	Body   map[string]any
}

func (a oauthAnswer) str(k string) string { s, _ := a.Body[k].(string); return s }

func (a oauthAnswer) num(k string) int { f, _ := a.Body[k].(float64); return int(f) }

func postForm(tb testing.TB, u string, form url.Values, appKey string) oauthAnswer {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if appKey != "" {
		req.Header.Set("X-Marquee-App-Key", appKey)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		tb.Fatalf("POST %s: status %d, not JSON: %v", u, res.StatusCode, err)
	}
	if res.StatusCode != http.StatusOK && res.Header.Get("Cache-Control") != "no-store" && body["error"] != nil {
		tb.Fatalf("an OAuth error without Cache-Control: no-store")
	}
	return oauthAnswer{Status: res.StatusCode, Body: body}
}

type tvFlow struct {
	tb    testing.TB
	m     *platform.Main
	base  string // …/t/{slug}
	start oauthAnswer
}

func startTV(tb testing.TB, m *platform.Main, slug string) *tvFlow {
	tb.Helper()
	f := &tvFlow{tb: tb, m: m, base: m.URL() + "/t/" + slug}
	f.start = postForm(tb, f.base+"/oauth/device_authorization", url.Values{"client_id": {"roku-app"}, "device_name": {"Living room"}, "device_platform": {"roku"}}, "")
	if f.start.Status != http.StatusOK {
		tb.Fatalf("device authorization: %d %v", f.start.Status, f.start.Body)
	}
	return f
}

func (f *tvFlow) poll() oauthAnswer {
	f.tb.Helper()
	return postForm(f.tb, f.base+"/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {f.start.str("device_code")}}, "")
}

// pollAfterInterval waits out the interval it was told, then polls: the
// protocol asks the client to wait, so this waits by the protocol's clock.
func (f *tvFlow) pollAfterInterval(interval int) oauthAnswer {
	f.tb.Helper()
	time.Sleep(time.Duration(interval)*time.Second + 100*time.Millisecond)
	return f.poll()
}

const activate = `mutation($c: String!) { activateDevice(userCode: $c) { id name platform } }`

// Invariant (RFC 8628): the TV gets tokens exactly once, only after a signed-in
// viewer of the same tenant entered its code; before, it is told
// authorization_pending, and slow_down (interval + 5 s) when it polls early;
// a declined code is access_denied, an expired one expired_token; a wrong,
// reused or other tenant's code is refused with a clear error.
func TestTVActivation(t *testing.T) {
	m := pt.Start(t, func(c *platform.Config) { c.ViewerActivationInterval = time.Second })
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	key, otherKey := pt.AppKey(t, ten.Owner), pt.AppKey(t, other.Owner)
	v := pt.SignUpViewer(t, m, key)
	ov := pt.SignUpViewer(t, m, otherKey)
	main := pt.Str(v.Client.Must(t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	d := v.Client.Must(t, `mutation($id: ID!) { selectProfile(profileId: $id) `+pt.ViewerTokensFields+` }`, map[string]any{"id": main})
	v.Use(d["selectProfile"])

	// Happy path.
	f := startTV(t, m, ten.Slug)
	uc := f.start.str("user_code")
	if len(uc) != 9 || uc[4] != '-' || strings.Trim(strings.ReplaceAll(uc, "-", ""), "BCDFGHJKLMNPQRSTVWXZ") != "" {
		t.Fatalf("user code %q", uc)
	}
	if f.start.str("verification_uri") != m.URL()+"/t/"+ten.Slug+"/activate" ||
		f.start.str("verification_uri_complete") != f.start.str("verification_uri")+"?user_code="+uc ||
		f.start.num("expires_in") != 600 || f.start.num("interval") != 1 || !strings.HasPrefix(f.start.str("device_code"), "mqd_") {
		t.Fatalf("device authorization = %v", f.start.Body)
	}
	if a := f.poll(); a.Status != http.StatusBadRequest || a.str("error") != "authorization_pending" {
		t.Fatalf("first poll: %d %v", a.Status, a.Body)
	}
	// A wrong code, and this code through another tenant's viewer: clear errors.
	for name, c := range map[string]pt.Client{"wrong code": v.Client, "other tenant's viewer": ov.Client} {
		code := uc
		if name == "wrong code" {
			code = "BBBB-BBBB"
		}
		if r := c.Do(t, activate, map[string]any{"c": code}); r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "wrong code") {
			t.Fatalf("%s: %+v", name, r.Errors)
		}
	}
	if r := v.Client.Do(t, activate, map[string]any{"c": "not a code"}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a malformed code: %v", r.Codes())
	}
	// Typed in lower case without the dash, it is the same code.
	d = v.Client.Must(t, activate, map[string]any{"c": strings.ToLower(strings.ReplaceAll(uc, "-", ""))})
	if pt.Str(d, "activateDevice", "platform") != "ROKU" || pt.Str(d, "activateDevice", "name") != "Living room" {
		t.Fatalf("activated device = %v", d)
	}
	if r := v.Client.Do(t, activate, map[string]any{"c": uc}); r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "already used") {
		t.Fatalf("a reused user code: %+v", r.Errors)
	}
	tok := f.pollAfterInterval(1)
	if tok.Status != http.StatusOK || tok.str("token_type") != "Bearer" || tok.num("expires_in") != 900 || tok.str("profile_id") != main ||
		tok.str("device_id") != pt.Str(d, "activateDevice", "id") || !strings.HasPrefix(tok.str("refresh_token"), "mqr_") {
		t.Fatalf("tokens: %d %v", tok.Status, tok.Body)
	}
	tvc := pt.Client{URL: m.URL(), AppKey: key, Token: tok.str("access_token")}
	if d := tvc.Must(t, `{ viewerAccount { email } currentProfile { id } }`, nil); pt.Str(d, "viewerAccount", "email") != v.Email || pt.Str(d, "currentProfile", "id") != main {
		t.Fatalf("the TV's account = %v", d)
	}
	// The device code works once.
	if a := f.pollAfterInterval(1); a.str("error") != "invalid_grant" {
		t.Fatalf("a reused device code: %d %v", a.Status, a.Body)
	}
	// The TV refreshes through the token endpoint too.
	rt := postForm(t, f.base+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}}, "")
	if rt.Status != http.StatusOK || rt.str("refresh_token") == tok.str("refresh_token") {
		t.Fatalf("refresh at the token endpoint: %d %v", rt.Status, rt.Body)
	}
	if a := postForm(t, f.base+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}}, ""); a.str("error") != "invalid_grant" {
		t.Fatalf("a reused refresh token at the token endpoint: %v", a.Body)
	}

	// slow_down: a poll sooner than the interval adds five seconds to it.
	f = startTV(t, m, ten.Slug)
	f.poll()
	if a := f.poll(); a.str("error") != "slow_down" || a.num("interval") != 6 {
		t.Fatalf("an early poll: %d %v", a.Status, a.Body)
	}
	if a := f.pollAfterInterval(1); a.str("error") != "slow_down" || a.num("interval") != 11 {
		t.Fatalf("a poll after the old interval: %v", a.Body)
	}

	// access_denied.
	f = startTV(t, m, ten.Slug)
	v.Client.Must(t, `mutation($c: String!) { rejectDeviceActivation(userCode: $c) }`, map[string]any{"c": f.start.str("user_code")})
	if a := f.poll(); a.str("error") != "access_denied" {
		t.Fatalf("a declined activation: %v", a.Body)
	}

	// expired_token, and an expired code is refused to the viewer.
	f = startTV(t, m, ten.Slug)
	if _, err := pt.OwnerPool(t).Exec(context.Background(), `UPDATE viewer_device_grants SET expires_at = now() - interval '1 second' WHERE user_code = $1`, f.start.str("user_code")); err != nil {
		t.Fatal(err)
	}
	if a := f.poll(); a.str("error") != "expired_token" {
		t.Fatalf("an expired code's poll: %v", a.Body)
	}
	if r := v.Client.Do(t, activate, map[string]any{"c": f.start.str("user_code")}); r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "expired") {
		t.Fatalf("entering an expired code: %+v", r.Errors)
	}

	// Another tenant's device code at this tenant's token endpoint (by path
	// and by app key) is unknown; a garbage one too.
	f = startTV(t, m, other.Slug)
	for _, try := range []struct{ url, key string }{{m.URL() + "/t/" + ten.Slug + "/oauth/token", ""}, {m.URL() + "/oauth/token", key}} {
		a := postForm(t, try.url, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {f.start.str("device_code")}}, try.key)
		if a.str("error") != "invalid_grant" {
			t.Fatalf("another tenant's device code at %s: %v", try.url, a.Body)
		}
	}
	if a := postForm(t, m.URL()+"/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {"mqd_garbage"}}, key); a.str("error") != "invalid_grant" {
		t.Fatalf("a garbage device code: %v", a.Body)
	}
	// Bad requests get RFC 6749's errors.
	if a := postForm(t, f.base+"/oauth/token", url.Values{"grant_type": {"password"}}, ""); a.str("error") != "unsupported_grant_type" {
		t.Fatalf("an unsupported grant: %v", a.Body)
	}
	if a := postForm(t, f.base+"/oauth/device_authorization", url.Values{"device_platform": {"fridge"}}, ""); a.str("error") != "invalid_request" {
		t.Fatalf("an unknown platform: %v", a.Body)
	}
	if a := postForm(t, m.URL()+"/oauth/device_authorization", url.Values{"device_platform": {"roku"}}, ""); a.Status != http.StatusUnauthorized {
		t.Fatalf("no tenant: %d %v", a.Status, a.Body)
	}
	// By app key on the base host, the activation page is under the tenant's path.
	if a := postForm(t, m.URL()+"/oauth/device_authorization", url.Values{"device_platform": {"firetv"}}, key); a.str("verification_uri") != m.URL()+"/t/"+ten.Slug+"/activate" {
		t.Fatalf("by app key: %v", a.Body)
	}
}

// Invariant: the device limit applies to TV activation too, with the limit named.
func TestTVActivationRespectsTheDeviceLimit(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	key := pt.AppKey(t, ten.Owner)
	ten.Owner.Must(t, `mutation { setViewerDeviceLimit(limit: 1) }`, nil)
	v := pt.SignUpViewer(t, m, key)
	f := startTV(t, m, ten.Slug)
	if r := v.Client.Do(t, activate, map[string]any{"c": f.start.str("user_code")}); r.Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "at most 1 device;") {
		t.Fatalf("activation over the limit: %+v", r.Errors)
	}
	if a := f.poll(); a.str("error") != "authorization_pending" {
		t.Fatalf("the TV after a refused activation: %v", a.Body)
	}
}

// On a tenant's own host the endpoints answer at /oauth/… and the activation
// page is on that host.
func TestTVActivationOnTheTenantsHost(t *testing.T) {
	m := pt.Start(t, func(c *platform.Config) { c.BaseDomain = "tv.test" })
	ten := pt.SignUp(t, m)
	post := func(path string, form url.Values) oauthAnswer {
		req, _ := http.NewRequest(http.MethodPost, m.URL()+path, strings.NewReader(form.Encode()))
		req.Host = ten.Slug + ".tv.test"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		return oauthAnswer{Status: res.StatusCode, Body: body}
	}
	a := post("/oauth/device_authorization", url.Values{"device_platform": {"samsung"}})
	if a.Status != http.StatusOK || a.str("verification_uri") != "http://"+ten.Slug+".tv.test/activate" {
		t.Fatalf("on the tenant's host: %d %v", a.Status, a.Body)
	}
	if p := post("/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {a.str("device_code")}}); p.str("error") != "authorization_pending" {
		t.Fatalf("polling on the tenant's host: %v", p.Body)
	}
}
