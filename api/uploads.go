package api

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	tus "github.com/tus/tusd/v2/pkg/handler"
	xslog "golang.org/x/exp/slog"

	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
)

// The tus endpoint: resumable uploads of the files createUpload announced.
//
//	POST  /uploads/          Upload-Length, Upload-Metadata: uploadId <base64 id>  → Location /uploads/{id}
//	HEAD  /uploads/{id}      → Upload-Offset (where to resume)
//	PATCH /uploads/{id}      Upload-Offset, Content-Type: application/offset+octet-stream
//	DELETE /uploads/{id}     gives the upload up (FAILED)
//
// Every request needs a staff credential of the upload's tenant holding the
// edit_content permit (the same Keto check as @requires); another tenant's
// upload is NOT_FOUND. Bytes are staged by tusd's filestore in UploadDir
// (tusd has no gocloud store, and blob storage cannot append), and moved
// into blob storage with their SHA-256 when the last byte arrives, before the
// last PATCH is answered: a 204 to it means the upload is COMPLETE.

// Permits checks a staff principal's permit; authz.Client implements it.
type Permits interface {
	Check(ctx context.Context, tenant, subject uuid.UUID, p authz.Permission) error
}

const uploadsPath = "/uploads/"

// uploadHandler builds the tus handler, or one that answers 503 with the
// reason it could not be built.
func (s *Server) uploadHandler() http.Handler {
	if err := os.MkdirAll(s.UploadDir, 0o750); err != nil {
		s.Log.Error("api: upload staging folder", "dir", s.UploadDir, "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, errs.Unavailable(err, "uploads are unavailable"), http.StatusServiceUnavailable)
		})
	}
	store := filestore.New(s.UploadDir)
	composer := tus.NewStoreComposer()
	store.UseIn(composer)
	filelocker.New(s.UploadDir).UseIn(composer) // one machine's API processes share the folder
	u := &tusUploads{s: s, store: store}
	h, err := tus.NewHandler(tus.Config{
		BasePath:                  uploadsPath,
		StoreComposer:             composer,
		MaxSize:                   s.MaxUploadFile,
		DisableDownload:           true, // downloads are the origin's (signed, per asset)
		DisableConcatenation:      true,
		PreUploadCreateCallback:   u.begin,
		PreFinishResponseCallback: u.finish,
		PreUploadTerminateCallback: func(hook tus.HookEvent) (tus.HTTPResponse, error) {
			p, _ := tenants.PrincipalFrom(hook.Context)
			id, _ := uuid.Parse(hook.Upload.ID)
			return tus.HTTPResponse{}, tusError(s.Uploads.Fail(hook.Context, p.Tenant, id, "cancelled by the uploader"))
		},
		Logger: xslog.New(xslog.NewTextHandler(os.Stderr, &xslog.HandlerOptions{Level: xslog.LevelError})),
	})
	if err != nil {
		panic("api: tus handler: " + err.Error()) // only a bad static config gets here
	}
	return u.authorize(http.StripPrefix(uploadsPath, h))
}

type tusUploads struct {
	s     *Server
	store filestore.FileStore
}

// authorize lets a request through to tusd only for staff of the upload's
// tenant with edit_content; it records the offset tusd answers with.
func (u *tusUploads) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions { // CORS preflight: carries no credential
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		p, ok := tenants.PrincipalFrom(ctx)
		switch {
		case !ok || !p.IsStaff():
			writeError(w, errs.Unauthorized("uploads need a staff session or API key"), http.StatusUnauthorized)
			return
		case p.MustEnrollTwoFactor():
			writeError(w, tenants.ErrTwoFactorRequired, statusOf(tenants.ErrTwoFactorRequired))
			return
		}
		if err := u.s.Permits.Check(ctx, p.Tenant, p.Subject, authz.PermEditContent); err != nil {
			writeError(w, err, statusOf(err))
			return
		}
		rest := strings.Trim(strings.TrimPrefix(r.URL.Path, uploadsPath), "/")
		if rest == "" {
			next.ServeHTTP(w, r) // creation: begin binds it to its upload
			return
		}
		id, err := uuid.Parse(rest)
		if err == nil {
			_, err = u.s.Uploads.Get(ctx, p.Tenant, id) // another tenant's is NOT_FOUND
		} else {
			err = errs.NotFound("no such upload")
		}
		if err != nil {
			writeError(w, err, statusOf(err))
			return
		}
		next.ServeHTTP(&offsetRecorder{ResponseWriter: w, ctx: ctx, s: u.s.Uploads, tenant: p.Tenant, id: id}, r)
	})
}

