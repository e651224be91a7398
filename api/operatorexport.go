package api

import (
	"io"
	"mime"
	"net/http"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators"
)

// operatorExport serves one tenant export (GET /operator/exports/{tenant}/{name})
// to a signed-in operator, by bearer token or the console's cookie. Each
// download is recorded (operators.Service.OpenExport).
func (s *Server) operatorExport(w http.ResponseWriter, r *http.Request) {
	ctx, _, err := s.operatorContext(r)
	if err != nil {
		writeError(w, err, statusOf(err))
		return
	}
	p, ok := operators.PrincipalFrom(ctx)
	if !ok {
		writeError(w, errs.Unauthorized("sign in as the platform operator"), http.StatusUnauthorized)
		return
	}
	id, err := uuid.Parse(r.PathValue("tenant"))
	if err != nil {
		writeError(w, errs.NotFound("no such export"), http.StatusNotFound)
		return
	}
	rc, e, err := s.Operators.OpenExport(ctx, p, id, r.PathValue("name"))
	if err != nil {
		writeError(w, err, statusOf(err))
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.Name}))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, rc)
}
