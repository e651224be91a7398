package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
)

// segmentTypes are the media a package holds, by extension.
var segmentTypes = map[string]string{
	".mp4": "video/mp4",
	".m4s": "video/iso.segment",
	".ts":  "video/mp2t",
	".m4a": "audio/mp4",
	".aac": "audio/aac",
	".vtt": "text/vtt",
	".jpg": "image/jpeg",
}

// originSegment serves a segment, init segment, subtitle or thumbnail from
// blob storage with Range support. It checks the token (MAC, expiry, tenant,
// asset) but not the session row: segments are immutable and cacheable by a
// CDN whose cache key leaves out the token; the manifests and the key are
// where an ended session stops.
func (s *Server) originSegment(w http.ResponseWriter, r *http.Request, t originTarget) {
	ctx := r.Context()
	ctype, ok := segmentTypes[path.Ext(t.file)]
	if !ok {
		s.originError(w, r, errs.NotFound("no such object"))
		return
	}
	if _, err := s.Origin.Playback.Authorize(ctx, t.tenant, t.asset, t.token, false); err != nil {
		s.originError(w, r, err)
		return
	}
	key := assets.Prefix(t.tenant, t.asset) + t.file
	attrs, err := s.Origin.Blobs.Attributes(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		s.originError(w, r, errs.NotFound("no such object"))
		return
	} else if err != nil {
		s.originError(w, r, errs.Internal(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	if attrs.ETag != "" {
		h.Set("ETag", attrs.ETag)
	}
	rs := &blobSeeker{ctx: ctx, b: s.Origin.Blobs, key: key, size: attrs.Size}
	defer rs.Close()
	http.ServeContent(w, r, "", attrs.ModTime, rs)
}

// blobSeeker is an io.ReadSeeker over a blob that opens a ranged reader at
// the offset of the first Read after a Seek, so http.ServeContent's Range
// handling reads only the bytes it sends.
type blobSeeker struct {
	ctx  context.Context
	b    *blob.Bucket
	key  string
	size int64
	off  int64
	r    *blob.Reader
}

func (s *blobSeeker) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = s.off + offset
	case io.SeekEnd:
		abs = s.size + offset
	}
	if abs < 0 {
		return 0, errors.New("blobSeeker: negative position")
	}
	if abs != s.off {
		s.Close()
	}
	s.off = abs
	return abs, nil
}

func (s *blobSeeker) Read(p []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	if s.r == nil {
		r, err := s.b.NewRangeReader(s.ctx, s.key, s.off, -1, nil)
		if err != nil {
			return 0, err
		}
		s.r = r
	}
	n, err := s.r.Read(p)
	s.off += int64(n)
	return n, err
}

func (s *blobSeeker) Close() {
	if s.r != nil {
		_ = s.r.Close()
		s.r = nil
	}
}
