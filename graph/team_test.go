package graph_test

import (
	"fmt"
	"testing"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// The team pages in the database: pages in joining order, the team's size on
// every page (past the end too), and bad paging arguments refused clearly.
func TestTeamPages(t *testing.T) {
	m := pt.Start(t, nil)
	ten, other := pt.SignUp(t, m), pt.SignUp(t, m)
	for i := 0; i < 4; i++ {
		pt.AddStaff(t, m, ten, fmt.Sprintf("s%d@%s.example.com", i, ten.Slug), "EDITOR")
	}
	const q = `query($after: String) { team(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { email role } } } }`
	var emails []string
	var after any
	for page := 0; ; page++ {
		d := ten.Owner.Must(t, q, map[string]any{"after": after})
		if pt.Str(d, "team", "totalCount") != "5" {
			t.Fatalf("page %d: totalCount = %s", page, pt.Str(d, "team", "totalCount"))
		}
		for _, e := range pt.Get(d, "team", "edges").([]any) {
			emails = append(emails, pt.Str(e, "node", "email"))
		}
		after = pt.Get(d, "team", "pageInfo", "endCursor")
		if pt.Get(d, "team", "pageInfo", "hasNextPage") != true {
			break
		}
	}
	want := []string{ten.Email}
	for i := 0; i < 4; i++ {
		want = append(want, fmt.Sprintf("s%d@%s.example.com", i, ten.Slug))
	}
	if fmt.Sprint(emails) != fmt.Sprint(want) {
		t.Fatalf("team in pages = %v, want %v", emails, want)
	}
	// Past the end: no members, the size still told.
	past := ten.Owner.Must(t, `query($after: String) { team(first: 2, after: $after) { totalCount edges { cursor } pageInfo { hasNextPage } } }`,
		map[string]any{"after": after})
	if len(pt.Get(past, "team", "edges").([]any)) != 0 || pt.Str(past, "team", "totalCount") != "5" || pt.Get(past, "team", "pageInfo", "hasNextPage") != false {
		t.Fatalf("past the end: %v", past)
	}
	// Another tenant's team is its own.
	if d := other.Owner.Must(t, `{ team(first: 50) { totalCount edges { node { email } } } }`, nil); pt.Str(d, "team", "totalCount") != "1" ||
		pt.Str(d, "team", "edges", 0, "node", "email") != other.Email {
		t.Fatalf("the other tenant's team: %v", d)
	}
	// The count is only run when asked for, and asking through an alias or a
	// fragment is asking; pages without it are the same pages.
	for _, q := range []string{
		`{ team(first: 2) { size: totalCount } }`,
		`{ team(first: 2) { ... on StaffConnection { size: totalCount } } }`,
		`query { team(first: 2) { ...size } } fragment size on StaffConnection { size: totalCount }`,
	} {
		if d := ten.Owner.Must(t, q, nil); pt.Str(d, "team", "size") != "5" {
			t.Errorf("%s: %v", q, d)
		}
	}
	uncounted := ten.Owner.Must(t, `{ team(first: 4) { pageInfo { hasNextPage } edges { node { email } } } }`, nil)
	if n := len(pt.Get(uncounted, "team", "edges").([]any)); n != 4 || pt.Get(uncounted, "team", "pageInfo", "hasNextPage") != true ||
		pt.Str(uncounted, "team", "edges", 3, "node", "email") != want[3] {
		t.Fatalf("a page without the count: %v", uncounted)
	}
	for _, bad := range []string{`{ team(first: 0) { totalCount } }`, `{ team(first: 201) { totalCount } }`, `{ team(after: "not a cursor") { totalCount } }`} {
		if r := ten.Owner.Do(t, bad, nil); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %v", bad, r.Codes())
		}
	}
}
