package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/testenv"
)

const (
	loginOp  = `mutation($e: String!, $p: String!) { operatorLogin(email: $e, password: $p) { loginToken expiresAt enrollment { secret uri qrCode } } }`
	verifyOp = `mutation($t: String!, $c: String!) { operatorVerifyTOTP(loginToken: $t, code: $c) { token expiresAt operator { id email } } }`
)

// Invariant: a right password alone gives an operator nothing but the TOTP
// step; the first sign-in enrols an authenticator, every later one needs a
// code from it, and a code works once.
func TestOperatorLoginRequiresTOTP(t *testing.T) {
	m := pt.Start(t, nil)
	op := pt.NewOperator(t, m)
	anon := pt.Client{URL: m.URL()}

	if r := anon.Do(t, loginOp, map[string]any{"e": op.Email, "p": "wrong-password-1"}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("wrong password: %v", r.Codes())
	}
	d := anon.Must(t, loginOp, map[string]any{"e": op.Email, "p": op.Password})
	loginToken := pt.Str(d, "operatorLogin", "loginToken")
	secret := pt.Str(d, "operatorLogin", "enrollment", "secret")
	if !strings.HasPrefix(loginToken, "mqo_") || len(secret) < 16 ||
		!strings.HasPrefix(pt.Str(d, "operatorLogin", "enrollment", "uri"), "otpauth://totp/") ||
		!strings.HasPrefix(pt.Str(d, "operatorLogin", "enrollment", "qrCode"), "data:image/png;base64,") {
		t.Fatalf("first sign-in = %v", d)
	}

	// The password-only token is no session.
	half := pt.Client{URL: m.URL(), Token: loginToken}
	for _, q := range []string{`{ operatorMe { email } }`, `{ operatorTenants { totalCount } }`} {
		if r := half.Do(t, q, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("%s with the password-only token: %v", q, r.Codes())
		}
	}
	if r := anon.Do(t, verifyOp, map[string]any{"t": loginToken, "c": "000000"}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("wrong code: %v", r.Codes())
	}
	code := pt.TOTPCode(t, secret)
	d = anon.Must(t, verifyOp, map[string]any{"t": loginToken, "c": code})
	full := pt.Client{URL: m.URL(), Token: pt.Str(d, "operatorVerifyTOTP", "token")}
	if full.Token == loginToken || !strings.HasPrefix(full.Token, "mqo_") {
		t.Fatal("the full session reuses the password-only token")
	}
	if got := pt.Str(full.Must(t, `{ operatorMe { email } }`, nil), "operatorMe", "email"); got != op.Email {
		t.Fatalf("operatorMe = %s", got)
	}
	// The password-only token is spent.
	if r := anon.Do(t, verifyOp, map[string]any{"t": loginToken, "c": pt.TOTPCode(t, secret)}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("password-only token reused: %v", r.Codes())
	}

	// Enrolled now: no new authenticator is offered, a code is still needed,
	// and the code used above does not work twice.
	d = anon.Must(t, loginOp, map[string]any{"e": op.Email, "p": op.Password})
	if pt.Get(d, "operatorLogin", "enrollment") != nil {
		t.Fatal("an enrolled operator was offered a new authenticator")
	}
	again := pt.Str(d, "operatorLogin", "loginToken")
	if r := anon.Do(t, verifyOp, map[string]any{"t": again, "c": code}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a used code was accepted again: %v", r.Codes())
	}
	anon.Must(t, verifyOp, map[string]any{"t": again, "c": pt.TOTPCode(t, secret)})

	// Signing out ends the session at once.
	full.Must(t, `mutation { operatorLogout }`, nil)
	if r := full.Do(t, `{ operatorMe { email } }`, nil); r.Code() != "UNAUTHENTICATED" || r.Status != http.StatusUnauthorized {
		t.Fatalf("after logout: %d %v", r.Status, r.Codes())
	}
}

// Invariant: five wrong codes end the password step, so a code cannot be
// guessed within one sign-in.
func TestOperatorWrongCodesEndTheSignIn(t *testing.T) {
	m := pt.Start(t, nil)
	op := pt.SignedInOperator(t, m)
	anon := pt.Client{URL: m.URL()}
	d := anon.Must(t, loginOp, map[string]any{"e": op.Email, "p": op.Password})
	tok := pt.Str(d, "operatorLogin", "loginToken")
	for i := 0; i < 5; i++ {
		anon.Do(t, verifyOp, map[string]any{"t": tok, "c": "000000"})
	}
	if r := anon.Do(t, verifyOp, map[string]any{"t": tok, "c": pt.TOTPCode(t, op.Secret)}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a right code after five wrong ones: %v", r.Codes())
	}
}

