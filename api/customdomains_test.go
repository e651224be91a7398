package api_test

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/certs/certstest"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

const domainFields = `id hostname status txtRecordName txtRecordValue target lastError verifiedAt certificateExpiresAt`

func randomHost() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "watch-" + hex.EncodeToString(b) + ".example.com"
}

// startWithTLS starts the platform with its custom-domain HTTPS listener, a
// local ACME CA (Pebble) validating against the platform's HTTP listener,
// and a DNS server both Pebble and the TXT checks use: nothing leaves the
// machine.
func startWithTLS(t *testing.T) (*platform.Main, *certstest.DNS, *certstest.Pebble, string) {
	t.Helper()
	dns := certstest.StartDNS(t)
	pebble := certstest.NewPebble(t)
	certDir := t.TempDir()
	m := pt.Start(t, func(c *platform.Config) {
		c.TLSAddr = "127.0.0.1:0"
		c.CertDir = certDir
		c.ACMEDirectory = pebble.Directory
		c.ACMECARoot = pebble.CAFile
		c.ACMEEmail = "ops@example.com"
		c.DNSResolver = dns.Addr
		c.AuthCacheTTL = time.Minute // removal must not wait for caches
	})
	u, _ := url.Parse(m.URL())
	port, _ := strconv.Atoi(u.Port())
	pebble.Start(t, port, dns.Addr)
	return m, dns, pebble, certDir
}

// httpsClient speaks to the API's TLS listener as a browser would to host:
// SNI and Host are the custom domain, and it trusts only Pebble's root.
func httpsClient(m *platform.Main, roots *x509.CertPool) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext:     certstest.Dial(m.TLSAddr()),
		TLSClientConfig: &tls.Config{RootCAs: roots},
	}}
}

// storefrontAt posts { storefront { slug } } to base/graphql, with the Host
// header set to host when given, and returns the slug and the error code.
func storefrontAt(t *testing.T, hc *http.Client, base, host string) (slug, code string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query": "{ storefront { slug } }"}`))
	req.Header.Set("Content-Type", "application/json")
	if host != "" {
		req.Host = host
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("POST %s/graphql (Host %q): %v", base, host, err)
	}
	defer res.Body.Close()
	var out struct {
		Data   map[string]any
		Errors []pt.Error
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("POST %s/graphql: status %d, not JSON", base, res.StatusCode)
	}
	if len(out.Errors) > 0 {
		code = out.Errors[0].Code()
	}
	if out.Data["storefront"] != nil {
		slug = pt.Str(out.Data, "storefront", "slug")
	}
	return slug, code
}

// Invariant (the whole flow, on real services): a tenant adds a hostname, a
// missing TXT record is a clear failure, the right one verifies it, a
// certificate comes from the ACME CA, and an HTTPS request with that name
// (SNI and Host) reaches that tenant's storefront on the API's TLS listener.
// Removing it stops it at once: new handshakes fail, requests on a connection
// already open resolve to no tenant, the certificate is gone from storage.
func TestCustomDomainFromTXTRecordToHTTPSAndRemoval(t *testing.T) {
	m, dns, pebble, certDir := startWithTLS(t)
	a := pt.SignUp(t, m)
	host := randomHost()

	d := a.Owner.Must(t, `mutation($h: String!) { addDomain(hostname: $h) { `+domainFields+` } }`, map[string]any{"h": host})
	id, rec, val := pt.Str(d, "addDomain", "id"), pt.Str(d, "addDomain", "txtRecordName"), pt.Str(d, "addDomain", "txtRecordValue")
	if pt.Str(d, "addDomain", "status") != "PENDING_VERIFICATION" || rec != "_marquee-challenge."+host {
		t.Fatalf("added %v", d)
	}
	verify := func() map[string]any {
		return a.Owner.Must(t, `mutation($id: ID!) { verifyDomain(id: $id) { `+domainFields+` } }`, map[string]any{"id": id})["verifyDomain"].(map[string]any)
	}

	got := verify()
	if got["status"] != "FAILED" || !strings.Contains(got["lastError"].(string), "no TXT record found at "+rec) {
		t.Fatalf("verified without a TXT record: %v", got)
	}
	hc := httpsClient(m, pebble.Roots(t))
	if _, err := hc.Get("https://" + host + "/healthz"); !certstest.ErrHandshake(err) {
		t.Fatalf("handshake for an unverified domain: %v", err)
	}

	dns.SetTXT(rec, val)
	if got = verify(); got["status"] != "VERIFIED" && got["status"] != "ACTIVE" {
		t.Fatalf("verify with the record: %v", got)
	}
	deadline := time.Now().Add(90 * time.Second)
	for got["status"] != "ACTIVE" {
		if time.Now().After(deadline) {
			t.Fatalf("no certificate: %v", got)
		}
		time.Sleep(200 * time.Millisecond)
		list := a.Owner.Must(t, `{ domains { `+domainFields+` } }`, nil)["domains"].([]any)
		got = list[0].(map[string]any)
	}
	if got["certificateExpiresAt"] == nil {
		t.Fatalf("active without an expiry: %v", got)
	}

	// HTTPS on the custom domain reaches a's storefront, and so does plain
	// HTTP with that Host (the hosted app before a redirect, for instance).
	if slug, code := storefrontAt(t, hc, "https://"+host, ""); slug != a.Slug {
		t.Fatalf("HTTPS storefront: %q %s", slug, code)
	}
	if slug, code := storefrontAt(t, nil, m.URL(), host); slug != a.Slug {
		t.Fatalf("HTTP storefront by Host: %q %s", slug, code)
	}

	a.Owner.Must(t, `mutation($id: ID!) { removeDomain(id: $id) }`, map[string]any{"id": id})

	// The connection opened before the removal is still up; its requests no
	// longer resolve to the tenant.
	if slug, code := storefrontAt(t, hc, "https://"+host, ""); slug != "" || code != "UNAUTHENTICATED" {
		t.Fatalf("storefront after removal on an open connection: %q %s", slug, code)
	}
	hc.Transport.(*http.Transport).CloseIdleConnections()
	if _, err := hc.Get("https://" + host + "/healthz"); !certstest.ErrHandshake(err) {
		t.Fatalf("handshake after removal: %v", err)
	}
	if slug, code := storefrontAt(t, nil, m.URL(), host); slug != "" || code != "UNAUTHENTICATED" {
		t.Fatalf("HTTP by Host after removal: %q %s", slug, code)
	}
	matches, _ := filepath.Glob(filepath.Join(certDir, "certificates", "*", host))
	if len(matches) != 0 {
		t.Fatalf("certificate left in storage: %v", matches)
	}
}

