package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

const tokensSel = pt.ViewerTokensFields

func signIn(tb testing.TB, app pt.Client, email, password string, device map[string]any) pt.Response {
	tb.Helper()
	return app.Do(tb, `mutation($in: ViewerSignInInput!) { viewerSignIn(input: $in) `+tokensSel+` }`,
		map[string]any{"in": map[string]any{"email": email, "password": password, "device": device}})
}

func tv(name string) map[string]any { return map[string]any{"name": name, "platform": "ROKU"} }

// Invariant: sign-up verifies the email with a mailed code before anyone can
// sign in; sign-up and sign-in answer alike for emails with and without an
// account; a refresh token works once, and presenting a used one revokes its
// whole family; a viewer token works only with its own tenant's app key, and
// another tenant's app key makes it UNAUTHENTICATED exactly like garbage.
func TestViewerSignUpSignInAndRefreshRotation(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	key, otherKey := pt.AppKey(t, ten.Owner), pt.AppKey(t, other.Owner)
	app := pt.Client{URL: m.URL(), AppKey: key}

	// Sign-up: a weak password and a bad email are clear errors.
	for _, in := range []map[string]any{{"email": "a@example.com", "password": "short"}, {"email": "nope", "password": pt.Password}} {
		if r := app.Do(t, `mutation($in: ViewerSignUpInput!) { viewerSignUp(input: $in) }`, map[string]any{"in": in}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("sign-up %v: %v", in, r.Codes())
		}
	}
	email := "ann@example.com"
	app.Must(t, `mutation($in: ViewerSignUpInput!) { viewerSignUp(input: $in) }`, map[string]any{"in": map[string]any{"email": email, "password": pt.Password}})
	pt.MailCode(t, m, email)
	// Unverified: the right password does not sign in (and mails a new code).
	if r := signIn(t, app, email, pt.Password, tv("TV")); r.Code() != "FORBIDDEN" {
		t.Fatalf("unverified sign-in: %v", r.Codes())
	}
	code := pt.MailCode(t, m, email)
	if msgs, _ := m.DevMail.List(email); len(msgs) != 2 {
		t.Fatalf("%d mails after an unverified sign-in, want a second code", len(msgs))
	}
	verify := `mutation($e: String!, $c: String!, $p: String!) { viewerVerifyEmail(email: $e, code: $c, password: $p, device: {name: "Laptop", platform: WEB}) ` + tokensSel + ` }`
	wrong := "000000"
	if code == wrong {
		wrong = "999999"
	}
	rc, rp := app.Do(t, verify, map[string]any{"e": email, "c": wrong, "p": pt.Password}), app.Do(t, verify, map[string]any{"e": email, "c": code, "p": "wrong-password-1"})
	if rc.Code() != "BAD_USER_INPUT" || rp.Code() != "BAD_USER_INPUT" || rc.Errors[0].Message != rp.Errors[0].Message {
		t.Fatalf("a wrong code %+v / a wrong password %+v", rc.Errors, rp.Errors)
	}
	// Another tenant's app does not know the account.
	if r := (pt.Client{URL: m.URL(), AppKey: otherKey}).Do(t, verify, map[string]any{"e": email, "c": code, "p": pt.Password}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("verify through another tenant: %v", r.Codes())
	}
	d := app.Must(t, verify, map[string]any{"e": email, "c": code, "p": pt.Password})
	v := pt.Viewer{Email: email, Password: pt.Password, AppKey: key, Client: pt.Client{URL: m.URL()}}
	v.Use(d["viewerVerifyEmail"])
	if pt.Str(d, "viewerVerifyEmail", "tokenType") != "Bearer" || pt.Str(d, "viewerVerifyEmail", "expiresIn") != "900" ||
		pt.Get(d, "viewerVerifyEmail", "profileId") != nil {
		t.Fatalf("tokens = %v", d)
	}
	me := `{ viewerAccount { id email emailVerified profileCount deviceCount profiles { name } devices { name platform current } } }`
	d = v.Client.Must(t, me, nil)
	if pt.Str(d, "viewerAccount", "email") != email || pt.Get(d, "viewerAccount", "emailVerified") != true ||
		pt.Str(d, "viewerAccount", "profiles", 0, "name") != "Me" || pt.Str(d, "viewerAccount", "devices", 0, "platform") != "WEB" ||
		pt.Get(d, "viewerAccount", "devices", 0, "current") != true {
		t.Fatalf("account = %v", d)
	}

	// Signing up again with a taken email answers the same and creates
	// nothing; the owner of the email is told.
	app.Must(t, `mutation($in: ViewerSignUpInput!) { viewerSignUp(input: $in) }`, map[string]any{"in": map[string]any{"email": email, "password": "another-pass-99"}})
	if msgs, _ := m.DevMail.List(email); !strings.Contains(msgs[0].Text, "already has one") {
		t.Fatalf("no notice to the account's owner: %q", msgs[0].Text)
	}
	// A wrong password and an unknown email read alike.
	r1, r2 := signIn(t, app, email, "wrong-password-1", tv("TV")), signIn(t, app, "nobody@example.com", "wrong-password-1", tv("TV"))
	if r1.Code() != "UNAUTHENTICATED" || r2.Code() != "UNAUTHENTICATED" || r1.Errors[0].Message != r2.Errors[0].Message {
		t.Fatalf("bad sign-ins: %+v / %+v", r1.Errors, r2.Errors)
	}

	// Sign in on a second device, then rotate its refresh token.
	d = signIn(t, app, email, pt.Password, tv("Living room")).Data
	tvv := v
	tvv.Use(d["viewerSignIn"])
	first := tvv.Refresh
	refresh := `mutation($t: String!) { viewerRefresh(refreshToken: $t) ` + tokensSel + ` }`
	d = app.Must(t, refresh, map[string]any{"t": first})
	tvv.Use(d["viewerRefresh"])
	if tvv.Refresh == first {
		t.Fatal("refresh returned the same refresh token")
	}
	tvv.Client.Must(t, `{ viewerAccount { id } }`, nil) // the new access token works
	second := tvv.Refresh
	// Reuse of the retired token: refused, and the whole family goes.
	if r := app.Do(t, refresh, map[string]any{"t": first}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("reused refresh token: %v", r.Codes())
	}
	if r := app.Do(t, refresh, map[string]any{"t": second}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the family's newest refresh token after a reuse: %v", r.Codes())
	}
	// The other device's session is another family: untouched.
	d = app.Must(t, refresh, map[string]any{"t": v.Refresh})
	v.Use(d["viewerRefresh"])
	// A refresh token through another tenant's app is refused.
	if r := (pt.Client{URL: m.URL(), AppKey: otherKey}).Do(t, refresh, map[string]any{"t": v.Refresh}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("refresh through another tenant: %v", r.Codes())
	}

	// The access token: with another tenant's app key, without any tenant,
	// or tampered, it is UNAUTHENTICATED, with one message.
	foreign := pt.Client{URL: m.URL(), AppKey: otherKey, Token: v.Client.Token}
	garbage := pt.Client{URL: m.URL(), AppKey: key, Token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}
	tampered := pt.Client{URL: m.URL(), AppKey: key, Token: v.Client.Token[:len(v.Client.Token)-4] + "AAAA"}
	rf, rg, rt := foreign.Do(t, me, nil), garbage.Do(t, me, nil), tampered.Do(t, me, nil)
	if rf.Code() != "UNAUTHENTICATED" || rg.Code() != "UNAUTHENTICATED" || rt.Code() != "UNAUTHENTICATED" ||
		rf.Errors[0].Message != rg.Errors[0].Message || rf.Status != rg.Status {
		t.Fatalf("foreign %+v / garbage %+v / tampered %+v", rf.Errors, rg.Errors, rt.Errors)
	}
	if r := (pt.Client{URL: m.URL(), Token: v.Client.Token}).Do(t, me, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("viewer token without a tenant: %v", r.Codes())
	}
	// The tenant's /t/{slug}/ path works as the app key does.
	if d := (pt.Client{URL: m.URL(), Path: "/t/" + ten.Slug + "/graphql", Token: v.Client.Token}).Must(t, `{ viewerAccount { email } }`, nil); pt.Str(d, "viewerAccount", "email") != email {
		t.Fatalf("by path: %v", d)
	}
	if r := (pt.Client{URL: m.URL(), Path: "/t/" + other.Slug + "/graphql", Token: v.Client.Token}).Do(t, me, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("another tenant's path: %v", r.Codes())
	}
	// Without a viewer token the viewer's fields are UNAUTHENTICATED.
	for _, q := range []string{me, `{ myList { edges { cursor } } }`, `{ continueWatching { edges { cursor } } }`, `{ exportMyData }`, `{ currentProfile { id } }`} {
		if r := app.Do(t, q, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("%s without a viewer: %v", q, r.Codes())
		}
	}

	// Signing out ends the device's session: its refresh token and (in this
	// process at once) its access token.
	v.Client.Must(t, `mutation { viewerSignOut }`, nil)
	if r := v.Client.Do(t, me, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("access token after sign-out: %v", r.Codes())
	}
	if r := app.Do(t, refresh, map[string]any{"t": v.Refresh}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("refresh token after sign-out: %v", r.Codes())
	}
	// Sign back in on the same device: its slot is kept.
	d = app.Must(t, `mutation($in: ViewerSignInInput!) { viewerSignIn(input: $in) `+tokensSel+` }`,
		map[string]any{"in": map[string]any{"email": email, "password": pt.Password, "deviceId": v.Device}})
	if pt.Str(d, "viewerSignIn", "deviceId") != v.Device {
		t.Fatalf("re-sign-in on a device: %v", d)
	}
	// The new session's token works on the device that signed out.
	v.Use(d["viewerSignIn"])
	v.Client.Must(t, me, nil)
}