// Invariant: the operator's fields are the operator's alone: a tenant's
// owner, its API keys and anonymous callers are refused, and an operator
// session reaches no tenant's staff fields.
func TestOperatorFieldsRefuseTenantStaff(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	op := pt.SignedInOperator(t, m)
	key := pt.Client{URL: m.URL(), Token: pt.Str(ten.Owner.Must(t, `mutation { createAPIKey(input: {name: "k", role: ADMIN}) { secret } }`, nil), "createAPIKey", "secret")}
	fields := []string{
		`{ operatorMe { email } }`,
		`{ operatorTenants { totalCount } }`,
		fmt.Sprintf(`{ operatorTenant(id: %q) { slug } }`, ten.ID),
		`{ operatorActions { edges { node { action } } } }`,
		fmt.Sprintf(`mutation { suspendTenant(id: %q, reason: "x") { status } }`, ten.ID),
		fmt.Sprintf(`mutation { resumeTenant(id: %q) { status } }`, ten.ID),
		fmt.Sprintf(`mutation { setTenantQuotas(id: %q, input: {seats: 100}) { status } }`, ten.ID),
		fmt.Sprintf(`mutation { operatorExport(id: %q) { name } }`, ten.ID),
		fmt.Sprintf(`mutation { deleteTenant(id: %q, confirmSlug: %q) { slug } }`, ten.ID, ten.Slug),
		`mutation { operatorLogout }`,
	}
	for _, f := range fields {
		if r := ten.Owner.Do(t, f, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("owner: %s gave %v, want FORBIDDEN", f, r.Codes())
		}
		if r := key.Do(t, f, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("API key: %s gave %v, want FORBIDDEN", f, r.Codes())
		}
		if r := (pt.Client{URL: m.URL()}).Do(t, f, nil); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous: %s gave %v, want UNAUTHENTICATED", f, r.Codes())
		}
	}
	if d := op.Client.Must(t, fmt.Sprintf(`{ operatorTenant(id: %q) { status } }`, ten.ID), nil); pt.Str(d, "operatorTenant", "status") != "ACTIVE" {
		t.Fatal("the owner's attempts changed the tenant")
	}
	for _, f := range []string{`{ tenant { id } }`, `{ team { totalCount } }`, `{ auditLog { edges { node { action } } } }`} {
		if r := op.Client.Do(t, f, nil); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("operator: %s gave %v, want UNAUTHENTICATED", f, r.Codes())
		}
	}
	// A made-up operator token is refused outright.
	if r := (pt.Client{URL: m.URL(), Token: "mqo_" + strings.Repeat("A", 64)}).Do(t, `{ operatorMe { email } }`, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("forged operator token: %d %v", r.Status, r.Codes())
	}
}

// suspended checks r is the edge's refusal of a suspended tenant.
func suspended(t *testing.T, who string, r pt.Response) {
	t.Helper()
	if r.Code() != "TENANT_SUSPENDED" || r.Status != http.StatusForbidden || !strings.Contains(r.Errors[0].Message, "suspended") {
		t.Errorf("%s while suspended: status %d %v", who, r.Status, r.Errors)
	}
}

