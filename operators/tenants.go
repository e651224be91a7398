package operators

import (
	"context"
	"fmt"
	"strings"
	"time"

	mailer "github.com/marquee-ott/marquee/mail"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators/internal/operatorsql"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants"
)

// ListTenants returns up to limit tenants older than after (newest first)
// and how many match in all. The directory comes from the one SECURITY
// DEFINER look-up that reads across tenants (it answers only to this
// operator's session); each tenant's details are then read inside that
// tenant's own binding.
func (s *Service) ListTenants(ctx context.Context, p Principal, f TenantFilter, after *TenantCursor, limit int) ([]Tenant, int, error) {
	if err := check(p); err != nil {
		return nil, 0, err
	}
	var status *string
	if f.Status != nil {
		status = (*string)(f.Status)
	}
	arg := operatorsql.OperatorTenantsParams{SessionID: p.SessionID, SecretHash: p.proof, Status: status, MaxRows: int32(limit)}
	if after != nil {
		arg.AfterAt, arg.AfterID = &after.CreatedAt, &after.ID
	}
	var dir []operatorsql.OperatorTenantsRow
	var total int64
	err := s.DB.System(ctx, func(tx db.Tx) error {
		q := operatorsql.New(tx)
		var err error
		if dir, err = q.OperatorTenants(ctx, arg); err != nil {
			return err
		}
		total, err = q.OperatorTenantCount(ctx, operatorsql.OperatorTenantCountParams{SessionID: p.SessionID, SecretHash: p.proof, Status: status})
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("operators.ListTenants: %w", err)
	}
	out := make([]Tenant, 0, len(dir))
	for _, d := range dir {
		t, err := s.view(ctx, d.ID)
		if errs.Is(err, errs.KindNotFound) {
			continue // deleted since the directory was read
		} else if err != nil {
			return nil, 0, fmt.Errorf("operators.ListTenants: %w", err)
		}
		out = append(out, t)
	}
	return out, int(total), nil
}

// Tenant returns one tenant as the operator sees it.
func (s *Service) Tenant(ctx context.Context, p Principal, id tenants.ID) (Tenant, error) {
	if err := check(p); err != nil {
		return Tenant{}, err
	}
	return s.view(ctx, id)
}

func (s *Service) view(ctx context.Context, id tenants.ID) (Tenant, error) {
	var t Tenant
	err := s.DB.ReadTenant(ctx, id, func(tx db.Querier) error {
		r, err := operatorsql.New(tx).TenantView(ctx, operatorsql.TenantViewParams{ID: id, Now: s.now()})
		if db.IsNoRows(err) {
			return errs.NotFound("no tenant %s", id)
		}
		t = tenantFromRow(r)
		return err
	})
	return t, err
}

// Usage returns what a tenant uses: storage now (listed from blob storage),
// seats, and this month's metered minutes and hours.
func (s *Service) Usage(ctx context.Context, p Principal, t Tenant) (Usage, error) {
	if err := check(p); err != nil {
		return Usage{}, err
	}
	now := s.now()
	u := Usage{Period: monthOf(now), Staff: t.Staff, Invitations: t.Invitations}
	var err error
	if u.StorageBytes, err = s.StorageUsed(ctx, t.ID); err != nil {
		return Usage{}, fmt.Errorf("operators.Usage: %w", err)
	}
	err = s.DB.ReadTenant(ctx, t.ID, func(tx db.Querier) error {
		rows, err := operatorsql.New(tx).UsageForMonth(ctx, operatorsql.UsageForMonthParams{TenantID: t.ID, At: now})
		for _, r := range rows {
			switch r.Metric {
			case MetricEncodedSeconds:
				u.EncodedMinutes = float64(r.Value) / 60
			case MetricStreamedSeconds:
				u.StreamedHours = float64(r.Value) / 3600
			}
		}
		return err
	})
	if err != nil {
		return Usage{}, fmt.Errorf("operators.Usage: %w", err)
	}
	return u, nil
}

// Suspend stops a tenant: from the moment it commits, every request with its
// staff sessions, API keys, app keys, hosts or paths is refused with
// TENANT_SUSPENDED (in other API processes within the auth cache's time).
// Nothing is deleted. Suspending a suspended tenant changes only the reason.
func (s *Service) Suspend(ctx context.Context, p Principal, id tenants.ID, reason string) (Tenant, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return Tenant{}, errs.InvalidField("reason", "say why, in 1 to 500 characters: the tenant's owners are told")
	}
	return s.setStatus(ctx, p, id, tenants.StatusSuspended, reason)
}

// Resume lets a suspended tenant work again, exactly as it was.
func (s *Service) Resume(ctx context.Context, p Principal, id tenants.ID) (Tenant, error) {
	return s.setStatus(ctx, p, id, tenants.StatusActive, "")
}

