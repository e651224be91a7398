package platformtest

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/marquee-ott/marquee/platform"
)

// Password is a password every test account uses; it passes the strength rules.
const Password = "correct-horse-42"

// Tenant is a signed-up tenant and its owner's client.
type Tenant struct {
	ID    string
	Slug  string
	Owner Client
	Email string
}

// SignUp creates a tenant with a random slug through GraphQL.
func SignUp(tb testing.TB, m *platform.Main) Tenant {
	tb.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	slug := "t-" + hex.EncodeToString(b)
	email := "owner@" + slug + ".example.com"
	c := Client{URL: m.URL()}
	d := c.Must(tb, `mutation($in: SignUpInput!) { signUp(input: $in) { token tenant { id slug } } }`,
		map[string]any{"in": map[string]any{"companyName": "Co " + slug, "slug": slug, "ownerName": "Owner", "ownerEmail": email, "password": Password}})
	c.Token = Str(d, "signUp", "token")
	return Tenant{ID: Str(d, "signUp", "tenant", "id"), Slug: slug, Owner: c, Email: email}
}

var tokenRe = regexp.MustCompile(`mqi_[A-Za-z0-9_-]+`)

// AddStaff invites email with role as the tenant's owner, accepts the emailed
// invitation, and returns the new member's client and staff id.
func AddStaff(tb testing.TB, m *platform.Main, t Tenant, email, role string) (Client, string) {
	tb.Helper()
	t.Owner.Must(tb, `mutation($in: InviteInput!) { inviteStaff(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"email": email, "role": role}})
	msgs, err := m.DevMail.List(email)
	if err != nil || len(msgs) == 0 {
		tb.Fatalf("no invitation mail to %s: %v", email, err)
	}
	tok := tokenRe.FindString(msgs[0].Text)
	c := Client{URL: m.URL()}
	d := c.Must(tb, `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { token staff { id } } }`,
		map[string]any{"in": map[string]any{"token": tok, "name": role, "password": Password}})
	c.Token = Str(d, "acceptInvitation", "token")
	return c, Str(d, "acceptInvitation", "staff", "id")
}