// Invariant: while a tenant is suspended every request with any of its
// credentials or addresses is refused with TENANT_SUSPENDED (403): staff
// sessions, API keys, app keys, its /t/{slug}/ path, and sign-in; other
// tenants are untouched; resuming restores everything as it was.
func TestOperatorSuspendRefusesEveryCredentialUntilResumed(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	other := pt.SignUp(t, m)
	op := pt.SignedInOperator(t, m)
	editor, _ := pt.AddStaff(t, m, ten, "editor@"+ten.Slug+".example.com", "EDITOR")
	ten.Owner.Must(t, `mutation { updateBranding(input: {appName: "Before"}) { id } }`, nil)
	key := pt.Client{URL: m.URL(), Token: pt.Str(ten.Owner.Must(t, `mutation { createAPIKey(input: {name: "ci", role: EDITOR}) { secret } }`, nil), "createAPIKey", "secret")}
	app := pt.Client{URL: m.URL(), AppKey: pt.Str(ten.Owner.Must(t, `mutation { createAppKey(name: "tv") { key } }`, nil), "createAppKey", "key")}
	byPath := pt.Client{URL: m.URL(), Path: "/t/" + ten.Slug + "/graphql"}
	// Every credential works, and is cached by the edge, before the suspension.
	for _, c := range []pt.Client{ten.Owner, editor, key} {
		c.Must(t, `{ tenant { id } }`, nil)
	}
	app.Must(t, `{ storefront { slug } }`, nil)
	byPath.Must(t, `{ storefront { slug } }`, nil)

	if r := op.Client.Do(t, fmt.Sprintf(`mutation { suspendTenant(id: %q, reason: "  ") { status } }`, ten.ID), nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("suspension without a reason: %v", r.Codes())
	}
	d := op.Client.Must(t, `mutation($id: ID!) { suspendTenant(id: $id, reason: "unpaid invoices") { status statusReason statusChangedAt } }`, map[string]any{"id": ten.ID})
	if pt.Str(d, "suspendTenant", "status") != "SUSPENDED" || pt.Str(d, "suspendTenant", "statusReason") != "unpaid invoices" {
		t.Fatalf("suspendTenant = %v", d)
	}
	suspended(t, "owner session", ten.Owner.Do(t, `{ tenant { id } }`, nil))
	suspended(t, "editor session", editor.Do(t, `{ me { id } }`, nil))
	suspended(t, "API key", key.Do(t, `{ tenant { id } }`, nil))
	suspended(t, "app key", app.Do(t, `{ storefront { slug } }`, nil))
	suspended(t, "/t/{slug}/ path", byPath.Do(t, `{ storefront { slug } }`, nil))
	// Signing in is an anonymous mutation: refused in its GraphQL answer.
	if r := (pt.Client{URL: m.URL()}).Do(t, `mutation($in: LoginInput!) { login(input: $in) { token } }`,
		map[string]any{"in": map[string]any{"slug": ten.Slug, "email": ten.Email, "password": pt.Password}}); r.Code() != "TENANT_SUSPENDED" {
		t.Errorf("login while suspended: %v", r.Errors)
	}
	other.Owner.Must(t, `{ tenant { id } }`, nil)
	if msgs, _ := m.DevMail.List(ten.Email); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "unpaid invoices") {
		t.Error("the owner was not mailed the reason")
	}

	d = op.Client.Must(t, `mutation($id: ID!) { resumeTenant(id: $id) { status statusReason } }`, map[string]any{"id": ten.ID})
	if pt.Str(d, "resumeTenant", "status") != "ACTIVE" || pt.Str(d, "resumeTenant", "statusReason") != "" {
		t.Fatalf("resumeTenant = %v", d)
	}
	got := ten.Owner.Must(t, `{ tenant { status branding { appName } } team { totalCount } apiKeys { id } appKeys { id } }`, nil)
	if pt.Str(got, "tenant", "status") != "ACTIVE" || pt.Str(got, "tenant", "branding", "appName") != "Before" ||
		pt.Str(got, "team", "totalCount") != "2" || len(pt.Get(got, "apiKeys").([]any)) != 1 || len(pt.Get(got, "appKeys").([]any)) != 1 {
		t.Fatalf("after resuming: %v", got)
	}
	editor.Must(t, `{ me { id } }`, nil)
	key.Must(t, `{ tenant { id } }`, nil)
	app.Must(t, `{ storefront { slug } }`, nil)
	byPath.Must(t, `{ storefront { slug } }`, nil)
}

