package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/errs"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports each dependency; any failure makes the whole 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	names := make([]string, 0, len(s.Checks))
	for n := range s.Checks {
		names = append(names, n)
	}
	sort.Strings(names)
	status, code := map[string]string{}, http.StatusOK
	for _, n := range names {
		if err := s.Checks[n](ctx); err != nil {
			status[n] = "down: " + errs.MessageOf(err)
			if !s.Production {
				status[n] = "down: " + err.Error()
			}
			code = http.StatusServiceUnavailable
			continue
		}
		status[n] = "ok"
	}
	writeJSON(w, code, status)
}

// logo serves a tenant's logo publicly: apps and emails show it to anyone.
func (s *Server) logo(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("tenant"))
	if err != nil {
		writeError(w, errs.NotFound("no logo"), http.StatusNotFound)
		return
	}
	data, ctype, err := s.Tenants.Logo(r.Context(), id)
	if err != nil {
		writeError(w, err, statusOf(err))
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}

// setSession turns a session token (from signUp, login or acceptInvitation)
// into the console's HttpOnly cookie, so scripts never hold it afterwards.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request) {
	// Like every cookie-changing request, it needs the custom header a
	// cross-site form cannot send, so no other site can sign a browser in.
	if r.Header.Get(csrfHeader) == "" {
		writeError(w, errs.Forbidden("send the %s header", csrfHeader), http.StatusForbidden)
		return
	}
	var body struct{ Token string }
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, errs.Invalid("send {\"token\": …}"), http.StatusBadRequest)
		return
	}
	if err := s.checkSessionToken(r.Context(), body.Token); err != nil {
		writeError(w, err, statusOf(err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: body.Token, Path: "/", HttpOnly: true,
		Secure: s.Production, SameSite: http.SameSiteStrictMode, MaxAge: 14 * 24 * 3600})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(csrfHeader) == "" {
		writeError(w, errs.Forbidden("send the %s header", csrfHeader), http.StatusForbidden)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.Production, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// httpStatus maps error kinds to HTTP statuses for non-GraphQL endpoints.
var httpStatus = map[errs.Kind]int{
	errs.KindInvalid:      http.StatusBadRequest,
	errs.KindNotFound:     http.StatusNotFound,
	errs.KindConflict:     http.StatusConflict,
	errs.KindUnauthorized: http.StatusUnauthorized,
	errs.KindForbidden:    http.StatusForbidden,
	errs.KindUnavailable:  http.StatusServiceUnavailable,
	errs.KindRateLimited:  http.StatusTooManyRequests,
	errs.KindInternal:     http.StatusInternalServerError,
	errs.KindSuspended:    http.StatusForbidden,
}

func statusOf(err error) int { return httpStatus[errs.KindOf(err)] }

// writeError answers in the GraphQL error shape so clients parse one format.
func writeError(w http.ResponseWriter, err error, status int) {
	code := strings.ReplaceAll(string(errs.KindOf(err)), "INVALID", "BAD_USER_INPUT")
	if code == string(errs.KindUnauthorized) {
		code = "UNAUTHENTICATED"
	}
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{
		"message": errs.MessageOf(err), "extensions": map[string]string{"code": code},
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