// begin binds a tus creation to the upload createUpload made, named by the
// uploadId metadata; the tus id is the upload's id.
func (u *tusUploads) begin(hook tus.HookEvent) (tus.HTTPResponse, tus.FileInfoChanges, error) {
	p, _ := tenants.PrincipalFrom(hook.Context)
	id, err := uuid.Parse(hook.Upload.MetaData["uploadId"])
	if err != nil {
		return tus.HTTPResponse{}, tus.FileInfoChanges{}, tus.NewError("ERR_UPLOAD_ID",
			"send the id createUpload returned as uploadId in Upload-Metadata", http.StatusBadRequest)
	}
	if hook.Upload.SizeIsDeferred {
		return tus.HTTPResponse{}, tus.FileInfoChanges{}, tus.NewError("ERR_UPLOAD_LENGTH",
			"send Upload-Length: the size given to createUpload", http.StatusBadRequest)
	}
	if _, err := u.s.Uploads.Begin(hook.Context, p.Tenant, id, hook.Upload.Size); err != nil {
		return tus.HTTPResponse{}, tus.FileInfoChanges{}, tusError(err)
	}
	return tus.HTTPResponse{}, tus.FileInfoChanges{ID: id.String()}, nil
}

// finish moves the staged file into blob storage (uploads.Complete checks,
// hashes and records it) and removes it from the staging folder.
func (u *tusUploads) finish(hook tus.HookEvent) (tus.HTTPResponse, error) {
	p, _ := tenants.PrincipalFrom(hook.Context)
	id, err := uuid.Parse(hook.Upload.ID)
	if err != nil {
		return tus.HTTPResponse{}, tusError(errs.NotFound("no such upload"))
	}
	up, err := u.store.GetUpload(hook.Context, hook.Upload.ID)
	if err != nil {
		return tus.HTTPResponse{}, err
	}
	rd, err := up.GetReader(hook.Context)
	if err != nil {
		return tus.HTTPResponse{}, err
	}
	_, err = u.s.Uploads.Complete(hook.Context, p.Tenant, id, rd)
	_ = rd.Close()
	if err == nil || errs.Is(err, errs.KindInvalid) { // stored, or failed for good: the staged copy is done with
		if terr := u.store.AsTerminatableUpload(up).Terminate(hook.Context); terr != nil {
			u.s.Log.Warn("api: removing a staged upload", "upload", id, "err", terr)
		}
	}
	if err != nil && errs.KindOf(err) == errs.KindInternal {
		u.s.Log.Error("api: completing an upload", "tenant", p.Tenant, "upload", id, "err", err)
	}
	return tus.HTTPResponse{}, tusError(err)
}

// tusError turns a domain error into tusd's, with our status and message.
func tusError(err error) error {
	if err == nil {
		return nil
	}
	code := "ERR_" + string(errs.KindOf(err))
	return tus.NewError(code, errs.MessageOf(err)+"\n", statusOf(err))
}

// offsetRecorder records the offset tusd answers with (HEAD and PATCH) as
// the upload's progress before the answer goes out, so the upload query
// agrees with what the client was told.
type offsetRecorder struct {
	http.ResponseWriter
	ctx    context.Context
	s      *uploads.Service
	tenant tenants.ID
	id     uploads.ID
	done   bool
}

func (o *offsetRecorder) WriteHeader(code int) {
	if !o.done && code < 300 {
		if off, err := strconv.ParseInt(o.Header().Get("Upload-Offset"), 10, 64); err == nil {
			_ = o.s.Progress(context.WithoutCancel(o.ctx), o.tenant, o.id, off) // progress is advisory
		}
	}
	o.done = true
	o.ResponseWriter.WriteHeader(code)
}

func (o *offsetRecorder) Write(b []byte) (int, error) {
	if !o.done {
		o.WriteHeader(http.StatusOK)
	}
	return o.ResponseWriter.Write(b)
}

// Unwrap lets tusd's http.ResponseController reach the connection (read deadlines).
func (o *offsetRecorder) Unwrap() http.ResponseWriter { return o.ResponseWriter }
