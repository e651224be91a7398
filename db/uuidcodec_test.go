package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/testenv"
)

// The uuid codec reads and writes ids as binary and as text, in arrays, and
// keeps the old meaning of NULL (uuid.Nil for a value, nil for a pointer).
func TestUUIDCodec(t *testing.T) {
	testenv.DB(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testenv.OwnerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	db.RegisterTypes(conn.TypeMap())

	a, b := uuid.New(), uuid.New()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		var got uuid.UUID
		var text string
		if err := conn.QueryRow(ctx, "SELECT $1::uuid, $1::uuid::text", mode, a).Scan(&got, &text); err != nil {
			t.Fatalf("mode %v: %v", mode, err)
		}
		if got != a || text != a.String() {
			t.Errorf("mode %v: got %v (%s), want %v", mode, got, text, a)
		}
		var list []uuid.UUID
		if err := conn.QueryRow(ctx, "SELECT ARRAY[$1::uuid, $2::uuid]", mode, a, b).Scan(&list); err != nil {
			t.Fatalf("mode %v: array: %v", mode, err)
		}
		if len(list) != 2 || list[0] != a || list[1] != b {
			t.Errorf("mode %v: array = %v", mode, list)
		}
		none, ptr := a, &b
		if err := conn.QueryRow(ctx, "SELECT NULL::uuid, NULL::uuid", mode).Scan(&none, &ptr); err != nil {
			t.Fatalf("mode %v: NULL: %v", mode, err)
		}
		if none != uuid.Nil || ptr != nil {
			t.Errorf("mode %v: NULL read as %v and %v", mode, none, ptr)
		}
	}
	// An array parameter (ANY($1)) needs the extended protocol, as before.
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM unnest($1::uuid[]) u WHERE u = ANY($1)", []uuid.UUID{a, b}).Scan(&n); err != nil || n != 2 {
		t.Errorf("array parameter: %d, %v", n, err)
	}
}
