package devstack

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// Every service listens on loopback only: the stack has a known password and
// no TLS.
const loopback = "127.0.0.1"

type ports struct {
	pg         int
	temporal   int
	temporalUI int // 0: headless
	// temporalHTTP is the server's HTTP API, used for the readiness check.
	temporalHTTP int
	ketoRead     int
	ketoWrite    int
	ketoOPL      int
	ketoMetrics  int
	stripe       int
	// stripeHTTPS is never used, but stripe-mock serves HTTPS on every
	// interface at 12112 unless given an address, which would make two
	// stacks collide.
	stripeHTTPS int
}

// devPorts are the fixed ports of `marquee dev`, so bookmarks and psql
// commands keep working across restarts. Keto's are its own defaults.
var devPorts = ports{
	pg:         54329,
	temporal:   7233,
	temporalUI: 8233,
	// 7243 is the HTTP port Temporal's own docs use next to 7233.
	temporalHTTP: 7243,
	ketoRead:     4466,
	ketoWrite:    4467,
	ketoMetrics:  4468,
	ketoOPL:      4469,
	stripe:       12111,
	stripeHTTPS:  12112,
}

func (p ports) named() []namedPort {
	return []namedPort{
		{"postgres", p.pg}, {"temporal", p.temporal}, {"temporal ui", p.temporalUI}, {"temporal http", p.temporalHTTP},
		{"keto read", p.ketoRead}, {"keto write", p.ketoWrite},
		{"keto metrics", p.ketoMetrics}, {"keto opl", p.ketoOPL},
		{"stripe-mock", p.stripe}, {"stripe-mock https", p.stripeHTTPS},
	}
}

type namedPort struct {
	name string
	port int
}

func choosePorts(ephemeral bool) (ports, error) {
	if !ephemeral {
		return devPorts, checkFree(devPorts)
	}
	free, err := freePorts(9)
	if err != nil {
		return ports{}, err
	}
	return ports{
		pg: free[0], temporal: free[1], ketoRead: free[2], ketoWrite: free[3],
		ketoMetrics: free[4], ketoOPL: free[5], stripe: free[6], temporalHTTP: free[7],
		stripeHTTPS: free[8],
	}, nil
}

// freePorts asks the kernel for n distinct free loopback ports by holding n
// listeners open at once. They are released before the services bind them, so
// another process could take one in between; the service then fails to start
// with "address already in use" in its log, which the readiness error quotes.
func freePorts(n int) ([]int, error) {
	out := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
		if err != nil {
			return nil, fmt.Errorf("devstack: pick a free port: %w", err)
		}
		defer l.Close()
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// checkFree reports every fixed port already taken, usually by another
// `marquee dev` still running, instead of letting a service fail obscurely.
func checkFree(p ports) error {
	var errs []error
	for _, np := range p.named() {
		if np.port == 0 {
			continue
		}
		l, err := net.Listen("tcp", hostPort(np.port))
		if err != nil {
			errs = append(errs, fmt.Errorf("port %d (%s) on %s is already in use: is another `marquee dev` running? (%v)", np.port, np.name, loopback, err))
			continue
		}
		l.Close()
	}
	if len(errs) > 0 {
		return fmt.Errorf("devstack: %w", errors.Join(errs...))
	}
	return nil
}

func hostPort(port int) string { return net.JoinHostPort(loopback, strconv.Itoa(port)) }

func httpURL(port int) string { return "http://" + hostPort(port) }