// Invariant: a password reset needs the mailed code, answers alike for any
// email, and signs every device out.
func TestViewerPasswordReset(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	key := pt.AppKey(t, ten.Owner)
	app := pt.Client{URL: m.URL(), AppKey: key}
	v := pt.SignUpViewer(t, m, key)
	req := `mutation($e: String!) { viewerRequestPasswordReset(email: $e) }`
	app.Must(t, req, map[string]any{"e": "nobody@example.com"})
	if msgs, _ := m.DevMail.List("nobody@example.com"); len(msgs) != 0 {
		t.Fatal("a reset mail to an email without an account")
	}
	app.Must(t, req, map[string]any{"e": v.Email})
	code := pt.MailCode(t, m, v.Email)
	reset := `mutation($e: String!, $c: String!, $p: String!) { viewerResetPassword(email: $e, code: $c, password: $p) }`
	wrong := "111111"
	if code == wrong {
		wrong = "222222"
	}
	r1 := app.Do(t, reset, map[string]any{"e": v.Email, "c": wrong, "p": "new-password-42"})
	r2 := app.Do(t, reset, map[string]any{"e": "nobody@example.com", "c": wrong, "p": "new-password-42"})
	if r1.Code() != "BAD_USER_INPUT" || r2.Code() != "BAD_USER_INPUT" || r1.Errors[0].Message != r2.Errors[0].Message {
		t.Fatalf("wrong codes: %+v / %+v", r1.Errors, r2.Errors)
	}
	app.Must(t, reset, map[string]any{"e": v.Email, "c": code, "p": "new-password-42"})
	if r := app.Do(t, `mutation($t: String!) { viewerRefresh(refreshToken: $t) { accessToken } }`, map[string]any{"t": v.Refresh}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("refresh after a reset: %v", r.Codes())
	}
	if r := v.Client.Do(t, `{ viewerAccount { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("access token after a reset: %v", r.Codes())
	}
	if r := signIn(t, app, v.Email, pt.Password, tv("TV")); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the old password: %v", r.Codes())
	}
	r := signIn(t, app, v.Email, "new-password-42", tv("TV"))
	if len(r.Errors) != 0 {
		t.Fatalf("the new password: %v", r.Errors)
	}
	v.Use(r.Data["viewerSignIn"])
	v.Client.Must(t, `{ viewerAccount { id } }`, nil) // a token issued after the reset works
}

// Invariant: profiles, My List and progress are the account's own; another
// account's or tenant's profile or title is NOT_FOUND; a kids profile has a
// rating ceiling; Continue Watching follows a profile across devices and
// leaves out finished titles.
func TestViewerProfilesListAndContinueWatching(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	key, otherKey := pt.AppKey(t, ten.Owner), pt.AppKey(t, other.Owner)
	v, w := pt.SignUpViewer(t, m, key), pt.SignUpViewer(t, m, key)
	ov := pt.SignUpViewer(t, m, otherKey)
	var titles []string
	for _, n := range []string{"One", "Two", "Three"} {
		id := mustTitle(t, ten.Owner, movie(n))
		mustPublish(t, ten.Owner, id)
		titles = append(titles, id)
	}
	draft := mustTitle(t, ten.Owner, movie("Draft"))
	otherTitle := mustTitle(t, other.Owner, movie("Theirs"))
	mustPublish(t, other.Owner, otherTitle)

	create := `mutation($in: CreateProfileInput!) { createProfile(input: $in) { id name kids avatar language ratingCeiling { system value minAge } } }`
	if r := v.Client.Do(t, create, map[string]any{"in": map[string]any{"name": "Kid", "kids": true}}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("kids profile without a ceiling: %v", r.Codes())
	}
	d := v.Client.Must(t, create, map[string]any{"in": map[string]any{"name": "Kid", "kids": true, "avatar": "fox", "language": "pt-BR",
		"ratingCeiling": map[string]any{"system": "MPAA", "value": "PG", "minAge": 8}}})
	kid := pt.Str(d, "createProfile", "id")
	if pt.Str(d, "createProfile", "ratingCeiling", "value") != "PG" || pt.Str(d, "createProfile", "ratingCeiling", "minAge") != "8" || pt.Get(d, "createProfile", "kids") != true {
		t.Fatalf("kids profile = %v", d)
	}
	for i := 0; i < 3; i++ { // up to five in all
		v.Client.Must(t, create, map[string]any{"in": map[string]any{"name": "P" + string(rune('a'+i))}})
	}
	if r := v.Client.Do(t, create, map[string]any{"in": map[string]any{"name": "Sixth"}}); r.Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "5") {
		t.Fatalf("a sixth profile: %+v", r.Errors)
	}
	d = v.Client.Must(t, `mutation($id: ID!) { updateProfile(id: $id, input: {name: "Kiddo", ratingCeiling: {system: "MPAA", value: "G", minAge: 0}}) { name ratingCeiling { value } } }`, map[string]any{"id": kid})
	if pt.Str(d, "updateProfile", "name") != "Kiddo" || pt.Str(d, "updateProfile", "ratingCeiling", "value") != "G" {
		t.Fatalf("updated profile = %v", d)
	}
	// Another account's, another tenant's or no profile: NOT_FOUND.
	wProfile := pt.Str(w.Client.Must(t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	oProfile := pt.Str(ov.Client.Must(t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	for _, id := range []string{wProfile, oProfile, uuid.NewString()} {
		for _, q := range []string{`mutation($id: ID!) { selectProfile(profileId: $id) { accessToken } }`,
			`mutation($id: ID!) { updateProfile(id: $id, input: {name: "x"}) { id } }`, `mutation($id: ID!) { deleteProfile(id: $id) }`} {
			if r := v.Client.Do(t, q, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
				t.Fatalf("%s on %s: %v", q, id, r.Codes())
			}
		}
	}
	// Lists need a selected profile.
	if r := v.Client.Do(t, `mutation($t: ID!) { addToMyList(titleId: $t) }`, map[string]any{"t": titles[0]}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("My List without a profile: %v", r.Codes())
	}
	main := pt.Str(v.Client.Must(t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	d = v.Client.Must(t, `mutation($id: ID!) { selectProfile(profileId: $id) `+tokensSel+` }`, map[string]any{"id": main})
	v.Use(d["selectProfile"])
	if pt.Str(d, "selectProfile", "profileId") != main {
		t.Fatalf("selected = %v", d)
	}
	if pt.Str(v.Client.Must(t, `{ currentProfile { id } }`, nil), "currentProfile", "id") != main {
		t.Fatal("currentProfile is not the selected one")
	}
	add := `mutation($t: ID!) { addToMyList(titleId: $t) }`
	for _, id := range titles {
		v.Client.Must(t, add, map[string]any{"t": id})
	}
	v.Client.Must(t, add, map[string]any{"t": titles[0]}) // again: no change
	for name, id := range map[string]string{"draft": draft, "other tenant's": otherTitle, "missing": uuid.NewString()} {
		if r := v.Client.Do(t, add, map[string]any{"t": id}); r.Code() != "NOT_FOUND" {
			t.Fatalf("adding the %s title: %v", name, r.Codes())
		}
	}
	list := `query($a: String) { myList(first: 2, after: $a) { edges { node { id title } } pageInfo { hasNextPage endCursor } } }`
	d = v.Client.Must(t, list, nil)
	if got := strings.Join(edgeField(d, "id", "myList", "edges"), ","); got != titles[2]+","+titles[1] || pt.Get(d, "myList", "pageInfo", "hasNextPage") != true {
		t.Fatalf("first page = %v", d)
	}
	d = v.Client.Must(t, list, map[string]any{"a": pt.Str(d, "myList", "pageInfo", "endCursor")})
	if got := strings.Join(edgeField(d, "id", "myList", "edges"), ","); got != titles[0] || pt.Get(d, "myList", "pageInfo", "hasNextPage") != false {
		t.Fatalf("second page = %v", d)
	}
	v.Client.Must(t, `mutation($t: ID!) { removeFromMyList(titleId: $t) }`, map[string]any{"t": titles[1]})
	if r := v.Client.Do(t, `mutation($t: ID!) { removeFromMyList(titleId: $t) }`, map[string]any{"t": titles[1]}); r.Code() != "NOT_FOUND" {
		t.Fatalf("removing a title not on the list: %v", r.Codes())
	}
	// Another profile's list is its own.
	d = v.Client.Must(t, `mutation($id: ID!) { selectProfile(profileId: $id) `+tokensSel+` }`, map[string]any{"id": kid})
	kidClient := pt.Client{URL: m.URL(), AppKey: key, Token: pt.Str(d, "selectProfile", "accessToken")}
	if d := kidClient.Must(t, `{ myList { edges { node { id } } } }`, nil); len(pt.Get(d, "myList", "edges").([]any)) != 0 {
		t.Fatalf("kid's list = %v", d)
	}
	// The selectProfile replaced the device's session: the main-profile token
	// still verifies (it lapses within its TTL), the kid's works.

	// Progress: one nearly done, one finished, one started; latest first.
	report := `mutation($t: ID!, $p: Int!, $d: Int!) { reportProgress(titleId: $t, positionSeconds: $p, durationSeconds: $d) }`
	sel := v.Client.Must(t, `mutation($id: ID!) { selectProfile(profileId: $id) `+tokensSel+` }`, map[string]any{"id": main})
	v.Use(sel["selectProfile"])
	v.Client.Must(t, report, map[string]any{"t": titles[0], "p": 100, "d": 1000})
	v.Client.Must(t, report, map[string]any{"t": titles[1], "p": 960, "d": 1000})
	v.Client.Must(t, report, map[string]any{"t": titles[2], "p": 30, "d": 1000})
	for _, bad := range []map[string]any{{"t": titles[0], "p": -1, "d": 10}, {"t": titles[0], "p": 20, "d": 10}, {"t": titles[0], "p": 0, "d": 0}} {
		if r := v.Client.Do(t, report, bad); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("progress %v: %v", bad, r.Codes())
		}
	}
	if r := v.Client.Do(t, report, map[string]any{"t": otherTitle, "p": 1, "d": 10}); r.Code() != "NOT_FOUND" {
		t.Fatalf("progress on another tenant's title: %v", r.Codes())
	}
	// From a second device with the same profile: the same list, and its
	// report moves a title to the front.
	d = signIn(t, pt.Client{URL: m.URL(), AppKey: key}, v.Email, v.Password, tv("Bedroom")).Data
	phone := pt.Client{URL: m.URL(), AppKey: key, Token: pt.Str(d, "viewerSignIn", "accessToken")}
	d = phone.Must(t, `mutation($id: ID!) { selectProfile(profileId: $id) `+tokensSel+` }`, map[string]any{"id": main})
	phone.Token = pt.Str(d, "selectProfile", "accessToken")
	phone.Must(t, report, map[string]any{"t": titles[0], "p": 200, "d": 1000})
	cw := `{ continueWatching(first: 10) { edges { node { title { id } positionSeconds durationSeconds } } } }`
	d = v.Client.Must(t, cw, nil)
	edges := pt.Get(d, "continueWatching", "edges").([]any)
	if len(edges) != 2 || pt.Str(edges[0], "node", "title", "id") != titles[0] || pt.Str(edges[0], "node", "positionSeconds") != "200" ||
		pt.Str(edges[1], "node", "title", "id") != titles[2] {
		t.Fatalf("continue watching = %v", d)
	}
	if d := kidClient.Must(t, cw, nil); len(pt.Get(d, "continueWatching", "edges").([]any)) != 0 {
		t.Fatalf("kid's continue watching = %v", d)
	}
	// A viewer token of this tenant with the other tenant's app key: refused.
	if r := (pt.Client{URL: m.URL(), AppKey: otherKey, Token: v.Client.Token}).Do(t, cw, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("continue watching through another tenant: %v", r.Codes())
	}
	// A PIN locks a profile: selecting it needs the 4 digits.
	if r := v.Client.Do(t, create, map[string]any{"in": map[string]any{"name": "x", "pin": "12a4"}}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a malformed PIN: %v", r.Codes())
	}
	d = v.Client.Must(t, `mutation($id: ID!) { updateProfile(id: $id, input: {pin: "4321"}) { pinProtected } }`, map[string]any{"id": kid})
	if pt.Get(d, "updateProfile", "pinProtected") != true {
		t.Fatalf("PIN set = %v", d)
	}
	selPin := `mutation($id: ID!, $pin: String) { selectProfile(profileId: $id, pin: $pin) { profileId } }`
	if r := v.Client.Do(t, selPin, map[string]any{"id": kid}); r.Code() != "FORBIDDEN" {
		t.Fatalf("a locked profile without its PIN: %v", r.Codes())
	}
	if r := v.Client.Do(t, selPin, map[string]any{"id": kid, "pin": "1234"}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a wrong PIN: %v", r.Codes())
	}
	if d := v.Client.Must(t, selPin, map[string]any{"id": kid, "pin": "4321"}); pt.Str(d, "selectProfile", "profileId") != kid {
		t.Fatalf("the right PIN: %v", d)
	}
	d = v.Client.Must(t, `mutation($id: ID!) { updateProfile(id: $id, input: {pin: ""}) { pinProtected } }`, map[string]any{"id": kid})
	if pt.Get(d, "updateProfile", "pinProtected") != false {
		t.Fatalf("PIN removed = %v", d)
	}
	// The last profile stays; others can go.
	v.Client.Must(t, `mutation($id: ID!) { deleteProfile(id: $id) }`, map[string]any{"id": kid})
	if r := w.Client.Do(t, `mutation($id: ID!) { deleteProfile(id: $id) }`, map[string]any{"id": wProfile}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("deleting the last profile: %v", r.Codes())
	}
}

// Invariant: an account registers at most the tenant's device limit; the
// error names the limit; removing a device frees its slot and revokes its
// tokens; another account's device is NOT_FOUND.
func TestViewerDeviceLimit(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	key := pt.AppKey(t, ten.Owner)
	app := pt.Client{URL: m.URL(), AppKey: key}
	if d := ten.Owner.Must(t, `{ viewerDeviceLimit }`, nil); pt.Str(d, "viewerDeviceLimit") != "5" {
		t.Fatalf("default limit = %v", d)
	}
	if r := ten.Owner.Do(t, `mutation { setViewerDeviceLimit(limit: 0) }`, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("limit 0: %v", r.Codes())
	}
	ten.Owner.Must(t, `mutation { setViewerDeviceLimit(limit: 2) }`, nil)
	if d := other.Owner.Must(t, `{ viewerDeviceLimit }`, nil); pt.Str(d, "viewerDeviceLimit") != "5" {
		t.Fatalf("the other tenant's limit changed: %v", d)
	}
	editor, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	if r := editor.Do(t, `mutation { setViewerDeviceLimit(limit: 3) }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("an editor setting the limit: %v", r.Codes())
	}
	v := pt.SignUpViewer(t, m, key) // device 1
	w := pt.SignUpViewer(t, m, key)
	d := signIn(t, app, v.Email, v.Password, tv("TV")).Data // device 2
	tvRefresh, tvDevice := pt.Str(d, "viewerSignIn", "refreshToken"), pt.Str(d, "viewerSignIn", "deviceId")
	r := signIn(t, app, v.Email, v.Password, map[string]any{"name": "Phone", "platform": "IOS"})
	if r.Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "at most 2 devices") {
		t.Fatalf("a third device: %+v", r.Errors)
	}
	if r := signIn(t, app, v.Email, v.Password, map[string]any{"name": " ", "platform": "IOS"}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a device without a name: %v", r.Codes())
	}
	// Another account's device, or a device of no one: NOT_FOUND.
	for _, id := range []string{w.Device, uuid.NewString()} {
		if r := v.Client.Do(t, `mutation($id: ID!) { removeDevice(id: $id) }`, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
			t.Fatalf("removing device %s: %v", id, r.Codes())
		}
	}
	v.Client.Must(t, `mutation($id: ID!) { removeDevice(id: $id) }`, map[string]any{"id": tvDevice})
	if r := app.Do(t, `mutation($t: String!) { viewerRefresh(refreshToken: $t) { accessToken } }`, map[string]any{"t": tvRefresh}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a removed device's refresh token: %v", r.Codes())
	}
	if r := signIn(t, app, v.Email, v.Password, map[string]any{"name": "Phone", "platform": "IOS"}); len(r.Errors) != 0 {
		t.Fatalf("signing in after freeing a slot: %v", r.Errors)
	}
	d = v.Client.Must(t, `{ viewerAccount { deviceCount devices { name platform current } } }`, nil)
	if pt.Str(d, "viewerAccount", "deviceCount") != "2" || pt.Str(d, "viewerAccount", "devices", 1, "platform") != "IOS" {
		t.Fatalf("devices = %v", d)
	}
}