func (s *Service) setStatus(ctx context.Context, p Principal, id tenants.ID, status tenants.Status, reason string) (Tenant, error) {
	if err := check(p); err != nil {
		return Tenant{}, err
	}
	cur, err := s.view(ctx, id)
	if err != nil {
		return Tenant{}, err
	}
	if cur.Status == status && cur.StatusReason == reason {
		return cur, nil
	}
	action := "tenant.suspended"
	if status == tenants.StatusActive {
		action = "tenant.resumed"
	}
	ctx = actor(ctx, p)
	err = s.DB.InTenant(ctx, id, func(tx db.Tx) error {
		now := s.now()
		n, err := operatorsql.New(tx).SetTenantStatus(ctx, operatorsql.SetTenantStatusParams{ID: id, Status: string(status), Reason: reason, Now: now})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFound("no tenant %s", id)
		}
		details := map[string]any{"reason": reason, "from": cur.Status}
		if err := audit.Record(ctx, tx, id, now, action, "tenant", id.String(), details); err != nil {
			return err
		}
		return outbox.Emit(ctx, tx, id, now, outbox.Event{Type: action, ObjectType: "tenant", ObjectID: id.String(),
			Payload: map[string]any{"id": id, "slug": cur.Slug, "reason": reason}})
	})
	// Whatever happened, this process forgets what it knew of the tenant.
	s.Tenants.ForgetTenant(id)
	if err != nil {
		return Tenant{}, fmt.Errorf("operators.setStatus %s %s: %w", id, status, err)
	}
	if err := s.logAction(ctx, p, action, &id, cur.Slug, map[string]any{"reason": reason}); err != nil {
		return Tenant{}, fmt.Errorf("operators.setStatus %s: %w", id, err)
	}
	s.tellOwners(ctx, id, cur, status, reason)
	return s.view(ctx, id)
}

// tellOwners mails the tenant's owners about a suspension or resumption; the
// console and the apps only say that the tenant is suspended, not why. A mail
// failure does not undo the change.
func (s *Service) tellOwners(ctx context.Context, id tenants.ID, t Tenant, status tenants.Status, reason string) {
	if s.Mail == nil {
		return
	}
	team, err := s.Tenants.ListStaff(ctx, id)
	if err != nil {
		return
	}
	subject := fmt.Sprintf("%s is suspended on Marquee", t.Name)
	text := fmt.Sprintf("The platform operator suspended your workspace %q. Its console, API keys and apps are unavailable until it is resumed; nothing was deleted.\n\nReason: %s\n", t.Slug, reason)
	if status == tenants.StatusActive {
		subject = fmt.Sprintf("%s is active again on Marquee", t.Name)
		text = fmt.Sprintf("The platform operator resumed your workspace %q. Its console, API keys and apps work again.\n", t.Slug)
	}
	for _, st := range team {
		if st.Role == authz.RoleOwner {
			_ = s.Mail.Send(ctx, mailer.Message{To: st.Email, Subject: subject, Text: text})
		}
	}
}

// SetQuotas sets both of a tenant's limits (nil: unlimited). They apply to
// work accepted from then on; nothing already stored or on the team is taken
// away.
func (s *Service) SetQuotas(ctx context.Context, p Principal, id tenants.ID, q Quotas) (Tenant, error) {
	if err := check(p); err != nil {
		return Tenant{}, err
	}
	if err := q.Validate(); err != nil {
		return Tenant{}, err
	}
	cur, err := s.view(ctx, id)
	if err != nil {
		return Tenant{}, err
	}
	ctx = actor(ctx, p)
	details := map[string]any{"storage_bytes": q.StorageBytes, "seats": q.Seats,
		"from": map[string]any{"storage_bytes": cur.Quotas.StorageBytes, "seats": cur.Quotas.Seats}}
	err = s.DB.InTenant(ctx, id, func(tx db.Tx) error {
		now := s.now()
		var seats *int32
		if q.Seats != nil {
			n := int32(*q.Seats)
			seats = &n
		}
		if err := operatorsql.New(tx).SetQuotas(ctx, operatorsql.SetQuotasParams{TenantID: id, StorageBytes: q.StorageBytes, Seats: seats, Now: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, id, now, "tenant.quotas_changed", "tenant", id.String(), details)
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("operators.SetQuotas %s: %w", id, err)
	}
	if err := s.logAction(ctx, p, "tenant.quotas_changed", &id, cur.Slug, details); err != nil {
		return Tenant{}, fmt.Errorf("operators.SetQuotas %s: %w", id, err)
	}
	return s.view(ctx, id)
}

func tenantFromRow(r operatorsql.TenantViewRow) Tenant {
	t := Tenant{ID: r.ID, Slug: r.Slug, Name: r.Name, Status: tenants.Status(r.Status), StatusReason: r.StatusReason,
		StatusChangedAt: r.StatusChangedAt, CreatedAt: r.CreatedAt, Staff: int(r.Staff), Invitations: int(r.PendingInvitations)}
	t.Quotas.StorageBytes = r.QuotaStorageBytes
	if r.QuotaSeats != nil {
		n := int(*r.QuotaSeats)
		t.Quotas.Seats = &n
	}
	return t
}

// monthOf is the usage period of t.
func monthOf(t time.Time) string { return t.UTC().Format("2006-01") }
