package domains

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/domains/internal/domainsql"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/ttl"
)

// Service manages custom domains and answers which tenant a hostname belongs to.
type Service struct {
	DB *db.DB
	// Resolver looks up the verification records; nil is the system resolver.
	Resolver Resolver
	// Certificates gets a certificate for each verified hostname; nil (no TLS
	// listener) leaves verified domains VERIFIED, resolving over plain HTTP.
	Certificates Certificates
	// Reserved are the platform's own domains: neither they nor any name
	// under them can be claimed.
	Reserved []string
	// Target is where tenants point their hostnames, shown with each domain.
	Target string
	Now    func() time.Time

	// hosts caches hostname → tenant (uuid.Nil: not a verified domain) for
	// the request and handshake paths; gen makes a look-up that raced a
	// change in this process not cache its stale answer.
	hosts ttl.Cache[string, uuid.UUID]
	gen   atomic.Uint64
}

// CacheHosts keeps a hostname's tenant (or its absence) for d on the request
// and handshake paths (zero, the default, keeps none). Verifying or removing
// a domain in this process applies at once; in another, within d.
func (s *Service) CacheHosts(d time.Duration) { s.hosts.TTL = d }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) resolver() Resolver {
	if s.Resolver != nil {
		return s.Resolver
	}
	return net.DefaultResolver
}

// List returns the tenant's domains by hostname.
func (s *Service) List(ctx context.Context, tenant tenants.ID) ([]Domain, error) {
	var out []Domain
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := domainsql.New(q).ListDomains(ctx, tenant)
		for _, r := range rows {
			out = append(out, s.fromRow(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("domains.List: %w", err)
	}
	return out, nil
}

// Get returns one domain; another tenant's is NotFound.
func (s *Service) Get(ctx context.Context, tenant tenants.ID, id ID) (Domain, error) {
	r, err := s.get(ctx, tenant, id)
	if err != nil {
		return Domain{}, fmt.Errorf("domains.Get %s: %w", id, err)
	}
	return s.fromRow(r), nil
}

func (s *Service) get(ctx context.Context, tenant tenants.ID, id ID) (domainsql.Domain, error) {
	var r domainsql.Domain
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		r, err = domainsql.New(q).GetDomain(ctx, domainsql.GetDomainParams{TenantID: tenant, ID: id})
		return notFound(err, id)
	})
	return r, err
}

// Add claims a hostname for the tenant. It is PENDING until Verify finds the
// TXT record; a hostname another tenant has verified is a Conflict.
func (s *Service) Add(ctx context.Context, tenant tenants.ID, hostname string) (Domain, error) {
	h, err := normalizeHostname(hostname, s.Reserved)
	if err != nil {
		return Domain{}, err
	}
	owner, err := s.lookup(ctx, h, false)
	if err != nil {
		return Domain{}, fmt.Errorf("domains.Add %s: %w", h, err)
	}
	if owner != uuid.Nil && owner != tenant {
		return Domain{}, errs.Conflict("%s is already connected to another Marquee account; it must be removed there first", h)
	}
	var d Domain
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := domainsql.New(tx)
		n, err := q.CountDomains(ctx, tenant)
		if err != nil {
			return err
		}
		if n >= MaxPerTenant {
			return errs.Conflict("a tenant has at most %d custom domains: remove one first", MaxPerTenant)
		}
		now := s.now()
		r, err := q.CreateDomain(ctx, domainsql.CreateDomainParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			Hostname: h, Token: newToken(), CreatedAt: now})
		if _, dup := db.IsUniqueViolation(err); dup {
			return errs.Conflict("you have already added %s", h)
		}
		if err != nil {
			return err
		}
		d = s.fromRow(r)
		return s.record(ctx, tx, tenant, now, "domain.added", d)
	})
	if err != nil {
		return Domain{}, fmt.Errorf("domains.Add %s: %w", h, err)
	}
	return d, nil
}

