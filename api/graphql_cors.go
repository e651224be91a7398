package api

import (
	"net/http"
	"slices"
)

// graphQLCORS lets the web apps tenants host themselves (apps/web's
// self-hosting zip, served from their own origin) call /graphql: an origin
// the operator lists as an app origin (MARQUEE_PLAYBACK_ORIGINS) gets CORS
// answers. Credentials are never allowed, so the console's cookie never
// rides along: apps authenticate with the app key and a viewer token.
func (s *Server) graphQLCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		if o == "" || s.Origin == nil || !slices.Contains(s.Origin.AppOrigins, o) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		w.Header().Set("Access-Control-Allow-Origin", o)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, "+appKeyHeader+", X-Marquee-Country, Accept-Language")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
