package operators

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators/internal/operatorsql"
	"github.com/marquee-ott/marquee/tenants"
)

// ExportFormat names the export document's shape:
//
//	{"format": "marquee.tenant-export.v1",
//	 "tenant": {"id", "slug", "name"}, "exported_at", "exported_by",
//	 "redacted": {"staff": ["password_hash"], …},   columns left out
//	 "blobs": [{"key", "size"}, …],                  what was in blob storage
//	 "tables": {"tenants": [row], "staff": [rows], …}}
//
// Every table with a tenant_id column is in it, found in the catalog when the
// export runs, so a table added later is exported without a change here.
// Rows are each table's columns as JSON, minus the columns that hold secrets
// or their hashes (names ending in _hash, or holding secret, sealed, password,
// or ending in token), which are listed under "redacted" instead.
const ExportFormat = "marquee.tenant-export.v1"

func exportPrefix(id tenants.ID) string { return "exports/" + id.String() + "/" }

var exportNameRe = regexp.MustCompile(`^[0-9TZ-]+-[a-z0-9-]+\.json$`)

// Export writes a JSON export of every row of the tenant to blob storage
// under exports/{tenant}/ and records it in the tenant's audit log (the entry
// is in the export itself). Exports outlive the tenant.
func (s *Service) Export(ctx context.Context, p Principal, id tenants.ID) (Export, error) {
	if err := check(p); err != nil {
		return Export{}, err
	}
	t, err := s.view(ctx, id)
	if err != nil {
		return Export{}, err
	}
	e, err := s.export(ctx, p, t)
	if err != nil {
		return Export{}, fmt.Errorf("operators.Export %s: %w", id, err)
	}
	if err := s.logAction(ctx, p, "tenant.exported", &id, t.Slug, map[string]any{"export": e.Name, "size": e.Size}); err != nil {
		return Export{}, fmt.Errorf("operators.Export %s: %w", id, err)
	}
	return e, nil
}

func (s *Service) export(ctx context.Context, p Principal, t Tenant) (Export, error) {
	now := s.now()
	name := fmt.Sprintf("%s-%09d-%s.json", now.Format("20060102T150405Z"), now.Nanosecond(), t.Slug)
	e := Export{Tenant: t.ID, Name: name, Key: exportPrefix(t.ID) + name, CreatedAt: now}
	blobs, err := s.listBlobs(ctx, tenantPrefix(t.ID))
	if err != nil {
		return Export{}, err
	}
	ctx = actor(ctx, p)
	// The write is cancelled (nothing stored) unless everything succeeds.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.Blobs.NewWriter(wctx, e.Key, &blob.WriterOptions{ContentType: "application/json"})
	if err != nil {
		return Export{}, errs.Unavailable(err, "could not write the export")
	}
	cw := &countingWriter{w: bufio.NewWriterSize(w, 64<<10)}
	err = s.DB.InTenant(ctx, t.ID, func(tx db.Tx) error {
		// First the audit entry, so the export shows it was taken.
		if err := audit.Record(ctx, tx, t.ID, now, "tenant.exported", "tenant", t.ID.String(), map[string]any{"export": name}); err != nil {
			return err
		}
		return writeExport(ctx, tx, cw, t, p.Operator.Email, now, blobs)
	})
	if err == nil {
		err = cw.w.Flush()
	}
	if err != nil {
		cancel()
		_ = w.Close()
		return Export{}, err
	}
	if err := w.Close(); err != nil {
		return Export{}, errs.Unavailable(err, "could not store the export")
	}
	e.Size = cw.n
	return e, nil
}

type blobEntry struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
}

func (s *Service) listBlobs(ctx context.Context, prefix string) ([]blobEntry, error) {
	var out []blobEntry
	it := s.Blobs.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, errs.Unavailable(err, "could not list blob storage")
		}
		if !obj.IsDir {
			out = append(out, blobEntry{Key: obj.Key, Size: obj.Size})
		}
	}
}

