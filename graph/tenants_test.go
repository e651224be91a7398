package graph_test

import (
	"testing"

	"github.com/google/uuid"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// The walking skeleton: a tenant signs up through GraphQL and reads itself back.
func TestSignUpThenReadTenantAndMe(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	d := ten.Owner.Must(t, `{ me { email role emailVerified } tenant { id slug name status branding { appName primaryColor } hostedAppURL } }`, nil)
	if pt.Str(d, "me", "email") != ten.Email || pt.Str(d, "me", "role") != "OWNER" {
		t.Fatalf("me = %v", d["me"])
	}
	if pt.Str(d, "tenant", "id") != ten.ID || pt.Str(d, "tenant", "status") != "ACTIVE" || pt.Str(d, "tenant", "branding", "appName") != "Co "+ten.Slug {
		t.Fatalf("tenant = %v", d["tenant"])
	}
	if pt.Str(d, "me", "emailVerified") != "false" {
		t.Fatal("a new owner's email is verified before the code was entered")
	}
}

// Every staff write lands in the audit log, which the owner can page through.
func TestAuditLogRecordsStaffWrites(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	ten.Owner.Must(t, `mutation { updateBranding(input: {primaryColor: "#112233"}) { branding { primaryColor } } }`, nil)
	d := ten.Owner.Must(t, `{ auditLog(first: 1) { edges { node { action actor { label } } } pageInfo { hasNextPage endCursor } } }`, nil)
	if got := pt.Str(d, "auditLog", "edges", 0, "node", "action"); got != "tenant.updated" {
		t.Fatalf("newest audit action = %s, want tenant.updated", got)
	}
	if pt.Str(d, "auditLog", "edges", 0, "node", "actor", "label") != ten.Email {
		t.Fatalf("actor = %v", pt.Get(d, "auditLog", "edges", 0, "node", "actor"))
	}
	cur := pt.Str(d, "auditLog", "pageInfo", "endCursor")
	d = ten.Owner.Must(t, `query($c: String) { auditLog(first: 5, after: $c) { edges { node { action } } } }`, map[string]any{"c": cur})
	if got := pt.Str(d, "auditLog", "edges", 0, "node", "action"); got != "tenant.created" {
		t.Fatalf("second page starts with %s, want tenant.created", got)
	}
}

var _ = uuid.Nil
