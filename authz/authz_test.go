package authz_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

// roleTable is DESIGN.md's role table as Keto must answer it. It is the spec:
// the OPL is the implementation, and every row is asked of the real Keto.
var roleTable = []struct {
	role                                                 authz.Role
	read, readAnalytics, editContent, manage, audit, own bool
}{
	{authz.RoleOwner, true, true, true, true, true, true},
	{authz.RoleAdmin, true, true, true, true, true, false},
	{authz.RoleEditor, true, true, true, false, false, false},
	{authz.RoleAnalyst, true, true, false, false, false, false},
}

// allowed returns what role may do, per roleTable.
func allowed(t *testing.T, role authz.Role) map[authz.Permission]bool {
	t.Helper()
	for _, r := range roleTable {
		if r.role == role {
			return map[authz.Permission]bool{
				authz.PermRead: r.read, authz.PermReadAnalytics: r.readAnalytics,
				authz.PermEditContent: r.editContent, authz.PermManage: r.manage,
				authz.PermAudit: r.audit, authz.PermOwn: r.own,
			}
		}
	}
	t.Fatalf("role %q is not in the role table", role)
	return nil
}

func nothing() map[authz.Permission]bool {
	m := map[authz.Permission]bool{}
	for _, p := range authz.Permissions() {
		m[p] = false
	}
	return m
}

func newClient(t *testing.T) (c *authz.Client, readURL string) {
	t.Helper()
	readURL, writeURL := testenv.Keto(t)
	return authz.New(readURL, writeURL), readURL
}

func mustSetRole(t *testing.T, c *authz.Client, tenant, subject uuid.UUID, role authz.Role) {
	t.Helper()
	if err := c.SetRole(context.Background(), tenant, subject, role); err != nil {
		t.Fatalf("SetRole %s: %v", role, err)
	}
}

// assertPermits asks Keto every permission and compares with want: nil error
// when allowed, a Forbidden error when not. Anything else fails the test.
func assertPermits(t *testing.T, c *authz.Client, tenant, subject uuid.UUID, want map[authz.Permission]bool) {
	t.Helper()
	for _, p := range authz.Permissions() {
		err := c.Check(context.Background(), tenant, subject, p)
		switch {
		case want[p] && err != nil:
			t.Errorf("%s: want allowed, got %v", p, err)
		case !want[p] && err == nil:
			t.Errorf("%s: want forbidden, got allowed", p)
		case !want[p] && errs.KindOf(err) != errs.KindForbidden:
			t.Errorf("%s: want a Forbidden error, got %v", p, err)
		}
	}
}

// Invariant: each role holds exactly the permits of the role table, no more and
// no fewer, and a principal without a role holds none.
func TestEachRoleHoldsExactlyItsPermits(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	if len(roleTable) != len(authz.Roles()) {
		t.Fatalf("role table has %d rows, authz has %d roles", len(roleTable), len(authz.Roles()))
	}
	for _, role := range authz.Roles() {
		t.Run(string(role), func(t *testing.T) {
			want := allowed(t, role)
			if len(want) != len(authz.Permissions()) {
				t.Fatalf("role table covers %d permissions, authz has %d", len(want), len(authz.Permissions()))
			}
			tenant, subject := uuid.New(), uuid.New()
			mustSetRole(t, c, tenant, subject, role)
			assertPermits(t, c, tenant, subject, want)
		})
	}
	t.Run("no role", func(t *testing.T) {
		tenant := uuid.New()
		mustSetRole(t, c, tenant, uuid.New(), authz.RoleOwner) // the tenant exists in Keto
		assertPermits(t, c, tenant, uuid.New(), nothing())
	})
}

// Invariant: a role change replaces the old role; a demoted editor keeps no
// edit_content from the role it had.
func TestSetRoleReplacesEditorWithAnalyst(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	tenant, subject := uuid.New(), uuid.New()
	mustSetRole(t, c, tenant, subject, authz.RoleEditor)
	mustSetRole(t, c, tenant, subject, authz.RoleAnalyst)

	err := c.Check(context.Background(), tenant, subject, authz.PermEditContent)
	if errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("edit_content after editor→analyst: want Forbidden, got %v", err)
	}
	assertPermits(t, c, tenant, subject, allowed(t, authz.RoleAnalyst))
}

