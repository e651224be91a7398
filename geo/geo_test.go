package geo_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/marquee-ott/marquee/geo"
)

func TestCountry(t *testing.T) {
	m, err := geo.Open(writeTestDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for ip, want := range map[string]string{
		"81.2.69.142":      "GB",
		"::ffff:81.2.69.1": "GB", // IPv4-mapped
		"2001:db8::1":      "DE",
		"8.8.8.8":          "", // not in the database
		"not an ip":        "",
		"":                 "",
		"10.1.2.3":         "", // private
		"192.168.0.1":      "",
		"127.0.0.1":        "",
		"fe80::1":          "",
		"fd00::1":          "",
		"81.2.69.142:443":  "", // an address, not host:port
	} {
		if got := m.Country(ip); got != want {
			t.Errorf("Country(%q) = %q, want %q", ip, got, want)
		}
	}
}

func TestGeoOpenErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.mmdb")
	if _, err := geo.Open(missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.mmdb")
	if err := os.WriteFile(garbage, []byte("this is not a MaxMind database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := geo.Open(garbage); err == nil || !strings.Contains(err.Error(), garbage) || !strings.Contains(err.Error(), "not a readable MaxMind") {
		t.Errorf("garbage file: %v", err)
	}
	asn := writeDB(t, "GeoLite2-ASN", nil)
	if _, err := geo.Open(asn); err == nil || !strings.Contains(err.Error(), "has no countries") {
		t.Errorf("ASN database: %v", err)
	}
}

// writeTestDB writes a tiny GeoLite2-Country database: 81.2.69.0/24 is GB,
// 2001:db8::/32 is DE.
func writeTestDB(t *testing.T) string {
	return writeDB(t, "GeoLite2-Country", map[string]string{"81.2.69.0/24": "GB", "2001:db8::/32": "DE"})
}

func writeDB(t *testing.T, dbType string, nets map[string]string) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, IncludeReservedNetworks: true, RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, iso := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		rec := mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(iso)}}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "test.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path
}
