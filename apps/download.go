package apps

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// DownloadKind is which file of a build a link is for.
type DownloadKind string

// Download kinds.
const (
	DownloadArtifact DownloadKind = "artifact"
	DownloadListing  DownloadKind = "listing"
	DownloadLog      DownloadKind = "log"
)

// DefaultLinkTTL is how long a download link works.
const DefaultLinkTTL = time.Hour

// DownloadPath is the route of a signed download, below the API's origin.
const DownloadPath = "/apps/downloads/"

func (s *Service) sign(tenant tenants.ID, id BuildID, kind DownloadKind, expires int64) string {
	m := hmac.New(sha256.New, s.SigningKey)
	fmt.Fprintf(m, "app-download\x00%s\x00%s\x00%s\x00%d", tenant, id, kind, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// DownloadURL is an expiring signed link to a build's file, or "" when the
// build has no such file. Whoever holds the link may download the file
// until it expires (LinkTTL): the console fetches a fresh one each time.
func (s *Service) DownloadURL(b Build, kind DownloadKind) string {
	if len(s.SigningKey) == 0 {
		return ""
	}
	switch {
	case kind == DownloadArtifact && !b.HasArtifact, kind == DownloadListing && !b.HasListing, kind == DownloadLog && !b.HasLog:
		return ""
	}
	ttl := s.LinkTTL
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	exp := s.now().Add(ttl).Unix()
	return fmt.Sprintf("%s%s%s/%s/%s?expires=%d&sig=%s", strings.TrimRight(s.BaseURL, "/"), DownloadPath, b.TenantID, b.ID, kind, exp,
		url.QueryEscape(s.sign(b.TenantID, b.ID, kind, exp)))
}

// Download is an open download.
type Download struct {
	io.ReadCloser
	Name, ContentType string
	Size              int64
}

// OpenDownload checks a signed link's parts and opens the file. A forged or
// expired signature is Forbidden; a link to a build the tenant does not
// have (another workspace's) or a file it lacks is NotFound.
func (s *Service) OpenDownload(ctx context.Context, tenant tenants.ID, id BuildID, kind DownloadKind, expires, sig string) (Download, error) {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || len(s.SigningKey) == 0 || !hmac.Equal([]byte(sig), []byte(s.sign(tenant, id, kind, exp))) {
		return Download{}, errs.Forbidden("this download link is not valid")
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		return Download{}, errs.Forbidden("this download link has expired: get a new one from the console")
	}
	b, err := s.Get(ctx, tenant, id)
	if err != nil {
		return Download{}, err
	}
	var key, name, ctype string
	switch kind {
	case DownloadArtifact:
		key, name, ctype = b.artifactKey, b.ArtifactName, ""
	case DownloadListing:
		key, name, ctype = b.listingKey, fmt.Sprintf("%s-listing-%s-%d.zip", strings.ToLower(string(b.Platform)), b.Version, b.BuildNumber), "application/zip"
	case DownloadLog:
		key, name, ctype = b.logKey, fmt.Sprintf("%s-build-%d.log", strings.ToLower(string(b.Platform)), b.BuildNumber), "text/plain; charset=utf-8"
	}
	if key == "" {
		return Download{}, errs.NotFound("build %s has no %s", id, kind)
	}
	attrs, err := s.Blobs.Attributes(ctx, key)
	if err != nil {
		return Download{}, errs.NotFound("build %s has no %s", id, kind)
	}
	r, err := s.Blobs.NewReader(ctx, key, nil)
	if err != nil {
		return Download{}, errs.Unavailable(fmt.Errorf("apps.OpenDownload %s: %w", key, err), "could not read the download")
	}
	if ctype == "" {
		ctype = attrs.ContentType
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	return Download{ReadCloser: r, Name: name, ContentType: ctype, Size: attrs.Size}, nil
}
