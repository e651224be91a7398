package graph_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

func signUpVars(slug, email, password string) map[string]any {
	return map[string]any{"in": map[string]any{"companyName": "Co", "slug": slug, "ownerName": "O", "ownerEmail": email, "password": password}}
}

const signUpQ = `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`

// Bad sign-up input gets a clear, coded error and creates nothing.
func TestSignUpRefusesBadInput(t *testing.T) {
	m := pt.Start(t, nil)
	taken := pt.SignUp(t, m)
	c := pt.Client{URL: m.URL()}
	cases := []struct {
		name, slug, email, password, code, field string
	}{
		{"duplicate slug", taken.Slug, "x@example.com", pt.Password, "CONFLICT", ""},
		{"weak password", "weak-pw", "x@example.com", "password", "BAD_USER_INPUT", "password"},
		{"malformed email", "bad-mail", "not-an-email", pt.Password, "BAD_USER_INPUT", "email"},
		{"reserved slug", "console", "x@example.com", pt.Password, "BAD_USER_INPUT", "slug"},
		{"bad slug", "No Spaces!", "x@example.com", pt.Password, "BAD_USER_INPUT", "slug"},
	}
	for _, tc := range cases {
		r := c.Do(t, signUpQ, signUpVars(tc.slug, tc.email, tc.password))
		if r.Code() != tc.code || (tc.field != "" && r.Errors[0].Extensions["field"] != tc.field) {
			t.Errorf("%s: %v %v", tc.name, r.Codes(), r.Errors)
		}
	}
	// The refused sign-ups left no tenant behind.
	if r := (pt.Client{URL: m.URL(), Path: "/t/weak-pw/graphql"}).Do(t, `{ storefront { slug } }`, nil); r.Code() != "NOT_FOUND" {
		t.Fatalf("a refused sign-up left a tenant: %v", r.Codes())
	}
}

// Five wrong passwords in a row lock the account: the sixth attempt is
// throttled even with the right password.
func TestWrongPasswordsThrottleTheAccount(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	c := pt.Client{URL: m.URL()}
	login := func(pw string) pt.Response {
		return c.Do(t, `mutation($in: LoginInput!) { login(input: $in) { token } }`,
			map[string]any{"in": map[string]any{"slug": ten.Slug, "email": ten.Email, "password": pw}})
	}
	for i := 0; i < 5; i++ {
		if r := login("wrong-password-1"); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("wrong password %d: %v", i, r.Codes())
		}
	}
	if r := login(pt.Password); r.Code() != "RATE_LIMITED" {
		t.Fatalf("sixth attempt with the right password: %v", r.Codes())
	}
}

// Aliases count per attempt: a hundred aliased logins in one request are a
// hundred attempts against the address's limit.
func TestAliasedLoginsCountEachAttempt(t *testing.T) {
	m := pt.Start(t, func(c *platform.Config) { c.AttemptRate, c.AttemptBurst, c.MaxAliases = 0.001, 10, 200 })
	var q strings.Builder
	q.WriteString("mutation {")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&q, ` a%d: login(input: {slug: "nobody", email: "a@example.com", password: "guess-%d"}) { token }`, i, i)
	}
	q.WriteString("}")
	r := (pt.Client{URL: m.URL()}).Do(t, q.String(), nil)
	limited := 0
	for _, code := range r.Codes() {
		if code == "RATE_LIMITED" {
			limited++
		}
	}
	if limited != 90 {
		t.Fatalf("%d of 100 aliased logins were rate limited, want 90 (burst 10)", limited)
	}
}

// Requests beyond a tenant's rate are refused with RATE_LIMITED.
func TestTenantRateLimit(t *testing.T) {
	m := pt.Start(t, func(c *platform.Config) { c.TenantRate, c.TenantBurst = 0.001, 3 })
	ten := pt.SignUp(t, m)
	for i := 0; i < 3; i++ {
		ten.Owner.Must(t, `{ tenant { id } }`, nil)
	}
	if r := ten.Owner.Do(t, `{ tenant { id } }`, nil); r.Code() != "RATE_LIMITED" || r.Status != http.StatusTooManyRequests {
		t.Fatalf("fourth request: %d %v", r.Status, r.Codes())
	}
}

