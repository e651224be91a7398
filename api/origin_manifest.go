package api

import (
	"io"
	"net/http"
	"path"

	"gocloud.dev/gcerrors"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/playback"
)

// maxManifest bounds a manifest read into memory (a 2-hour title's media
// playlist is ~60 KB).
const maxManifest = 8 << 20

// originManifest serves an HLS playlist, a DASH MPD or the thumbnails track
// of a live session,
// rewritten so every child URL carries the session's token (and CDN
// parameters). Manifests are personal: private, cached for seconds.
func (s *Server) originManifest(w http.ResponseWriter, r *http.Request, t originTarget) {
	ctx := r.Context()
	if _, err := s.Origin.Playback.Authorize(ctx, t.tenant, t.asset, t.token, true); err != nil {
		s.originError(w, r, err)
		return
	}
	rd, err := s.Origin.Blobs.NewReader(ctx, assets.Prefix(t.tenant, t.asset)+t.file, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		s.originError(w, r, errs.NotFound("no such object"))
		return
	} else if err != nil {
		s.originError(w, r, errs.Internal(err))
		return
	}
	defer rd.Close()
	src, err := io.ReadAll(io.LimitReader(rd, maxManifest))
	if err != nil {
		s.originError(w, r, errs.Internal(err))
		return
	}
	query := playback.Query(r.URL.Query())
	var out []byte
	switch path.Ext(t.file) {
	case ".mpd":
		w.Header().Set("Content-Type", "application/dash+xml")
		out = playback.RewriteDASH(make([]byte, 0, len(src)+len(src)/4), src, query)
	case ".vtt": // the trick-play thumbnails track: its cues name sprite sheets
		w.Header().Set("Content-Type", "text/vtt")
		out = playback.RewriteThumbnailsVTT(make([]byte, 0, len(src)+len(src)/2), src, query)
	default:
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		out = playback.RewriteHLS(nil, src, query)
	}
	w.Header().Set("Cache-Control", "private, max-age=5")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(out)
}
