package console_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/certs/certstest"
	"github.com/marquee-ott/marquee/platform"
	"github.com/marquee-ott/marquee/platform/platformtest"
)

// The domains page: add a hostname, see the TXT record to create, a failed
// verification with its reason, a verified domain, removal.
func TestDomainsPageAddVerifyRemove(t *testing.T) {
	dns := certstest.StartDNS(t)
	m := platformtest.Start(t, func(c *platform.Config) { c.DNSResolver = dns.Addr })
	tn := platformtest.SignUp(t, m)
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)
	b.open("#/domains")
	b.wait("domains loaded", `document.querySelector('#domain-list .empty')`)
	b.labelled()

	host := "watch-" + suffix() + ".example.com"
	b.typeIn("domain-hostname", host)
	b.click("domain-submit")
	b.wait("domain listed", `document.querySelector('#domain-list section.domain')`)
	id := strings.TrimPrefix(eval[string](b, `document.querySelector('#domain-list section.domain').id`), "domain-")
	name, value := b.text("domain-txt-"+id+"-name"), b.text("domain-txt-"+id+"-value")
	if name != "_marquee-challenge."+host || !strings.HasPrefix(value, "marquee-verify=") {
		t.Fatalf("record shown: %q %q", name, value)
	}
	b.labelled()

	b.click("verify-domain-" + id)
	b.wait("failed check shown", fmt.Sprintf(`document.getElementById('domain-status-%s')?.dataset.status === 'FAILED'`, id))
	if msg := b.text("domain-error-" + id); !strings.Contains(msg, "no TXT record found") {
		t.Fatalf("reason shown: %q", msg)
	}
	b.noBanner()

	dns.SetTXT(name, value)
	b.click("verify-domain-" + id)
	b.wait("verified", fmt.Sprintf(`document.getElementById('domain-status-%s')?.dataset.status === 'VERIFIED'`, id))
	if eval[bool](b, fmt.Sprintf(`!!document.getElementById('domain-txt-%s-name')`, id)) {
		t.Fatal("the TXT record is still asked for after verification")
	}

	b.click("remove-domain-" + id)
	b.click("confirm-ok")
	b.wait("removed", `document.querySelector('#domain-list .empty')`)
	b.noBanner()
}
