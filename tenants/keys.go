package tenants

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants/internal/tenantsql"
)

// APIKeyInput names a new API key and its role (its scope).
type APIKeyInput struct {
	Name string
	Role authz.Role
}

// CreateAPIKey makes a key and returns its secret, which is never shown again.
// The key's role is a Keto tuple like a staff member's, so checks treat both alike.
func (s *Service) CreateAPIKey(ctx context.Context, p Principal, in APIKeyInput) (APIKey, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 80 {
		return APIKey{}, "", errs.InvalidField("name", "name must be 1 to 80 characters")
	}
	if !in.Role.Valid() || in.Role == authz.RoleOwner {
		return APIKey{}, "", errs.InvalidField("role", "a key's role is admin, editor or analyst")
	}
	t := newToken(prefixAPIKey, p.Tenant, uuid.Must(uuid.NewV7()))
	secret := t.String()
	key := APIKey{ID: t.id, Name: in.Name, Role: in.Role, Hint: secret[len(secret)-4:]}
	if err := s.Perms.SetRole(ctx, p.Tenant, t.id, in.Role); err != nil {
		return APIKey{}, "", fmt.Errorf("tenants.CreateAPIKey: %w", err)
	}
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		key.CreatedAt = now
		if err := tenantsql.New(tx).CreateAPIKey(ctx, tenantsql.CreateAPIKeyParams{TenantID: p.Tenant, ID: t.id, Name: in.Name,
			Role: string(in.Role), SecretHash: t.hash(), Hint: key.Hint, CreatedBy: staffRef(p), CreatedAt: now}); err != nil {
			return err
		}
		return s.record(ctx, tx, p.Tenant, now, "api_key.created", "api_key", t.id.String(), map[string]any{"name": in.Name, "role": in.Role})
	})
	if err != nil {
		_ = s.Perms.RemoveSubject(context.WithoutCancel(ctx), p.Tenant, t.id)
		return APIKey{}, "", fmt.Errorf("tenants.CreateAPIKey: %w", err)
	}
	return key, secret, nil
}

// ListAPIKeys lists keys, revoked ones included, without secrets.
func (s *Service) ListAPIKeys(ctx context.Context, tenant ID) ([]APIKey, error) {
	var out []APIKey
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := tenantsql.New(tx).ListAPIKeys(ctx, tenant)
		for _, r := range rows {
			out = append(out, APIKey{ID: r.ID, Name: r.Name, Role: authz.Role(r.Role), Hint: r.Hint, CreatedAt: r.CreatedAt,
				LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt})
		}
		return err
	})
	return out, err
}

// RevokeAPIKey revokes a key: it stops working at once.
func (s *Service) RevokeAPIKey(ctx context.Context, p Principal, id uuid.UUID) error {
	defer s.forgetSubject(p.Tenant, id)
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		now := s.now()
		n, err := tenantsql.New(tx).RevokeAPIKey(ctx, tenantsql.RevokeAPIKeyParams{TenantID: p.Tenant, ID: id, RevokedAt: &now})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFound("no active API key %s", id)
		}
		return s.record(ctx, tx, p.Tenant, now, "api_key.revoked", "api_key", id.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("tenants.RevokeAPIKey: %w", err)
	}
	// The row is revoked; the tuple only tidies up, so its failure is not the caller's.
	_ = s.Perms.RemoveSubject(ctx, p.Tenant, id)
	return nil
}

// CreateAppKey makes a public app key for a tenant app.
func (s *Service) CreateAppKey(ctx context.Context, p Principal, name string) (AppKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 80 {
		return AppKey{}, errs.InvalidField("name", "name must be 1 to 80 characters")
	}
	k := AppKey{ID: uuid.Must(uuid.NewV7()), Key: newAppKey(), Name: name}
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		k.CreatedAt = s.now()
		if err := tenantsql.New(tx).CreateAppKey(ctx, tenantsql.CreateAppKeyParams{TenantID: p.Tenant, ID: k.ID, Key: k.Key, Name: name, CreatedAt: k.CreatedAt}); err != nil {
			return err
		}
		return s.record(ctx, tx, p.Tenant, k.CreatedAt, "app_key.created", "app_key", k.ID.String(), map[string]any{"name": name})
	})
	if err != nil {
		return AppKey{}, fmt.Errorf("tenants.CreateAppKey: %w", err)
	}
	return k, nil
}

// ListAppKeys lists app keys, revoked ones included.
func (s *Service) ListAppKeys(ctx context.Context, tenant ID) ([]AppKey, error) {
	var out []AppKey
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := tenantsql.New(tx).ListAppKeys(ctx, tenant)
		for _, r := range rows {
			out = append(out, AppKey{ID: r.ID, Key: r.Key, Name: r.Name, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt})
		}
		return err
	})
	return out, err
}

// RotateAppKey revokes an app key and makes its successor with the same name.
func (s *Service) RotateAppKey(ctx context.Context, p Principal, id uuid.UUID) (AppKey, error) {
	var next AppKey
	var oldKey string
	// After the commit, the old key stops resolving in this process at once.
	defer func() {
		s.resolutions.DeleteFunc(func(k string, _ ID) bool { return oldKey != "" && k == appKeyResolution(oldKey) })
	}()
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := tenantsql.New(tx)
		now := s.now()
		rows, err := q.ListAppKeys(ctx, p.Tenant)
		if err != nil {
			return err
		}
		var name string
		for _, r := range rows {
			if r.ID == id && r.RevokedAt == nil {
				name, oldKey = r.Name, r.Key
			}
		}
		if name == "" {
			return errs.NotFound("no active app key %s", id)
		}
		if _, err := q.RevokeAppKey(ctx, tenantsql.RevokeAppKeyParams{TenantID: p.Tenant, ID: id, RevokedAt: &now}); err != nil {
			return err
		}
		next = AppKey{ID: uuid.Must(uuid.NewV7()), Key: newAppKey(), Name: name, CreatedAt: now}
		if err := q.CreateAppKey(ctx, tenantsql.CreateAppKeyParams{TenantID: p.Tenant, ID: next.ID, Key: next.Key, Name: name, CreatedAt: now}); err != nil {
			return err
		}
		return s.record(ctx, tx, p.Tenant, now, "app_key.rotated", "app_key", id.String(), map[string]any{"next": next.ID})
	})
	if err != nil {
		return AppKey{}, fmt.Errorf("tenants.RotateAppKey: %w", err)
	}
	return next, nil
}