// Verify checks the domain's TXT record now. A failed check is an outcome,
// not an error: the domain comes back FAILED with the reason in LastError
// (and the attempt in the audit log). A verified domain gets its certificate;
// verifying it again retries the certificate.
func (s *Service) Verify(ctx context.Context, tenant tenants.ID, id ID) (Domain, error) {
	r, err := s.get(ctx, tenant, id)
	if err != nil {
		return Domain{}, fmt.Errorf("domains.Verify %s: %w", id, err)
	}
	if r.VerifiedAt != nil {
		s.manage(ctx, r.Hostname)
		return s.Get(ctx, tenant, id)
	}
	reason := s.check(ctx, r)
	if reason == "" {
		d, err := s.markVerified(ctx, tenant, id)
		if err == nil {
			s.forget()
			s.manage(ctx, d.Hostname)
			return s.Get(ctx, tenant, id)
		}
		if !errors.Is(err, errClaimed) {
			return Domain{}, fmt.Errorf("domains.Verify %s: %w", id, err)
		}
		reason = fmt.Sprintf("%s is already verified by another Marquee account: it must be removed there before you can verify it", r.Hostname)
	}
	var d Domain
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		r, err := domainsql.New(tx).MarkCheckFailed(ctx, domainsql.MarkCheckFailedParams{Now: now, Reason: reason, TenantID: tenant, ID: id})
		if err != nil {
			return notFound(err, id) // removed meanwhile, or verified by a concurrent call
		}
		d = s.fromRow(r)
		return audit.Record(ctx, tx, tenant, now, "domain.verification_failed", "domain", id.String(),
			map[string]any{"hostname": d.Hostname, "reason": reason})
	})
	if err != nil {
		return Domain{}, fmt.Errorf("domains.Verify %s: %w", id, err)
	}
	return d, nil
}

// errClaimed: another tenant verified the hostname first.
var errClaimed = errs.Conflict("hostname verified by another tenant")

func (s *Service) markVerified(ctx context.Context, tenant tenants.ID, id ID) (Domain, error) {
	var d Domain
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		r, err := domainsql.New(tx).MarkVerified(ctx, domainsql.MarkVerifiedParams{Now: now, TenantID: tenant, ID: id})
		if c, dup := db.IsUniqueViolation(err); dup && c == "domains_verified_hostname" {
			return errClaimed
		}
		if err != nil {
			return notFound(err, id)
		}
		d = s.fromRow(r)
		return s.record(ctx, tx, tenant, now, "domain.verified", d)
	})
	return d, err
}

// check looks the verification record up and returns why it does not prove
// ownership, or "" when it does. The reasons are for the tenant to act on.
func (s *Service) check(ctx context.Context, r domainsql.Domain) string {
	name, want := RecordPrefix+r.Hostname, ValuePrefix+r.Token
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	txts, err := s.resolver().LookupTXT(ctx, name)
	var dnsErr *net.DNSError
	switch {
	case err == nil && len(txts) == 0, errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("no TXT record found at %s: create it with the value %s, then verify again (a new DNS record can take a few minutes to appear)", name, want)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("could not look up the TXT record at %s (%s): try again in a few minutes", name, dnsErr.Err)
	case err != nil:
		return fmt.Sprintf("could not look up the TXT record at %s: try again in a few minutes", name)
	}
	for _, t := range txts {
		if strings.TrimSpace(t) == want {
			return ""
		}
	}
	return fmt.Sprintf("the TXT record at %s does not hold this domain's value %s: set it exactly (other values there are ignored)", name, want)
}

// manage starts the certificate of a verified hostname; a refusal or failure
// to start is recorded on the domain, where the tenant sees it.
func (s *Service) manage(ctx context.Context, hostname string) {
	if s.Certificates == nil {
		return
	}
	if err := s.Certificates.Manage(context.WithoutCancel(ctx), hostname); err != nil {
		_ = s.CertificateFailed(context.WithoutCancel(ctx), hostname, err)
	}
}

// Remove deletes the domain. From then on its hostname resolves to no tenant
// and its certificate is gone, so TLS handshakes for it fail; the hostname is
// free for another tenant to verify.
func (s *Service) Remove(ctx context.Context, tenant tenants.ID, id ID) error {
	var d Domain
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		r, err := domainsql.New(tx).DeleteDomain(ctx, domainsql.DeleteDomainParams{TenantID: tenant, ID: id})
		if err != nil {
			return notFound(err, id)
		}
		d = s.fromRow(r)
		return s.record(ctx, tx, tenant, s.now(), "domain.removed", d)
	})
	if err != nil {
		return fmt.Errorf("domains.Remove %s: %w", id, err)
	}
	s.forget()
	if d.Verified() && s.Certificates != nil {
		s.Certificates.Unmanage(d.Hostname)
	}
	return nil
}

// record writes the audit entry and the outbox event of a staff change.
func (s *Service) record(ctx context.Context, tx db.Tx, tenant tenants.ID, now time.Time, action string, d Domain) error {
	if err := audit.Record(ctx, tx, tenant, now, action, "domain", d.ID.String(), map[string]any{"hostname": d.Hostname}); err != nil {
		return err
	}
	return outbox.Emit(ctx, tx, tenant, now, outbox.Event{Type: action, ObjectType: "domain", ObjectID: d.ID.String(),
		Payload: map[string]any{"id": d.ID, "hostname": d.Hostname, "status": d.Status}})
}

