package domains_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/domains"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

// txtRecords answers TXT look-ups from a map, like a zone the test edits.
type txtRecords struct {
	mu      sync.Mutex
	records map[string][]string
	err     error // every look-up fails with it when set
}

func (r *txtRecords) LookupTXT(_ context.Context, name string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if v, ok := r.records[name]; ok {
		return v, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (r *txtRecords) set(name string, values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.records == nil {
		r.records = map[string][]string{}
	}
	r.records[name] = values
}

// certCalls records what the service asked of the certificate manager.
type certCalls struct {
	mu        sync.Mutex
	managed   []string
	unmanaged []string
	allowed   func(context.Context, string) error // the decision a real manager asks
}

func (c *certCalls) Manage(ctx context.Context, host string) error {
	if c.allowed != nil {
		if err := c.allowed(ctx, host); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.managed = append(c.managed, host)
	return nil
}

func (c *certCalls) Unmanage(host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unmanaged = append(c.unmanaged, host)
}

func (c *certCalls) calls() (managed, unmanaged []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.managed), slices.Clone(c.unmanaged)
}

type fixture struct {
	svc   *domains.Service
	dns   *txtRecords
	certs *certCalls
	db    *db.DB
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	d := testenv.DB(t)
	f := fixture{dns: &txtRecords{}, certs: &certCalls{}, db: d}
	f.svc = &domains.Service{DB: d, Resolver: f.dns, Certificates: f.certs, Reserved: []string{"marquee.example"}, Target: "apps.marquee.example"}
	f.svc.CacheHosts(time.Minute) // long: removal must not wait for it
	f.certs.allowed = f.svc.CertificateAllowed
	return f
}

func MustAdd(tb testing.TB, s *domains.Service, tenant uuid.UUID, host string) domains.Domain {
	tb.Helper()
	d, err := s.Add(context.Background(), tenant, host)
	if err != nil {
		tb.Fatalf("Add %s: %v", host, err)
	}
	return d
}

func MustVerify(tb testing.TB, s *domains.Service, tenant uuid.UUID, id domains.ID) domains.Domain {
	tb.Helper()
	d, err := s.Verify(context.Background(), tenant, id)
	if err != nil {
		tb.Fatalf("Verify %s: %v", id, err)
	}
	return d
}

// randomHost is a hostname no other test uses.
func randomHost(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b) + ".example.com"
}

func TestAddShowsTheRecordToCreate(t *testing.T) {
	f := newFixture(t)
	a := testenv.MustTenant(t, f.db)
	host := randomHost("Watch")
	d := MustAdd(t, f.svc, a, " "+host+". ")
	want := strings.ToLower(host)
	if d.Hostname != want || d.Status != domains.StatusPending || d.Verified() {
		t.Fatalf("added %+v", d)
	}
	if d.TXTRecordName != "_marquee-challenge."+want || !strings.HasPrefix(d.TXTRecordValue, "marquee-verify=") || len(d.TXTRecordValue) < 40 {
		t.Fatalf("record %s %s", d.TXTRecordName, d.TXTRecordValue)
	}
	if d.Target != "apps.marquee.example" {
		t.Fatalf("target %q", d.Target)
	}
	if _, err := f.svc.Add(context.Background(), a, want); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("adding twice: %v", err)
	}
	list, err := f.svc.List(context.Background(), a)
	if err != nil || len(list) != 1 || list[0].ID != d.ID || list[0].TXTRecordValue != d.TXTRecordValue {
		t.Fatalf("list %+v %v", list, err)
	}
}

func TestAddRefusesWhatIsNotACustomHostname(t *testing.T) {
	f := newFixture(t)
	a := testenv.MustTenant(t, f.db)
	for _, h := range []string{"", "localhost", "example", "https://watch.example.com", "watch.example.com:443",
		"watch.example.com/path", "*.example.com", "1.2.3.4", "[::1]", "-bad.example.com", "bad-.example.com",
		"wätch.example.com", "a..example.com", "foo.localhost", "tv.local", "x.internal",
		"marquee.example", "acme.marquee.example", strings.Repeat("a", 64) + ".example.com"} {
		if _, err := f.svc.Add(context.Background(), a, h); !errs.Is(err, errs.KindInvalid) || errs.FieldOf(err) != "hostname" {
			t.Errorf("%q: %v", h, err)
		}
	}
}

// Invariant: a missing TXT record verifies nothing; the tenant learns exactly
// what record to create, the hostname resolves to no tenant and no
// certificate is requested.
func TestVerifyWithoutTheTXTRecordFailsWithTheReason(t *testing.T) {
	f := newFixture(t)
	a := testenv.MustTenant(t, f.db)
	d := MustAdd(t, f.svc, a, randomHost("watch"))
	got := MustVerify(t, f.svc, a, d.ID)
	if got.Status != domains.StatusFailed || got.Verified() || got.LastCheckedAt == nil {
		t.Fatalf("verified without a record: %+v", got)
	}
	if !strings.Contains(got.LastError, "no TXT record found at "+d.TXTRecordName) || !strings.Contains(got.LastError, d.TXTRecordValue) {
		t.Fatalf("reason %q", got.LastError)
	}
	if _, err := f.svc.TenantByHost(context.Background(), d.Hostname); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("an unverified host resolves: %v", err)
	}
	if managed, _ := f.certs.calls(); slices.Contains(managed, d.Hostname) {
		t.Fatal("a certificate was requested for an unverified domain")
	}

	f.dns.err = &net.DNSError{Err: "i/o timeout", IsTimeout: true}
	got = MustVerify(t, f.svc, a, d.ID)
	f.dns.err = nil
	if got.Status != domains.StatusFailed || !strings.Contains(got.LastError, "i/o timeout") {
		t.Fatalf("DNS failure: %+v", got)
	}
}

