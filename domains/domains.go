// Package domains lets a tenant serve its apps on hostnames of its own
// (watch.example.com). It records a claim, proves ownership by a DNS TXT record
// that holds a token of the claim's own, maps a verified hostname to its tenant
// for the API's host resolution, and decides which hostnames may have a
// certificate.
//
// Ownership rules: several tenants may claim a hostname while nobody has proved
// it (a squatter's pending claim blocks nobody); the first to verify owns it,
// and from then on nobody else can add or verify it until the owner removes it.
// Removing a domain stops it resolving in this process at once, and elsewhere
// within the host cache's lifetime.
//
// It is not the ACME client or the TLS server: the certs package obtains and
// serves certificates, through the Certificates port declared here, and asks
// CertificateAllowed before every issuance and handshake.
package domains

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/errs"
)

// ID identifies a tenant's custom domain.
type ID = uuid.UUID

// Status is where a domain stands. Ownership itself is VerifiedAt; a verified
// domain whose certificate failed is FAILED and still resolves.
type Status string

// The statuses.
const (
	StatusPending  Status = "pending"  // waiting for the TXT record
	StatusVerified Status = "verified" // proved; its certificate is on its way (or TLS is off)
	StatusActive   Status = "active"   // proved and served over HTTPS with its own certificate
	StatusFailed   Status = "failed"   // the last check or certificate attempt failed: see LastError
)

// The verification record: a TXT record named RecordPrefix+hostname holding
// ValuePrefix+token.
const (
	RecordPrefix = "_marquee-challenge."
	ValuePrefix  = "marquee-verify="
)

// MaxPerTenant bounds a tenant's domains: each costs certificate issuance,
// which the CA rate-limits.
const MaxPerTenant = 20

// Domain is one of a tenant's hostnames.
type Domain struct {
	ID       ID
	Hostname string
	Status   Status
	// The DNS record that proves ownership: create a TXT record with this
	// name holding exactly this value.
	TXTRecordName  string
	TXTRecordValue string
	// Target is where the hostname should point (a CNAME), so that viewers
	// and the certificate authority reach the platform.
	Target               string
	LastError            string
	LastCheckedAt        *time.Time
	VerifiedAt           *time.Time
	CertificateExpiresAt *time.Time
	CreatedAt            time.Time
}

// Verified reports whether the tenant proved it owns the hostname.
func (d Domain) Verified() bool { return d.VerifiedAt != nil }

// Resolver looks up DNS TXT records. *net.Resolver is one; tests answer from
// a map.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Certificates obtains, renews and drops the TLS certificates of verified
// hostnames (certs.Manager in the wiring).
type Certificates interface {
	// Manage starts obtaining (or loading) the hostname's certificate in the
	// background and keeps it renewed; it refuses a hostname that
	// CertificateAllowed refuses.
	Manage(ctx context.Context, hostname string) error
	// Unmanage drops the hostname's certificate from memory and storage:
	// handshakes for it fail from then on.
	Unmanage(hostname string)
}

var labelRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Names under these suffixes never reach a public CA or the public DNS.
var internalSuffixes = []string{"localhost", "local", "internal", "home.arpa", "invalid", "onion"}

// normalizeHostname validates a hostname a tenant wants to claim and returns
// its canonical form: lower case, without a final dot.
func normalizeHostname(raw string, reserved []string) (string, error) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
	bad := func(format string, args ...any) (string, error) {
		return "", errs.InvalidField("hostname", format, args...)
	}
	switch {
	case h == "":
		return bad("hostname is required")
	case strings.ContainsAny(h, "/:@?#[] "):
		return bad("give the hostname alone, like watch.example.com: no scheme, port or path")
	case len(h) > 253:
		return bad("a hostname has at most 253 characters")
	case net.ParseIP(h) != nil:
		return bad("an IP address cannot be a custom domain: use a hostname")
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return bad("use a full hostname, like watch.example.com")
	}
	for _, l := range labels {
		if l == "*" {
			return bad("wildcard domains are not supported: add each hostname")
		}
		if !labelRe.MatchString(l) {
			return bad("%q is not a valid hostname label: letters, digits and inner hyphens, at most 63; write international names in their xn-- form", l)
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return bad("%s is not a hostname", h)
	}
	for _, s := range internalSuffixes {
		if h == s || strings.HasSuffix(h, "."+s) {
			return bad("%s is not a public hostname", h)
		}
	}
	for _, r := range reserved {
		r = strings.TrimSuffix(strings.ToLower(r), ".")
		if r != "" && (h == r || strings.HasSuffix(h, "."+r)) {
			return bad("%s belongs to the platform: your app already answers on its own address there", h)
		}
	}
	return h, nil
}

// hostOnly turns a request's Host (or a TLS server name) into a hostname to
// look up: no port, lower case, no final dot.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
}

// newToken returns the random token a claim's TXT record must hold: 160 bits,
// lower-case base32, safe in any DNS tool.
func newToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