// Invariant: what an operator does to a tenant is in that tenant's own audit
// log, as actor type "operator" with the operator's email.
func TestOperatorActionsAppearInTheTenantsAuditLog(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	op := pt.SignedInOperator(t, m)
	vars := map[string]any{"id": ten.ID}
	op.Client.Must(t, `mutation($id: ID!) { setTenantQuotas(id: $id, input: {storageBytes: 1000000, seats: 5}) { id } }`, vars)
	op.Client.Must(t, `mutation($id: ID!) { suspendTenant(id: $id, reason: "audit check") { id } }`, vars)
	op.Client.Must(t, `mutation($id: ID!) { resumeTenant(id: $id) { id } }`, vars)
	op.Client.Must(t, `mutation($id: ID!) { operatorExport(id: $id) { name } }`, vars)
	d := ten.Owner.Must(t, `{ auditLog(first: 20) { edges { node { action actor { type label } details } } } }`, nil)
	seen := map[string]bool{}
	for _, e := range pt.Get(d, "auditLog", "edges").([]any) {
		if pt.Str(e, "node", "actor", "type") == "operator" {
			if pt.Str(e, "node", "actor", "label") != op.Email {
				t.Errorf("operator entry labelled %s", pt.Str(e, "node", "actor", "label"))
			}
			seen[pt.Str(e, "node", "action")] = true
		}
	}
	for _, a := range []string{"tenant.quotas_changed", "tenant.suspended", "tenant.resumed", "tenant.exported"} {
		if !seen[a] {
			t.Errorf("%s is not in the tenant's audit log as the operator's (saw %v)", a, seen)
		}
	}
	// And in the platform's own log.
	acts := op.Client.Must(t, `{ operatorActions(first: 20) { edges { node { action operatorEmail tenantSlug } } } }`, nil)
	if pt.Str(acts, "operatorActions", "edges", 0, "node", "operatorEmail") != op.Email {
		t.Fatalf("operatorActions = %v", acts)
	}
}

// The operator's tenant list pages newest first, filters by status and
// reports usage: zero metered figures until metering exists, seats from the
// team. (The package's other tests made tenants too, all older than these.)
func TestOperatorListsTenantsWithUsage(t *testing.T) {
	m := pt.Start(t, nil)
	a, b, c := pt.SignUp(t, m), pt.SignUp(t, m), pt.SignUp(t, m)
	op := pt.SignedInOperator(t, m)
	pt.AddStaff(t, m, b, "x@"+b.Slug+".example.com", "ANALYST")
	op.Client.Must(t, `mutation($id: ID!) { suspendTenant(id: $id, reason: "r") { id } }`, map[string]any{"id": a.ID})
	q := `query($after: String, $s: TenantStatus) { operatorTenants(first: 2, after: $after, status: $s) {
		totalCount pageInfo { hasNextPage endCursor }
		edges { node { id slug status quotas { storageBytes seats } usage { period storageBytes seats pendingInvitations encodedMinutes streamedHours } } } } }`
	d := op.Client.Must(t, q, nil)
	total := pt.Get(d, "operatorTenants", "totalCount").(float64)
	if total < 3 || pt.Str(d, "operatorTenants", "edges", 0, "node", "id") != c.ID ||
		pt.Str(d, "operatorTenants", "pageInfo", "hasNextPage") != "true" {
		t.Fatalf("first page = %v", d)
	}
	if pt.Str(d, "operatorTenants", "edges", 1, "node", "usage", "seats") != "2" ||
		pt.Str(d, "operatorTenants", "edges", 1, "node", "usage", "encodedMinutes") != "0" ||
		pt.Str(d, "operatorTenants", "edges", 1, "node", "usage", "storageBytes") != "0" ||
		pt.Get(d, "operatorTenants", "edges", 1, "node", "quotas", "seats") != nil {
		t.Fatalf("b = %v", pt.Get(d, "operatorTenants", "edges", 1))
	}
	d = op.Client.Must(t, q, map[string]any{"after": pt.Str(d, "operatorTenants", "pageInfo", "endCursor")})
	if pt.Str(d, "operatorTenants", "edges", 0, "node", "id") != a.ID || pt.Str(d, "operatorTenants", "pageInfo", "hasNextPage") != fmt.Sprint(total > 4) {
		t.Fatalf("second page = %v", d)
	}
	d = op.Client.Must(t, q, map[string]any{"s": "SUSPENDED"})
	if pt.Get(d, "operatorTenants", "totalCount").(float64) >= total || pt.Str(d, "operatorTenants", "edges", 0, "node", "slug") != a.Slug {
		t.Fatalf("suspended = %v", d)
	}
	for _, e := range pt.Get(d, "operatorTenants", "edges").([]any) {
		if pt.Str(e, "node", "status") != "SUSPENDED" {
			t.Fatalf("the SUSPENDED filter let through %v", e)
		}
	}
	if r := op.Client.Do(t, fmt.Sprintf(`{ operatorTenant(id: %q) { id } }`, uuid.New()), nil); r.Code() != "NOT_FOUND" {
		t.Fatalf("unknown tenant: %v", r.Codes())
	}
	// Metered usage shows once something adds to it.
	id := uuid.MustParse(b.ID)
	err := m.DB.InTenant(context.Background(), id, func(tx db.Tx) error {
		return operators.AddUsage(context.Background(), tx, id, operators.MetricEncodedSeconds, time.Now(), 90)
	})
	if err != nil {
		t.Fatal(err)
	}
	u := op.Client.Must(t, `query($id: ID!) { operatorTenant(id: $id) { usage { encodedMinutes } } }`, map[string]any{"id": b.ID})
	if pt.Str(u, "operatorTenant", "usage", "encodedMinutes") != "1.5" {
		t.Fatalf("usage = %v", u)
	}
}

