package platform

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/marquee-ott/marquee/certs"
	"github.com/marquee-ott/marquee/domains"
)

// Custom domains: the domains service (host resolution, verification) always;
// with MARQUEE_TLS_ADDR, an HTTPS listener serving the API for verified
// custom domains with ACME certificates, HTTP-01 challenges answered on the
// HTTP listener, and a periodic sync of the managed set with the verified
// domains, so that each API process serves what any of them verified.

// domainService is the custom-domains domain as the API uses it.
func (m *Main) domainService() *domains.Service {
	c := m.Config
	s := &domains.Service{DB: m.DB, Resolver: dnsResolver(c.DNSResolver), Target: c.DomainTarget,
		Reserved: []string{c.BaseDomain, hostOf(c.BaseURL)}}
	if s.Target == "" {
		s.Target = hostOf(c.BaseURL)
	}
	s.CacheHosts(c.AuthCacheTTL)
	if m.Certs != nil {
		s.Certificates = m.Certs
	}
	return s
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// dnsResolver asks addr (host:port) for the verification records; empty is
// the system resolver.
func dnsResolver(addr string) domains.Resolver {
	if addr == "" {
		return nil
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// listenTLS binds MARQUEE_TLS_ADDR and builds the certificate manager; off
// when the address is empty.
func (m *Main) listenTLS() error {
	c := m.Config
	if c.TLSAddr == "" {
		return nil
	}
	var roots *x509.CertPool
	if c.ACMECARoot != "" {
		pem, err := os.ReadFile(c.ACMECARoot)
		if err != nil {
			return fmt.Errorf("MARQUEE_ACME_CA_ROOT: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("MARQUEE_ACME_CA_ROOT %s: no PEM certificate in it", c.ACMECARoot)
		}
	}
	dir, err := filepath.Abs(c.CertDir)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return fmt.Errorf("MARQUEE_CERT_DIR %s: %w", c.CertDir, err)
	}
	l, err := net.Listen("tcp", c.TLSAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (MARQUEE_TLS_ADDR): %w", c.TLSAddr, err)
	}
	m.tlsListener = l
	log := m.Log.With("component", "certs")
	m.Certs, err = certs.New(certs.Options{
		Storage: certs.FileStorage(dir), Directory: c.ACMEDirectory, Email: c.ACMEEmail, Roots: roots,
		HTTPAddr: m.listener.Addr().String(), Log: log,
		// m.Domains is built after the listeners; nothing calls these before.
		Allowed: func(ctx context.Context, host string) error { return m.Domains.CertificateAllowed(ctx, host) },
		Issued: func(ctx context.Context, host string, notAfter time.Time) {
			if err := m.Domains.CertificateIssued(ctx, host, notAfter); err != nil {
				log.Error("recording an issued certificate", "domain", host, "err", err)
			}
		},
		Failed: func(ctx context.Context, host string, cause error) {
			if err := m.Domains.CertificateFailed(ctx, host, cause); err != nil {
				log.Error("recording a failed certificate", "domain", host, "err", err)
			}
		},
	})
	return err
}

// TLSAddr is where the custom domains' HTTPS listener answers, or "" when off.
func (m *Main) TLSAddr() string {
	if m.tlsListener == nil {
		return ""
	}
	return m.tlsListener.Addr().String()
}

// withACMEChallenges answers the CA's HTTP-01 requests on the HTTP listener.
func (m *Main) withACMEChallenges(h http.Handler) http.Handler {
	if m.Certs == nil {
		return h
	}
	return m.Certs.HTTPChallengeHandler(h)
}

// serveTLS serves the API on the TLS listener and keeps the managed
// certificates in step with the verified domains until the returned stop is
// called. Serving errors go to errc.
func (m *Main) serveTLS(ctx context.Context, errc chan<- error) (stop func(context.Context) error) {
	if m.tlsListener == nil {
		return func(context.Context) error { return nil }
	}
	m.tlsServer = m.API.HTTPServer(m.tlsListener.Addr().String())
	m.tlsServer.TLSConfig = m.Certs.TLSConfig()
	go func() { errc <- m.tlsServer.ServeTLS(m.tlsListener, "", "") }()
	syncCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.syncDomains(syncCtx)
	}()
	return func(sctx context.Context) error {
		cancel()
		<-done
		return m.tlsServer.Shutdown(sctx)
	}
}

// syncDomains hands the certificate manager every verified domain at start
// and then every MARQUEE_DOMAIN_SYNC_INTERVAL: domains verified or removed
// through another API process reach this one that way.
func (m *Main) syncDomains(ctx context.Context) {
	t := time.NewTicker(m.Config.DomainSyncInterval)
	defer t.Stop()
	for {
		asOf := time.Now()
		names, err := m.Domains.Verified(ctx)
		if err == nil {
			m.Certs.Sync(ctx, names, asOf)
		} else if ctx.Err() == nil {
			m.Log.Warn("listing verified domains for their certificates", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Main) closeTLS() {
	if m.tlsListener != nil && m.tlsServer == nil {
		_ = m.tlsListener.Close()
	}
	if m.Certs != nil {
		m.Certs.Close()
	}
}
