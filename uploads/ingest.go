package uploads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

const defaultIngestTimeout = 2 * time.Hour

// IngestURL fetches a file from a URL into the tenant's storage. The URL is
// checked now (http(s), a public address, the kind's limits and, when the
// server says the size, the quota); the fetch runs in the background of
// this process, bounded by IngestTimeout, and the upload ends COMPLETE
// (with upload.completed, as a tus upload does) or FAILED with the reason:
// a redirect loop, a server that never answers, a private address reached
// through DNS or a redirect, a file over the limit.
//
// The fetch lives in this process: if it stops, the upload stays UPLOADING.
// It moves to a Temporal activity with the ingest workflow.
func (s *Service) IngestURL(ctx context.Context, p tenants.Principal, in URLInput) (Upload, error) {
	if s.Fetcher == nil {
		return Upload{}, errs.Invalid("ingest from a URL is turned off")
	}
	u, err := s.Fetcher.CheckURL(ctx, in.URL)
	if err != nil {
		return Upload{}, err
	}
	filename := path.Base(u.Path)
	if in.Filename != nil {
		filename = *in.Filename
	} else if filename == "/" || filename == "." {
		filename = "download"
	}
	contentType := ""
	if in.ContentType != nil {
		contentType = *in.ContentType
	}
	typeGiven := contentType != ""
	if !typeGiven { // checked once the server says; a placeholder of the right kind passes for now
		_, types := s.Limits.forKind(in.Kind)
		if len(types) > 0 {
			contentType = types[0]
		}
	}
	m, err := s.Limits.validateMeta(in.Kind, filename, contentType, in.Language, in.TrackKind)
	if err != nil {
		return Upload{}, err
	}
	m.ingest = AutoIngest{Enabled: in.AutoIngest, Title: in.TitleID}
	if err := s.checkIngest(ctx, p.Tenant, in.Kind, m.ingest); err != nil {
		return Upload{}, err
	}
	id := uuid.Must(uuid.NewV7())
	rec, err := s.insert(ctx, p, id, m, StateUploading, 0, u.String())
	if err != nil {
		return Upload{}, fmt.Errorf("uploads.IngestURL: %w", err)
	}
	s.init()
	timeout := s.IngestTimeout
	if timeout <= 0 {
		timeout = defaultIngestTimeout
	}
	fctx, cancel := context.WithTimeout(audit.WithActor(s.base, audit.ActorFrom(ctx)), timeout)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		if err := s.fetch(fctx, rec, typeGiven); err != nil {
			reason := errs.MessageOf(err)
			if errors.Is(fctx.Err(), context.Canceled) { // Close: the process is stopping
				reason = "the API process stopped during the download: ingest the URL again"
			}
			if errs.KindOf(err) == errs.KindInternal {
				s.log().Error("uploads: URL ingest failed", "tenant", rec.Tenant, "upload", rec.ID, "err", err)
			}
			if ferr := s.Fail(context.WithoutCancel(fctx), rec.Tenant, rec.ID, reason); ferr != nil {
				s.log().Error("uploads: recording a failed URL ingest", "tenant", rec.Tenant, "upload", rec.ID, "err", ferr)
			}
		}
	}()
	return rec, nil
}

// fetch gets the file and stores it; an error's message is the reason recorded.
func (s *Service) fetch(ctx context.Context, u Upload, typeGiven bool) error {
	res, err := s.Fetcher.Fetch(ctx, mustParse(u.SourceURL))
	if err != nil {
		var fe *FetchError
		if errors.As(err, &fe) {
			return errs.Invalid("%s", fe.Reason)
		}
		return err
	}
	defer res.Body.Close()
	if !typeGiven {
		if err := s.Limits.checkType(u.Kind, res.ContentType); err != nil {
			return errs.Invalid("the server says the file is %q, which is not accepted for a %s upload: give contentType if it is wrong", res.ContentType, u.Kind)
		}
		u.ContentType = normalizeType(res.ContentType)
	}
	if res.ContentLength >= 0 {
		if err := s.Limits.checkSize(u.Kind, res.ContentLength); err != nil {
			return errs.Invalid("%s", errs.MessageOf(err))
		}
		if err := s.allowStorage(ctx, u.Tenant, u.ID, res.ContentLength); err != nil {
			return err
		}
	}
	body := &readErrs{r: res.Body}
	_, err = s.store(ctx, u, body, res.ContentLength)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return errs.Invalid("the download took longer than allowed: timed out")
	case err != nil && body.err != nil:
		return errs.Invalid("the download broke off: %v", body.err)
	}
	if errs.Is(err, errs.KindInvalid) {
		return nil // store recorded the failure
	}
	return err
}

// readErrs remembers a read error, to tell a broken download from a
// storage failure.
type readErrs struct {
	r   io.Reader
	err error
}

func (r *readErrs) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

func mustParse(raw string) *url.URL {
	u, _ := url.Parse(raw) // CheckURL parsed it before it was stored
	return u
}

// Import records a complete source upload from r, a file this process
// already has (the demo library, an operator's import): the same checks,
// storage and upload.completed as a tus upload, in one call. The size is
// whatever r holds, within the source limit and the tenant's quota.
func (s *Service) Import(ctx context.Context, tenant tenants.ID, filename, contentType string, r io.Reader) (Upload, error) {
	m, err := s.Limits.validateMeta(KindSource, filename, contentType, nil, nil)
	if err != nil {
		return Upload{}, err
	}
	id := uuid.Must(uuid.NewV7())
	rec, err := s.insert(ctx, tenants.Principal{Tenant: tenant}, id, m, StateUploading, 0, "")
	if err != nil {
		return Upload{}, fmt.Errorf("uploads.Import: %w", err)
	}
	u, err := s.store(ctx, rec, r, -1)
	if err != nil {
		return Upload{}, fmt.Errorf("uploads.Import: %w", err)
	}
	return u, nil
}
