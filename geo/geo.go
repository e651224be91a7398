// Package geo names the country of an IP address from a MaxMind GeoIP2 or
// GeoLite2 Country (or City) database the operator provides
// (MARQUEE_GEOIP_DB). It is for display and defaults: the place shown in the
// list of sessions, the storefront's country when the client names none
// (tenants.GeoResolver). It is not for enforcement — an address's country is
// a guess, and proxies and VPNs move it — nor does it download or refresh the
// database: replace the file and restart.
package geo

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"strings"

	"github.com/oschwald/geoip2-golang"
)

// MaxMind answers country look-ups from an open .mmdb file. It is safe for
// concurrent use.
type MaxMind struct {
	r *geoip2.Reader
}

// Open opens the database at path. A missing, unreadable or corrupt file, or
// a database without countries (ASN, ISP and the like), is an error that
// names the path.
func Open(path string) (*MaxMind, error) {
	if path == "" {
		return nil, errors.New("geoip database: no path given")
	}
	r, err := geoip2.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("geoip database %s: no such file", path)
	}
	if err != nil {
		if r != nil {
			_ = r.Close()
		}
		return nil, fmt.Errorf("geoip database %s: not a readable MaxMind GeoIP2/GeoLite2 Country or City database: %w", path, err)
	}
	if _, err := r.Country(net.IPv4zero); err != nil {
		var invalid geoip2.InvalidMethodError
		if errors.As(err, &invalid) {
			dbType := r.Metadata().DatabaseType
			_ = r.Close()
			return nil, fmt.Errorf("geoip database %s: type %q has no countries; use a GeoIP2/GeoLite2 Country or City database", path, dbType)
		}
	}
	return &MaxMind{r: r}, nil
}

// Country is the ISO 3166-1 alpha-2 code (upper-case, "GB") of ip's country,
// or "" when the database does not know it or ip is not a public address
// (invalid, private, loopback, link-local and the like).
func (m *MaxMind) Country(ip string) string {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return ""
	}
	addr = addr.Unmap().WithZone("")
	if !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return ""
	}
	rec, err := m.r.Country(net.IP(addr.AsSlice()))
	if err != nil || rec == nil {
		return ""
	}
	return strings.ToUpper(rec.Country.IsoCode)
}

// Close releases the database.
func (m *MaxMind) Close() error {
	if m == nil || m.r == nil {
		return nil
	}
	return m.r.Close()
}
