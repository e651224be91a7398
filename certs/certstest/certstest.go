// Package certstest gives tests of custom domains and certificates a real ACME
// CA and DNS that never leave the machine: Pebble (Let's Encrypt's test CA,
// built from deploy/tools/pebble) and a small DNS server that answers every A
// question with 127.0.0.1 and TXT questions from what the test set. It is for
// tests only.
package certstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// DNS is a tiny authoritative server for any name: A is 127.0.0.1, TXT is
// what SetTXT gave (NXDOMAIN otherwise), anything else is empty.
type DNS struct {
	Addr string // host:port, UDP

	mu  sync.Mutex
	txt map[string][]string
}

// StartDNS serves on a free port, UDP and TCP (Pebble asks over TCP), until
// the test ends.
func StartDNS(tb testing.TB) *DNS {
	tb.Helper()
	var pc net.PacketConn
	var l net.Listener
	for i := 0; l == nil; i++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			tb.Fatalf("certstest: DNS listener: %v", err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err != nil {
			pc.Close()
			if i == 20 {
				tb.Fatalf("certstest: DNS over TCP: %v", err)
			}
		}
	}
	d := &DNS{Addr: pc.LocalAddr().String(), txt: map[string][]string{}}
	for _, srv := range []*dns.Server{{PacketConn: pc}, {Listener: l}} {
		started := make(chan struct{})
		srv.Handler, srv.NotifyStartedFunc = dns.HandlerFunc(d.answer), func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		tb.Cleanup(func() { _ = srv.Shutdown() })
	}
	return d
}

// SetTXT makes name answer TXT with values (none: NXDOMAIN).
func (d *DNS) SetTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[dns.Fqdn(strings.ToLower(name))] = values
}

func (d *DNS) answer(w dns.ResponseWriter, req *dns.Msg) {
	res := new(dns.Msg)
	res.SetReply(req)
	res.Authoritative = true
	for _, q := range req.Question {
		name := strings.ToLower(q.Name)
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 0}
		switch q.Qtype {
		case dns.TypeA:
			hdr.Rrtype = dns.TypeA
			res.Answer = append(res.Answer, &dns.A{Hdr: hdr, A: net.IPv4(127, 0, 0, 1)})
		case dns.TypeTXT:
			d.mu.Lock()
			values := d.txt[name]
			d.mu.Unlock()
			if len(values) == 0 {
				res.Rcode = dns.RcodeNameError
			}
			for _, v := range values {
				hdr.Rrtype = dns.TypeTXT
				res.Answer = append(res.Answer, &dns.TXT{Hdr: hdr, Txt: []string{v}})
			}
		}
	}
	_ = w.WriteMsg(res)
}

// Pebble is a local ACME CA. NewPebble prepares it (its address is known at
// once, for the platform's config); Start runs it once the HTTP-01 port it
// must validate against is known.
type Pebble struct {
	// Directory is the ACME directory URL.
	Directory string
	// CAFile is the PEM of the CA that signed Pebble's own HTTPS certificate,
	// for the ACME client to trust (MARQUEE_ACME_CA_ROOT).
	CAFile string

	dir       string
	addr      string
	mgmtAddr  string
	directory *x509.CertPool
}

// NewPebble picks Pebble's addresses and makes its HTTPS certificate.
func NewPebble(tb testing.TB) *Pebble {
	tb.Helper()
	p := &Pebble{dir: tb.TempDir(), addr: freeAddr(tb), mgmtAddr: freeAddr(tb)}
	p.Directory = "https://" + p.addr + "/dir"
	p.CAFile = filepath.Join(p.dir, "ca.pem")
	p.directory = writeServerCert(tb, p.dir)
	return p
}