// Oversized, deep and alias-heavy queries are refused before they run.
func TestQueryShapeLimits(t *testing.T) {
	m := pt.Start(t, func(c *platform.Config) { c.MaxDepth, c.MaxAliases = 4, 5 })
	ten := pt.SignUp(t, m)
	huge := `{ tenant { id } }` + strings.Repeat(" ", 10<<20)
	if r := ten.Owner.Do(t, huge, nil); r.Status != http.StatusRequestEntityTooLarge || r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("10 MB query: %d %v", r.Status, r.Codes())
	}
	deep := `{ auditLog { edges { node { actor { label } } } } }`
	if r := ten.Owner.Do(t, deep, nil); r.Code() != "QUERY_TOO_COMPLEX" {
		t.Fatalf("5 levels deep with a limit of 4: %v", r.Codes())
	}
	fifty := strings.Repeat("{ tenant ", 50) + strings.Repeat("}", 50)
	if r := ten.Owner.Do(t, fifty, nil); len(r.Errors) == 0 || r.Code() == "INTERNAL" || r.Code() == "" {
		t.Fatalf("50 levels deep: %v", r.Errors)
	}
	aliases := `{ a: tenant { id } b: tenant { id } c: tenant { id } d: tenant { id } e: tenant { id } f: tenant { id } }`
	if r := ten.Owner.Do(t, aliases, nil); r.Code() != "QUERY_TOO_COMPLEX" {
		t.Fatalf("6 aliases with a limit of 5: %v", r.Codes())
	}
}

// In production, introspection and the playground are off.
func TestProductionHidesIntrospectionAndPlayground(t *testing.T) {
	// Production refuses the dev password in the URL; pgx takes it from PGPASSWORD.
	t.Setenv("PGPASSWORD", "marquee-dev")
	m := pt.Start(t, func(c *platform.Config) {
		c.Production, c.SMTPAddr = true, "127.0.0.1:1"
		c.StripeWebhookSecret = "whsec_production_test"              // production refuses the dev one
		c.SecretKey = "q2n9Zl8m3cB7VxJ0rT5yW1uE4oP6sA8dF2gH7jK9LzM=" // any key but the development one
		c.DatabaseURL = strings.Replace(c.DatabaseURL, ":marquee-dev@", "@", 1)
	})
	r := (pt.Client{URL: m.URL()}).Do(t, `{ __schema { types { name } } }`, nil)
	if len(r.Errors) == 0 {
		t.Fatal("introspection answered in production")
	}
	res, err := http.Get(m.URL() + "/playground")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("playground in production: %d", res.StatusCode)
	}
}

func upload(t *testing.T, c pt.Client, data []byte) pt.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadLogo(file: $f) { branding { logoURL } } }","variables":{"f":null}}`)
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	fw, _ := w.CreateFormFile("0", "logo.png")
	_, _ = fw.Write(data)
	_ = w.Close()
	return c.Raw(t, w.FormDataContentType(), body.Bytes())
}

func pngOf(w, h int) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

// A logo must be a real image of sane size; the stored one is served back.
func TestLogoUpload(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	if r := upload(t, ten.Owner, []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("not an image: %v", r.Codes())
	}
	big := append(pngOf(64, 64), bytes.Repeat([]byte{0}, 3<<20)...)
	if r := upload(t, ten.Owner, big); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("3 MiB logo: %v", r.Codes())
	}
	r := upload(t, ten.Owner, pngOf(256, 128))
	if len(r.Errors) > 0 {
		t.Fatalf("good logo refused: %v", r.Errors)
	}
	res, err := http.Get(pt.Str(r.Data, "uploadLogo", "branding", "logoURL"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	cfg, format, err := image.DecodeConfig(res.Body)
	if err != nil || format != "png" || cfg.Width != 256 || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("served logo: %v %s %v %s", err, format, cfg, res.Header.Get("Content-Type"))
	}
}
