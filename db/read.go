package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what sqlc's generated code runs on: a Tx, or the statement-bound
// connection ReadTenant hands out.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ReadTenant runs fn with a connection on which every statement is bound to
// tenant: each goes out as one pgx batch of set_config(…, true) and the
// statement, which PostgreSQL runs as one implicit transaction, so the setting
// lives exactly as long as the statement, in one round trip. It is for reads
// that need no atomicity across statements (most reads are one statement);
// anything that writes uses InTenant. RLS applies exactly as in InTenant.
//
// Why not InTenant for reads: BEGIN, the query and COMMIT are three round
// trips and three statements for PostgreSQL; on the hot read paths that tripled
// the database's work per request (see the README's performance table).
func (d *DB) ReadTenant(ctx context.Context, tenant uuid.UUID, fn func(Querier) error) error {
	if tenant == uuid.Nil {
		return classify(errors.New("db.ReadTenant: zero tenant"))
	}
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return classify(fmt.Errorf("db: acquire: %w", err))
	}
	defer conn.Release()
	bc := boundConn{conn: conn.Conn(), tenant: tenant.String()}
	if err := fn(bc); err != nil {
		return classify(err)
	}
	return nil
}

type boundConn struct {
	conn   *pgx.Conn
	tenant string
}

// bindTenant binds the tenant, transaction-locally (the statement timeout is
// the connection's own: see StatementTimeout).
const bindTenant = "SELECT set_config('app.tenant_id', $1, true)"

func (b boundConn) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	batch := &pgx.Batch{}
	batch.Queue(bindTenant, b.tenant)
	batch.Queue(sql, args...)
	br := b.conn.SendBatch(ctx, batch)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

func (b boundConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := b.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (b boundConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := b.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (b boundConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := b.Query(ctx, sql, args...)
	return row{rows: rows, err: err}
}

// batchRows closes the batch with the rows, so the connection is free again.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	_ = r.br.Close()
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

type row struct {
	rows pgx.Rows
	err  error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
