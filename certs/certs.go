// Package certs obtains and renews TLS certificates by ACME (certmagic) for the
// hostnames it is told to manage, and hands them to a TLS listener by SNI.
//
// It decides nothing about who owns a hostname: the Allowed decision it is
// given (domains.Service.CertificateAllowed in the wiring) is asked before a
// hostname is managed, before every issuance and renewal (certmagic's
// cert_obtaining event, which can abort), and on every handshake, resumed
// ones included. On-demand issuance is off on purpose: a handshake for an
// unknown name never makes a certificate request, so nobody can make the
// platform ask a CA for names it does not serve.
//
// HTTP-01 is the one challenge type: the CA reaches the API's HTTP listener
// (port 80 in production), whose handler HTTPChallengeHandler wraps. Challenge
// state lives in the certificate storage, so with storage shared across API
// processes, whichever process the CA reaches answers.
package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// Options configure a Manager.
type Options struct {
	// Storage holds certificates, keys, ACME accounts, locks and challenge
	// state. Every API process must share one in production.
	Storage certmagic.Storage
	// Directory is the ACME directory URL (Let's Encrypt by default in the
	// wiring; Pebble in tests).
	Directory string
	// Email is the ACME account's contact for expiry and policy notices.
	Email string
	// Roots are trusted for the ACME directory's HTTPS (a private CA, or
	// Pebble's in tests); nil means the system roots.
	Roots *x509.CertPool
	// HTTPAddr is the address of the HTTP listener whose handler
	// HTTPChallengeHandler wraps: the CA's HTTP-01 requests must reach it.
	HTTPAddr string
	// Allowed decides whether hostname may have a certificate at all.
	Allowed func(ctx context.Context, hostname string) error
	// Issued and Failed report progress: a certificate ready to serve (first
	// issuance, renewal, or loaded from storage), or why obtaining or renewing
	// one failed. Each runs in its own goroutine. Optional.
	Issued func(ctx context.Context, hostname string, notAfter time.Time)
	Failed func(ctx context.Context, hostname string, err error)
	Log    *slog.Logger
}

// retryGap is how soon asking to manage a name whose certificate is still
// missing starts over; sooner, it keeps waiting for the attempt under way
// (the CA counts failed validations against a hostname).
const retryGap = time.Minute

// Manager manages the certificates of a set of hostnames.
type Manager struct {
	o      Options
	log    *slog.Logger
	cache  *certmagic.Cache
	cfg    *certmagic.Config
	issuer *certmagic.ACMEIssuer

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // progress callbacks

	mu     sync.Mutex
	names  map[string]*managed
	closed bool
}

type managed struct {
	cancel  context.CancelFunc // stops the obtain attempts under way
	started time.Time
}

// New builds a Manager; it contacts the CA only when a name is managed.
func New(o Options) (*Manager, error) {
	if o.Storage == nil || o.Directory == "" || o.Allowed == nil {
		return nil, errors.New("certs.New: Storage, Directory and Allowed are required")
	}
	host, port, err := net.SplitHostPort(o.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("certs.New: HTTPAddr %q: %w", o.HTTPAddr, err)
	}
	httpPort, err := strconv.Atoi(port)
	if err != nil || httpPort <= 0 {
		return nil, fmt.Errorf("certs.New: HTTPAddr %q: want a numeric port", o.HTTPAddr)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	m := &Manager{o: o, log: o.Log, names: map[string]*managed{}}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	zl := zapLogger(o.Log)
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return m.cfg, nil },
		Logger:           zl,
	})
	m.cfg = certmagic.New(m.cache, certmagic.Config{Storage: o.Storage, OnEvent: m.onEvent, Logger: zl})
	m.issuer = certmagic.NewACMEIssuer(m.cfg, certmagic.ACMEIssuer{
		CA:     o.Directory,
		Email:  o.Email,
		Agreed: true, // the operator agrees to the CA's terms by turning TLS on
		// HTTP-01 only: the solver finds our own listener on this address
		// busy and leaves the answer to HTTPChallengeHandler.
		DisableTLSALPNChallenge: true,
		ListenHost:              host,
		AltHTTPPort:             httpPort,
		TrustedRoots:            o.Roots,
		Logger:                  zl,
	})
	m.cfg.Issuers = []certmagic.Issuer{m.issuer}
	return m, nil
}

