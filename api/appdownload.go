package api

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// AppDownloads opens a build's file by a signed link (apps.Service).
type AppDownloads interface {
	OpenDownload(ctx context.Context, tenant tenants.ID, id apps.BuildID, kind apps.DownloadKind, expires, sig string) (apps.Download, error)
}

// appDownload serves an app build's artifact, listing pack or log (GET
// /apps/downloads/{tenant}/{build}/{kind}?expires=&sig=). The link's
// signature is the credential (the console hands out fresh ones, valid for
// an hour), so a browser can follow it without a token: a forged or expired
// signature is 403, a build the tenant does not have 404.
func (s *Server) appDownload(w http.ResponseWriter, r *http.Request) {
	tenant, err1 := uuid.Parse(r.PathValue("tenant"))
	build, err2 := uuid.Parse(r.PathValue("build"))
	if err1 != nil || err2 != nil {
		writeError(w, errs.NotFound("no such download"), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	d, err := s.AppDownloads.OpenDownload(r.Context(), tenant, build, apps.DownloadKind(r.PathValue("kind")), q.Get("expires"), q.Get("sig"))
	if err != nil {
		writeError(w, err, statusOf(err))
		return
	}
	defer d.Close()
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Name}))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, d)
}
