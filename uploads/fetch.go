package uploads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/marquee-ott/marquee/errs"
)

// Fetcher gets files from URLs people give us, which may point anywhere: at
// our own network (metadata services, databases, the admin port), in a
// redirect loop, or at a server that never answers. It refuses private,
// loopback, link-local and other non-public addresses where they are dialed
// (after DNS, on every redirect, so a hostname that resolves or rebinds to
// 10.0.0.1 is refused too), follows at most MaxRedirects redirects, and
// bounds every wait.
type Fetcher struct {
	// Allow lists address ranges fetched even though they are not public.
	// Tests only (an httptest server on 127.0.0.1); empty in production.
	Allow []netip.Prefix
	// HeaderTimeout bounds connecting and waiting for the response headers.
	HeaderTimeout time.Duration
	// MaxRedirects followed; the next one fails.
	MaxRedirects int

	client *http.Client
}

// fetchDefaults.
const (
	defaultHeaderTimeout = 30 * time.Second
	defaultMaxRedirects  = 5
)

// FetchError is a URL we cannot fetch, with the reason people read.
type FetchError struct{ Reason string }

func (e *FetchError) Error() string { return e.Reason }

// blockedError is the dialer's refusal, kept through net/http's wrapping.
type blockedError struct{ addr netip.Addr }

func (e *blockedError) Error() string {
	return fmt.Sprintf("%s is a private, loopback, link-local or otherwise non-public address: refused", e.addr)
}

// nonPublic are the ranges netip's predicates do not already cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: could reach any IPv4 address
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// CheckAddr returns nil for an address we may fetch from.
func (f *Fetcher) CheckAddr(a netip.Addr) error {
	a = a.Unmap()
	for _, p := range f.Allow {
		if p.Contains(a) {
			return nil
		}
	}
	bad := !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified()
	for _, p := range nonPublic {
		bad = bad || p.Contains(a)
	}
	if bad {
		return &blockedError{addr: a}
	}
	return nil
}

// CheckURL refuses, before anything is fetched, a URL that is not http(s)
// or whose host is or resolves to a refused address. The dialer checks
// again (DNS may answer differently the second time).
func (f *Fetcher) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, errs.InvalidField("url", "give an http:// or https:// URL")
	}
	if u.User != nil {
		return nil, errs.InvalidField("url", "credentials in the URL are not accepted: use a pre-signed URL instead")
	}
	host := u.Hostname()
	addrs := []netip.Addr{}
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, a)
	} else {
		rctx, cancel := context.WithTimeout(ctx, f.headerTimeout())
		defer cancel()
		ips, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
		if err != nil {
			return nil, errs.InvalidField("url", "cannot resolve %s", host)
		}
		addrs = ips
	}
	for _, a := range addrs {
		if err := f.CheckAddr(a); err != nil {
			return nil, errs.InvalidField("url", "%s: %v", host, err)
		}
	}
	return u, nil
}

func (f *Fetcher) headerTimeout() time.Duration {
	if f.HeaderTimeout > 0 {
		return f.HeaderTimeout
	}
	return defaultHeaderTimeout
}

func (f *Fetcher) maxRedirects() int {
	if f.MaxRedirects > 0 {
		return f.MaxRedirects
	}
	return defaultMaxRedirects
}

// httpClient builds the client once: its transport keeps no proxy (a proxy
// would dial for us, past the address check) and checks every address it dials.
func (f *Fetcher) httpClient() *http.Client {
	if f.client != nil {
		return f.client
	}
	d := &net.Dialer{
		Timeout: f.headerTimeout(),
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("unexpected address %q: %w", address, err)
			}
			return f.CheckAddr(ap.Addr())
		},
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   f.headerTimeout(),
		ResponseHeaderTimeout: f.headerTimeout(),
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	f.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > f.maxRedirects() {
				return &FetchError{Reason: fmt.Sprintf("the URL redirected more than %d times (a redirect loop?)", f.maxRedirects())}
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return &FetchError{Reason: "the URL redirected to a non-http(s) address"}
			}
			return nil
		},
	}
	return f.client
}

// Response is a fetched file's header; the caller reads and closes Body.
type Response struct {
	Body          io.ReadCloser
	ContentType   string
	ContentLength int64 // -1 when the server does not say
	FinalURL      *url.URL
}

// Fetch GETs u. The caller bounds the whole transfer with ctx's deadline
// and the body's size; Fetch bounds the wait for headers. A failure is a
// *FetchError whose reason people can read.
func (f *Fetcher) Fetch(ctx context.Context, u *url.URL) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &FetchError{Reason: "bad URL"}
	}
	req.Header.Set("User-Agent", "Marquee-Ingest/1")
	res, err := f.httpClient().Do(req)
	if err != nil {
		return nil, f.explain(ctx, err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, &FetchError{Reason: fmt.Sprintf("the server answered %s", res.Status)}
	}
	return &Response{Body: res.Body, ContentType: res.Header.Get("Content-Type"), ContentLength: res.ContentLength, FinalURL: res.Request.URL}, nil
}

// explain turns a transport error into a reason people can act on.
func (f *Fetcher) explain(ctx context.Context, err error) error {
	var fe *FetchError
	var be *blockedError
	var ne net.Error
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.As(err, &be):
		return &FetchError{Reason: be.Error()}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &FetchError{Reason: "the download took longer than allowed: timed out"}
	case errors.As(err, &ne) && ne.Timeout():
		return &FetchError{Reason: fmt.Sprintf("the server did not answer within %s: timed out", f.headerTimeout())}
	}
	msg := err.Error()
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	return &FetchError{Reason: "could not fetch the URL: " + msg}
}