// Manage starts obtaining hostname's certificate in the background (or loads
// it from storage) and keeps it renewed, if Allowed allows it. Asking again
// while no certificate is ready retries, at most once a minute.
func (m *Manager) Manage(ctx context.Context, hostname string) error {
	name := normalize(hostname)
	if err := m.o.Allowed(ctx, name); err != nil {
		return fmt.Errorf("certs.Manage %s: refused: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("certs.Manage: the manager is closed")
	}
	if cur, ok := m.names[name]; ok {
		if notAfter, ok := m.ready(name); ok {
			m.report(func(ctx context.Context) { m.issued(ctx, name, notAfter) })
			return nil
		}
		if time.Since(cur.started) < retryGap {
			return nil
		}
		cur.cancel()
	}
	nctx, cancel := context.WithCancel(m.ctx)
	m.names[name] = &managed{cancel: cancel, started: time.Now()}
	if err := m.cfg.ManageAsync(nctx, []string{name}); err != nil {
		cancel()
		delete(m.names, name)
		return fmt.Errorf("certs.Manage %s: %w", name, err)
	}
	return nil
}

// Unmanage stops serving hostname at once: it stops any attempt under way,
// drops the certificate from memory (renewals stop) and deletes it and its key
// from storage, so no process loads it again.
func (m *Manager) Unmanage(hostname string) {
	name := normalize(hostname)
	m.forget(name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := m.o.Storage.Delete(ctx, certmagic.StorageKeys.CertsSitePrefix(m.issuer.IssuerKey(), name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.log.Warn("certs: deleting a removed domain's certificate from storage", "domain", name, "err", err)
	}
}

// forget drops hostname from this process only.
func (m *Manager) forget(name string) {
	m.mu.Lock()
	if cur, ok := m.names[name]; ok {
		cur.cancel()
		delete(m.names, name)
	}
	m.mu.Unlock()
	m.cache.RemoveManaged([]certmagic.SubjectIssuer{{Subject: name}})
}

// Sync makes the managed set hostnames, the verified ones as of asOf: it
// manages the new ones and drops from memory those no longer listed (the
// process that removed a domain deleted its certificate already), except
// those managed since asOf, which the list predates. Each API process runs it
// periodically with every verified hostname, so a domain verified or removed
// through another process is picked up here.
func (m *Manager) Sync(ctx context.Context, hostnames []string, asOf time.Time) {
	want := make(map[string]bool, len(hostnames))
	for _, h := range hostnames {
		want[normalize(h)] = true
	}
	m.mu.Lock()
	var gone []string
	for name, cur := range m.names {
		if !want[name] && cur.started.Before(asOf) {
			gone = append(gone, name)
		}
	}
	var missing []string
	for name := range want {
		if _, ok := m.names[name]; !ok {
			missing = append(missing, name)
		}
	}
	m.mu.Unlock()
	for _, name := range gone {
		m.forget(name)
	}
	for _, name := range missing {
		if err := m.Manage(ctx, name); err != nil {
			m.log.Warn("certs: managing a verified domain", "domain", name, "err", err)
		}
	}
}

// Managed lists the hostnames under management, in no order.
func (m *Manager) Managed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.names))
	for name := range m.names {
		out = append(out, name)
	}
	return out
}

// TLSConfig is the TLS listener's configuration: certificates by SNI, for
// allowed names only, including on session resumption.
func (m *Manager) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"h2", "http/1.1"},
		GetCertificate: m.getCertificate,
		// A resumed session skips GetCertificate: without this, a client
		// holding a ticket could reach a removed domain until it expired.
		VerifyConnection: func(cs tls.ConnectionState) error {
			if !cs.DidResume {
				return nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return m.o.Allowed(ctx, normalize(cs.ServerName))
		},
	}
}

func (m *Manager) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := normalize(hello.ServerName)
	if name == "" {
		return nil, errors.New("certs: the client sent no server name (SNI)")
	}
	// Names with no certificate in memory fail here, without a look-up, so
	// a flood of made-up names costs the database nothing; a name that has
	// one is asked about again, as a removal elsewhere reaches this process
	// only at the next sync.
	if _, ok := m.ready(name); !ok {
		return nil, fmt.Errorf("certs: no certificate for %s", name)
	}
	if err := m.o.Allowed(hello.Context(), name); err != nil {
		return nil, fmt.Errorf("certs: no certificate for %s", name)
	}
	return m.cfg.GetCertificate(hello)
}

// HTTPChallengeHandler answers the CA's HTTP-01 challenge requests
// (/.well-known/acme-challenge/…) and passes everything else to next.
func (m *Manager) HTTPChallengeHandler(next http.Handler) http.Handler {
	return m.issuer.HTTPChallengeHandler(next)
}

// Close stops every attempt and renewal and waits for progress callbacks.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.cache.Stop()
	m.wg.Wait()
}

// onEvent is certmagic's event hook: the decision before every issuance and
// renewal, and progress reports.
func (m *Manager) onEvent(ctx context.Context, event string, data map[string]any) error {
	switch event {
	case "cert_obtaining":
		name, _ := data["identifier"].(string)
		if err := m.o.Allowed(ctx, normalize(name)); err != nil {
			// No retry: the name is not ours to certify.
			return certmagic.ErrNoRetry{Err: fmt.Errorf("%s may not have a certificate: %w", name, err)}
		}
	case "cached_managed_cert":
		names, _ := data["sans"].([]string)
		for _, name := range names {
			name = normalize(name)
			if notAfter, ok := m.ready(name); ok {
				m.report(func(ctx context.Context) { m.issued(ctx, name, notAfter) })
			}
		}
	case "cert_failed":
		name, _ := data["identifier"].(string)
		cause, _ := data["error"].(error)
		if cause == nil {
			cause = errors.New("unknown error")
		}
		m.log.Warn("certs: obtaining or renewing a certificate failed", "domain", name, "err", cause)
		if m.o.Failed != nil {
			m.report(func(ctx context.Context) { m.o.Failed(ctx, normalize(name), cause) })
		}
	}
	return nil
}

func (m *Manager) issued(ctx context.Context, name string, notAfter time.Time) {
	m.log.Info("certs: certificate ready", "domain", name, "not_after", notAfter)
	if m.o.Issued != nil {
		m.o.Issued(ctx, name, notAfter)
	}
}

// report runs fn in the background: certmagic's events are synchronous.
func (m *Manager) report(fn func(ctx context.Context)) {
	if m.ctx.Err() != nil {
		return // closed
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		fn(ctx)
	}()
}

// ready reports whether a managed certificate for name is in memory, and
// until when the latest one is valid.
func (m *Manager) ready(name string) (time.Time, bool) {
	var notAfter time.Time
	found := false
	for _, c := range m.cache.AllMatchingCertificates(name) {
		if c.Leaf != nil && c.Leaf.NotAfter.After(notAfter) {
			notAfter, found = c.Leaf.NotAfter, true
		}
	}
	return notAfter, found
}

func normalize(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// FileStorage keeps certificates in a local folder: for one machine. API
// processes on several machines need one shared Storage (see the README).
func FileStorage(dir string) certmagic.Storage { return &certmagic.FileStorage{Path: dir} }