// Invariant: the export holds everything about the viewer; deletion needs the
// password, removes every row about the account at once, and leaves an
// audit entry with no personal data.
func TestViewerExportAndDeletion(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	key := pt.AppKey(t, ten.Owner)
	v := pt.SignUpViewer(t, m, key)
	title := mustTitle(t, ten.Owner, movie("Kept"))
	mustPublish(t, ten.Owner, title)
	main := pt.Str(v.Client.Must(t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	v.Use(v.Client.Must(t, `mutation($id: ID!) { selectProfile(profileId: $id) `+tokensSel+` }`, map[string]any{"id": main})["selectProfile"])
	v.Client.Must(t, `mutation($t: ID!) { addToMyList(titleId: $t) }`, map[string]any{"t": title})
	v.Client.Must(t, `mutation($t: ID!) { reportProgress(titleId: $t, positionSeconds: 5, durationSeconds: 50) }`, map[string]any{"t": title})

	var export struct {
		Account struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"account"`
		Profiles []struct{ Name string }         `json:"profiles"`
		Devices  []struct{ Platform string }     `json:"devices"`
		Sessions []struct{ Device string }       `json:"sessions"`
		MyList   []struct{ Title string }        `json:"myList"`
		Progress []struct{ PositionSeconds int } `json:"watchProgress"`
	}
	if err := json.Unmarshal([]byte(pt.Str(v.Client.Must(t, `{ exportMyData }`, nil), "exportMyData")), &export); err != nil {
		t.Fatal(err)
	}
	if export.Account.Email != v.Email || len(export.Profiles) != 1 || export.Profiles[0].Name != "Main" || len(export.Devices) != 1 ||
		len(export.Sessions) != 1 || len(export.MyList) != 1 || export.MyList[0].Title != title || len(export.Progress) != 1 || export.Progress[0].PositionSeconds != 5 {
		t.Fatalf("export = %+v", export)
	}

	if r := v.Client.Do(t, `mutation { deleteViewerAccount(password: "wrong-password-1") }`, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("deletion with a wrong password: %v", r.Codes())
	}
	v.Client.Must(t, `mutation($p: String!) { deleteViewerAccount(password: $p) }`, map[string]any{"p": v.Password})
	if r := v.Client.Do(t, `{ viewerAccount { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a deleted account's token: %v", r.Codes())
	}
	if r := signIn(t, pt.Client{URL: m.URL(), AppKey: key}, v.Email, v.Password, tv("TV")); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("signing in to a deleted account: %v", r.Codes())
	}
	owner := pt.OwnerPool(t) // looks past RLS: nothing about the account is left anywhere
	for _, table := range []string{"viewers", "viewer_codes", "viewer_profiles", "viewer_devices", "viewer_refresh_tokens", "viewer_list_items", "viewer_progress"} {
		var n int
		if err := owner.QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE tenant_id = $1`, ten.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows left (%v)", table, n, err)
		}
	}
	var entries []string
	rows, err := owner.Query(context.Background(), `SELECT row_to_json(a)::text FROM audit_log a WHERE tenant_id = $1 AND action = 'viewer.deleted'`, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		entries = append(entries, s)
	}
	if len(entries) != 1 || strings.Contains(entries[0], v.Email) || !strings.Contains(entries[0], export.Account.ID) {
		t.Fatalf("deletion audit = %v", entries)
	}
}

// Invariant: staff (READ) list and search their own tenant's viewers only;
// another tenant's viewer is NOT_FOUND; an app or viewer token is no staff.
func TestStaffListsViewers(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	key, otherKey := pt.AppKey(t, ten.Owner), pt.AppKey(t, other.Owner)
	a, b := pt.SignUpViewer(t, m, key), pt.SignUpViewer(t, m, key)
	ov := pt.SignUpViewer(t, m, otherKey)
	analyst, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	q := `query($s: String, $a: String) { viewers(first: 1, after: $a, search: $s) { totalCount edges { node { id email profileCount deviceCount } } pageInfo { hasNextPage endCursor } } }`
	d := analyst.Must(t, q, nil)
	if pt.Str(d, "viewers", "totalCount") != "2" || pt.Str(d, "viewers", "edges", 0, "node", "email") != b.Email || pt.Get(d, "viewers", "pageInfo", "hasNextPage") != true ||
		pt.Str(d, "viewers", "edges", 0, "node", "deviceCount") != "1" {
		t.Fatalf("viewers = %v", d)
	}
	d = analyst.Must(t, q, map[string]any{"a": pt.Str(d, "viewers", "pageInfo", "endCursor")})
	if pt.Str(d, "viewers", "edges", 0, "node", "email") != a.Email {
		t.Fatalf("second page = %v", d)
	}
	d = analyst.Must(t, q, map[string]any{"s": strings.ToUpper(a.Email[:12])})
	if pt.Str(d, "viewers", "totalCount") != "1" || pt.Str(d, "viewers", "edges", 0, "node", "email") != a.Email {
		t.Fatalf("search = %v", d)
	}
	if d := analyst.Must(t, q, map[string]any{"s": "%"}); pt.Str(d, "viewers", "totalCount") != "0" {
		t.Fatalf("search for %%: %v", d)
	}
	aID := pt.Str(a.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	oID := pt.Str(ov.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	one := `query($id: ID!) { viewer(id: $id) { email profiles { name } devices { platform current } } }`
	if d := analyst.Must(t, one, map[string]any{"id": aID}); pt.Str(d, "viewer", "email") != a.Email || pt.Get(d, "viewer", "devices", 0, "current") != false {
		t.Fatalf("viewer = %v", d)
	}
	for _, id := range []string{oID, uuid.NewString()} {
		if r := analyst.Do(t, one, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
			t.Fatalf("viewer %s: %v", id, r.Codes())
		}
	}
	if d := other.Owner.Must(t, q, nil); pt.Str(d, "viewers", "totalCount") != "1" {
		t.Fatalf("the other tenant's list = %v", d)
	}
	for name, c := range map[string]pt.Client{"app": {URL: m.URL(), AppKey: key}, "viewer": a.Client} {
		if r := c.Do(t, q, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("%s listing viewers: %v", name, r.Codes())
		}
	}
}

// Support signs every device of a viewer out: managers only (an analyst is
// FORBIDDEN), audited; the viewer's access and refresh tokens stop working;
// another workspace's viewer is NOT_FOUND, and that viewer stays signed in.
func TestStaffSignsAViewerOutEverywhere(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	key := pt.AppKey(t, ten.Owner)
	v, ov := pt.SignUpViewer(t, m, key), pt.SignUpViewer(t, m, pt.AppKey(t, other.Owner))
	analyst, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	const me = `{ viewerAccount { id } }`
	id := pt.Str(v.Client.Must(t, me, nil), "viewerAccount", "id")
	oID := pt.Str(ov.Client.Must(t, me, nil), "viewerAccount", "id")
	const signOut = `mutation($v: ID!) { signOutViewer(viewerId: $v) }`
	if r := analyst.Do(t, signOut, map[string]any{"v": id}); r.Code() != "FORBIDDEN" {
		t.Fatalf("an analyst: %v", r.Codes())
	}
	for _, x := range []string{oID, uuid.NewString()} {
		if r := ten.Owner.Do(t, signOut, map[string]any{"v": x}); r.Code() != "NOT_FOUND" {
			t.Fatalf("viewer %s: %v", x, r.Codes())
		}
	}
	ov.Client.Must(t, me, nil)
	ten.Owner.Must(t, signOut, map[string]any{"v": id})
	if r := v.Client.Do(t, me, nil); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("access token after support's sign-out: %v", r.Codes())
	}
	refresh := `mutation($t: String!) { viewerRefresh(refreshToken: $t) ` + tokensSel + ` }`
	if r := (pt.Client{URL: m.URL(), AppKey: key}).Do(t, refresh, map[string]any{"t": v.Refresh}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("refresh token after support's sign-out: %v", r.Codes())
	}
	d := ten.Owner.Must(t, `{ auditLog(first: 10) { edges { node { action } } } }`, nil)
	if !strings.Contains(fmt.Sprint(d), "viewer.signed_out_everywhere") {
		t.Errorf("not audited: %v", d)
	}
}

// Invariant: every viewer field refuses a viewer token sent with another
// tenant's app key (UNAUTHENTICATED, as garbage), and a viewer of another
// tenant naming this tenant's profiles, devices or activation codes finds
// nothing (NOT_FOUND or the wrong-code error).
func TestViewerFieldsStayInTheirTenant(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	key, otherKey := pt.AppKey(t, ten.Owner), pt.AppKey(t, other.Owner)
	v, ov := pt.SignUpViewer(t, m, key), pt.SignUpViewer(t, m, otherKey)
	profile := pt.Str(v.Client.Must(t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	title := mustTitle(t, ten.Owner, movie("Mine"))
	mustPublish(t, ten.Owner, title)
	ids := map[string]any{"p": profile, "d": v.Device, "t": title}
	fields := []string{
		`{ viewerAccount { id } }`, `{ currentProfile { id } }`, `{ myList { edges { cursor } } }`,
		`{ continueWatching { edges { cursor } } }`, `{ exportMyData }`,
		`mutation { viewerSignOut }`,
		`mutation($p: ID!) { selectProfile(profileId: $p) { accessToken } }`,
		`mutation { createProfile(input: {name: "x"}) { id } }`,
		`mutation($p: ID!) { updateProfile(id: $p, input: {name: "x"}) { id } }`,
		`mutation($p: ID!) { deleteProfile(id: $p) }`,
		`mutation($t: ID!) { addToMyList(titleId: $t) }`,
		`mutation($t: ID!) { removeFromMyList(titleId: $t) }`,
		`mutation($t: ID!) { reportProgress(titleId: $t, positionSeconds: 1, durationSeconds: 10) }`,
		`mutation($d: ID!) { removeDevice(id: $d) }`,
		`mutation { activateDevice(userCode: "BCDF-GHJK") { id } }`,
		`mutation { rejectDeviceActivation(userCode: "BCDF-GHJK") }`,
		`mutation { deleteViewerAccount(password: "correct-horse-42") }`,
	}
	foreign := pt.Client{URL: m.URL(), AppKey: otherKey, Token: v.Client.Token}
	for _, q := range fields {
		vars := map[string]any{}
		for k, val := range ids {
			if strings.Contains(q, "$"+k) {
				vars[k] = val
			}
		}
		if r := foreign.Do(t, q, vars); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s with another tenant's app key: %v", q, r.Codes())
		}
	}
	// The other tenant's own viewer, naming this tenant's objects.
	for _, q := range []string{`mutation($p: ID!) { selectProfile(profileId: $p) { accessToken } }`,
		`mutation($p: ID!) { updateProfile(id: $p, input: {name: "x"}) { id } }`, `mutation($p: ID!) { deleteProfile(id: $p) }`} {
		if r := ov.Client.Do(t, q, map[string]any{"p": profile}); r.Code() != "NOT_FOUND" {
			t.Errorf("%s on another tenant's profile: %v", q, r.Codes())
		}
	}
	if r := ov.Client.Do(t, `mutation($d: ID!) { removeDevice(id: $d) }`, map[string]any{"d": v.Device}); r.Code() != "NOT_FOUND" {
		t.Errorf("removing another tenant's device: %v", r.Codes())
	}
	if r := ov.Client.Do(t, `{ viewer(id: "`+profile+`") { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("a viewer using the staff field: %v", r.Codes())
	}
	// The account does not exist for the other tenant's app: signing in there
	// fails like a wrong password, a reset mails nothing, and the same email
	// signs up there as a separate account.
	oapp := pt.Client{URL: m.URL(), AppKey: otherKey}
	if r := signIn(t, oapp, v.Email, v.Password, tv("TV")); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("signing in through another tenant's app: %v", r.Codes())
	}
	before, _ := m.DevMail.List(v.Email)
	oapp.Must(t, `mutation($e: String!) { viewerRequestPasswordReset(email: $e) }`, map[string]any{"e": v.Email})
	oapp.Must(t, `mutation($e: String!) { viewerResendVerification(email: $e) }`, map[string]any{"e": v.Email})
	if after, _ := m.DevMail.List(v.Email); len(after) != len(before) {
		t.Fatalf("another tenant's app mailed this tenant's viewer")
	}
	oapp.Must(t, `mutation($in: ViewerSignUpInput!) { viewerSignUp(input: $in) }`, map[string]any{"in": map[string]any{"email": v.Email, "password": "other-password-7"}})
	d := oapp.Must(t, `mutation($e: String!, $c: String!) { viewerVerifyEmail(email: $e, code: $c, password: "other-password-7", device: {name: "x", platform: LG}) { accessToken } }`,
		map[string]any{"e": v.Email, "c": pt.MailCode(t, m, v.Email)})
	twin := pt.Client{URL: m.URL(), AppKey: otherKey, Token: pt.Str(d, "viewerVerifyEmail", "accessToken")}
	if d := twin.Must(t, `{ viewerAccount { profileCount } }`, nil); pt.Str(d, "viewerAccount", "profileCount") != "1" {
		t.Fatalf("the other tenant's account = %v", d)
	}
	if r := signIn(t, pt.Client{URL: m.URL(), AppKey: key}, v.Email, v.Password, tv("TV")); len(r.Errors) != 0 {
		t.Fatalf("the first tenant's account after the twin's sign-up: %v", r.Errors)
	}
}

// Invariant: sign-ins and codes count against the caller's address
// (@attempts), and five wrong passwords lock the account for a while, even
// against the right password.
func TestViewerSignInIsLimited(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	key := pt.AppKey(t, ten.Owner)
	app := pt.Client{URL: m.URL(), AppKey: key}
	v := pt.SignUpViewer(t, m, key)
	for range 5 {
		if r := signIn(t, app, v.Email, "wrong-password-1", tv("TV")); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("a wrong password: %v", r.Codes())
		}
	}
	if r := signIn(t, app, v.Email, v.Password, tv("TV")); r.Code() != "RATE_LIMITED" {
		t.Fatalf("the right password on a locked account: %v", r.Codes())
	}

	limited := pt.Start(t, func(c *platform.Config) { c.AttemptRate, c.AttemptBurst = 0.001, 3 })
	lt := pt.SignUp(t, limited)
	lapp := pt.Client{URL: limited.URL(), AppKey: pt.AppKey(t, lt.Owner)}
	codes := []string{}
	for range 4 {
		codes = append(codes, signIn(t, lapp, "x@example.com", "wrong-password-1", tv("TV")).Code())
	}
	if strings.Join(codes, ",") != "UNAUTHENTICATED,UNAUTHENTICATED,UNAUTHENTICATED,RATE_LIMITED" {
		t.Fatalf("sign-ins from one address: %v", codes)
	}
	// Aliases count one by one.
	r := lapp.Do(t, `mutation { a: viewerRequestPasswordReset(email: "a@example.com") b: viewerRequestPasswordReset(email: "b@example.com")
		c: viewerRequestPasswordReset(email: "c@example.com") d: viewerRequestPasswordReset(email: "d@example.com") }`, nil)
	if r.Code() != "RATE_LIMITED" {
		t.Fatalf("aliased code requests: %v", r.Codes())
	}
}

// Invariant: someone who signs up first with another person's email gains
// nothing: the mailbox's owner signing up replaces the unverified account's
// password, and verifying needs the code and that password.
func TestViewerSignUpCannotBeSquatted(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	app := pt.Client{URL: m.URL(), AppKey: pt.AppKey(t, ten.Owner)}
	email, squatter, owner := "victim@example.com", "squatter-pass-1", "owners-pass-22"
	up := `mutation($e: String!, $p: String!) { viewerSignUp(input: {email: $e, password: $p}) }`
	app.Must(t, up, map[string]any{"e": email, "p": squatter})
	app.Must(t, up, map[string]any{"e": email, "p": owner})
	verify := `mutation($e: String!, $c: String!, $p: String!) { viewerVerifyEmail(email: $e, code: $c, password: $p, device: {name: "Laptop", platform: WEB}) { accessToken } }`
	code := pt.MailCode(t, m, email)
	if r := app.Do(t, verify, map[string]any{"e": email, "c": code, "p": squatter}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("verifying with the squatter's password: %v", r.Codes())
	}
	app.Must(t, verify, map[string]any{"e": email, "c": code, "p": owner})
	if r := signIn(t, app, email, squatter, tv("TV")); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the squatter signing in: %v", r.Codes())
	}
	if r := signIn(t, app, email, owner, tv("TV")); len(r.Errors) != 0 {
		t.Fatalf("the owner signing in: %v", r.Errors)
	}
}
