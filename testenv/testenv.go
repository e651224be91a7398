// Package testenv hands tests the real services that `make test` started once
// for the whole run (PostgreSQL, Temporal, Keto, stripe-mock), and a database of
// their own per test package, cloned from a migrated template.
//
// The services' addresses come from MARQUEE_TEST_* variables set by
// `marquee stack`. A test that needs a missing service fails, it never skips.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
)

// The package's database is made once per test binary and never dropped: the
// whole cluster is thrown away when `marquee stack` ends, and dropping it
// while a parallel test still holds a connection would only add flakes.
var pkgDB struct {
	once     sync.Once
	db       *db.DB
	ownerURL string
	err      error
}

// DB returns the application-role handle on this test package's own database,
// created once per package from the migrated template.
func DB(tb testing.TB) *db.DB {
	tb.Helper()
	ensureDB(tb)
	return pkgDB.db
}

// OwnerURL returns the migrating role's URL for this package's database, for
// tests that inspect the catalog.
func OwnerURL(tb testing.TB) string {
	tb.Helper()
	ensureDB(tb)
	return pkgDB.ownerURL
}

// Keto returns Keto's read and write API URLs.
func Keto(tb testing.TB) (readURL, writeURL string) {
	tb.Helper()
	return mustEnv(tb, "MARQUEE_TEST_KETO_READ_URL"), mustEnv(tb, "MARQUEE_TEST_KETO_WRITE_URL")
}

// Temporal returns the Temporal frontend address (host:port).
func Temporal(tb testing.TB) string {
	tb.Helper()
	return mustEnv(tb, "MARQUEE_TEST_TEMPORAL_ADDRESS")
}

// Stripe returns stripe-mock's HTTP base URL.
func Stripe(tb testing.TB) string {
	tb.Helper()
	return mustEnv(tb, "MARQUEE_TEST_STRIPE_URL")
}

func mustEnv(tb testing.TB, key string) string {
	tb.Helper()
	v := os.Getenv(key)
	if v == "" {
		tb.Fatalf("testenv: %s is not set: run the tests through `make test` (marquee stack), which starts the services and sets it", key)
	}
	return v
}

func ensureDB(tb testing.TB) {
	tb.Helper()
	super := mustEnv(tb, "MARQUEE_TEST_PG_SUPERUSER_URL")
	template := mustEnv(tb, "MARQUEE_TEST_PG_TEMPLATE")
	appPassword := mustEnv(tb, "MARQUEE_TEST_PG_APP_PASSWORD")
	pkgDB.once.Do(func() {
		pkgDB.db, pkgDB.ownerURL, pkgDB.err = createDB(super, template, appPassword)
	})
	if pkgDB.err != nil {
		tb.Fatalf("testenv: %v", pkgDB.err)
	}
}

// createDB clones the template into a database named for no one in
// particular, then connects to it as the application role.
func createDB(superURL, template, appPassword string) (*db.DB, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name, err := randomName()
	if err != nil {
		return nil, "", err
	}
	if err := cloneTemplate(ctx, superURL, template, name); err != nil {
		return nil, "", err
	}
	ownerURL, err := withDatabase(superURL, name, nil)
	if err != nil {
		return nil, "", err
	}
	appURL, err := withDatabase(superURL, name, url.UserPassword(db.AppRole, appPassword))
	if err != nil {
		return nil, "", err
	}
	d, err := db.Open(ctx, appURL)
	if err != nil {
		return nil, "", fmt.Errorf("open %s as %s: %w", name, db.AppRole, err)
	}
	return d, ownerURL, nil
}

// cloneTemplate retries while another package is cloning the same template:
// PostgreSQL refuses to copy a database someone is connected to (55006), and
// each CREATE DATABASE ... TEMPLATE briefly connects to it.
func cloneTemplate(ctx context.Context, superURL, template, name string) error {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return fmt.Errorf("connect as superuser: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	stmt := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize())
	deadline := time.Now().Add(30 * time.Second)
	for wait := 50 * time.Millisecond; ; wait = min(wait*2, time.Second) {
		_, err = conn.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) {
			break
		}
		time.Sleep(wait)
	}
	if err != nil {
		return fmt.Errorf("create database %s from %s: %w", name, template, err)
	}
	return nil
}

// withDatabase rewrites a URL to name another database and, if user is given,
// another role.
func withDatabase(raw, dbname string, user *url.Userinfo) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse MARQUEE_TEST_PG_SUPERUSER_URL: %w", err)
	}
	u.Path = "/" + dbname
	if user != nil {
		u.User = user
	}
	return u.String(), nil
}

func randomName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "t_" + hex.EncodeToString(b), nil
}

// MustTenant inserts a bare tenant row (no staff, no Keto tuples) and returns
// its id, for tests of a domain package below the tenants service.
func MustTenant(tb testing.TB, d *db.DB) uuid.UUID {
	tb.Helper()
	id := uuid.Must(uuid.NewV7())
	err := d.InTenant(context.Background(), id, func(tx db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO tenants (id, slug, name, app_name, created_at, updated_at)
			VALUES ($1, $2, 'T', 'T', now(), now())`, id, "t-"+id.String()[24:])
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}
