package devstack

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// startTemporal runs the dev server on a SQLite file in DataDir, so workflow
// history survives a restart of `marquee dev`.
func (s *Stack) startTemporal(ctx context.Context) error {
	argv := []string{
		filepath.Join(s.o.BinDir, "temporal"), "server", "start-dev",
		"--db-filename", filepath.Join(s.o.DataDir, "temporal.db"),
		"--ip", loopback, "--port", strconv.Itoa(s.ports.temporal),
		"--http-port", strconv.Itoa(s.ports.temporalHTTP),
		"--log-level", "warn", "--namespace", "default",
	}
	if s.ports.temporalUI == 0 {
		argv = append(argv, "--headless")
	} else {
		argv = append(argv, "--ui-port", strconv.Itoa(s.ports.temporalUI))
	}
	c, err := s.spawn("temporal", syscall.SIGTERM, nil, argv...)
	if err != nil {
		return err
	}
	addr, ns := hostPort(s.ports.temporal), httpURL(s.ports.temporalHTTP)+"/api/v1/namespaces/default"
	if err := waitReady(ctx, c, 60*time.Second, func(ctx context.Context) error { return temporalReady(ctx, addr, ns) }); err != nil {
		return err
	}
	s.o.Log.Info("devstack: temporal ready", "address", addr)
	return nil
}

// temporalReady wants the gRPC frontend to accept connections and the
// default namespace to exist: the port opens before the namespace is
// registered, and workers fail on a missing namespace. The namespace is asked
// through the server's HTTP API, which answers by calling the frontend, so it
// is a real round trip without pulling the gRPC SDK into the stack.
func temporalReady(ctx context.Context, addr, namespaceURL string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	conn.Close()
	return httpOK(ctx, namespaceURL, nil)
}

// startStripe runs stripe-mock; it is stateless, so it keeps no data.
func (s *Stack) startStripe(ctx context.Context) error {
	c, err := s.spawn("stripe-mock", syscall.SIGTERM, nil,
		filepath.Join(s.o.BinDir, "stripe-mock"), "-http-addr", hostPort(s.ports.stripe), "-https-addr", hostPort(s.ports.stripeHTTPS))
	if err != nil {
		return err
	}
	u := httpURL(s.ports.stripe) + "/v1/customers"
	auth := http.Header{"Authorization": {"Bearer sk_test_123"}}
	if err := waitReady(ctx, c, 30*time.Second, func(ctx context.Context) error { return httpOK(ctx, u, auth) }); err != nil {
		return err
	}
	s.o.Log.Info("devstack: stripe-mock ready", "url", httpURL(s.ports.stripe))
	return nil
}
