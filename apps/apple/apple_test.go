package apple

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/apps/internal/apptest"
	"github.com/marquee-ott/marquee/errs"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from this run")

var (
	builtOnce sync.Once
	built     apps.Tree
)

// built is the test Spec's tree, packaged once for the tests that only read it.
func testTree(t testing.TB) apps.Tree {
	t.Helper()
	builtOnce.Do(func() { built = build(t, apptest.Spec(apps.Apple)) })
	if built == nil {
		t.Fatal("the package failed to build")
	}
	return built
}

func build(t testing.TB, s apps.Spec) apps.Tree {
	t.Helper()
	var log bytes.Buffer
	a, err := Packager{}.Package(context.Background(), s, &log)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := apps.Unzip(a.Data)
	if err != nil {
		t.Fatal(err)
	}
	if a.FileName != "acme-apple-1.4.0-12.zip" || len(tree) != len(a.Files) {
		t.Errorf("artifact %q with %d files (zip %d)", a.FileName, len(a.Files), len(tree))
	}
	return tree
}

func TestPackageMakesAnXcodeGenProjectForIOSAndTVOS(t *testing.T) {
	tree := testTree(t)
	parsed := apptest.Parse(t, tree)

	// project.yml: both targets, the bundle id, versions, Info.plist paths.
	proj, ok := parsed.YAML["project.yml"].(map[string]any)
	if !ok {
		t.Fatalf("project.yml: %T", parsed.YAML["project.yml"])
	}
	if proj["name"] != "Acme" {
		t.Errorf("project name %v", proj["name"])
	}
	base := proj["settings"].(map[string]any)["base"].(map[string]any)
	if base["MARKETING_VERSION"] != "1.4.0" || base["CURRENT_PROJECT_VERSION"] != "12" {
		t.Errorf("versions %v %v", base["MARKETING_VERSION"], base["CURRENT_PROJECT_VERSION"])
	}
	targets := proj["targets"].(map[string]any)
	for name, want := range map[string][2]string{"Acme-iOS": {"iOS", "iOS/Info.plist"}, "Acme-tvOS": {"tvOS", "tvOS/Info.plist"}} {
		tg, ok := targets[name].(map[string]any)
		if !ok {
			t.Errorf("no target %s in %v", name, targets)
			continue
		}
		st := tg["settings"].(map[string]any)["base"].(map[string]any)
		if tg["platform"] != want[0] || tg["type"] != "application" || st["PRODUCT_BUNDLE_IDENTIFIER"] != "tv.marquee.acme" || st["INFOPLIST_FILE"] != want[1] {
			t.Errorf("target %s: %v", name, tg)
		}
		if _, ok := tree[want[1]]; !ok {
			t.Errorf("%s is missing", want[1])
		}
	}
	dt := proj["options"].(map[string]any)["deploymentTarget"].(map[string]any)
	if dt["iOS"] == nil || dt["tvOS"] == nil {
		t.Errorf("deployment targets %v", dt)
	}

	for _, p := range []string{"iOS/Info.plist", "tvOS/Info.plist"} {
		pl := parsed.Plists[p]
		for k, want := range map[string]any{
			"CFBundleIdentifier": "$(PRODUCT_BUNDLE_IDENTIFIER)", "CFBundleShortVersionString": "1.4.0",
			"CFBundleVersion": "12", "CFBundleDisplayName": "Acme", "CFBundleExecutable": "$(EXECUTABLE_NAME)",
			"ITSAppUsesNonExemptEncryption": false,
		} {
			if pl[k] != want {
				t.Errorf("%s %s = %v, want %v", p, k, pl[k], want)
			}
		}
		if ls, ok := pl["UILaunchScreen"].(map[string]any); !ok || ls["UIColorName"] != "LaunchBackground" {
			t.Errorf("%s launch screen %v", p, pl["UILaunchScreen"])
		}
		if !strings.Contains(pl["NSHumanReadableCopyright"].(string), `Acme "Films" & <Co>`) {
			t.Errorf("%s copyright %v", p, pl["NSHumanReadableCopyright"])
		}
	}
	if parsed.Plists["iOS/Info.plist"]["LSRequiresIPhoneOS"] != true {
		t.Error("iOS Info.plist needs LSRequiresIPhoneOS")
	}

	// Asset catalogs: every Contents.json names files that exist.
	brandJSON := parsed.JSON[brand+"Contents.json"].(map[string]any)
	roles := map[string]string{}
	for _, a := range brandJSON["assets"].([]any) {
		m := a.(map[string]any)
		roles[m["role"].(string)+" "+m["size"].(string)] = m["filename"].(string)
	}
	for _, want := range []string{"primary-app-icon 400x240", "primary-app-icon 1280x768", "top-shelf-image 1920x720", "top-shelf-image-wide 2320x720"} {
		if roles[want] == "" {
			t.Errorf("brand assets lack %s: %v", want, roles)
		}
	}
	for name, v := range parsed.JSON {
		dir := filepath.Dir(name)
		m, _ := v.(map[string]any)
		imgs, _ := m["images"].([]any)
		for _, im := range imgs {
			if f, ok := im.(map[string]any)["filename"].(string); ok {
				if _, ok := tree[dir+"/"+f]; !ok {
					t.Errorf("%s names %s, which is missing", name, f)
				}
			}
		}
	}
	icon := parsed.JSON[iosAssets+"AppIcon.appiconset/Contents.json"].(map[string]any)["images"].([]any)
	marketing := false
	for _, im := range icon {
		m := im.(map[string]any)
		marketing = marketing || (m["idiom"] == "ios-marketing" && m["size"] == "1024x1024")
	}
	if !marketing {
		t.Error("the iOS AppIcon set lacks the 1024 App Store icon")
	}

	want, opaque := map[string][2]int{}, map[string]bool{}
	for _, im := range Images {
		want[im.Path] = [2]int{im.W, im.H}
		opaque[im.Path] = im.Opaque
	}
	apptest.CheckImages(t, tree, want, opaque)
	for path, size := range map[string][2]int{
		iosAssets + "AppIcon.appiconset/icon-ios-marketing-1024x1024@1x.png":                        {1024, 1024},
		brand + "App Icon.imagestack/Front.imagestacklayer/Content.imageset/front@1x.png":           {400, 240},
		brand + "App Icon - App Store.imagestack/Back.imagestacklayer/Content.imageset/back@1x.png": {1280, 768},
		brand + "Top Shelf Image.imageset/shelf@1x.png":                                             {1920, 720},
		brand + "Top Shelf Image Wide.imageset/shelf@1x.png":                                        {2320, 720},
		brand + "Top Shelf Image Wide.imageset/shelf@2x.png":                                        {4640, 1440},
	} {
		if want[path] != size {
			t.Errorf("%s: the list says %v, Apple wants %v", path, want[path], size)
		}
	}
	if !opaque[iosAssets+"AppIcon.appiconset/icon-ios-marketing-1024x1024@1x.png"] {
		t.Error("the App Store icon must be opaque")
	}

	if left := apptmpl.Leftovers(tree); len(left) > 0 {
		t.Errorf("placeholders left: %v", left)
	}
	swift := 0
	for _, p := range tree.Paths() {
		if strings.HasSuffix(p, ".swift") {
			swift++
		}
	}
	if swift < 12 {
		t.Errorf("only %d Swift files", swift)
	}
	cfg := string(tree["Shared/AppConfig.swift"])
	if !strings.Contains(cfg, `static let appKey = "mqa_test_$key\"1"`) || !strings.Contains(cfg, `URL(string: "https://acme.example.com")!`) {
		t.Errorf("AppConfig.swift:\n%s", cfg)
	}
}