// writeExport streams the document, table by table, row by row. The SQL is
// built here rather than in queries.sql because the tables are found at run
// time; their names come from the catalog and are quoted as identifiers.
func writeExport(ctx context.Context, tx db.Tx, w *countingWriter, t Tenant, by string, now time.Time, blobs []blobEntry) error {
	q := operatorsql.New(tx)
	tables, err := q.TenantTables(ctx)
	if err != nil {
		return err
	}
	secretRows, err := q.SecretColumns(ctx)
	if err != nil {
		return err
	}
	redacted := map[string][]string{}
	for _, r := range secretRows {
		redacted[r.TableName] = append(redacted[r.TableName], r.ColumnName)
	}
	if blobs == nil {
		blobs = []blobEntry{}
	}
	head := map[string]any{"format": ExportFormat, "exported_at": now, "exported_by": by,
		"tenant": map[string]any{"id": t.ID, "slug": t.Slug, "name": t.Name}, "redacted": redacted, "blobs": blobs}
	raw, err := json.Marshal(head)
	if err != nil {
		return errs.Internal(err)
	}
	// The head object without its closing brace, then "tables".
	w.write(raw[:len(raw)-1])
	w.write([]byte(`,"tables":{`))
	names := append([]string{"tenants"}, tables...)
	sort.Strings(names[1:])
	for i, name := range names {
		if i > 0 {
			w.write([]byte(","))
		}
		key, _ := json.Marshal(name)
		w.write(key)
		w.write([]byte(":["))
		col := "tenant_id"
		if name == "tenants" {
			col = "id"
		}
		drop := redacted[name]
		if drop == nil {
			drop = []string{}
		}
		sql := fmt.Sprintf("SELECT (to_jsonb(t) - $2::text[])::text FROM %s t WHERE t.%s = $1",
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{col}.Sanitize())
		rows, err := tx.Query(ctx, sql, t.ID, drop)
		if err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		n := 0
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				rows.Close()
				return fmt.Errorf("export %s: %w", name, err)
			}
			if n > 0 {
				w.write([]byte(","))
			}
			w.write([]byte(row))
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		w.write([]byte("]"))
	}
	w.write([]byte("}}\n"))
	if w.err != nil {
		return errs.Unavailable(w.err, "could not write the export")
	}
	return nil
}

type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countingWriter) write(p []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
}

// Exports lists a tenant's exports, newest first; a deleted tenant's too.
func (s *Service) Exports(ctx context.Context, p Principal, id tenants.ID) ([]Export, error) {
	if err := check(p); err != nil {
		return nil, err
	}
	var out []Export
	it := s.Blobs.List(&blob.ListOptions{Prefix: exportPrefix(id)})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, errs.Unavailable(err, "could not list the exports")
		}
		if obj.IsDir {
			continue
		}
		out = append(out, Export{Tenant: id, Name: path.Base(obj.Key), Key: obj.Key, Size: obj.Size, CreatedAt: obj.ModTime.UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name > out[j].Name })
	return out, nil
}

// OpenExport opens one export for download and records the download in the
// operator log (and in the tenant's audit log while it exists). The caller
// closes the reader.
func (s *Service) OpenExport(ctx context.Context, p Principal, id tenants.ID, name string) (io.ReadCloser, Export, error) {
	if err := check(p); err != nil {
		return nil, Export{}, err
	}
	if !exportNameRe.MatchString(name) {
		return nil, Export{}, errs.NotFound("no such export")
	}
	key := exportPrefix(id) + name
	r, err := s.Blobs.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, Export{}, errs.NotFound("no such export")
	} else if err != nil {
		return nil, Export{}, errs.Unavailable(err, "could not read the export")
	}
	e := Export{Tenant: id, Name: name, Key: key, Size: r.Size(), CreatedAt: r.ModTime().UTC()}
	slug := ""
	if t, err := s.view(ctx, id); err == nil {
		slug = t.Slug
		actx := actor(ctx, p)
		err = s.DB.InTenant(actx, id, func(tx db.Tx) error {
			return audit.Record(actx, tx, id, s.now(), "tenant.export_downloaded", "tenant", id.String(), map[string]any{"export": name})
		})
		if err != nil {
			r.Close()
			return nil, Export{}, fmt.Errorf("operators.OpenExport: %w", err)
		}
	}
	if err := s.logAction(ctx, p, "tenant.export_downloaded", &id, slug, map[string]any{"export": name}); err != nil {
		r.Close()
		return nil, Export{}, fmt.Errorf("operators.OpenExport: %w", err)
	}
	return r, e, nil
}
