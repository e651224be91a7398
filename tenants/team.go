package tenants

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	mailer "github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
)

// ListStaff returns the tenant's team.
func (s *Service) ListStaff(ctx context.Context, tenant ID) ([]Staff, error) {
	var out []Staff
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := tenantsql.New(tx).ListStaff(ctx, tenant)
		for _, r := range rows {
			out = append(out, staffFromRow(r))
		}
		return err
	})
	return out, err
}

// StaffPage returns take members of the team after skipping skip, in the
// team's order (joining first), and, when withTotal, the team's size (else
// -1). The console pages the team; reading it whole for each page was most of
// a page's database time, and counting it is work only asked for sometimes.
func (s *Service) StaffPage(ctx context.Context, tenant ID, skip, take int, withTotal bool) ([]Staff, int, error) {
	if skip < 0 || take < 1 {
		return nil, 0, errs.Invalid("staff page: skip %d, take %d", skip, take)
	}
	var out []Staff
	total := -1
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		q := tenantsql.New(tx)
		p := tenantsql.ListStaffPageParams{TenantID: tenant, Take: int32(take), Skip: int32(skip)}
		if !withTotal {
			rows, err := q.ListStaffPage(ctx, p)
			out = make([]Staff, len(rows))
			for i, r := range rows {
				out[i] = pageMember(tenantsql.ListStaffPageCountedRow{ID: r.ID, TenantID: r.TenantID, Email: r.Email, Name: r.Name,
					Role: r.Role, EmailVerifiedAt: r.EmailVerifiedAt, CreatedAt: r.CreatedAt})
			}
			return err
		}
		rows, err := q.ListStaffPageCounted(ctx, tenantsql.ListStaffPageCountedParams(p))
		if err != nil {
			return err
		}
		out = make([]Staff, len(rows))
		total = 0
		for i, r := range rows {
			out[i] = pageMember(r)
			total = int(r.Total)
		}
		if len(rows) == 0 && skip > 0 { // past the end: no row carries the count
			n, err := q.CountStaff(ctx, tenant)
			total = int(n)
			return err
		}
		return nil
	})
	return out, total, err
}

// pageMember is a member of a page of the team (either page query's row).
func pageMember(r tenantsql.ListStaffPageCountedRow) Staff {
	return Staff{ID: r.ID, TenantID: r.TenantID, Email: r.Email, Name: r.Name, Role: authz.Role(r.Role),
		EmailVerified: r.EmailVerifiedAt != nil, CreatedAt: r.CreatedAt}
}

// StaffByIDs loads staff by id, for dataloaders; missing ids are left out.
func (s *Service) StaffByIDs(ctx context.Context, tenant ID, ids []StaffID) (map[StaffID]Staff, error) {
	out := make(map[StaffID]Staff, len(ids))
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := tenantsql.New(tx).ListStaffByIDs(ctx, tenantsql.ListStaffByIDsParams{TenantID: tenant, Ids: ids})
		for _, r := range rows {
			out[r.ID] = staffFromRow(r)
		}
		return err
	})
	return out, err
}

// GetStaff returns one staff member; another tenant's is NotFound.
func (s *Service) GetStaff(ctx context.Context, tenant ID, id StaffID) (Staff, error) {
	var st Staff
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		r, err := tenantsql.New(tx).GetStaff(ctx, tenantsql.GetStaffParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no staff member %s", id)
		}
		st = staffFromRow(r)
		return err
	})
	return st, err
}

// InviteInput invites someone to the team.
type InviteInput struct {
	Email string
	Role  authz.Role
}

// Invite records an invitation and emails its link. Owners are made by
// transfer, never by invitation.
func (s *Service) Invite(ctx context.Context, p Principal, in InviteInput) (Invitation, error) {
	email, err := normalizeEmail(in.Email)
	if err != nil {
		return Invitation{}, err
	}
	if in.Role == authz.RoleOwner || !in.Role.Valid() {
		return Invitation{}, errs.InvalidField("role", "invite as admin, editor or analyst")
	}
	t := newToken(prefixInvitation, p.Tenant, uuid.Must(uuid.NewV7()))
	var inv Invitation
	var tenantName string
	err = s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := tenantsql.New(tx)
		now := s.now()
		if _, err := q.GetStaffByEmail(ctx, tenantsql.GetStaffByEmailParams{TenantID: p.Tenant, Email: email}); err == nil {
			return errs.Conflict("%s is already on the team", email)
		} else if !db.IsNoRows(err) {
			return err
		}
		if err := s.checkSeats(ctx, tx, p.Tenant, 1); err != nil {
			return err
		}
		inv = Invitation{ID: t.id, Email: email, Role: in.Role, InvitedBy: staffRef(p), CreatedAt: now, ExpiresAt: now.Add(invitationTTL)}
		if err := q.CreateInvitation(ctx, tenantsql.CreateInvitationParams{TenantID: p.Tenant, ID: t.id, Email: email, Role: string(in.Role),
			InvitedBy: staffRef(p), SecretHash: t.hash(), CreatedAt: now, ExpiresAt: inv.ExpiresAt}); err != nil {
			return err
		}
		tr, err := q.GetTenant(ctx, p.Tenant)
		if err != nil {
			return err
		}
		tenantName = tr.Name
		return s.record(ctx, tx, p.Tenant, now, "staff.invited", "invitation", t.id.String(), map[string]any{"email": email, "role": in.Role})
	})
	if err != nil {
		return Invitation{}, fmt.Errorf("tenants.Invite: %w", err)
	}
	link := fmt.Sprintf("%s/console/#/accept?token=%s", s.BaseURL, t.String())
	_ = s.Mail.Send(ctx, mailer.Message{To: email, Subject: "You are invited to " + tenantName + " on Marquee",
		Text: fmt.Sprintf("You have been invited to join %s as %s.\n\nAccept the invitation: %s\n\nInvitation token: %s\n\nIt expires in 7 days.\n",
			tenantName, in.Role, link, t.String())})
	return inv, nil
}