func TestSwiftClientUsesTheSchemasFieldNames(t *testing.T) {
	tree := testTree(t)
	repo := string(tree["Shared/API/Repository.swift"])
	for _, f := range []string{"rails(first:", "shortsFeed(", "search(query:", "myList(", "continueWatching(", "addToMyList",
		"viewerSignIn(input:", "selectProfile(profileId:", "playbackSession(titleId:", "playbackHeartbeat(sessionId:",
		"reportProgress(titleId:", "endPlayback(sessionId:", "resumePositionSeconds"} {
		if !strings.Contains(repo, f) {
			t.Errorf("Repository.swift does not use %s", f)
		}
	}
	act := string(tree["Shared/Auth/DeviceActivation.swift"])
	for _, f := range []string{`"oauth/device_authorization"`, `"oauth/token"`, "urn:ietf:params:oauth:grant-type:device_code", "authorization_pending", "slow_down"} {
		if !strings.Contains(act, f) {
			t.Errorf("DeviceActivation.swift lacks %s", f)
		}
	}
	if _, ok := tree["tvOS/ActivationView.swift"]; !ok {
		t.Error("tvOS has no activation screen")
	}
}

func TestPackageRefusesABadSpec(t *testing.T) {
	for field, mutate := range map[string]func(*apps.Spec){
		"name":     func(s *apps.Spec) { s.Name = strings.Repeat("é", MaxNameLen+1) },
		"bundleId": func(s *apps.Spec) { s.BundleID = "tv_marquee" },
		"webUrl":   func(s *apps.Spec) { s.WebURL = "acme" },
		"version":  func(s *apps.Spec) { s.Version.Build = 0 },
		"platform": func(s *apps.Spec) { s.Platform = apps.Android },
	} {
		s := apptest.Spec(apps.Apple)
		mutate(&s)
		_, err := Packager{}.Package(context.Background(), s, nil)
		var e *errs.Error
		if !errs.Is(err, errs.KindInvalid) || !errors.As(err, &e) || e.Field != field {
			t.Errorf("%s: got %v", field, err)
		}
	}
}

