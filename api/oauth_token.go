package api

import (
	"errors"
	"net/http"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/viewers"
)

const grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// token is the OAuth token endpoint of a tenant's apps: a TV polls it with its
// device code (RFC 8628 §3.4–3.5: authorization_pending, slow_down,
// access_denied, expired_token, then the tokens once), and any app may
// exchange a refresh token there (grant_type=refresh_token, RFC 6749 §6) as
// it can through GraphQL's viewerRefresh.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	p, ok := tenants.PrincipalFrom(r.Context())
	if !ok || p.Kind != tenants.PrincipalApp {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "use the tenant's host, its /t/{slug}/ path or its app key")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "send application/x-www-form-urlencoded")
		return
	}
	var t viewers.Tokens
	var err error
	switch r.PostForm.Get("grant_type") {
	case grantDeviceCode:
		if r.PostForm.Get("device_code") == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "device_code is missing")
			return
		}
		t, err = s.Viewers.PollActivation(r.Context(), p.Tenant, r.PostForm.Get("device_code"))
	case "refresh_token":
		t, err = s.Viewers.Refresh(r.Context(), p.Tenant, r.PostForm.Get("refresh_token"))
		if errs.Is(err, errs.KindUnauthorized) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", errs.MessageOf(err))
			return
		}
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is missing")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "use "+grantDeviceCode+" or refresh_token")
		return
	}
	var ae *viewers.ActivationError
	switch {
	case errors.As(err, &ae):
		body := map[string]any{"error": ae.Code, "error_description": ae.Message}
		if ae.Interval > 0 {
			body["interval"] = ae.Interval
		}
		oauthJSON(w, http.StatusBadRequest, body)
		return
	case err != nil:
		writeError(w, err, statusOf(err))
		return
	}
	body := map[string]any{"access_token": t.AccessToken, "token_type": t.TokenType(), "expires_in": t.ExpiresIn,
		"refresh_token": t.RefreshToken, "device_id": t.Device.String()}
	if t.Profile != nil {
		body["profile_id"] = t.Profile.String()
	}
	oauthJSON(w, http.StatusOK, body)
}
