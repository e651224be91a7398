package uploads_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/uploads"
)

// Invariant: without the test allow-list, loopback, private, link-local and
// other non-public addresses are refused, IPv4-mapped IPv6 included.
func TestIngestFetcherRefusesNonPublicAddresses(t *testing.T) {
	f := &uploads.Fetcher{}
	for _, a := range []string{"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
		"0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "224.0.0.1"} {
		if err := f.CheckAddr(netip.MustParseAddr(a)); err == nil {
			t.Errorf("%s allowed", a)
		}
	}
	for _, a := range []string{"93.184.215.14", "2606:4700::1111"} {
		if err := f.CheckAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s refused: %v", a, err)
		}
	}
	allowed := &uploads.Fetcher{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	if allowed.CheckAddr(netip.MustParseAddr("127.0.0.1")) != nil || allowed.CheckAddr(netip.MustParseAddr("127.0.0.2")) == nil {
		t.Fatal("the allow-list lets through exactly its ranges")
	}
}

// Invariant: the address is checked where it is dialed, so a redirect (or
// DNS) from an allowed address to a refused one is refused too.
func TestIngestFetcherChecksTheDialedAddressOnRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.2:1/secret", http.StatusFound)
	}))
	defer srv.Close()
	f := &uploads.Fetcher{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, HeaderTimeout: 2 * time.Second}
	u, _ := url.Parse(srv.URL)
	_, err := f.Fetch(context.Background(), u)
	var fe *uploads.FetchError
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "127.0.0.2 is a private, loopback") {
		t.Fatalf("redirect to 127.0.0.2: %v", err)
	}
}

func TestIngestFetcherBoundsRedirectsAndWaits(t *testing.T) {
	hops := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop":
			hops++
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/five":
			if n := len(r.URL.Query()["h"]); n < 5 {
				http.Redirect(w, r, r.URL.String()+"&h=1", http.StatusFound)
				return
			}
			_, _ = w.Write([]byte("ok"))
		case "/hang":
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	f := &uploads.Fetcher{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, HeaderTimeout: 300 * time.Millisecond}
	get := func(p string) error {
		u, _ := url.Parse(srv.URL + p)
		res, err := f.Fetch(context.Background(), u)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	if err := get("/five?x=1"); err != nil {
		t.Fatalf("five redirects are allowed: %v", err)
	}
	if err := get("/loop"); err == nil || !strings.Contains(err.Error(), "redirected more than 5 times") || hops != 6 {
		t.Fatalf("loop: %v after %d requests", err, hops)
	}
	start := time.Now()
	if err := get("/hang"); err == nil || !strings.Contains(err.Error(), "timed out") || time.Since(start) > 3*time.Second {
		t.Fatalf("hang: %v after %s", err, time.Since(start))
	}
}
