package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// Invariant: the console's cookie session works only with the CSRF header, so
// a cross-site form can neither sign a browser in nor act with its cookie.
func TestCookieSessionNeedsTheCSRFHeader(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	post := func(path, body string, csrf bool) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, m.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if csrf {
			req.Header.Set("X-Marquee-CSRF", "1")
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	session := `{"token": "` + ten.Owner.Token + `"}`
	if res := post("/auth/session", session, false); res.StatusCode != http.StatusForbidden {
		t.Fatalf("session set without the header: %d", res.StatusCode)
	}
	if res := post("/auth/session", `{"token": "mqs_forged"}`, true); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a forged token made a session: %d", res.StatusCode)
	}
	if res := post("/auth/session", session, true); res.StatusCode != http.StatusOK {
		t.Fatalf("session refused: %d", res.StatusCode)
	}
	write := `{"query": "mutation { updateBranding(input: {appName: \"csrf\"}) { id } }"}`
	if res := post("/graphql", write, false); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cookie write without the header: %d", res.StatusCode)
	}
	if res := post("/graphql", write, true); res.StatusCode != http.StatusOK {
		t.Fatalf("cookie write with the header: %d", res.StatusCode)
	}
	d := ten.Owner.Must(t, `{ tenant { branding { appName } } }`, nil)
	if pt.Str(d, "tenant", "branding", "appName") != "csrf" {
		t.Fatal("the cookie-authenticated write did not land")
	}
}

// /readyz reports each dependency; /healthz answers while the process is up.
func TestHealthAndReadiness(t *testing.T) {
	m := pt.Start(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
	}
}