func staffRef(p Principal) *uuid.UUID {
	if p.Kind == PrincipalStaff {
		return &p.Subject
	}
	return nil
}

// record writes the audit entry and the outbox event for one staff write.
func (s *Service) record(ctx context.Context, tx db.Tx, tenant ID, now time.Time, action, targetType, targetID string, details map[string]any) error {
	if err := audit.Record(ctx, tx, tenant, now, action, targetType, targetID, details); err != nil {
		return err
	}
	payload := map[string]any{"id": targetID}
	for k, v := range details {
		payload[k] = v
	}
	return outbox.Emit(ctx, tx, tenant, now, outbox.Event{Type: action, ObjectType: targetType, ObjectID: targetID, Payload: payload})
}

// ListInvitations returns the pending invitations.
func (s *Service) ListInvitations(ctx context.Context, tenant ID) ([]Invitation, error) {
	var out []Invitation
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := tenantsql.New(tx).ListInvitations(ctx, tenant)
		for _, r := range rows {
			out = append(out, Invitation{ID: r.ID, Email: r.Email, Role: authz.Role(r.Role), InvitedBy: r.InvitedBy, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt})
		}
		return err
	})
	return out, err
}

// RevokeInvitation withdraws a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, p Principal, id uuid.UUID) error {
	return s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		n, err := tenantsql.New(tx).RevokeInvitation(ctx, tenantsql.RevokeInvitationParams{TenantID: p.Tenant, ID: id, RevokedAt: &now})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFound("no pending invitation %s", id)
		}
		return s.record(ctx, tx, p.Tenant, now, "staff.invitation_revoked", "invitation", id.String(), nil)
	})
}

// AcceptInput accepts an invitation by creating the account.
type AcceptInput struct {
	Token    string
	Name     string
	Password string
}

// AcceptInvitation creates the invited account, gives it its role in Keto and
// signs it in.
func (s *Service) AcceptInvitation(ctx context.Context, in AcceptInput, client ClientInfo) (Auth, error) {
	t, err := parseToken(in.Token, prefixInvitation)
	if err != nil {
		return Auth{}, errs.InvalidField("token", "not an invitation token")
	}
	var inv tenantsql.Invitation
	err = s.DB.InTenant(ctx, t.tenant, func(tx db.Tx) error {
		inv, err = tenantsql.New(tx).GetInvitation(ctx, tenantsql.GetInvitationParams{TenantID: t.tenant, ID: t.id})
		if db.IsNoRows(err) || (err == nil && !t.matches(inv.SecretHash)) {
			return errs.NotFound("no such invitation")
		}
		return err
	})
	if err != nil {
		return Auth{}, err
	}
	switch {
	case inv.AcceptedAt != nil:
		return Auth{}, errs.Conflict("this invitation was already accepted")
	case inv.RevokedAt != nil:
		return Auth{}, errs.InvalidField("token", "this invitation was withdrawn")
	case s.now().After(inv.ExpiresAt):
		return Auth{}, errs.InvalidField("token", "this invitation has expired")
	}
	if err := validatePassword(in.Password, inv.Email); err != nil {
		return Auth{}, err
	}
	staff := uuid.Must(uuid.NewV7())
	if err := s.Perms.SetRole(ctx, t.tenant, staff, authz.Role(inv.Role)); err != nil {
		return Auth{}, fmt.Errorf("tenants.AcceptInvitation: %w", err)
	}
	var auth Auth
	ctx = audit.WithActor(ctx, audit.Actor{Type: "staff", ID: staff, Label: inv.Email, IP: client.IP, UserAgent: client.UserAgent})
	err = s.DB.InTenant(ctx, t.tenant, func(tx db.Tx) error {
		q := tenantsql.New(tx)
		now := s.now()
		// The invitation already holds its seat; a quota lowered since can refuse it.
		if err := s.checkSeats(ctx, tx, t.tenant, 0); err != nil {
			return err
		}
		if err := q.AcceptInvitation(ctx, tenantsql.AcceptInvitationParams{TenantID: t.tenant, ID: t.id, AcceptedAt: &now}); err != nil {
			return err
		}
		// The emailed link proves the address, so the account starts verified.
		if err := q.CreateStaff(ctx, tenantsql.CreateStaffParams{TenantID: t.tenant, ID: staff, Email: inv.Email, Name: in.Name,
			PasswordHash: hashPassword(in.Password), Role: inv.Role, CreatedAt: now}); err != nil {
			if _, ok := db.IsUniqueViolation(err); ok {
				return errs.Conflict("%s is already on the team", inv.Email)
			}
			return err
		}
		if err := q.MarkEmailVerified(ctx, tenantsql.MarkEmailVerifiedParams{TenantID: t.tenant, ID: staff, EmailVerifiedAt: &now}); err != nil {
			return err
		}
		tok, err := s.startSession(ctx, q, t.tenant, staff, client, now)
		if err != nil {
			return err
		}
		if err := s.record(ctx, tx, t.tenant, now, "staff.joined", "staff", staff.String(), map[string]any{"email": inv.Email, "role": inv.Role}); err != nil {
			return err
		}
		auth, err = s.authFor(ctx, q, t.tenant, staff, tok)
		return err
	})
	if err != nil {
		_ = s.Perms.RemoveSubject(context.WithoutCancel(ctx), t.tenant, staff)
		return Auth{}, fmt.Errorf("tenants.AcceptInvitation: %w", err)
	}
	s.Changes.Publish(t.tenant, StaffChange{Kind: "joined", Staff: auth.Staff})
	return auth, nil
}

