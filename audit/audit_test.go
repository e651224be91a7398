package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/testenv"
)

// Invariant: nobody edits or deletes an audit entry: the app role has no
// grant for it, and the table owner is stopped by a trigger.
func TestAuditLogIsAppendOnly(t *testing.T) {
	d := testenv.DB(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{Type: "staff", Label: "a@example.com", IP: "192.0.2.1"})
	tenant := uuid.Must(uuid.NewV7())
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := d.InTenant(ctx, tenant, func(tx db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, slug, name, app_name, created_at, updated_at) VALUES ($1, 'audit-t', 'T', 'T', $2, $2)`, tenant, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "thing.done", "thing", "42", map[string]any{"n": 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit_log SET action = 'forged'`, `DELETE FROM audit_log`} {
		if err := d.InTenant(ctx, tenant, func(tx db.Tx) error { _, err := tx.Exec(ctx, stmt); return err }); err == nil {
			t.Errorf("app role ran %q", stmt)
		}
	}
	owner, err := pgx.Connect(context.Background(), testenv.OwnerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(context.Background())
	if _, err := owner.Exec(context.Background(), `UPDATE audit_log SET action = 'forged'`); err == nil {
		t.Error("the table owner rewrote the audit log")
	}
	var got []audit.Entry
	_ = d.InTenant(ctx, tenant, func(tx db.Tx) error {
		got, err = audit.List(ctx, tx, tenant, nil, 10)
		return err
	})
	if len(got) != 1 || got[0].Action != "thing.done" || got[0].Actor.IP != "192.0.2.1" || got[0].Details["n"] != float64(1) {
		t.Fatalf("entries = %+v", got)
	}
}
