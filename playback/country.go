package playback

import "strings"

// Countries says which country a viewer is in, for enforcement: the
// operator's trusted CDN header (e.g. CloudFront-Viewer-Country) when one is
// configured — trust it only when the API is reachable through that CDN
// alone — else the GeoIP database's guess from the client address, else ""
// (unknown: refused for titles limited to countries). The app's own
// X-Marquee-Country header, fine for browsing, is never used here: a client
// could name any country.
type Countries struct {
	Header string
	Geo    interface{ Country(ip string) string }
}

// Resolve returns the upper-case ISO 3166-1 alpha-2 code or "".
func (c *Countries) Resolve(header func(name string) string, ip string) string {
	if c == nil {
		return ""
	}
	if c.Header != "" && header != nil {
		if v := strings.ToUpper(strings.TrimSpace(header(c.Header))); len(v) == 2 && v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z' {
			return v
		}
	}
	if c.Geo != nil && ip != "" {
		return strings.ToUpper(c.Geo.Country(ip))
	}
	return ""
}