// ChangeRole gives a staff member another role. Ownership moves only by
// transfer, and a tenant always keeps an owner.
func (s *Service) ChangeRole(ctx context.Context, p Principal, id StaffID, role authz.Role) (Staff, error) {
	if !role.Valid() || role == authz.RoleOwner {
		return Staff{}, errs.InvalidField("role", "change to admin, editor or analyst; ownership moves by transfer")
	}
	cur, err := s.GetStaff(ctx, p.Tenant, id)
	if err != nil {
		return Staff{}, err
	}
	if cur.Role == authz.RoleOwner {
		return Staff{}, errs.Forbidden("an owner's role changes only by transferring ownership")
	}
	if err := s.Perms.SetRole(ctx, p.Tenant, id, role); err != nil {
		return Staff{}, fmt.Errorf("tenants.ChangeRole: %w", err)
	}
	defer s.forgetSubject(p.Tenant, id)
	err = s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		if err := tenantsql.New(tx).SetStaffRole(ctx, tenantsql.SetStaffRoleParams{TenantID: p.Tenant, ID: id, Role: string(role)}); err != nil {
			return err
		}
		return s.record(ctx, tx, p.Tenant, now, "staff.role_changed", "staff", id.String(), map[string]any{"from": cur.Role, "role": role})
	})
	if err != nil {
		_ = s.Perms.SetRole(context.WithoutCancel(ctx), p.Tenant, id, cur.Role)
		return Staff{}, fmt.Errorf("tenants.ChangeRole: %w", err)
	}
	cur.Role = role
	s.Changes.Publish(p.Tenant, StaffChange{Kind: "role_changed", Staff: cur})
	return cur, nil
}

// RemoveStaff takes someone off the team: their tuples go first, so they lose
// every right at once, then their account and sessions.
func (s *Service) RemoveStaff(ctx context.Context, p Principal, id StaffID) error {
	cur, err := s.GetStaff(ctx, p.Tenant, id)
	if err != nil {
		return err
	}
	if cur.Role == authz.RoleOwner {
		return errs.Forbidden("the owner cannot be removed; transfer ownership first")
	}
	if err := s.Perms.RemoveSubject(ctx, p.Tenant, id); err != nil {
		return fmt.Errorf("tenants.RemoveStaff: %w", err)
	}
	defer s.forgetSubject(p.Tenant, id)
	err = s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		if err := tenantsql.New(tx).DeleteStaff(ctx, tenantsql.DeleteStaffParams{TenantID: p.Tenant, ID: id}); err != nil {
			return err
		}
		return s.record(ctx, tx, p.Tenant, now, "staff.removed", "staff", id.String(), map[string]any{"email": cur.Email})
	})
	if err != nil {
		_ = s.Perms.SetRole(context.WithoutCancel(ctx), p.Tenant, id, cur.Role)
		return fmt.Errorf("tenants.RemoveStaff: %w", err)
	}
	s.Changes.Publish(p.Tenant, StaffChange{Kind: "removed", Staff: cur})
	return nil
}

// AuditLog returns up to limit audit entries older than after, newest first.
func (s *Service) AuditLog(ctx context.Context, tenant ID, after *audit.Cursor, limit int) ([]audit.Entry, error) {
	var out []audit.Entry
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		var err error
		out, err = audit.List(ctx, tx, tenant, after, limit)
		return err
	})
	return out, err
}