// Invariant: after any role change, from any role to any role, the subject
// holds exactly the new role's permits.
func TestSetRoleFromEveryRoleToEveryRole(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	for _, from := range authz.Roles() {
		for _, to := range authz.Roles() {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				tenant, subject := uuid.New(), uuid.New()
				mustSetRole(t, c, tenant, subject, from)
				mustSetRole(t, c, tenant, subject, to)
				assertPermits(t, c, tenant, subject, allowed(t, to))
			})
		}
	}
}

// Invariant: setting the same role again leaves exactly one tuple, so repeated
// calls (retries, re-saves) do not pile up rows in Keto.
func TestSetRoleTwiceLeavesOneTuple(t *testing.T) {
	t.Parallel()
	c, readURL := newClient(t)
	tenant, subject := uuid.New(), uuid.New()
	mustSetRole(t, c, tenant, subject, authz.RoleAdmin)
	mustSetRole(t, c, tenant, subject, authz.RoleAdmin)
	if n := countTuples(t, readURL, tenant); n != 1 {
		t.Fatalf("tuples of tenant after SetRole twice: want 1, got %d", n)
	}
}

// countTuples lists the tenant's tuples through Keto's read API directly, so
// the count does not depend on the code under test.
func countTuples(t *testing.T, readURL string, tenant uuid.UUID) int {
	t.Helper()
	q := url.Values{"namespace": {"Tenant"}, "object": {tenant.String()}}
	resp, err := http.Get(readURL + "/relation-tuples?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		RelationTuples []json.RawMessage `json:"relation_tuples"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return len(body.RelationTuples)
}

// Invariant: a removed staff member (or revoked API key) holds no permit in the
// tenant, and removing one subject leaves the others' roles alone.
func TestRemoveSubjectRevokesEveryPermit(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	tenant, removed, kept := uuid.New(), uuid.New(), uuid.New()
	mustSetRole(t, c, tenant, removed, authz.RoleOwner)
	mustSetRole(t, c, tenant, kept, authz.RoleEditor)

	if err := c.RemoveSubject(context.Background(), tenant, removed); err != nil {
		t.Fatal(err)
	}
	assertPermits(t, c, tenant, removed, nothing())
	assertPermits(t, c, tenant, kept, allowed(t, authz.RoleEditor))
	if err := c.RemoveSubject(context.Background(), tenant, removed); err != nil {
		t.Fatalf("removing again: %v", err)
	}
}

// Invariant: a role in tenant A gives nothing in tenant B, and a subject with
// roles in both gets in each tenant only that tenant's role.
func TestRoleInOneTenantGivesNothingInAnother(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	tenantA, tenantB, subject := uuid.New(), uuid.New(), uuid.New()
	mustSetRole(t, c, tenantA, subject, authz.RoleOwner)
	mustSetRole(t, c, tenantB, uuid.New(), authz.RoleOwner) // B exists in Keto

	assertPermits(t, c, tenantB, subject, nothing())

	mustSetRole(t, c, tenantB, subject, authz.RoleAnalyst)
	assertPermits(t, c, tenantB, subject, allowed(t, authz.RoleAnalyst))
	assertPermits(t, c, tenantA, subject, allowed(t, authz.RoleOwner))
}

// Invariant: after a tenant is deleted nobody holds a permit on it, and other
// tenants are untouched.
func TestDeleteTenantRevokesAllStaff(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	deleted, other := uuid.New(), uuid.New()
	owner, editor := uuid.New(), uuid.New()
	mustSetRole(t, c, deleted, owner, authz.RoleOwner)
	mustSetRole(t, c, deleted, editor, authz.RoleEditor)
	mustSetRole(t, c, other, owner, authz.RoleOwner)

	if err := c.DeleteTenant(context.Background(), deleted); err != nil {
		t.Fatal(err)
	}
	assertPermits(t, c, deleted, owner, nothing())
	assertPermits(t, c, deleted, editor, nothing())
	assertPermits(t, c, other, owner, allowed(t, authz.RoleOwner))
	if err := c.DeleteTenant(context.Background(), deleted); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
}

// Invariant: a check never allows without a known permission and a real
// tenant and subject.
func TestCheckRefusesBadInput(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	tenant, subject := uuid.New(), uuid.New()
	mustSetRole(t, c, tenant, subject, authz.RoleOwner)
	ctx := context.Background()
	if err := c.Check(ctx, tenant, subject, "delete_everything"); err == nil {
		t.Error("unknown permission: allowed")
	}
	if err := c.Check(ctx, uuid.Nil, subject, authz.PermRead); err == nil {
		t.Error("zero tenant: allowed")
	}
	if err := c.Check(ctx, tenant, uuid.Nil, authz.PermRead); err == nil {
		t.Error("zero subject: allowed")
	}
}

func TestPingSucceedsOnReadyKeto(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// closedURL returns a URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// Invariant: authz fails closed. When Keto cannot answer (nothing listening,
// a 5xx) every check returns an Unavailable error, never nil, and so do the
// writes and Ping.
func TestFailsClosedWhenKetoCannotAnswer(t *testing.T) {
	t.Parallel()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":{"code":500}}`, http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	for name, u := range map[string]string{"down": closedURL(t), "5xx": broken.URL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assertUnavailable(t, authz.New(u, u))
		})
	}
}

