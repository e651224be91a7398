package graph_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/testenv"
)

// forwardedFor sends every request as if a trusted proxy had seen it come from ip.
type forwardedFor string

func (ip forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", string(ip))
	return http.DefaultTransport.RoundTrip(r)
}

// A session started from an address the GeoIP database knows shows its country.
func TestGeoSessionCountry(t *testing.T) {
	path := writeGeoDB(t)
	m := pt.Start(t, func(c *platform.Config) { c.GeoIPDB = path; c.TrustProxy = true })
	tn := pt.SignUp(t, m) // from 127.0.0.1: no country

	c := pt.Client{URL: m.URL(), HTTP: &http.Client{Transport: forwardedFor("81.2.69.142")}}
	d := c.Must(t, loginQ, map[string]any{"in": map[string]any{"slug": tn.Slug, "email": tn.Email, "password": pt.Password}})
	c.Token = pt.Str(d, "login", "token")

	sessions, _ := pt.Get(c.Must(t, sessionsQ, nil), "mySessions").([]any)
	if len(sessions) != 2 {
		t.Fatalf("%d sessions, want 2: %v", len(sessions), sessions)
	}
	for _, s := range sessions {
		ip, country, current := pt.Get(s, "ip"), pt.Get(s, "country"), pt.Get(s, "current") == true
		switch {
		case current && (ip != "81.2.69.142" || country != "GB"):
			t.Errorf("login session: ip %v country %v, want 81.2.69.142 GB", ip, country)
		case !current && country != nil:
			t.Errorf("sign-up session from %v: country %v, want null", ip, country)
		}
	}
}

// The platform refuses to start with a GeoIP database it cannot open, and says which.
func TestGeoRefusesABadDatabase(t *testing.T) {
	cfg, err := platform.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.DatabaseURL = testenv.DB(t).Pool.Config().ConnString()
	cfg.KetoReadURL, cfg.KetoWriteURL = testenv.Keto(t)
	cfg.TemporalAddress = testenv.Temporal(t)
	cfg.BlobURL = "file://" + filepath.Join(t.TempDir(), "blobs")
	cfg.GeoIPDB = filepath.Join(t.TempDir(), "missing.mmdb")
	m, err := platform.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		m.Close()
		t.Fatal("started with a missing GeoIP database")
	}
	if msg := err.Error(); !strings.Contains(msg, "MARQUEE_GEOIP_DB") || !strings.Contains(msg, cfg.GeoIPDB) {
		t.Fatalf("error %q does not name MARQUEE_GEOIP_DB and the file", msg)
	}
}

// writeGeoDB writes a tiny GeoLite2-Country database in which 81.2.69.0/24 is GB.
func writeGeoDB(t *testing.T) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-Country", RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR("81.2.69.0/24")
	if err := tree.Insert(n, mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("GB")}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "country.mmdb")
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
