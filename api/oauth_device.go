package api

import (
	"net/http"
	"net/url"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/viewers"
)

// deviceAuthorization starts a TV's activation: the device authorization
// request of RFC 8628 §3.1, at /oauth/device_authorization on a tenant's host,
// under /t/{slug}/, or with the tenant's app key. The form may carry
// device_name and device_platform (ours: how the device will be listed);
// client_id, when sent, is accepted and not checked (the tenant's apps are
// public clients, and the tenant comes from the host, path or app key).
func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	p, ok := tenants.PrincipalFrom(r.Context())
	if !ok || p.Kind != tenants.PrincipalApp {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "use the tenant's host, its /t/{slug}/ path or its app key")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "send application/x-www-form-urlencoded")
		return
	}
	in := viewers.DeviceInput{Name: r.PostForm.Get("device_name"), Platform: viewers.Platform(r.PostForm.Get("device_platform"))}
	if in.Name == "" {
		in.Name = "TV"
	}
	a, err := s.Viewers.StartActivation(r.Context(), p.Tenant, in)
	if errs.Is(err, errs.KindInvalid) {
		oauthError(w, http.StatusBadRequest, "invalid_request", errs.MessageOf(err))
		return
	} else if err != nil {
		writeError(w, err, statusOf(err))
		return
	}
	verify, err := s.activationURL(r, p.Tenant)
	if err != nil {
		writeError(w, err, statusOf(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code": a.DeviceCode, "user_code": a.UserCode,
		"verification_uri": verify, "verification_uri_complete": verify + "?user_code=" + url.QueryEscape(a.UserCode),
		"expires_in": a.ExpiresIn, "interval": a.Interval,
	})
}

// activationURL is the page of the tenant's web app where a viewer enters the
// code: on the tenant's own host when the TV asked there, else under
// /t/{slug}/ on the platform's base URL.
func (s *Server) activationURL(r *http.Request, tenant tenants.ID) (string, error) {
	if r.PathValue("slug") == "" && (s.hostSlug(r.Host) != "" || s.customHost(r.Host)) {
		scheme := "https"
		if r.TLS == nil && !s.Production {
			scheme = "http"
		}
		return scheme + "://" + r.Host + "/activate", nil
	}
	t, err := s.Tenants.Get(r.Context(), tenant)
	if err != nil {
		return "", err
	}
	return s.BaseURL + "/t/" + t.Slug + "/activate", nil
}

// oauthError answers in RFC 6749 §5.2's shape, which device and OAuth client
// libraries parse.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	oauthJSON(w, status, map[string]any{"error": code, "error_description": description})
}

func oauthJSON(w http.ResponseWriter, status int, v map[string]any) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, v)
}
