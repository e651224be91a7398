package android

import (
	"bytes"
	"context"
	"encoding/xml"
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
	builtOnce.Do(func() { built = build(t, apptest.Spec(apps.Android)) })
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
	if len(tree) != len(a.Files) {
		t.Fatalf("the zip holds %d files, the artifact lists %d", len(tree), len(a.Files))
	}
	if a.FileName != "acme-android-1.4.0-12.zip" || a.ContentType != "application/zip" {
		t.Errorf("artifact %q %q", a.FileName, a.ContentType)
	}
	return tree
}

func TestPackageMakesAWellFormedProjectWithBothFlavours(t *testing.T) {
	tree := testTree(t)
	parsed := apptest.Parse(t, tree)

	for _, p := range []string{"settings.gradle.kts", "build.gradle.kts", "app/build.gradle.kts", "gradle/libs.versions.toml",
		"gradle/wrapper/gradle-wrapper.properties", "app/src/main/AndroidManifest.xml", "app/src/tv/AndroidManifest.xml",
		"app/src/mobile/AndroidManifest.xml", "app/src/main/res/values/strings.xml", "app/src/main/res/values/colors.xml",
		"app/src/main/java/tv/marquee/app/api/GraphQL.kt", "app/src/main/java/tv/marquee/app/player/PlayerActivity.kt",
		"app/src/main/java/tv/marquee/app/auth/DeviceActivation.kt", "app/src/tv/java/tv/marquee/app/TvActivity.kt",
		"app/src/mobile/java/tv/marquee/app/MainActivity.kt"} {
		if _, ok := tree[p]; !ok {
			t.Errorf("missing %s", p)
		}
	}
	for name, root := range parsed.XMLRoots {
		want := map[string]string{"AndroidManifest.xml": "manifest", "ic_launcher.xml": "adaptive-icon"}[filepath.Base(name)]
		if want == "" {
			want = "resources"
		}
		if root != want {
			t.Errorf("%s: root <%s>, want <%s>", name, root, want)
		}
	}

	gradle := string(tree["app/build.gradle.kts"])
	for _, want := range []string{`applicationId = "tv.marquee.acme"`, "versionCode = 12", `versionName = "1.4.0"`, `create("tv")`, `create("mobile")`} {
		if !strings.Contains(gradle, want) {
			t.Errorf("app/build.gradle.kts lacks %s", want)
		}
	}
	// The Kotlin string escapes the app key's quote and dollar.
	if cfg := string(tree["app/src/main/java/tv/marquee/app/AppConfig.kt"]); !strings.Contains(cfg, `APP_KEY = "mqa_test_\$key\"1"`) ||
		!strings.Contains(cfg, `BASE_URL = "https://acme.example.com"`) {
		t.Errorf("AppConfig.kt:\n%s", cfg)
	}
	toml := string(tree["gradle/libs.versions.toml"])
	for _, lib := range []string{"agp = ", "kotlin = ", "composeBom = ", "tvMaterial = ", "media3 = ", "okhttp = ", "serialization = "} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(lib) + `"\d+\.\d+\.\d+"$`).MatchString(toml) {
			t.Errorf("libs.versions.toml does not pin %s", lib)
		}
	}
	for _, lib := range []string{"media3-exoplayer-hls", "tv-material", "compose-bom"} {
		if !strings.Contains(toml, lib+" = ") {
			t.Errorf("libs.versions.toml lacks %s", lib)
		}
	}

	tv := manifest(t, tree["app/src/tv/AndroidManifest.xml"])
	if !tv.hasCategory("android.intent.category.LEANBACK_LAUNCHER") || tv.hasCategory("android.intent.category.LAUNCHER") {
		t.Error("the tv flavour's activity must be a LEANBACK_LAUNCHER and no LAUNCHER")
	}
	if tv.feature["android.software.leanback"] != "true" || tv.feature["android.hardware.touchscreen"] != "false" {
		t.Errorf("tv features %v", tv.feature)
	}
	if tv.Application.Banner != "@drawable/banner" {
		t.Errorf("tv banner %q", tv.Application.Banner)
	}
	mobile := manifest(t, tree["app/src/mobile/AndroidManifest.xml"])
	if !mobile.hasCategory("android.intent.category.LAUNCHER") || mobile.hasCategory("android.intent.category.LEANBACK_LAUNCHER") {
		t.Error("the mobile flavour's activity must be a LAUNCHER and no LEANBACK_LAUNCHER")
	}
	if mobile.feature["android.software.leanback"] != "false" {
		t.Errorf("mobile features %v", mobile.feature)
	}
	if !mobile.hasScheme("tv.marquee.acme") || !tv.hasScheme("tv.marquee.acme") {
		t.Error("deep link scheme missing")
	}
	main := manifest(t, tree["app/src/main/AndroidManifest.xml"])
	if !main.permission["android.permission.INTERNET"] {
		t.Error("INTERNET permission missing")
	}
	if main.Package != "" {
		t.Error("AGP 8 refuses a package attribute; the applicationId is in build.gradle.kts")
	}

	strs := string(tree["app/src/main/res/values/strings.xml"])
	if !strings.Contains(strs, `<string name="app_name">Acme \"Films\" &amp; &lt;Co&gt;</string>`) {
		t.Errorf("app_name not escaped:\n%s", strs)
	}
	if !strings.Contains(string(tree["app/src/main/res/values/colors.xml"]), `<color name="primary">#e53935</color>`) {
		t.Error("colors.xml lacks the palette")
	}

	want := map[string][2]int{}
	opaque := map[string]bool{}
	for _, im := range Images {
		want[im.Path] = [2]int{im.W, im.H}
		opaque[im.Path] = im.Opaque
	}
	apptest.CheckImages(t, tree, want, opaque)
	for _, must := range []string{"app/src/main/res/mipmap-mdpi/ic_launcher.png", "app/src/main/res/mipmap-xxxhdpi/ic_launcher.png", "app/src/tv/res/drawable-xhdpi/banner.png"} {
		if _, ok := want[must]; !ok {
			t.Errorf("the image list lacks %s", must)
		}
	}
	if want["app/src/main/res/mipmap-xxxhdpi/ic_launcher.png"] != [2]int{192, 192} || want["app/src/tv/res/drawable-xhdpi/banner.png"] != [2]int{320, 180} ||
		want["app/src/main/res/mipmap-xxxhdpi/ic_launcher_foreground.png"] != [2]int{432, 432} {
		t.Error("launcher sizes differ from Android's")
	}

	if left := apptmpl.Leftovers(tree); len(left) > 0 {
		t.Errorf("placeholders left: %v", left)
	}
	// Kotlin, Swift-free: every source and Gradle file was rendered.
	n := 0
	for _, p := range tree.Paths() {
		if strings.HasSuffix(p, ".kt") || strings.HasSuffix(p, ".kts") {
			n++
			if bytes.Contains(tree[p], []byte("[[")) {
				t.Errorf("%s keeps a [[", p)
			}
		}
	}
	if n < 12 {
		t.Errorf("only %d Kotlin and Gradle files", n)
	}
}

