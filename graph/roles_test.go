package graph_test

import (
	"fmt"
	"testing"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// An operation of the API so far, and the roles DESIGN.md's role table lets
// run it. The table here is the specification; the decision is Keto's.
type op struct {
	name    string
	query   string
	allowed map[string]bool
}

var (
	everyone   = map[string]bool{"OWNER": true, "ADMIN": true, "EDITOR": true, "ANALYST": true}
	editors    = map[string]bool{"OWNER": true, "ADMIN": true, "EDITOR": true}
	managers   = map[string]bool{"OWNER": true, "ADMIN": true}
	owners     = map[string]bool{"OWNER": true}
	operations = []op{
		{"read tenant", `{ tenant { id } }`, everyone},
		{"read team", `{ team { totalCount } }`, everyone},
		{"update branding", `mutation { updateBranding(input: {appName: "X"}) { id } }`, editors},
		{"list invitations", `{ invitations { id } }`, managers},
		{"invite staff", `mutation { inviteStaff(input: {email: "%s@example.com", role: ANALYST}) { id } }`, managers},
		{"list API keys", `{ apiKeys { id } }`, managers},
		{"create API key", `mutation { createAPIKey(input: {name: "k", role: ANALYST}) { secret } }`, managers},
		{"list app keys", `{ appKeys { id } }`, managers},
		{"create app key", `mutation { createAppKey(name: "tv") { key } }`, managers},
		{"read audit log", `{ auditLog { edges { node { action } } } }`, managers},
		{"list own sessions", `{ mySessions { id } }`, everyone},
		{"set the two-factor requirement", `mutation { setRequireTwoFactor(required: false) { id } }`, owners},
	}
)

// Invariant: every role may run exactly the operations the role table gives it;
// the rest are FORBIDDEN, and the check is Keto's, through @requires.
func TestEveryRoleMeetsTheRoleTable(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	clients := map[string]pt.Client{"OWNER": ten.Owner}
	for _, role := range []string{"ADMIN", "EDITOR", "ANALYST"} {
		clients[role], _ = pt.AddStaff(t, m, ten, fmt.Sprintf("%s@%s.example.com", role, ten.Slug), role)
	}
	for role, c := range clients {
		for i, o := range operations {
			q := o.query
			if o.name == "invite staff" {
				q = fmt.Sprintf(q, fmt.Sprintf("new-%s-%d", role, i))
			}
			r := c.Do(t, q, nil)
			switch {
			case o.allowed[role] && len(r.Errors) > 0:
				t.Errorf("%s: %s refused: %v", role, o.name, r.Errors)
			case !o.allowed[role] && r.Code() != "FORBIDDEN":
				t.Errorf("%s: %s gave %v, want FORBIDDEN", role, o.name, r.Codes())
			}
		}
	}
}

// Invariant: an API key acts with its own role, no more.
func TestAPIKeyActsWithItsRole(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	d := ten.Owner.Must(t, `mutation { createAPIKey(input: {name: "ci", role: EDITOR}) { secret key { hint } } }`, nil)
	key := pt.Client{URL: m.URL(), Token: pt.Str(d, "createAPIKey", "secret")}
	if r := key.Do(t, `mutation { updateBranding(input: {appName: "By key"}) { branding { appName } } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("editor key cannot edit branding: %v", r.Errors)
	}
	if r := key.Do(t, `{ apiKeys { id } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("editor key listed API keys: %v", r.Codes())
	}
	// Revoked: refused at the edge as unauthenticated.
	keys := ten.Owner.Must(t, `{ apiKeys { id } }`, nil)
	ten.Owner.Must(t, `mutation($id: ID!) { revokeAPIKey(id: $id) }`, map[string]any{"id": pt.Str(keys, "apiKeys", 0, "id")})
	if r := key.Do(t, `{ tenant { id } }`, nil); r.Code() != "UNAUTHENTICATED" || r.Status != 401 {
		t.Fatalf("revoked key: status %d %v", r.Status, r.Codes())
	}
}

// Invariant: a removed member loses every right at once, and their session ends.
func TestRemovedStaffLosesAccess(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	c, id := pt.AddStaff(t, m, ten, "gone@"+ten.Slug+".example.com", "EDITOR")
	ten.Owner.Must(t, `mutation($id: ID!) { removeStaff(id: $id) }`, map[string]any{"id": id})
	if r := c.Do(t, `{ tenant { id } }`, nil); len(r.Errors) == 0 {
		t.Fatal("a removed member still reads the tenant")
	}
	if r := ten.Owner.Do(t, `mutation($id: ID!) { removeStaff(id: $id) }`, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
		t.Fatalf("removing twice: %v", r.Codes())
	}
}

// An owner's role is not changed by a role change, only by transfer; the team
// never loses its owner.
func TestOwnerCannotBeDemotedOrRemoved(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	admin, _ := pt.AddStaff(t, m, ten, "admin@"+ten.Slug+".example.com", "ADMIN")
	me := ten.Owner.Must(t, `{ me { id } }`, nil)
	owner := pt.Str(me, "me", "id")
	if r := admin.Do(t, `mutation($id: ID!) { changeStaffRole(id: $id, role: ANALYST) { id } }`, map[string]any{"id": owner}); r.Code() != "FORBIDDEN" {
		t.Fatalf("admin demoted the owner: %v", r.Codes())
	}
	if r := admin.Do(t, `mutation($id: ID!) { removeStaff(id: $id) }`, map[string]any{"id": owner}); r.Code() != "FORBIDDEN" {
		t.Fatalf("admin removed the owner: %v", r.Codes())
	}
	if r := ten.Owner.Do(t, `mutation { inviteStaff(input: {email: "x@example.com", role: OWNER}) { id } }`, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("invited an owner: %v", r.Codes())
	}
}
