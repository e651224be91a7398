package api

import (
	"context"
	"net"
	"strings"

	"github.com/marquee-ott/marquee/tenants"
)

// DomainResolver maps a tenant's verified custom domain to the tenant
// (domains.Service in the wiring). Unknown hosts are NotFound.
type DomainResolver interface {
	TenantByHost(ctx context.Context, host string) (tenants.ID, error)
}

// customHost reports whether host could be a tenant's custom domain: a
// hostname that is neither an address nor the platform's own domain. Only
// those cost a (cached) look-up.
func (s *Server) customHost(host string) bool {
	if s.Domains == nil {
		return false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if !strings.Contains(host, ".") || net.ParseIP(host) != nil {
		return false
	}
	return s.BaseDomain == "" || (host != s.BaseDomain && !strings.HasSuffix(host, "."+s.BaseDomain))
}
