package api

import (
	"net/http"
	"strconv"
)

// originKey hands the asset's AES-128 key to a live, entitled session
// (playback.Service.Key: rate-limited per session, every hand-out logged).
// Never cached anywhere.
func (s *Server) originKey(w http.ResponseWriter, r *http.Request, t originTarget) {
	w.Header().Set("Cache-Control", "no-store")
	key, err := s.Origin.Playback.Key(r.Context(), t.tenant, t.asset, t.token)
	if err != nil {
		s.originError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(key)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(key)
}