// Invariant: a TXT record holding another claim's token (another tenant's, or
// an old one) proves nothing for this claim; only this claim's own value does.
func TestVerifyWithAnotherTenantsTokenFails(t *testing.T) {
	f := newFixture(t)
	a, b := testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db)
	host := randomHost("watch")
	da, db := MustAdd(t, f.svc, a, host), MustAdd(t, f.svc, b, host)
	if da.TXTRecordValue == db.TXTRecordValue {
		t.Fatal("two claims share a token")
	}
	f.dns.set(db.TXTRecordName, "v=spf1 -all", db.TXTRecordValue)
	got := MustVerify(t, f.svc, a, da.ID)
	if got.Verified() || got.Status != domains.StatusFailed || !strings.Contains(got.LastError, "does not hold this domain's value") {
		t.Fatalf("verified with b's token: %+v", got)
	}
	if strings.Contains(got.LastError, db.TXTRecordValue) {
		t.Fatalf("the reason shows another tenant's token: %q", got.LastError)
	}
	if got := MustVerify(t, f.svc, b, db.ID); !got.Verified() || got.Status != domains.StatusVerified || got.LastError != "" {
		t.Fatalf("b with its own token: %+v", got)
	}
	if owner, err := f.svc.TenantByHost(context.Background(), host+":443"); err != nil || owner != b {
		t.Fatalf("host resolves to %s %v, want b", owner, err)
	}
}

// Invariant: a hostname belongs to at most one tenant. Pending claims by
// several tenants coexist (a squatter's claim blocks nobody); once one
// verifies, nobody else can add or verify it, not even with both tokens in
// DNS, until the owner removes it.
func TestOneHostnameOneOwner(t *testing.T) {
	f := newFixture(t)
	a, b, c := testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db)
	host := randomHost("watch")
	squat := MustAdd(t, f.svc, b, host) // b claims first
	da := MustAdd(t, f.svc, a, host)    // the real owner still can
	f.dns.set(da.TXTRecordName, da.TXTRecordValue, squat.TXTRecordValue)
	if got := MustVerify(t, f.svc, a, da.ID); got.Status != domains.StatusVerified {
		t.Fatalf("owner: %+v", got)
	}
	got := MustVerify(t, f.svc, b, squat.ID)
	if got.Verified() || got.Status != domains.StatusFailed || !strings.Contains(got.LastError, "already verified by another") {
		t.Fatalf("second tenant verified a taken hostname: %+v", got)
	}
	if _, err := f.svc.Add(context.Background(), c, host); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("third tenant added a verified hostname: %v", err)
	}
	if owner, _ := f.svc.TenantByHost(context.Background(), host); owner != a {
		t.Fatalf("owner %s, want a", owner)
	}
	if err := f.svc.Remove(context.Background(), a, da.ID); err != nil {
		t.Fatal(err)
	}
	if got := MustVerify(t, f.svc, b, squat.ID); got.Status != domains.StatusVerified {
		t.Fatalf("after the owner left: %+v", got)
	}
}

// Invariant: removing a domain stops it resolving and drops its certificate
// at once in this process, even though answers are cached for a minute.
func TestRemoveStopsServingAtOnce(t *testing.T) {
	f := newFixture(t)
	a := testenv.MustTenant(t, f.db)
	d := MustAdd(t, f.svc, a, randomHost("watch"))
	// Cache the negative answer first: verifying must not wait for it.
	if _, err := f.svc.TenantByHost(context.Background(), d.Hostname); !errs.Is(err, errs.KindNotFound) {
		t.Fatal(err)
	}
	f.dns.set(d.TXTRecordName, d.TXTRecordValue)
	MustVerify(t, f.svc, a, d.ID)
	if owner, err := f.svc.TenantByHost(context.Background(), d.Hostname); err != nil || owner != a {
		t.Fatalf("verified host resolves to %s %v", owner, err)
	}
	if err := f.svc.CertificateAllowed(context.Background(), d.Hostname); err != nil {
		t.Fatalf("verified host refused a certificate: %v", err)
	}
	if managed, _ := f.certs.calls(); !slices.Contains(managed, d.Hostname) {
		t.Fatalf("no certificate requested: %v", managed)
	}
	if err := f.svc.Remove(context.Background(), a, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.TenantByHost(context.Background(), d.Hostname); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("removed host still resolves: %v", err)
	}
	if err := f.svc.CertificateAllowed(context.Background(), d.Hostname); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("removed host allowed a certificate: %v", err)
	}
	if _, unmanaged := f.certs.calls(); !slices.Contains(unmanaged, d.Hostname) {
		t.Fatalf("certificate not dropped: %v", unmanaged)
	}
	if err := f.svc.Remove(context.Background(), a, d.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
}

