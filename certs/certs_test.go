package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

// newManager makes a manager whose CA cannot be reached: these tests pass
// only if nothing ever tries to.
func newManager(t *testing.T, allowed ...string) (*Manager, string) {
	t.Helper()
	dir := t.TempDir()
	m, err := New(Options{Storage: FileStorage(dir), Directory: "https://127.0.0.1:1/dir", HTTPAddr: "127.0.0.1:1",
		Allowed: func(_ context.Context, h string) error {
			for _, a := range allowed {
				if h == a {
					return nil
				}
			}
			return errors.New("not verified")
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m, dir
}

// Invariant: no certificate is requested for a name the decision refuses,
// whichever way the request starts: Manage refuses it, and certmagic's own
// obtain path is aborted by the decision before any CA is contacted.
func TestCertificateForAnUnverifiedNameIsRefused(t *testing.T) {
	m, _ := newManager(t, "ok.example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Manage(ctx, "Evil.Example.com."); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Manage: %v", err)
	}
	if len(m.Managed()) != 0 {
		t.Fatalf("managed %v", m.Managed())
	}
	err := m.cfg.ObtainCertAsync(ctx, "evil.example.com")
	var noRetry certmagic.ErrNoRetry
	if !errors.As(err, &noRetry) || !strings.Contains(err.Error(), "may not have a certificate") {
		t.Fatalf("obtain for a refused name: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the refusal waited for retries")
	}
}

// Invariant: the TLS listener completes no handshake for a name the decision
// refuses, nor for a client that sends no server name.
func TestHandshakeForARefusedNameFails(t *testing.T) {
	m, _ := newManager(t)
	l, err := tls.Listen("tcp", "127.0.0.1:0", m.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _ = c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	for _, name := range []string{"evil.example.com", ""} {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", l.Addr().String(),
			&tls.Config{ServerName: name, InsecureSkipVerify: true}) // any certificate at all would be the failure
		if err == nil {
			c.Close()
			t.Fatalf("handshake for %q succeeded", name)
		}
	}
}

// Unmanage deletes the certificate and key from storage, so no process loads
// them again.
func TestUnmanageDeletesTheStoredCertificate(t *testing.T) {
	m, dir := newManager(t)
	site := filepath.Join(dir, filepath.FromSlash(certmagic.StorageKeys.CertsSitePrefix(m.issuer.IssuerKey(), "gone.example.com")))
	if err := os.MkdirAll(site, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"gone.example.com.crt", "gone.example.com.key", "gone.example.com.json"} {
		if err := os.WriteFile(filepath.Join(site, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m.Unmanage("GONE.example.com")
	if _, err := os.Stat(site); !os.IsNotExist(err) {
		t.Fatalf("certificate folder still there: %v", err)
	}
}
