package uploads

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads/internal/uploadsql"
)

// EventCompleted is the outbox event of a completed upload; its payload is
// a CompletedEvent. The ingest workflow starts from it (sources), and the
// tenant's webhooks receive it.
const EventCompleted = "upload.completed"

// EventFailed is the outbox event of an upload that failed, with its reason.
const EventFailed = "upload.failed"

// CompletedEvent is the payload of upload.completed.
type CompletedEvent struct {
	UploadID    ID        `json:"uploadId"`
	Kind        Kind      `json:"kind"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"contentType"`
	Language    string    `json:"language,omitempty"`
	TrackKind   TrackKind `json:"trackKind,omitempty"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Key         string    `json:"key"`
	CaptionsKey string    `json:"captionsKey,omitempty"`
	// AutoIngest asks for the source to be ingested now, onto TitleID when set.
	AutoIngest bool       `json:"autoIngest,omitempty"`
	TitleID    *uuid.UUID `json:"titleId,omitempty"`
}

// Service records uploads and stores their bytes.
type Service struct {
	DB     *db.DB
	Blobs  *blob.Bucket
	Quotas tenants.Quotas // nil: no storage quota
	// Titles checks the title an auto-ingest names; nil refuses naming one.
	Titles Titles
	Limits Limits
	// Fetcher gets URLs for IngestURL; nil refuses URL ingest.
	Fetcher *Fetcher
	// IngestTimeout bounds one URL fetch from start to stored (default 2h).
	IngestTimeout time.Duration
	Log           *slog.Logger
	Now           func() time.Time

	once   sync.Once
	base   context.Context // background fetches; Close cancels it
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Create starts a resumable upload: it checks the kind, type, size and
// language against the limits and the size against the tenant's storage
// quota, and records the upload PENDING. The client then sends the bytes
// with tus (api/uploads.go), naming the upload's id.
func (s *Service) Create(ctx context.Context, p tenants.Principal, in CreateInput) (Upload, error) {
	m, err := s.Limits.validateMeta(in.Kind, in.Filename, in.ContentType, in.Language, in.TrackKind)
	if err != nil {
		return Upload{}, err
	}
	if err := s.Limits.checkSize(in.Kind, in.Size); err != nil {
		return Upload{}, err
	}
	m.ingest = AutoIngest{Enabled: in.AutoIngest, Title: in.TitleID}
	if err := s.checkIngest(ctx, p.Tenant, in.Kind, m.ingest); err != nil {
		return Upload{}, err
	}
	id := uuid.Must(uuid.NewV7())
	if err := s.allowStorage(ctx, p.Tenant, id, in.Size); err != nil {
		return Upload{}, err
	}
	u, err := s.insert(ctx, p, id, m, StatePending, in.Size, "")
	if err != nil {
		return Upload{}, fmt.Errorf("uploads.Create: %w", err)
	}
	return u, nil
}

func (s *Service) allowStorage(ctx context.Context, tenant tenants.ID, id ID, size int64) error {
	if s.Quotas == nil {
		return nil
	}
	return s.Quotas.AllowStorage(ctx, tenant, SourceKey(tenant, id), size)
}

func (s *Service) insert(ctx context.Context, p tenants.Principal, id ID, m meta, st State, size int64, sourceURL string) (Upload, error) {
	var row uploadsql.Upload
	var by *uuid.UUID
	if p.Subject != uuid.Nil {
		by = &p.Subject
	}
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		var err error
		row, err = uploadsql.New(tx).CreateUpload(ctx, uploadsql.CreateUploadParams{
			TenantID: p.Tenant, ID: id, Kind: string(m.kind), State: string(st), Filename: m.filename,
			ContentType: m.contentType, Language: m.language, TrackKind: string(m.track), Size: size,
			SourceUrl: sourceURL, CreatedBy: by, AutoIngest: m.ingest.Enabled, IngestTitleID: m.ingest.Title, Now: now,
		})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Tenant, now, "upload.created", "upload", id.String(),
			map[string]any{"kind": m.kind, "filename": m.filename, "size": size, "url": sourceURL, "auto_ingest": m.ingest.Enabled})
	})
	return fromRow(row), err
}

// Get returns one upload; another tenant's is NotFound.
func (s *Service) Get(ctx context.Context, tenant tenants.ID, id ID) (Upload, error) {
	var row uploadsql.Upload
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		row, err = uploadsql.New(q).GetUpload(ctx, uploadsql.GetUploadParams{TenantID: tenant, ID: id})
		return notFound(err)
	})
	if err != nil {
		return Upload{}, fmt.Errorf("uploads.Get %s: %w", id, err)
	}
	return fromRow(row), nil
}

// Begin binds the tus upload being created to a pending upload: the size
// must be the one declared, and the quota is asked again (storage may have
// filled since). The upload is then UPLOADING.
func (s *Service) Begin(ctx context.Context, tenant tenants.ID, id ID, size int64) (Upload, error) {
	u, err := s.Get(ctx, tenant, id)
	if err != nil {
		return Upload{}, err
	}
	switch {
	case u.SourceURL != "":
		return Upload{}, errs.Conflict("this upload is fetched from a URL")
	case u.State != StatePending:
		return Upload{}, errs.Conflict("this upload has already started (%s): resume it at its URL, or create a new one", u.State)
	case size != u.Size:
		return Upload{}, errs.InvalidField("size", "Upload-Length is %d but the upload was created for %d bytes", size, u.Size)
	}
	if err := s.allowStorage(ctx, tenant, id, size); err != nil {
		return Upload{}, err
	}
	var row uploadsql.Upload
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		var err error
		row, err = uploadsql.New(tx).MarkUploading(ctx, uploadsql.MarkUploadingParams{TenantID: tenant, ID: id, Now: s.now()})
		if db.IsNoRows(err) {
			return errs.Conflict("this upload has already started")
		}
		return err
	})
	if err != nil {
		return Upload{}, fmt.Errorf("uploads.Begin %s: %w", id, err)
	}
	return fromRow(row), nil
}

// Progress records how many bytes of an UPLOADING upload have arrived.
func (s *Service) Progress(ctx context.Context, tenant tenants.ID, id ID, received int64) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := uploadsql.New(tx).SetReceived(ctx, uploadsql.SetReceivedParams{TenantID: tenant, ID: id, Received: received, Now: s.now()})
		return err
	})
	if err != nil {
		return fmt.Errorf("uploads.Progress %s: %w", id, err)
	}
	return nil
}

// Complete takes the whole file of an UPLOADING upload from r, checks it
// (captions are parsed; SRT is converted to WebVTT), stores it in blob
// storage with its SHA-256, and records it COMPLETE with upload.completed
// in the same transaction. A file that fails the checks marks the upload
// FAILED with the reason, which the Invalid error also carries.
func (s *Service) Complete(ctx context.Context, tenant tenants.ID, id ID, r io.Reader) (Upload, error) {
	u, err := s.Get(ctx, tenant, id)
	if err != nil {
		return Upload{}, err
	}
	if u.State != StateUploading {
		return Upload{}, errs.Conflict("this upload is %s, not uploading", u.State)
	}
	u, err = s.store(ctx, u, r, u.Size)
	if err != nil {
		return Upload{}, fmt.Errorf("uploads.Complete %s: %w", id, err)
	}
	return u, nil
}

// store writes the file, checks it, and records the outcome. expect is the
// size the file must have, or -1 when any size within the limit will do.
func (s *Service) store(ctx context.Context, u Upload, r io.Reader, expect int64) (Upload, error) {
	maxBytes, _ := s.Limits.forKind(u.Kind)
	key := SourceKey(u.Tenant, u.ID)
	var vtt []byte
	converted := false
	if u.Kind == KindCaption { // small: checked in memory before anything is stored
		data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
		if err != nil {
			return Upload{}, err
		}
		if int64(len(data)) > maxBytes {
			return s.failed(ctx, u, fmt.Sprintf("the captions file is over %d bytes", maxBytes))
		}
		if vtt, converted, err = CaptionsToVTT(data); err != nil {
			return s.failed(ctx, u, "captions: "+err.Error())
		}
		r = bytesReader(data)
	}
	size, sum, err := s.write(ctx, key, u.ContentType, r, maxBytes)
	if errors.Is(err, errTooBig) {
		_ = s.Blobs.Delete(context.WithoutCancel(ctx), key)
		return s.failed(ctx, u, fmt.Sprintf("the file is over the %d-byte limit for a %s upload", maxBytes, u.Kind))
	} else if err != nil {
		return Upload{}, errs.Unavailable(err, "could not store the file: try again")
	}
	if expect >= 0 && size != expect {
		_ = s.Blobs.Delete(context.WithoutCancel(ctx), key)
		return s.failed(ctx, u, fmt.Sprintf("received %d bytes, but the upload was declared as %d", size, expect))
	}
	if expect < 0 { // the size is known only now; what is at key is what would be replaced
		if err := s.allowStorage(ctx, u.Tenant, u.ID, size); err != nil {
			_ = s.Blobs.Delete(context.WithoutCancel(ctx), key)
			if errs.Is(err, errs.KindConflict) {
				return s.failed(ctx, u, errs.MessageOf(err))
			}
			return Upload{}, err
		}
	}
	capKey := ""
	if u.Kind == KindCaption {
		capKey = key
		if converted {
			capKey = captionsKey(u.Tenant, u.ID)
			if err := s.Blobs.WriteAll(ctx, capKey, vtt, &blob.WriterOptions{ContentType: "text/vtt; charset=utf-8"}); err != nil {
				return Upload{}, errs.Unavailable(err, "could not store the captions: try again")
			}
		}
	}
	var row uploadsql.Upload
	err = s.DB.InTenant(ctx, u.Tenant, func(tx db.Tx) error {
		now := s.now()
		var err error
		row, err = uploadsql.New(tx).MarkComplete(ctx, uploadsql.MarkCompleteParams{TenantID: u.Tenant, ID: u.ID,
			Size: size, Sha256: sum, StorageKey: key, CaptionsKey: capKey, ContentType: u.ContentType, Now: now})
		if db.IsNoRows(err) {
			return errs.Conflict("this upload is no longer uploading")
		} else if err != nil {
			return err
		}
		done := fromRow(row)
		if err := audit.Record(ctx, tx, u.Tenant, now, EventCompleted, "upload", u.ID.String(),
			map[string]any{"kind": u.Kind, "size": size, "sha256": sum}); err != nil {
			return err
		}
		return outbox.Emit(ctx, tx, u.Tenant, now, outbox.Event{Type: EventCompleted, ObjectType: "upload", ObjectID: u.ID.String(),
			Payload: CompletedEvent{UploadID: u.ID, Kind: u.Kind, Filename: u.Filename, ContentType: u.ContentType, Language: u.Language,
				TrackKind: u.TrackKind, Size: size, SHA256: sum, Key: key, CaptionsKey: done.CaptionsKey,
				AutoIngest: done.AutoIngest, TitleID: done.IngestTitle}})
	})
	if err != nil {
		return Upload{}, err
	}
	return fromRow(row), nil
}

var errTooBig = errors.New("over the size limit")

// write streams r to key, hashing as it goes, refusing more than maxBytes.
// A failed write leaves nothing at key (the writer's context is cancelled
// before Close, which aborts it).
func (s *Service) write(ctx context.Context, key, contentType string, r io.Reader, maxBytes int64) (int64, string, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.Blobs.NewWriter(wctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, maxBytes+1))
	if err == nil && n > maxBytes {
		err = errTooBig
	}
	if err != nil {
		cancel()
		_ = w.Close()
		return n, "", err
	}
	if err := w.Close(); err != nil {
		return n, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// failed records u FAILED with reason (emitting upload.failed) and returns
// an Invalid error carrying the reason.
func (s *Service) failed(ctx context.Context, u Upload, reason string) (Upload, error) {
	if err := s.Fail(context.WithoutCancel(ctx), u.Tenant, u.ID, reason); err != nil {
		return Upload{}, err
	}
	return Upload{}, errs.Invalid("%s", reason)
}

// Fail records a pending or uploading upload FAILED with reason.
func (s *Service) Fail(ctx context.Context, tenant tenants.ID, id ID, reason string) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		row, err := uploadsql.New(tx).MarkFailed(ctx, uploadsql.MarkFailedParams{TenantID: tenant, ID: id, Failure: reason, Now: now})
		if db.IsNoRows(err) {
			return nil // already complete or failed
		} else if err != nil {
			return err
		}
		return outbox.Emit(ctx, tx, tenant, now, outbox.Event{Type: EventFailed, ObjectType: "upload", ObjectID: id.String(),
			Payload: map[string]any{"uploadId": id, "kind": row.Kind, "filename": row.Filename, "reason": reason}})
	})
	if err != nil {
		return fmt.Errorf("uploads.Fail %s: %w", id, err)
	}
	return nil
}

// Close stops background fetches (they are recorded FAILED) and waits for them.
func (s *Service) Close() {
	s.init()
	s.cancel()
	s.wg.Wait()
}

func (s *Service) init() {
	s.once.Do(func() { s.base, s.cancel = context.WithCancel(context.Background()) })
}

// Titles is what the Service needs of the catalog: that a title an
// auto-ingest names is the tenant's.
type Titles interface {
	GetTitle(ctx context.Context, tenant catalog.TenantID, id catalog.TitleID) (catalog.Title, error)
}

// checkIngest refuses an auto-ingest of anything but a source, and a title
// that is not the tenant's (NotFound, like a missing one).
func (s *Service) checkIngest(ctx context.Context, tenant tenants.ID, kind Kind, in AutoIngest) error {
	if !in.Enabled {
		if in.Title != nil {
			return errs.InvalidField("titleId", "a title is for an automatic ingest: set autoIngest too")
		}
		return nil
	}
	if kind != KindSource {
		return errs.InvalidField("autoIngest", "only a SOURCE upload can be ingested, not a %s", kind)
	}
	if in.Title == nil {
		return nil
	}
	if s.Titles == nil {
		return errs.InvalidField("titleId", "attaching to a title is unavailable")
	}
	t, err := s.Titles.GetTitle(ctx, tenant, *in.Title)
	if err != nil {
		return fmt.Errorf("uploads: the title to ingest onto: %w", err)
	}
	if t.AssetID != nil { // switching a title's video is a replacement: atomic, the old one kept until then
		return errs.InvalidField("titleId", "the title already has a video: upload without a title and use replaceTitleSource")
	}
	return nil
}