func TestGraphQLCallsUseTheSchemasFieldNames(t *testing.T) {
	tree := testTree(t)
	repo := string(tree["app/src/main/java/tv/marquee/app/api/Repository.kt"])
	for _, f := range []string{"storefront", "home", "rails(first:", "shortsFeed(", "search(query:", "myList(", "continueWatching(",
		"addToMyList", "removeFromMyList", "viewerSignIn(input:", "selectProfile(profileId:", "playbackSession(titleId:",
		"playbackHeartbeat(sessionId:", "reportProgress(titleId:", "endPlayback(sessionId:", "resumePositionSeconds", "hlsURL",
		"subtitles { language name sdh url }"} {
		if !strings.Contains(repo, f) {
			t.Errorf("Repository.kt does not use %s", f)
		}
	}
	act := string(tree["app/src/main/java/tv/marquee/app/auth/DeviceActivation.kt"])
	for _, f := range []string{`"/oauth/device_authorization"`, `"/oauth/token"`, "urn:ietf:params:oauth:grant-type:device_code", "authorization_pending", "slow_down"} {
		if !strings.Contains(act, f) {
			t.Errorf("DeviceActivation.kt lacks %s", f)
		}
	}
	if !strings.Contains(string(tree["app/src/main/java/tv/marquee/app/api/GraphQL.kt"]), `"X-Marquee-App-Key"`) {
		t.Error("the GraphQL client does not send the app key")
	}
}

