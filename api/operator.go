package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/tenants"
)

// operatorContext recognises a platform operator's token (mqo_…, as a bearer
// or the console's cookie) and returns the context carrying the operator.
// isOperator says the request carries such a token: it then acts as no
// tenant at all. A stale operator cookie counts as signed out (so the sign-in
// page works); a stale bearer token is refused.
func (s *Server) operatorContext(r *http.Request) (ctx context.Context, isOperator bool, err error) {
	ctx = r.Context()
	tok, fromCookie := "", false
	if auth := r.Header.Get("Authorization"); auth != "" {
		t, _ := strings.CutPrefix(auth, "Bearer ")
		tok = strings.TrimSpace(t)
	} else if c, cerr := r.Cookie(sessionCookie); cerr == nil {
		tok, fromCookie = c.Value, true
	}
	if !operators.IsToken(tok) {
		return ctx, false, nil
	}
	if s.Operators == nil {
		return ctx, true, errs.Unauthorized("operator sign-in is not enabled on this server")
	}
	if fromCookie && r.Method != http.MethodGet && r.Header.Get(csrfHeader) == "" && !isWebSocket(r) {
		return ctx, true, errs.Forbidden("cookie sessions need the %s header", csrfHeader)
	}
	p, err := s.Operators.Authenticate(ctx, tok)
	if err != nil {
		if fromCookie && errs.Is(err, errs.KindUnauthorized) {
			return ctx, true, nil
		}
		return ctx, true, err
	}
	if !s.KeyLimit.Allow("operator|" + p.Operator.ID.String()) {
		return ctx, true, errs.RateLimited("too many requests: slow down")
	}
	c := tenants.ClientFrom(ctx)
	ctx = operators.WithPrincipal(ctx, p)
	ctx = audit.WithActor(ctx, audit.Actor{Type: "operator", ID: p.Operator.ID, Label: p.Operator.Email, IP: c.IP, UserAgent: c.UserAgent})
	return ctx, true, nil
}

// checkSessionToken says whether a token may become the console's cookie: a
// staff session, or an operator session whose two-factor step is done.
func (s *Server) checkSessionToken(ctx context.Context, tok string) error {
	if !operators.IsToken(tok) {
		_, err := s.Tenants.Authenticate(ctx, tok)
		return err
	}
	if s.Operators == nil {
		return errs.Unauthorized("operator sign-in is not enabled on this server")
	}
	p, err := s.Operators.Authenticate(ctx, tok)
	if err == nil && !p.TwoFactor {
		err = errs.Forbidden("complete the two-factor step of the operator sign-in first")
	}
	return err
}