// Start runs Pebble until the test ends: HTTP-01 challenges are validated on
// httpPort of whatever dnsAddr resolves a name to, with a real validation
// (PEBBLE_VA_ALWAYS_VALID=0) and no artificial delays.
func (p *Pebble) Start(tb testing.TB, httpPort int, dnsAddr string) {
	tb.Helper()
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress": p.addr, "managementListenAddress": p.mgmtAddr,
		"certificate": filepath.Join(p.dir, "cert.pem"), "privateKey": filepath.Join(p.dir, "key.pem"),
		"httpPort": httpPort, "tlsPort": 1, // TLS-ALPN-01 is not used
		"ocspResponderURL": "", "externalAccountBindingRequired": false,
	}}
	raw, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(p.dir, "pebble.json")
	if err := os.WriteFile(cfgFile, raw, 0o600); err != nil {
		tb.Fatal(err)
	}
	var out syncBuffer
	cmd := exec.Command(binary(tb), "-config", cfgFile, "-dnsserver", dnsAddr)
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_VA_ALWAYS_VALID=0",
		"PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("certstest: starting pebble: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if tb.Failed() {
			tb.Logf("pebble's output:\n%s", out.String())
		}
	})
	client := p.client()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := client.Get(p.Directory)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			tb.Fatalf("certstest: pebble exited:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("certstest: pebble did not answer at %s: %v\n%s", p.Directory, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Roots returns the root Pebble issues certificates under (from its
// management interface), for clients of the served domains to trust.
func (p *Pebble) Roots(tb testing.TB) *x509.CertPool {
	tb.Helper()
	res, err := p.client().Get("https://" + p.mgmtAddr + "/roots/0")
	if err != nil {
		tb.Fatalf("certstest: pebble's root: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	pool := x509.NewCertPool()
	if res.StatusCode != http.StatusOK || !pool.AppendCertsFromPEM(raw) {
		tb.Fatalf("certstest: pebble's root: %d %.200s", res.StatusCode, raw)
	}
	return pool
}

func (p *Pebble) client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.directory}}}
}

// binary is bin/pebble when `make test` (deploy/tools.sh) built it, or a
// fresh build from deploy/tools/pebble.
func binary(tb testing.TB) string {
	tb.Helper()
	root := repoRoot(tb)
	if bin := filepath.Join(root, "bin", "pebble"); isExecutable(bin) {
		return bin
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "certstest-pebble-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "pebble")
		cmd := exec.Command("go", "build", "-o", built, "github.com/letsencrypt/pebble/v2/cmd/pebble")
		cmd.Dir = filepath.Join(root, "deploy", "tools", "pebble")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build pebble: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatalf("certstest: %v", buildErr)
	}
	return built
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// repoRoot finds the module root from the test's working directory.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if raw, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.Contains(string(raw), "module github.com/marquee-ott/marquee\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("certstest: not inside the marquee module")
		}
		dir = parent
	}
}

// freeAddr returns a loopback address with a port free a moment ago: Pebble
// takes addresses from its config, so it cannot be handed a listener.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// writeServerCert makes a CA and a certificate for 127.0.0.1 and localhost
// signed by it for Pebble's HTTPS, and returns the CA as a pool.
func writeServerCert(tb testing.TB, dir string) *x509.CertPool {
	tb.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "certstest CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	files := map[string]*pem.Block{
		"ca.pem":   {Type: "CERTIFICATE", Bytes: caDER},
		"cert.pem": {Type: "CERTIFICATE", Bytes: der},
		"key.pem":  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(b), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool
}

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// Dial returns a DialContext that reaches addr whatever the URL's host, so a
// client can ask for https://watch.example.com/ with that name as SNI and
// Host while the connection goes to the API's TLS listener.
func Dial(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// ErrHandshake reports whether err is a failed TLS handshake (what a client
// sees for a name the server has no certificate for).
func ErrHandshake(err error) bool {
	var alert tls.AlertError
	var rec tls.RecordHeaderError
	var cert *tls.CertificateVerificationError
	return err != nil && (errors.As(err, &alert) || errors.As(err, &rec) || errors.As(err, &cert) ||
		strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "remote error"))
}
