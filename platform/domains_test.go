package platform_test

import (
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/platform"
)

// Custom-domain HTTPS is off by default, and its settings are checked only
// when it is on, each problem named.
func TestConfigChecksCustomDomainSettings(t *testing.T) {
	c, err := platform.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.TLSAddr != "" {
		t.Fatalf("HTTPS for custom domains is on by default: %q", c.TLSAddr)
	}
	c.ACMEDirectory = "not a url"
	if err := c.Validate(); err != nil {
		t.Fatalf("ACME settings checked while TLS is off: %v", err)
	}
	c.TLSAddr, c.DNSResolver, c.DomainSyncInterval = "443", "8.8.8.8", 0
	err = c.Validate()
	for _, name := range []string{"MARQUEE_TLS_ADDR", "MARQUEE_ACME_DIRECTORY", "MARQUEE_DNS_RESOLVER", "MARQUEE_DOMAIN_SYNC_INTERVAL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s not reported: %v", name, err)
		}
	}
	c.TLSAddr, c.DNSResolver, c.DomainSyncInterval = ":443", "1.1.1.1:53", time.Minute
	c.ACMEDirectory = "https://acme-staging-v02.api.letsencrypt.org/directory"
	if err := c.Validate(); err != nil {
		t.Fatalf("good settings refused: %v", err)
	}
}
