package catalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/outbox"
)

// Service is the catalog domain. Every call names its tenant; staff writes
// record who did them from the audit actor in ctx.
type Service struct {
	DB  *db.DB
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// record writes the audit entry and the outbox event of one staff write, in
// its transaction.
func record(ctx context.Context, tx db.Tx, tenant TenantID, now time.Time, action, targetType string, id uuid.UUID, details map[string]any) error {
	if err := audit.Record(ctx, tx, tenant, now, action, targetType, id.String(), details); err != nil {
		return err
	}
	payload := map[string]any{"id": id}
	for k, v := range details {
		payload[k] = v
	}
	return outbox.Emit(ctx, tx, tenant, now, outbox.Event{Type: action, ObjectType: targetType, ObjectID: id.String(), Payload: payload})
}

// pgCode returns the SQLSTATE and constraint of a PostgreSQL error.
func pgCode(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

func wrap(op string, id any, err error) error {
	if err == nil {
		return nil
	}
	if id == nil {
		return fmt.Errorf("catalog.%s: %w", op, err)
	}
	return fmt.Errorf("catalog.%s %v: %w", op, id, err)
}