// Invariant: quotas hold where work is accepted: an upload that would go over
// the storage quota is refused before anything is stored, and an invitation
// beyond the seats is refused.
func TestOperatorQuotasRefuseUploadsAndInvitationsOverThem(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	op := pt.SignedInOperator(t, m)
	set := func(in map[string]any) pt.Response {
		return op.Client.Do(t, `mutation($id: ID!, $in: TenantQuotasInput!) { setTenantQuotas(id: $id, input: $in) { quotas { storageBytes seats } } }`,
			map[string]any{"id": ten.ID, "in": in})
	}
	if r := set(map[string]any{"seats": 0}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("zero seats: %v", r.Codes())
	}
	if r := set(map[string]any{"storageBytes": -1}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("negative storage: %v", r.Codes())
	}
	logo := pngOf(256, 128)
	if r := set(map[string]any{"storageBytes": len(logo) - 1, "seats": 2}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if r := upload(t, ten.Owner, logo); r.Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "storage quota") {
		t.Fatalf("upload over the storage quota: %v", r.Errors)
	}
	if keys := blobKeys(t, m, "tenants/"+ten.ID+"/"); len(keys) != 0 {
		t.Fatalf("a refused upload was stored: %v", keys)
	}
	if d := ten.Owner.Must(t, `{ tenant { branding { logoURL } } }`, nil); pt.Get(d, "tenant", "branding", "logoURL") != nil {
		t.Fatal("a refused upload set the logo")
	}
	// Within the quota it is stored and counted; replacing it is not counted twice.
	set(map[string]any{"storageBytes": len(logo), "seats": 2})
	if r := upload(t, ten.Owner, logo); len(r.Errors) > 0 {
		t.Fatalf("upload within the quota: %v", r.Errors)
	}
	if r := upload(t, ten.Owner, logo); len(r.Errors) > 0 {
		t.Fatalf("replacing the logo within the quota: %v", r.Errors)
	}
	u := op.Client.Must(t, `query($id: ID!) { operatorTenant(id: $id) { usage { storageBytes } } }`, map[string]any{"id": ten.ID})
	if pt.Str(u, "operatorTenant", "usage", "storageBytes") != fmt.Sprint(len(logo)) {
		t.Fatalf("storage used = %v, want %d", u, len(logo))
	}

	// Over the quota (lowered below what is stored), a build is refused
	// before anything is made; back within it, it is accepted.
	set(map[string]any{"storageBytes": len(logo) - 1, "seats": 2})
	build := func() pt.Response { return ten.Owner.Do(t, `mutation { buildApp(platform: WEB) { id status } }`, nil) }
	if r := build(); r.Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "storage quota") {
		t.Fatalf("a build over the storage quota: %v", r.Errors)
	}
	if d := ten.Owner.Must(t, `{ appBuilds(first: 5) { edges { node { id } } } }`, nil); len(pt.Get(d, "appBuilds", "edges").([]any)) != 0 {
		t.Fatalf("a refused build was recorded: %v", d)
	}
	set(map[string]any{"storageBytes": len(logo), "seats": 2})
	if r := build(); len(r.Errors) > 0 {
		t.Fatalf("a build within the storage quota: %v", r.Errors)
	}

	// Two seats: the owner and one invitation.
	invite := func(email string) pt.Response {
		return ten.Owner.Do(t, `mutation($e: String!) { inviteStaff(input: {email: $e, role: EDITOR}) { id } }`, map[string]any{"e": email})
	}
	if r := invite("one@" + ten.Slug + ".example.com"); len(r.Errors) > 0 {
		t.Fatalf("first invitation: %v", r.Errors)
	}
	if r := invite("two@" + ten.Slug + ".example.com"); r.Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "seats") {
		t.Fatalf("invitation beyond the seats: %v", r.Errors)
	}
	if d := ten.Owner.Must(t, `{ invitations { email } }`, nil); len(pt.Get(d, "invitations").([]any)) != 1 {
		t.Fatalf("invitations = %v", d)
	}
	// Lifting the quota (null) lets the team grow again.
	set(map[string]any{"storageBytes": nil, "seats": nil})
	if r := invite("two@" + ten.Slug + ".example.com"); len(r.Errors) > 0 {
		t.Fatalf("invitation without a quota: %v", r.Errors)
	}
}

