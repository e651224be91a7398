package uploads

import (
	"bytes"
	"io"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/uploads/internal/uploadsql"
)

func fromRow(r uploadsql.Upload) Upload {
	return Upload{
		ID: r.ID, Tenant: r.TenantID, Kind: Kind(r.Kind), State: State(r.State), Filename: r.Filename,
		ContentType: r.ContentType, Language: r.Language, TrackKind: TrackKind(r.TrackKind), Size: r.Size,
		Received: r.Received, SHA256: r.Sha256, Key: r.StorageKey, CaptionsKey: r.CaptionsKey, SourceURL: r.SourceUrl,
		Failure: r.Failure, AutoIngest: r.AutoIngest, IngestTitle: r.IngestTitleID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, CompletedAt: r.CompletedAt,
	}
}

func notFound(err error) error {
	if db.IsNoRows(err) {
		return errs.NotFound("no such upload")
	}
	return err
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