// Invariant: a session ticket from before a removal does not resume into a
// handshake for the removed domain.
func TestRemovedDomainDoesNotResumeATLSSession(t *testing.T) {
	m, dns, pebble, _ := startWithTLS(t)
	a := pt.SignUp(t, m)
	host := randomHost()
	d := a.Owner.Must(t, `mutation($h: String!) { addDomain(hostname: $h) { id txtRecordName txtRecordValue } }`, map[string]any{"h": host})
	dns.SetTXT(pt.Str(d, "addDomain", "txtRecordName"), pt.Str(d, "addDomain", "txtRecordValue"))
	id := pt.Str(d, "addDomain", "id")
	a.Owner.Must(t, `mutation($id: ID!) { verifyDomain(id: $id) { status } }`, map[string]any{"id": id})
	waitActive(t, a)

	cache := tls.NewLRUClientSessionCache(8)
	cfg := &tls.Config{RootCAs: pebble.Roots(t), ServerName: host, ClientSessionCache: cache}
	// connect makes one request on a new connection; with TLS 1.3 the
	// server's refusal of a resumed session arrives after the client thinks
	// the handshake is done, as an alert on the first read.
	connect := func() (bool, error) {
		c, err := tls.Dial("tcp", m.TLSAddr(), cfg)
		if err != nil {
			return false, err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")); err != nil {
			return false, err
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return false, err
		}
		res.Body.Close()
		return c.ConnectionState().DidResume, nil
	}
	if _, err := connect(); err != nil {
		t.Fatal(err)
	}
	if resumed, err := connect(); err != nil || !resumed {
		t.Fatalf("the client did not resume (the test proves nothing): %v %v", resumed, err)
	}
	a.Owner.Must(t, `mutation($id: ID!) { removeDomain(id: $id) }`, map[string]any{"id": id})
	if resumed, err := connect(); err == nil {
		t.Fatalf("a session reached a removed domain (resumed: %v)", resumed)
	}
}

func waitActive(t *testing.T, ten pt.Tenant) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		list := ten.Owner.Must(t, `{ domains { status lastError } }`, nil)["domains"].([]any)
		if pt.Str(list[0], "status") == "ACTIVE" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no certificate: %v", list)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Invariant: through GraphQL, another tenant's domain is NOT_FOUND like a
// missing one; a hostname another tenant verified cannot be added; staff
// without MANAGE cannot touch domains.
func TestDomainsThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	host := randomHost()
	d := a.Owner.Must(t, `mutation($h: String!) { addDomain(hostname: $h) { id } }`, map[string]any{"h": host})
	id := pt.Str(d, "addDomain", "id")
	for _, q := range []string{
		`mutation($id: ID!) { verifyDomain(id: $id) { id } }`,
		`mutation($id: ID!) { removeDomain(id: $id) }`,
	} {
		other := b.Owner.Do(t, q, map[string]any{"id": id})
		missing := b.Owner.Do(t, q, map[string]any{"id": uuid.NewString()})
		if other.Code() != "NOT_FOUND" || missing.Code() != "NOT_FOUND" {
			t.Errorf("%s: other %v missing %v", q, other.Codes(), missing.Codes())
		}
	}
	if l := b.Owner.Must(t, `{ domains { id } }`, nil)["domains"].([]any); len(l) != 0 {
		t.Fatalf("b lists %v", l)
	}
	if r := a.Owner.Do(t, `mutation { addDomain(hostname: "https://x.example.com/") { id } }`, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("bad hostname: %v", r.Codes())
	}
	editor, _ := pt.AddStaff(t, m, a, "editor@"+a.Slug+".example.com", "EDITOR")
	if r := editor.Do(t, `{ domains { id } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("editor lists domains: %v", r.Codes())
	}
	if r := editor.Do(t, `mutation($id: ID!) { removeDomain(id: $id) }`, map[string]any{"id": id}); r.Code() != "FORBIDDEN" {
		t.Fatalf("editor removes a domain: %v", r.Codes())
	}
	if r := (pt.Client{URL: m.URL()}).Do(t, `mutation { addDomain(hostname: "y.example.com") { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous adds a domain: %v", r.Codes())
	}
}