func blobKeys(t *testing.T, m *platform.Main, prefix string) []string {
	t.Helper()
	var keys []string
	it := m.Blobs.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			return keys
		} else if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, obj.Key)
	}
}

// Invariant: deleting a tenant first exports it (a valid JSON document of its
// rows, kept and downloadable after the deletion), then leaves nothing of it:
// no row in any table with a tenant_id column (looked at past RLS, as the
// migrating role), no Keto tuple, no blob under its prefix; other tenants
// keep everything.
func TestOperatorDeleteTenantExportsThenLeavesNothing(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	keep := pt.SignUp(t, m)
	op := pt.SignedInOperator(t, m)
	id := uuid.MustParse(ten.ID)
	editorEmail := "editor@" + ten.Slug + ".example.com"
	pt.AddStaff(t, m, ten, editorEmail, "EDITOR")
	ten.Owner.Must(t, `mutation { createAPIKey(input: {name: "ci", role: EDITOR}) { secret } }`, nil)
	ten.Owner.Must(t, `mutation { createAppKey(name: "tv") { key } }`, nil)
	ten.Owner.Must(t, `mutation { inviteStaff(input: {email: "pending@example.com", role: ANALYST}) { id } }`, nil)
	if r := upload(t, ten.Owner, pngOf(64, 64)); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	keepLogo := upload(t, keep.Owner, pngOf(64, 64))
	op.Client.Must(t, `mutation($id: ID!) { setTenantQuotas(id: $id, input: {seats: 10}) { id } }`, map[string]any{"id": ten.ID})
	err := m.DB.InTenant(context.Background(), id, func(tx db.Tx) error {
		return operators.AddUsage(context.Background(), tx, id, operators.MetricStreamedSeconds, time.Now(), 7200)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(blobKeys(t, m, "tenants/"+ten.ID+"/")) == 0 || len(ketoTuples(t, ten.ID)) == 0 {
		t.Fatal("the tenant has no blob or tuple to delete: the test proves nothing")
	}

	if r := op.Client.Do(t, `mutation($id: ID!) { deleteTenant(id: $id, confirmSlug: "not-it") { slug } }`, map[string]any{"id": ten.ID}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("deletion with the wrong slug: %v", r.Codes())
	}
	d := op.Client.Must(t, `mutation($id: ID!, $s: String!) { deleteTenant(id: $id, confirmSlug: $s) { tenantId slug deletedAt export { name size downloadURL } } }`,
		map[string]any{"id": ten.ID, "s": ten.Slug})
	if pt.Str(d, "deleteTenant", "tenantId") != ten.ID || pt.Str(d, "deleteTenant", "slug") != ten.Slug {
		t.Fatalf("deleteTenant = %v", d)
	}

	// The export: downloadable by the operator only, valid JSON, the tenant's rows.
	url := pt.Str(d, "deleteTenant", "export", "downloadURL")
	if res := get(t, url, ""); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("export without a session: %d", res.StatusCode)
	}
	if res := get(t, url, keep.Owner.Token); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("export with a tenant owner's session: %d", res.StatusCode)
	}
	res := get(t, url, op.Client.Token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export download: %d", res.StatusCode)
	}
	var export struct {
		Format   string                      `json:"format"`
		Tenant   struct{ ID, Slug string }   `json:"tenant"`
		Redacted map[string][]string         `json:"redacted"`
		Blobs    []struct{ Key string }      `json:"blobs"`
		Tables   map[string][]map[string]any `json:"tables"`
	}
	if err := json.NewDecoder(res.Body).Decode(&export); err != nil {
		t.Fatalf("the export is not JSON: %v", err)
	}
	res.Body.Close()
	if export.Format != operators.ExportFormat || export.Tenant.ID != ten.ID || len(export.Tables["tenants"]) != 1 || len(export.Blobs) != 1 {
		t.Fatalf("export head: %s %+v tenants=%d blobs=%v", export.Format, export.Tenant, len(export.Tables["tenants"]), export.Blobs)
	}
	emails := map[any]bool{}
	for _, s := range export.Tables["staff"] {
		emails[s["email"]] = true
		if _, leaked := s["password_hash"]; leaked {
			t.Fatal("the export holds password hashes")
		}
	}
	if !emails[ten.Email] || !emails[editorEmail] || len(export.Tables["staff"]) != 2 {
		t.Fatalf("exported staff = %v", export.Tables["staff"])
	}
	for _, table := range []string{"api_keys", "app_keys", "invitations", "audit_log", "tenant_quotas", "usage_counters"} {
		if len(export.Tables[table]) == 0 {
			t.Errorf("the export has no %s rows", table)
		}
	}
	for _, k := range export.Tables["api_keys"] {
		if _, leaked := k["secret_hash"]; leaked {
			t.Fatal("the export holds API key hashes")
		}
	}
	// Exports carry their own download, recorded in the platform's log.
	list := op.Client.Must(t, `{ operatorActions(first: 50) { edges { node { action tenantId } } } }`, nil)
	actions := map[string]bool{}
	for _, e := range pt.Get(list, "operatorActions", "edges").([]any) {
		if pt.Str(e, "node", "tenantId") == ten.ID {
			actions[pt.Str(e, "node", "action")] = true
		}
	}
	for _, a := range []string{"tenant.deletion_started", "tenant.deleted", "tenant.export_downloaded"} {
		if !actions[a] {
			t.Errorf("%s not in the operator log: %v", a, actions)
		}
	}

	// Nothing is left.
	owner := pt.OwnerPool(t)
	for table, n := range tenantRows(t, owner, id) {
		if n != 0 {
			t.Errorf("%d rows of the deleted tenant left in %s", n, table)
		}
	}
	if tuples := ketoTuples(t, ten.ID); len(tuples) != 0 {
		t.Errorf("Keto tuples left: %v", tuples)
	}
	if keys := blobKeys(t, m, "tenants/"+ten.ID+"/"); len(keys) != 0 {
		t.Errorf("blobs left: %v", keys)
	}
	if r := ten.Owner.Do(t, `{ tenant { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("the deleted tenant's session: %v", r.Codes())
	}
	if r := op.Client.Do(t, `query($id: ID!) { operatorTenant(id: $id) { id } }`, map[string]any{"id": ten.ID}); r.Code() != "NOT_FOUND" {
		t.Errorf("the deleted tenant: %v", r.Codes())
	}
	// The other tenant keeps everything.
	keep.Owner.Must(t, `{ tenant { id } team { totalCount } }`, nil)
	if len(ketoTuples(t, keep.ID)) == 0 || len(blobKeys(t, m, "tenants/"+keep.ID+"/")) == 0 || len(keepLogo.Errors) > 0 {
		t.Error("the other tenant lost its tuples or blobs")
	}
	// The export outlives the tenant.
	if res := get(t, url, op.Client.Token); res.StatusCode != http.StatusOK {
		t.Fatalf("export after deletion: %d", res.StatusCode)
	}
}

func get(t *testing.T, url, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// tenantRows counts a tenant's rows in every table with a tenant_id column,
// and its tenants row, as the migrating role (no RLS in the way).
func tenantRows(t *testing.T, owner interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}, id uuid.UUID) map[string]int {
	t.Helper()
	ctx := context.Background()
	rows, err := owner.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 10 {
		t.Fatalf("tenant tables: %v %v", tables, err)
	}
	out := map[string]int{}
	for _, table := range tables {
		var n int
		if err := owner.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE tenant_id = $1", pgx.Identifier{table}.Sanitize()), id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	var n int
	if err := owner.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE id = $1", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	out["tenants"] = n
	return out
}

// ketoTuples lists the tuples whose object is the tenant, from Keto's read API.
func ketoTuples(t *testing.T, tenant string) []any {
	t.Helper()
	read, _ := testenv.Keto(t)
	res, err := http.Get(read + "/relation-tuples?namespace=Tenant&object=" + tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Tuples []any `json:"relation_tuples"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("Keto list: %d %v", res.StatusCode, err)
	}
	return body.Tuples
}
