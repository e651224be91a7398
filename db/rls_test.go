package db_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/testenv"
)

func mustTenant(t testing.TB, d *db.DB) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	err := d.InTenant(context.Background(), id, func(tx db.Tx) error {
		now := time.Now()
		if _, err := tx.Exec(context.Background(), `INSERT INTO tenants (id, slug, name, app_name, created_at, updated_at) VALUES ($1, $2, 'T', 'T', $3, $3)`,
			id, "t-"+id.String()[24:], now); err != nil {
			return err
		}
		_, err := tx.Exec(context.Background(), `INSERT INTO staff (tenant_id, id, email, password_hash, role, created_at) VALUES ($1, $2, 'a@example.com', 'x', 'owner', $3)`,
			id, uuid.New(), now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Invariant: every table with a tenant_id (and tenants itself) has row-level
// security enabled and forced, with a policy; the app role owns no table, is no
// superuser and cannot bypass RLS.
func TestEveryTenantTableIsUnderRLS(t *testing.T) {
	testenv.DB(t)
	conn, err := pgx.Connect(context.Background(), testenv.OwnerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.schemaname = 'public'),
		       pg_get_userbyid(c.relowner)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
		  AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var name, owner string
		var rls, force bool
		var policies int
		if err := rows.Scan(&name, &rls, &force, &policies, &owner); err != nil {
			t.Fatal(err)
		}
		n++
		if !rls || !force || policies == 0 {
			t.Errorf("table %s: rls=%v force=%v policies=%d", name, rls, force, policies)
		}
		if owner == db.AppRole {
			t.Errorf("table %s is owned by the app role", name)
		}
	}
	if n < 10 {
		t.Fatalf("found only %d tenant tables; the catalog query is wrong", n)
	}
	var super, bypass bool
	if err := conn.QueryRow(context.Background(), `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`, db.AppRole).Scan(&super, &bypass); err != nil {
		t.Fatal(err)
	}
	if super || bypass {
		t.Fatalf("app role: superuser=%v bypassrls=%v", super, bypass)
	}
}

// Invariant: a query that forgets its tenant filter, run in tenant B's
// transaction, returns none of tenant A's rows, and cannot write them.
func TestForgottenTenantFilterLeaksNothing(t *testing.T) {
	d := testenv.DB(t)
	a, b := mustTenant(t, d), mustTenant(t, d)
	ctx := context.Background()
	err := d.InTenant(ctx, b, func(tx db.Tx) error {
		var seen []uuid.UUID
		rows, _ := tx.Query(ctx, `SELECT tenant_id FROM staff`)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if id != b {
				seen = append(seen, id)
			}
		}
		if len(seen) > 0 || len(ids) != 1 {
			return fmt.Errorf("B's transaction saw %d rows, %d of other tenants", len(ids), len(seen))
		}
		tag, err := tx.Exec(ctx, `UPDATE staff SET name = 'pwned'`)
		if err != nil || tag.RowsAffected() != 1 {
			return fmt.Errorf("unfiltered update touched %d rows (%v)", tag.RowsAffected(), err)
		}
		sp, err := tx.Begin(ctx) // a savepoint: the refused insert must not abort the rest
		if err != nil {
			return err
		}
		defer sp.Rollback(ctx)
		_, err = sp.Exec(ctx, `INSERT INTO staff (tenant_id, id, email, password_hash, role, created_at) VALUES ($1, $2, 'x@example.com', 'x', 'owner', now())`, a, uuid.New())
		if err == nil {
			return errors.New("inserted a row for another tenant")
		}
		return sp.Rollback(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = d.InTenant(ctx, a, func(tx db.Tx) error {
		var name string
		_ = tx.QueryRow(ctx, `SELECT name FROM staff`).Scan(&name)
		if name == "pwned" {
			t.Fatal("B's update changed A's row")
		}
		return nil
	})
}

// Invariant: ReadTenant binds every statement: a statement without a tenant
// filter sees only the bound tenant's rows, and the binding is gone afterwards.
func TestReadTenantBindsEachStatement(t *testing.T) {
	d := testenv.DB(t)
	a, b := mustTenant(t, d), mustTenant(t, d)
	ctx := context.Background()
	err := d.ReadTenant(ctx, b, func(q db.Querier) error {
		for i := 0; i < 3; i++ { // each statement, not just the first
			rows, _ := q.Query(ctx, `SELECT tenant_id FROM staff`)
			ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
			if err != nil {
				return err
			}
			if len(ids) != 1 || ids[0] != b {
				return fmt.Errorf("statement %d saw %v", i, ids)
			}
		}
		var n int
		if err := q.QueryRow(ctx, `SELECT count(*) FROM staff WHERE tenant_id = $1`, a).Scan(&n); err != nil || n != 0 {
			return fmt.Errorf("asked for A's rows by id: %d (%v)", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ReadTenant(ctx, uuid.Nil, func(db.Querier) error { return nil }); err == nil {
		t.Fatal("ReadTenant accepted the zero tenant")
	}
}

// Invariant: outside the helper (no tenant bound) tenant tables show nothing.
func TestQueryOutsideTheHelperSeesNothing(t *testing.T) {
	d := testenv.DB(t)
	mustTenant(t, d)
	var n int
	if err := d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM staff`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a bare query saw %d staff rows", n)
	}
	if err := d.InTenant(context.Background(), uuid.Nil, func(db.Tx) error { return nil }); err == nil {
		t.Fatal("InTenant accepted the zero tenant")
	}
}

// Invariant: under load, with tenants alternating on a small pool and
// cancellations and rollbacks injected, no transaction ever sees another
// tenant's setting or rows.
func TestTenantBindingHoldsUnderLoadWithCancellations(t *testing.T) {
	base := testenv.DB(t)
	cfg := base.Pool.Config()
	cfg.MaxConns = 3
	small, err := db.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	tenants := []uuid.UUID{mustTenant(t, base), mustTenant(t, base), mustTenant(t, base)}
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 150; i++ {
				if err := oneBoundTx(small, tenants[rand.IntN(len(tenants))], i); err != nil {
					select {
					case errc <- err:
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatal(err)
	default:
	}
}

var errRollback = errors.New("injected rollback")

func oneBoundTx(d *db.DB, tenant uuid.UUID, i int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if i%7 == 0 {
		cancel() // cancelled before or while it runs
	}
	body := func(tx db.Querier) error {
		var setting string
		var others int
		if err := tx.QueryRow(ctx, `SELECT current_setting('app.tenant_id'), (SELECT count(*) FROM staff WHERE tenant_id <> $1)`, tenant).Scan(&setting, &others); err != nil {
			return err
		}
		if setting != tenant.String() || others != 0 {
			return fmt.Errorf("LEAK: bound %s, saw setting %s and %d foreign rows", tenant, setting, others)
		}
		if i%5 == 0 {
			return errRollback
		}
		return nil
	}
	var err error
	if i%2 == 0 { // both helpers, interleaved on the same connections
		err = d.InTenant(ctx, tenant, func(tx db.Tx) error { return body(tx) })
	} else {
		err = d.ReadTenant(ctx, tenant, body)
	}
	if err != nil && (errors.Is(err, errRollback) || ctx.Err() != nil) {
		return nil
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	// After the transaction, a bare query on the pool sees no tenant.
	var setting string
	if err := d.Pool.QueryRow(context.Background(), `SELECT coalesce(current_setting('app.tenant_id', true), '')`).Scan(&setting); err != nil {
		return err
	}
	if setting != "" {
		return fmt.Errorf("LEAK: a pooled connection kept tenant %s", setting)
	}
	return nil
}