// Invariant: a certificate is allowed for a hostname some tenant verified,
// and for nothing else: not a pending claim, not an unknown name.
func TestCertificatesOnlyForVerifiedHostnames(t *testing.T) {
	f := newFixture(t)
	a := testenv.MustTenant(t, f.db)
	d := MustAdd(t, f.svc, a, randomHost("watch"))
	for _, h := range []string{d.Hostname, randomHost("never-added"), ""} {
		if err := f.svc.CertificateAllowed(context.Background(), h); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("%q allowed: %v", h, err)
		}
	}
	// The manager's own refusal reaches the domain as its reason.
	f.certs.allowed = func(context.Context, string) error { return errors.New("the manager is closed") }
	f.dns.set(d.TXTRecordName, d.TXTRecordValue)
	got := MustVerify(t, f.svc, a, d.ID)
	if got.Status != domains.StatusFailed || !got.Verified() || !strings.Contains(got.LastError, "the manager is closed") {
		t.Fatalf("refused certificate: %+v", got)
	}
	if owner, _ := f.svc.TenantByHost(context.Background(), d.Hostname); owner != a {
		t.Fatal("a verified domain whose certificate failed must still resolve")
	}
}

func TestCertificateProgressIsRecorded(t *testing.T) {
	f := newFixture(t)
	a := testenv.MustTenant(t, f.db)
	d := MustAdd(t, f.svc, a, randomHost("watch"))
	f.dns.set(d.TXTRecordName, d.TXTRecordValue)
	MustVerify(t, f.svc, a, d.ID)
	ctx := context.Background()
	notAfter := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	if err := f.svc.CertificateIssued(ctx, strings.ToUpper(d.Hostname), notAfter); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Get(ctx, a, d.ID)
	if got.Status != domains.StatusActive || got.CertificateExpiresAt == nil || !got.CertificateExpiresAt.Equal(notAfter) {
		t.Fatalf("issued: %+v", got)
	}
	// A failed renewal leaves a valid certificate active, with the reason.
	if err := f.svc.CertificateFailed(ctx, d.Hostname, errors.New("rate limited")); err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.Get(ctx, a, d.ID)
	if got.Status != domains.StatusActive || got.LastError != "certificate: rate limited" {
		t.Fatalf("failed renewal: %+v", got)
	}
	// Unknown or unverified names are not recorded anywhere.
	if err := f.svc.CertificateIssued(ctx, randomHost("nobody"), notAfter); err != nil {
		t.Fatal(err)
	}
}

// Invariant: another tenant's domain is indistinguishable from a missing one.
func TestOtherTenantsDomainIsNotFound(t *testing.T) {
	f := newFixture(t)
	a, b := testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db)
	d := MustAdd(t, f.svc, a, randomHost("watch"))
	ctx := context.Background()
	for name, err := range map[string]error{
		"get":    second(f.svc.Get(ctx, b, d.ID)),
		"verify": second(f.svc.Verify(ctx, b, d.ID)),
		"remove": f.svc.Remove(ctx, b, d.ID),
	} {
		if !errs.Is(err, errs.KindNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if list, _ := f.svc.List(ctx, b); len(list) != 0 {
		t.Fatalf("b lists %+v", list)
	}
	if got, err := f.svc.Get(ctx, a, d.ID); err != nil || got.Status != domains.StatusPending {
		t.Fatalf("a's domain changed: %+v %v", got, err)
	}
}

// Every staff write is audited and emits its event in the same transaction.
func TestWritesAreAuditedWithEvents(t *testing.T) {
	f := newFixture(t)
	a := testenv.MustTenant(t, f.db)
	d := MustAdd(t, f.svc, a, randomHost("watch"))
	MustVerify(t, f.svc, a, d.ID) // fails: no record
	f.dns.set(d.TXTRecordName, d.TXTRecordValue)
	MustVerify(t, f.svc, a, d.ID)
	if err := f.svc.Remove(context.Background(), a, d.ID); err != nil {
		t.Fatal(err)
	}
	var actions, events []string
	err := f.db.InTenant(context.Background(), a, func(tx db.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT action FROM audit_log WHERE target_id = $1 ORDER BY at, id`, d.ID.String())
		if err != nil {
			return err
		}
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			actions = append(actions, s)
		}
		rows, err = tx.Query(context.Background(), `SELECT type FROM outbox_events WHERE object_id = $1 ORDER BY seq`, d.ID.String())
		if err != nil {
			return err
		}
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			events = append(events, s)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"domain.added", "domain.verification_failed", "domain.verified", "domain.removed"}; !slices.Equal(actions, want) {
		t.Fatalf("audit %v, want %v", actions, want)
	}
	if want := []string{"domain.added", "domain.verified", "domain.removed"}; !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
}

func second[T any](_ T, err error) error { return err }
