package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/testenv"
)

// Every statement is bounded, on every path (ReadTenant, InTenant, System):
// the bound is the connections' own setting, 15 s unless the URL says
// otherwise.
func TestStatementTimeout(t *testing.T) {
	ctx := context.Background()
	d := testenv.DB(t)
	var setting string
	if err := d.System(ctx, func(tx db.Tx) error { return tx.QueryRow(ctx, `SHOW statement_timeout`).Scan(&setting) }); err != nil || setting != "15s" {
		t.Fatalf("statement_timeout = %q (%v), want 15s", setting, err)
	}
	url := d.Pool.Config().ConnString()
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	short, err := db.Open(ctx, url+sep+"statement_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	tenant := mustTenant(t, d)
	sleep := `SELECT pg_sleep(2)`
	for name, run := range map[string]func() error{
		"ReadTenant": func() error {
			return short.ReadTenant(ctx, tenant, func(q db.Querier) error { _, err := q.Exec(ctx, sleep); return err })
		},
		"InTenant": func() error {
			return short.InTenant(ctx, tenant, func(tx db.Tx) error { _, err := tx.Exec(ctx, sleep); return err })
		},
		"System": func() error {
			return short.System(ctx, func(tx db.Tx) error { _, err := tx.Exec(ctx, sleep); return err })
		},
	} {
		var pgErr *pgconn.PgError
		if err := run(); !errors.As(err, &pgErr) || pgErr.Code != "57014" {
			t.Errorf("%s: a 2 s statement under a 100 ms bound: %v, want query_canceled", name, err)
		}
	}
}