func TestProjectNameIsAnIdentifier(t *testing.T) {
	for in, want := range map[string]string{"acme-films": "AcmeFilms", "9lives": "App9lives", "": "AcmeFilmsCo", "ça-va": "AVa"} {
		if got := projectName(in, `Acme "Films" & <Co>`); got != want {
			t.Errorf("projectName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInfoPlistMatchesGolden(t *testing.T) {
	apptest.Golden(t, testTree(t)["tvOS/Info.plist"], filepath.Join("testdata", "golden", "tvOS-Info.plist"), *update)
}

func BenchmarkPackage(b *testing.B) {
	apptest.BenchPackage(b, Packager{}, func(ctx context.Context, s apps.Spec) (apps.Tree, error) { return Build(ctx, s, nil) })
}

// The Swift client's queries are valid against the API's schema.
func TestSwiftQueriesValidateAgainstTheSchema(t *testing.T) {
	src := string(testTree(t)["Shared/API/Repository.swift"])
	card := regexp.MustCompile(`(?s)private let card = """\n(.*?)\n"""`).FindStringSubmatch(src)
	if card == nil {
		t.Fatal("no card selection")
	}
	body := strings.Replace(src, card[0], "", 1)
	var raw []string
	for _, m := range regexp.MustCompile(`(?s)"""\n(.*?)\n\s*"""`).FindAllStringSubmatch(body, -1) {
		raw = append(raw, m[1])
	}
	body = regexp.MustCompile(`(?s)""".*?"""`).ReplaceAllString(body, "")
	for _, m := range regexp.MustCompile(`"((?:query|mutation) [^"]*)"`).FindAllStringSubmatch(body, -1) {
		raw = append(raw, m[1])
	}
	docs := map[string]string{}
	for i, q := range raw {
		q = strings.ReplaceAll(q, `\(card)`, card[1])
		if strings.Contains(q, `\(field)`) {
			docs[fmt.Sprintf("swift %d add", i)] = strings.ReplaceAll(q, `\(field)`, "addToMyList")
			docs[fmt.Sprintf("swift %d remove", i)] = strings.ReplaceAll(q, `\(field)`, "removeFromMyList")
			continue
		}
		docs[fmt.Sprintf("swift %d", i)] = q
	}
	if len(docs) < 15 {
		t.Fatalf("found only %d GraphQL documents in Repository.swift", len(docs))
	}
	apptest.ValidateGraphQL(t, docs)
}

// A name, key or URL holding template brackets, quotes or XML and YAML
// specials renders into sources that still parse and hold no placeholder.
func TestHostileValuesAreEscapedEverywhere(t *testing.T) {
	s := apptest.Spec(apps.Apple)
	s.Name = "[[ .AppKey ]] \"x\" <&>\n#n: y"
	s.ShortName = `[[x]]: y`
	s.AppKey = `k[[ .Name ]]\"`
	d, err := newData(s)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := apptmpl.Render(templateFS, "template", d, Funcs)
	if err != nil {
		t.Fatal(err)
	}
	if left := apptmpl.Leftovers(tree); len(left) > 0 {
		t.Errorf("leftovers: %v", left)
	}
	parsed := apptest.Parse(t, tree)
	if got := parsed.Plists["iOS/Info.plist"]["CFBundleDisplayName"]; got != `[[x]]: y` {
		t.Errorf("CFBundleDisplayName %q", got)
	}
	if got := parsed.Plists["tvOS/Info.plist"]["NSHumanReadableCopyright"]; got != "© 2026 [[ .AppKey ]] \"x\" <&>\n#n: y" {
		t.Errorf("copyright %q", got)
	}
	if proj, ok := parsed.YAML["project.yml"].(map[string]any); !ok || proj["name"] != "Acme" {
		t.Errorf("project.yml: %v", parsed.YAML["project.yml"])
	}
	if cfg := string(tree["Shared/AppConfig.swift"]); !strings.Contains(cfg, `static let appKey = "k\u{5B}\u{5B} .Name ]]\\\""`) {
		t.Errorf("AppConfig.swift:\n%s", cfg)
	}
}
