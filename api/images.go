package api

import (
	"context"
	"io"
	"net/http"
)

// ArtworkImages opens a public artwork rendition by its blob key
// (artwork.Service.Open): NotFound for any key that is not artwork.
type ArtworkImages interface {
	Open(ctx context.Context, key string) (io.ReadCloser, string, error)
}

// image serves GET /images/{key...}: title artwork for apps and the hosted
// web app, which load images by URL (GraphQL's Artwork.url). Renditions are
// never rewritten in place (a new upload makes a new batch folder), so they
// are cached for a year.
func (s *Server) image(w http.ResponseWriter, r *http.Request) {
	rc, ctype, err := s.Artwork.Open(r.Context(), r.PathValue("key"))
	if err != nil {
		writeError(w, err, statusOf(err))
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Access-Control-Allow-Origin", "*")
	_, _ = io.Copy(w, rc)
}