func TestPackageRefusesABadSpec(t *testing.T) {
	for field, mutate := range map[string]func(*apps.Spec){
		"name":     func(s *apps.Spec) { s.Name = strings.Repeat("x", MaxNameLen+1) },
		"bundleId": func(s *apps.Spec) { s.BundleID = "tv.marquee.class" },
		"baseUrl":  func(s *apps.Spec) { s.BaseURL = "ftp://x" },
		"version":  func(s *apps.Spec) { s.Version.Build = 0 },
		"platform": func(s *apps.Spec) { s.Platform = apps.Roku },
		"logo":     func(s *apps.Spec) { s.Logo = nil },
	} {
		s := apptest.Spec(apps.Android)
		mutate(&s)
		_, err := Packager{}.Package(context.Background(), s, nil)
		var e *errs.Error
		if !errs.Is(err, errs.KindInvalid) || !asErr(err, &e) || e.Field != field {
			t.Errorf("%s: got %v", field, err)
		}
	}
	s := apptest.Spec(apps.Android)
	s.Name = strings.Repeat("x", MaxNameLen+1)
	_, err := Build(context.Background(), s, nil)
	if err == nil || !strings.Contains(err.Error(), "30") {
		t.Errorf("the error should name the limit: %v", err)
	}
}

func TestTVManifestMatchesGolden(t *testing.T) {
	apptest.Golden(t, testTree(t)["app/src/tv/AndroidManifest.xml"], filepath.Join("testdata", "golden", "tv-AndroidManifest.xml"), *update)
}

func BenchmarkPackage(b *testing.B) {
	apptest.BenchPackage(b, Packager{}, func(ctx context.Context, s apps.Spec) (apps.Tree, error) { return Build(ctx, s, nil) })
}

// The Kotlin client's queries are valid against the API's schema.
func TestKotlinQueriesValidateAgainstTheSchema(t *testing.T) {
	src := string(testTree(t)["app/src/main/java/tv/marquee/app/api/Repository.kt"])
	card := regexp.MustCompile(`(?s)const val CARD = """(.*?)"""`).FindStringSubmatch(src)
	if card == nil {
		t.Fatal("no CARD selection")
	}
	body := strings.Replace(src, card[0], "", 1)
	var raw []string
	for _, m := range regexp.MustCompile(`(?s)"""(.*?)"""`).FindAllStringSubmatch(body, -1) {
		raw = append(raw, m[1])
	}
	body = regexp.MustCompile(`(?s)""".*?"""`).ReplaceAllString(body, "")
	for _, m := range regexp.MustCompile(`"((?:query|mutation) [^"]*)"`).FindAllStringSubmatch(body, -1) {
		raw = append(raw, m[1])
	}
	docs := map[string]string{}
	for i, q := range raw {
		q = strings.ReplaceAll(q, "${'$'}", "$")
		q = strings.ReplaceAll(q, "$CARD", card[1])
		if strings.Contains(q, "$field") {
			docs[fmt.Sprintf("kotlin %d add", i)] = strings.ReplaceAll(q, "$field", "addToMyList")
			docs[fmt.Sprintf("kotlin %d remove", i)] = strings.ReplaceAll(q, "$field", "removeFromMyList")
			continue
		}
		docs[fmt.Sprintf("kotlin %d", i)] = q
	}
	if len(docs) < 15 {
		t.Fatalf("found only %d GraphQL documents in Repository.kt", len(docs))
	}
	apptest.ValidateGraphQL(t, docs)
}

// A name, key or URL holding template brackets, quotes, dollars or XML
// specials renders into sources that still parse and hold no placeholder.
func TestHostileValuesAreEscapedEverywhere(t *testing.T) {
	s := apptest.Spec(apps.Android)
	s.Name = `[[ .AppKey ]] "$x" <&>`
	s.ShortName = `@[[x]]`
	s.AppKey = `k[[ .Name ]]$\"`
	s.WebURL = "https://acme.example.com/t/a&b/"
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
	apptest.Parse(t, tree)
	var res struct {
		Strings []struct {
			Name string `xml:"name,attr"`
			Text string `xml:",chardata"`
		} `xml:"string"`
	}
	if err := xml.Unmarshal(tree["app/src/main/res/values/strings.xml"], &res); err != nil {
		t.Fatal(err)
	}
	for _, st := range res.Strings {
		// aapt2 unescapes \" and \@; the XML layer is already decoded here.
		if st.Name == "app_name" && st.Text != `[[ .AppKey ]] \"$x\" <&>` {
			t.Errorf("app_name %q", st.Text)
		}
		if st.Name == "launcher_name" && st.Text != `\@[[x]]` {
			t.Errorf("launcher_name %q", st.Text)
		}
	}
	cfg := string(tree["app/src/main/java/tv/marquee/app/AppConfig.kt"])
	if !strings.Contains(cfg, `APP_KEY = "k\u005B\u005B .Name ]]\$\\\""`) {
		t.Errorf("AppConfig.kt:\n%s", cfg)
	}
	if !strings.Contains(string(tree["app/src/mobile/AndroidManifest.xml"]), `android:pathPrefix="/t/a&amp;b/title/"`) {
		t.Error("the web path is not escaped in the manifest")
	}
}
