package graph_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// Invariant: tenant B's staff and API keys can neither read nor change any of
// tenant A's objects by id, and the error is the NOT_FOUND an id that does not
// exist gets: nothing tells B that A's object exists.
func TestOtherTenantsObjectsAreNotFound(t *testing.T) {
	m := pt.Start(t, nil)
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	_, staffA := pt.AddStaff(t, m, a, "ed@"+a.Slug+".example.com", "EDITOR")
	inv := a.Owner.Must(t, `mutation { inviteStaff(input: {email: "pending@example.com", role: ANALYST}) { id } }`, nil)
	key := a.Owner.Must(t, `mutation { createAPIKey(input: {name: "a", role: ADMIN}) { key { id } } }`, nil)
	app := a.Owner.Must(t, `mutation { createAppKey(name: "web") { id } }`, nil)
	ids := map[string]string{
		"staff": staffA, "invitation": pt.Str(inv, "inviteStaff", "id"),
		"apiKey": pt.Str(key, "createAPIKey", "key", "id"), "appKey": pt.Str(app, "createAppKey", "id"),
	}
	bKey := pt.Client{URL: m.URL(), Token: pt.Str(b.Owner.Must(t, `mutation { createAPIKey(input: {name: "b", role: ADMIN}) { secret } }`, nil), "createAPIKey", "secret")}
	probes := []struct{ kind, query string }{
		{"staff", `query($id: ID!) { staffMember(id: $id) { email } }`},
		{"staff", `mutation($id: ID!) { changeStaffRole(id: $id, role: ANALYST) { id } }`},
		{"staff", `mutation($id: ID!) { removeStaff(id: $id) }`},
		{"invitation", `mutation($id: ID!) { revokeInvitation(id: $id) }`},
		{"apiKey", `mutation($id: ID!) { revokeAPIKey(id: $id) }`},
		{"appKey", `mutation($id: ID!) { rotateAppKey(id: $id) { key } }`},
	}
	for _, who := range []pt.Client{b.Owner, bKey} {
		for _, p := range probes {
			otherID, missingID := ids[p.kind], uuid.NewString()
			other := who.Do(t, p.query, map[string]any{"id": otherID})
			missing := who.Do(t, p.query, map[string]any{"id": missingID})
			if other.Code() != "NOT_FOUND" || missing.Code() != "NOT_FOUND" ||
				strings.ReplaceAll(other.Errors[0].Message, otherID, "ID") != strings.ReplaceAll(missing.Errors[0].Message, missingID, "ID") {
				t.Errorf("%s on A's %s: %v %q; on a missing id: %v", p.query, p.kind, other.Codes(), other.Errors, missing.Codes())
			}
		}
	}
	// Nothing of A's changed.
	d := a.Owner.Must(t, `{ team { edges { node { id role } } } invitations { id } apiKeys { revokedAt } appKeys { revokedAt } }`, nil)
	if pt.Str(d, "team", "edges", 1, "node", "role") != "EDITOR" || len(pt.Get(d, "invitations").([]any)) != 1 ||
		pt.Get(d, "apiKeys", 0, "revokedAt") != nil || pt.Get(d, "appKeys", 0, "revokedAt") != nil {
		t.Fatalf("tenant A's objects changed: %v", d)
	}
	// And B's lists show none of A's.
	d = b.Owner.Must(t, `{ team { totalCount } invitations { id } appKeys { id } auditLog { edges { node { targetID } } } }`, nil)
	if pt.Str(d, "team", "totalCount") != "1" || len(pt.Get(d, "invitations").([]any)) != 0 || len(pt.Get(d, "appKeys").([]any)) != 0 {
		t.Fatalf("tenant B sees others' rows: %v", d)
	}
	for _, e := range pt.Get(d, "auditLog", "edges").([]any) {
		for _, id := range ids {
			if pt.Str(e, "node", "targetID") == id {
				t.Fatalf("B's audit log shows A's object %s", id)
			}
		}
	}
}

// Invariant: an app key reaches the storefront of its own tenant only, and no
// staff field.
func TestAppKeyReachesOnlyItsStorefront(t *testing.T) {
	m := pt.Start(t, nil)
	a := pt.SignUp(t, m)
	d := a.Owner.Must(t, `mutation { createAppKey(name: "roku") { key id } }`, nil)
	app := pt.Client{URL: m.URL(), AppKey: pt.Str(d, "createAppKey", "key")}
	s := app.Must(t, `{ storefront { slug name branding { appName primaryColor } } }`, nil)
	if pt.Str(s, "storefront", "slug") != a.Slug {
		t.Fatalf("storefront = %v", s)
	}
	if r := app.Do(t, `{ tenant { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("app key read a staff field: %v", r.Codes())
	}
	// By path, without any key.
	byPath := pt.Client{URL: m.URL(), Path: "/t/" + a.Slug + "/graphql"}
	if pt.Str(byPath.Must(t, `{ storefront { slug } }`, nil), "storefront", "slug") != a.Slug {
		t.Fatal("the /t/{slug}/ path does not reach the tenant's storefront")
	}
	// Rotated: the old key is refused, the new one works.
	r := a.Owner.Must(t, `mutation($id: ID!) { rotateAppKey(id: $id) { key } }`, map[string]any{"id": pt.Str(d, "createAppKey", "id")})
	if res := app.Do(t, `{ storefront { slug } }`, nil); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a rotated-out app key still works: %v", res.Codes())
	}
	app.AppKey = pt.Str(r, "rotateAppKey", "key")
	app.Must(t, `{ storefront { slug } }`, nil)
}