func assertUnavailable(t *testing.T, c *authz.Client) {
	t.Helper()
	ctx := context.Background()
	tenant, subject := uuid.New(), uuid.New()
	for _, p := range authz.Permissions() {
		if err := c.Check(ctx, tenant, subject, p); errs.KindOf(err) != errs.KindUnavailable {
			t.Errorf("Check %s: want Unavailable, got %v", p, err)
		}
	}
	calls := map[string]error{
		"SetRole":       c.SetRole(ctx, tenant, subject, authz.RoleOwner),
		"RemoveSubject": c.RemoveSubject(ctx, tenant, subject),
		"DeleteTenant":  c.DeleteTenant(ctx, tenant),
		"Ping":          c.Ping(ctx),
	}
	for name, err := range calls {
		if errs.KindOf(err) != errs.KindUnavailable {
			t.Errorf("%s: want Unavailable, got %v", name, err)
		}
	}
}

// Invariant: a Keto that accepts the connection and never answers costs a
// check at most the client timeout (2s), then refuses: callers without a
// deadline of their own must not hang with it.
func TestCheckGivesUpOnHungKeto(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hung.Close)
	t.Cleanup(func() { close(release) }) // runs first, so Close does not wait on handlers

	c := authz.New(hung.URL, hung.URL)
	start := time.Now()
	err := c.Check(context.Background(), uuid.New(), uuid.New(), authz.PermRead)
	if errs.KindOf(err) != errs.KindUnavailable {
		t.Errorf("want Unavailable, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("check took %s: the client timeout is not applied", d)
	}
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for _, r := range authz.Roles() {
		got, err := authz.ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "Owner", "operator", "owners", " admin"} {
		if _, err := authz.ParseRole(s); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("ParseRole(%q): want Invalid, got %v", s, err)
		}
	}
}

// Invariant: with decisions cached, a role change or removal made through the
// client takes effect at once: the cache never keeps a revoked permit.
func TestCachedDecisionsDropOnRoleChangeAndRemoval(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	c.CacheDecisions(time.Hour)
	tenant, subject := uuid.New(), uuid.New()
	mustSetRole(t, c, tenant, subject, authz.RoleEditor)
	assertPermits(t, c, tenant, subject, allowed(t, authz.RoleEditor)) // now cached
	mustSetRole(t, c, tenant, subject, authz.RoleAnalyst)
	assertPermits(t, c, tenant, subject, allowed(t, authz.RoleAnalyst))
	if err := c.RemoveSubject(context.Background(), tenant, subject); err != nil {
		t.Fatal(err)
	}
	assertPermits(t, c, tenant, subject, nothing())
}