// TenantByHost returns the tenant that verified host (a request's Host or a
// TLS server name; a port is ignored), or NotFound. It is on the request
// path: answers, negative ones too, are cached (CacheHosts).
func (s *Service) TenantByHost(ctx context.Context, host string) (tenants.ID, error) {
	h := hostOnly(host)
	if h == "" {
		return uuid.Nil, errs.NotFound("no tenant serves this host")
	}
	id, err := s.lookup(ctx, h, true)
	if err != nil {
		return uuid.Nil, fmt.Errorf("domains.TenantByHost: %w", err)
	}
	if id == uuid.Nil {
		return uuid.Nil, errs.NotFound("no tenant serves %s", h)
	}
	return id, nil
}

// CertificateAllowed is the certificate decision: only a hostname some
// tenant has verified may have a certificate, be obtained or renewed, or
// complete a TLS handshake. Everything else is Forbidden.
func (s *Service) CertificateAllowed(ctx context.Context, hostname string) error {
	_, err := s.TenantByHost(ctx, hostname)
	if errs.Is(err, errs.KindNotFound) {
		return errs.Forbidden("%s is not a verified custom domain", hostOnly(hostname))
	}
	return err
}

// Verified returns every verified hostname, across tenants, for the
// certificate manager of each API process.
func (s *Service) Verified(ctx context.Context) ([]string, error) {
	var out []string
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		out, err = domainsql.New(tx).VerifiedDomains(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("domains.Verified: %w", err)
	}
	return out, nil
}

// CertificateIssued records that hostname is served with a certificate valid
// until notAfter (a first issuance, a renewal, or one loaded from storage).
func (s *Service) CertificateIssued(ctx context.Context, hostname string, notAfter time.Time) error {
	return s.onCertificate(ctx, hostname, func(q *domainsql.Queries, tenant tenants.ID) error {
		_, err := q.MarkCertificateIssued(ctx, domainsql.MarkCertificateIssuedParams{NotAfter: notAfter.UTC(), TenantID: tenant, Hostname: hostOnly(hostname)})
		return err
	})
}

// CertificateFailed records why hostname's certificate could not be obtained
// or renewed; a still-valid certificate stays ACTIVE.
func (s *Service) CertificateFailed(ctx context.Context, hostname string, cause error) error {
	reason := "certificate: " + cause.Error()
	if len(reason) > 1000 {
		reason = reason[:1000] + "…"
	}
	return s.onCertificate(ctx, hostname, func(q *domainsql.Queries, tenant tenants.ID) error {
		_, err := q.MarkCertificateFailed(ctx, domainsql.MarkCertificateFailedParams{Reason: reason, Now: s.now(), TenantID: tenant, Hostname: hostOnly(hostname)})
		return err
	})
}

func (s *Service) onCertificate(ctx context.Context, hostname string, fn func(*domainsql.Queries, tenants.ID) error) error {
	tenant, err := s.lookup(ctx, hostOnly(hostname), false)
	if err != nil || tenant == uuid.Nil {
		return err // removed meanwhile: nothing to record
	}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error { return fn(domainsql.New(tx), tenant) })
	if err != nil {
		return fmt.Errorf("domains: recording %s's certificate: %w", hostname, err)
	}
	return nil
}

// lookup finds the tenant that verified h, or uuid.Nil. cached answers from
// (and fills) the host cache unless a change in this process raced it.
func (s *Service) lookup(ctx context.Context, h string, cached bool) (uuid.UUID, error) {
	if cached {
		if id, ok := s.hosts.Get(h); ok {
			return id, nil
		}
	}
	gen := s.gen.Load()
	var id uuid.UUID
	err := s.DB.System(ctx, func(tx db.Tx) error {
		var err error
		id, err = domainsql.New(tx).TenantIDByDomain(ctx, h)
		return err
	})
	if err != nil {
		return uuid.Nil, err
	}
	if cached && s.gen.Load() == gen {
		s.hosts.Set(h, id)
	}
	return id, nil
}

// forget drops every cached answer after a verification or removal here. It
// is rare, and dropping all is simpler than tracking which answers changed.
func (s *Service) forget() {
	s.gen.Add(1)
	s.hosts.DeleteFunc(func(string, uuid.UUID) bool { return true })
}

func notFound(err error, id ID) error {
	if db.IsNoRows(err) {
		return errs.NotFound("no domain %s", id)
	}
	return err
}

func (s *Service) fromRow(r domainsql.Domain) Domain {
	return Domain{ID: r.ID, Hostname: r.Hostname, Status: Status(r.Status),
		TXTRecordName: RecordPrefix + r.Hostname, TXTRecordValue: ValuePrefix + r.Token, Target: s.Target,
		LastError: r.LastError, LastCheckedAt: r.LastCheckedAt, VerifiedAt: r.VerifiedAt,
		CertificateExpiresAt: r.CertNotAfter, CreatedAt: r.CreatedAt}
}
