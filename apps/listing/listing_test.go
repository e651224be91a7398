package listing

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/apps/internal/apptest"
	"github.com/marquee-ott/marquee/errs"
)

func pack(t *testing.T, p apps.Platform) apps.Tree {
	t.Helper()
	tree, err := Pack(context.Background(), apptest.Spec(p))
	if err != nil {
		t.Fatal(err)
	}
	apptest.Parse(t, tree)
	want, opaque := map[string][2]int{}, map[string]bool{}
	for _, im := range Artwork[p] {
		want[im.Path] = [2]int{im.W, im.H}
		opaque[im.Path] = im.Opaque
		if im.MaxBytes > 0 && len(tree[im.Path]) > im.MaxBytes {
			t.Errorf("%s: %d bytes, over %d", im.Path, len(tree[im.Path]), im.MaxBytes)
		}
	}
	apptest.CheckImages(t, tree, want, opaque)
	if left := apptmpl.Leftovers(tree); len(left) > 0 {
		t.Errorf("placeholders left: %v", left)
	}
	if _, ok := tree["README.md"]; !ok {
		t.Error("no README.md")
	}
	return tree
}

func text(tree apps.Tree, p string) string { return strings.TrimSuffix(string(tree[p]), "\n") }

func TestAndroidPackIsFastlaneSupplysLayout(t *testing.T) {
	tree := pack(t, apps.Android)
	dir := "fastlane/metadata/android/en-US/"
	if got := text(tree, dir+"title.txt"); got != `Acme "Films" & <Co>` {
		t.Errorf("title %q", got)
	}
	short := text(tree, dir+"short_description.txt")
	if n := utf8.RuneCountInString(short); n > PlayShort || n == 0 || !strings.HasPrefix(short, "Acme Films streams") {
		t.Errorf("short description (%d) %q", n, short)
	}
	if got := text(tree, dir+"full_description.txt"); !strings.Contains(got, "Watch on your TV") {
		t.Errorf("full description %q", got)
	}
	if _, ok := tree[dir+"changelogs/12.txt"]; !ok {
		t.Error("the changelog is named by the versionCode")
	}
	for _, p := range []string{dir + "images/icon.png", dir + "images/featureGraphic.png", dir + "images/tvBanner.png", "amazon/listing.json"} {
		if _, ok := tree[p]; !ok {
			t.Errorf("missing %s", p)
		}
	}
	sizes := map[string][2]int{}
	for _, im := range Artwork[apps.Android] {
		sizes[im.Path] = [2]int{im.W, im.H}
	}
	if sizes[dir+"images/icon.png"] != [2]int{512, 512} || sizes[dir+"images/featureGraphic.png"] != [2]int{1024, 500} || sizes[dir+"images/tvBanner.png"] != [2]int{1280, 720} {
		t.Errorf("Play's image sizes: %v", sizes)
	}
}

func TestApplePackIsFastlaneDeliversLayout(t *testing.T) {
	tree := pack(t, apps.Apple)
	dir := "fastlane/metadata/en-US/"
	for p, want := range map[string]string{
		dir + "name.txt": `Acme "Films" & <Co>`, dir + "keywords.txt": "films,cinema,independent,series",
		dir + "support_url.txt": "https://acme.example.com/", "fastlane/metadata/copyright.txt": `© 2026 Acme "Films" & <Co>`,
	} {
		if got := text(tree, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if sub := text(tree, dir+"subtitle.txt"); utf8.RuneCountInString(sub) > AppStoreSubtitle || !strings.HasSuffix(sub, "…") {
		t.Errorf("subtitle %q", sub)
	}
	if _, ok := tree["fastlane/screenshots/README.md"]; !ok {
		t.Error("no screenshot guidance")
	}
}

func TestTVAndWebPacksHaveAListingAndTheStoresSizes(t *testing.T) {
	for p, want := range map[apps.Platform]map[string][2]int{
		apps.Roku:  {"roku/channel-poster-540x405.png": {540, 405}},
		apps.Tizen: {"samsung/icon-512x423.png": {512, 423}, "samsung/icon-logo-1920x1080.png": {1920, 1080}},
		apps.WebOS: {"lg/app-icon-400x400.png": {400, 400}, "lg/icon-80x80.png": {80, 80}, "lg/largeIcon-130x130.png": {130, 130}},
		apps.Web:   {"web/og-image-1200x630.png": {1200, 630}},
	} {
		t.Run(string(p), func(t *testing.T) {
			tree := pack(t, p)
			dir := strings.SplitN(Artwork[p][0].Path, "/", 2)[0]
			parsed := apptest.Parse(t, apps.Tree{"listing.json": tree[dir+"/listing.json"]})
			l, ok := parsed.JSON["listing.json"].(map[string]any)
			if !ok {
				t.Fatalf("%s/listing.json missing or not an object", dir)
			}
			if l["description"] != apptest.Spec(p).Description {
				t.Errorf("description %v", l["description"])
			}
			if imgs, _ := l["images"].([]any); len(imgs) != len(Artwork[p]) {
				t.Errorf("listing.json names %d images, the pack has %d", len(imgs), len(Artwork[p]))
			}
			for path, size := range want {
				found := false
				for _, im := range Artwork[p] {
					found = found || (im.Path == path && im.W == size[0] && im.H == size[1])
				}
				if !found {
					t.Errorf("%s %v is not in the list", path, size)
				}
			}
		})
	}
}

func TestTooLongTextIsRefusedNamingTheFieldAndLimit(t *testing.T) {
	cases := []struct {
		platform apps.Platform
		field    string
		mutate   func(*apps.Spec)
		limit    string
	}{
		{apps.Android, "name", func(s *apps.Spec) { s.Name = strings.Repeat("n", 31) }, "30"},
		{apps.Apple, "name", func(s *apps.Spec) { s.Name = strings.Repeat("ñ", 31) }, "30"},
		{apps.Roku, "name", func(s *apps.Spec) { s.Name = strings.Repeat("n", 31) }, "30"},
		{apps.Android, "description", func(s *apps.Spec) { s.Description = strings.Repeat("d", 4001) }, "4000"},
		{apps.Apple, "keywords", func(s *apps.Spec) { s.Keywords = []string{strings.Repeat("k", 60), strings.Repeat("w", 60)} }, "100"},
		{apps.Web, "description", func(s *apps.Spec) { s.Description = "" }, ""},
		{apps.Platform("NOKIA"), "platform", func(*apps.Spec) {}, ""},
	}
	for _, c := range cases {
		s := apptest.Spec(c.platform)
		c.mutate(&s)
		_, err := Pack(context.Background(), s)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.KindInvalid || e.Field != c.field || !strings.Contains(e.Message, c.limit) {
			t.Errorf("%s %s: got %v", c.platform, c.field, err)
		}
	}
}

func TestCutStopsAtAWordAndMarksIt(t *testing.T) {
	for in, want := range map[string]string{
		"Acme Films streams independent cinema": "Acme Films…",
		"short":                                 "short",
		"Supercalifragilisticexpialidocious":    "Supercalif…",
	} {
		if got := cut(in, 11); got != want || utf8.RuneCountInString(got) > 11 {
			t.Errorf("cut(%q) = %q, want %q", in, got, want)
		}
	}
	if got := firstSentence("One. Two.\nThree"); got != "One." {
		t.Errorf("firstSentence %q", got)
	}
}

func BenchmarkPack(b *testing.B) {
	s := apptest.Spec(apps.Android)
	tree, err := Pack(context.Background(), s)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("pack", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Pack(context.Background(), s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("zip-only", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := tree.Zip(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
