package graph

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/marquee-ott/marquee/errs"
)

// Invariant: no error shows SQL, a driver message or a stack to a client;
// internal errors are logged once, here, and shown as "internal error".
func TestPresenterHidesInternals(t *testing.T) {
	var logs bytes.Buffer
	present := presenter(slog.New(slog.NewTextHandler(&logs, nil)))
	sqlErr := &pgconn.PgError{Code: "42P01", Message: `relation "secret_table" does not exist`, InternalQuery: "SELECT * FROM secret_table"}
	for _, err := range []error{errs.Internal(sqlErr), errors.New("panic: runtime error at graph.go:42"), errs.Internal(nil)} {
		g := present(context.Background(), err)
		if g.Message != "internal error" || g.Extensions["code"] != "INTERNAL" {
			t.Errorf("%v presented as %q %v", err, g.Message, g.Extensions)
		}
		if strings.Contains(g.Error(), "secret_table") || strings.Contains(g.Error(), "graph.go") {
			t.Errorf("presented error leaks: %s", g.Error())
		}
	}
	if !strings.Contains(logs.String(), "secret_table") {
		t.Error("the internal error was not logged for operators")
	}
	g := present(context.Background(), errs.InvalidField("slug", "slug is taken"))
	if g.Message != "slug is taken" || g.Extensions["code"] != "BAD_USER_INPUT" || g.Extensions["field"] != "slug" {
		t.Errorf("user error presented as %q %v", g.Message, g.Extensions)
	}
}
