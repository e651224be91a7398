package roku

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/errs"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from this run")

// testLogo is drawn here: a ring on transparency, 1024×1024 like a
// tenant's upload.
var testLogo = sync.OnceValue(func() image.Image {
	logo := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	for y := range 1024 {
		for x := range 1024 {
			dx, dy := x-512, y-512
			if d := dx*dx + dy*dy; d < 480*480 && d > 300*300 {
				logo.SetNRGBA(x, y, color.NRGBA{0xe8, 0x4a, 0x27, 255})
			}
		}
	}
	return logo
})

// rendered is testSpec's tree, rendered once for the tests that only read
// it (the images dominate a render, more so under -race).
var rendered = sync.OnceValues(func() (apps.Tree, error) {
	return Render(testSpec())
})

func mustRendered(tb testing.TB) apps.Tree {
	tb.Helper()
	tree, err := rendered()
	if err != nil {
		tb.Fatal(err)
	}
	return tree
}

// testSpec is a tenant's Spec with awkward characters in its name.
func testSpec() apps.Spec {
	return apps.Spec{
		Platform: apps.Roku, TenantID: "0190a3f0-0000-7000-8000-000000000001", Slug: "acme",
		Name: `Acme "Films" & Co`, ShortName: "Acme", Description: "Films.",
		Palette: apps.Palette{
			Primary: color.RGBA{0xe8, 0x4a, 0x27, 255}, OnPrimary: color.RGBA{0xff, 0xff, 0xff, 255},
			Accent: color.RGBA{0xff, 0xc1, 0x07, 255}, Background: color.RGBA{0x10, 0x12, 0x18, 255},
			Surface: color.RGBA{0x1c, 0x1f, 0x28, 255}, Text: color.RGBA{0xf2, 0xf2, 0xf2, 255}, Muted: color.RGBA{0xa0, 0xa4, 0xad, 255},
		},
		Logo: testLogo(), BundleID: "tv.marquee.acme", BaseURL: "https://acme.example.com/", AppKey: "mqa_test_key",
		WebURL: "https://acme.example.com/", Version: apps.Version{Major: 1, Minor: 4, Patch: 2, Build: 17},
		Features: apps.Features{Billing: true}, Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),
	}
}

// bscPath finds bsc under the module root's bin/npm (deploy/npm-tools.sh
// installs it); in CI its absence fails the test, elsewhere it skips.
func bscPath(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test")
		}
		dir = parent
	}
	bsc := LocalBSC(dir)
	if bsc == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("bsc is missing under %s/bin/npm: run deploy/npm-tools.sh", dir)
		}
		tb.Skipf("bsc is missing under %s/bin/npm: run deploy/npm-tools.sh to compile the channel", dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("node is missing")
		}
		tb.Skip("node is missing: bsc needs it")
	}
	return bsc
}

func mustPackage(tb testing.TB, p *Packager, s apps.Spec) (apps.Artifact, string) {
	tb.Helper()
	var log bytes.Buffer
	art, err := p.Package(context.Background(), s, &log)
	if err != nil {
		tb.Fatalf("Package: %v\nlog:\n%s", err, log.String())
	}
	return art, log.String()
}

func TestTheChannelCompilesAndLintsWithoutErrors(t *testing.T) {
	bsc := bscPath(t)
	art, log := mustPackage(t, &Packager{BSC: bsc}, testSpec())
	if !strings.Contains(log, "bsc with bslint: no errors") {
		t.Fatalf("the log does not say bsc ran:\n%s", log)
	}
	// The zip itself, unpacked, compiles too (what a developer side-loads).
	tree, err := apps.Unzip(art.Data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Check(context.Background(), bsc, tree)
	if err != nil {
		t.Fatal(err)
	}
	// Warnings too (bslint's unused variables, case sensitivity): none.
	if strings.Contains(out, " - warning ") || strings.Contains(out, " - error ") {
		t.Errorf("bsc reported problems:\n%s", out)
	}
	t.Logf("bsc:\n%s", out)
}

// The check is real: a call to a function no scope defines, a syntax error
// and a lint error (bslint's comma style) each fail it.
func TestCheckRefusesBrokenBrightScript(t *testing.T) {
	bsc := bscPath(t)
	good := mustRendered(t)
	want := map[string]string{"undefined function": "BS1140", "syntax": "BS1043", "lint": "BSLINT3014"}
	for name, edit := range map[string]func(apps.Tree){
		"undefined function": func(tr apps.Tree) {
			tr["components/HomeScreen.brs"] = append(tr["components/HomeScreen.brs"], []byte("\nsub broken()\n    notDefinedAnywhere()\nend sub\n")...)
		},
		"syntax": func(tr apps.Tree) {
			tr["source/main.brs"] = append(tr["source/main.brs"], []byte("\nsub oops(\n")...)
		},
		"lint": func(tr apps.Tree) {
			tr["source/main.brs"] = append(tr["source/main.brs"], []byte("\nfunction lint() as object\n    return {\n        a: 1\n        b: 2\n    }\nend function\n")...)
		},
	} {
		t.Run(name, func(t *testing.T) {
			tr := apps.Tree{}
			tr.Merge("", good)
			edit(tr)
			out, err := Check(context.Background(), bsc, tr)
			if err == nil {
				t.Fatalf("bsc passed a broken channel:\n%s", out)
			}
			if !strings.Contains(err.Error(), want[name]) {
				t.Errorf("want %s in the report, got %v", want[name], err)
			}
		})
	}
}

// manifestOf parses a Roku manifest: name=value lines, # comments, blank
// lines ignored; every line must end with a newline (Roku's rule).
func manifestOf(t *testing.T, b []byte) map[string]string {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\n")) {
		t.Error("the manifest's last line has no newline")
	}
	m := map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.TrimSpace(k) != k {
			t.Fatalf("manifest line %d %q is not name=value", i+1, line)
		}
		if _, dup := m[k]; dup {
			t.Errorf("manifest names %s twice", k)
		}
		m[k] = v
	}
	return m
}

func TestTheZipIsASideloadableChannel(t *testing.T) {
	s := testSpec()
	art, log := mustPackage(t, &Packager{}, s)
	if !strings.Contains(log, "bsc: not configured") {
		t.Errorf("the log does not say the check was skipped:\n%s", log)
	}
	if art.FileName != "acme-roku-1.4.2-17.zip" || art.ContentType != "application/zip" {
		t.Errorf("artifact %q %q", art.FileName, art.ContentType)
	}
	tree, err := apps.Unzip(art.Data)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree) != len(art.Files) {
		t.Errorf("the zip holds %d files, the artifact lists %d", len(tree), len(art.Files))
	}
	for _, need := range []string{"manifest", "source/main.brs", "components/MainScene.xml"} {
		if _, ok := tree[need]; !ok {
			t.Errorf("%s is not at the zip's root", need)
		}
	}
	again, _ := mustPackage(t, &Packager{}, s)
	if !bytes.Equal(art.Data, again.Data) {
		t.Error("the same Spec packed to different bytes")
	}

	m := manifestOf(t, tree["manifest"])
	want := map[string]string{
		"title": s.Name, "major_version": "1", "minor_version": "4", "build_version": "17",
		"splash_color": "#101218", "ui_resolutions": "fhd", "supports_input_launch": "1",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("manifest %s = %q, want %q", k, m[k], v)
		}
	}
	for _, k := range []string{"major_version", "minor_version", "build_version", "splash_min_time"} {
		if _, err := strconv.Atoi(m[k]); err != nil {
			t.Errorf("manifest %s = %q is not an integer", k, m[k])
		}
	}
	// Every image the manifest names is in the package at Roku's size.
	sizes := map[string][2]int{
		"mm_icon_focus_fhd": {540, 405}, "mm_icon_focus_hd": {290, 218},
		"splash_screen_fhd": {1920, 1080}, "splash_screen_hd": {1280, 720},
	}
	for k, wh := range sizes {
		path, ok := strings.CutPrefix(m[k], "pkg:/")
		if !ok {
			t.Errorf("manifest %s = %q is not a pkg:/ path", k, m[k])
			continue
		}
		checkImage(t, tree, path, wh[0], wh[1])
	}
	for _, im := range Images {
		checkImage(t, tree, im.Path, im.Width, im.Height)
	}
	// Every pkg:/ reference in the code names a file of the package.
	ref := regexp.MustCompile(`pkg:/[A-Za-z0-9_./-]+`)
	for _, p := range tree.Paths() {
		if strings.HasSuffix(p, ".png") {
			continue
		}
		for _, r := range ref.FindAll(tree[p], -1) {
			if _, ok := tree[strings.TrimPrefix(string(r), "pkg:/")]; !ok {
				t.Errorf("%s refers to %s, which is not in the package", p, r)
			}
		}
	}
	if left := apptmpl.Leftovers(tree); len(left) != 0 {
		t.Errorf("placeholders left: %v", left)
	}
}

// checkImage: a PNG of w×h, opaque (Roku's posters and splash screens
// show no transparency), its corner the palette's background.
func checkImage(t *testing.T, tree apps.Tree, path string, w, h int) {
	t.Helper()
	data, ok := tree[path]
	if !ok {
		t.Errorf("%s is missing", path)
		return
	}
	gw, gh, format, err := appimage.Size(data)
	if err != nil || gw != w || gh != h || format != "png" {
		t.Errorf("%s is %d×%d %s (%v), want a %d×%d png", path, gw, gh, format, err, w, h)
		return
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, a := img.At(0, 0).RGBA()
	if a != 0xffff || r>>8 != 0x10 || g>>8 != 0x12 || b>>8 != 0x18 {
		t.Errorf("%s corner is %x %x %x %x, want the opaque background", path, r>>8, g>>8, b>>8, a>>8)
	}
	_, _, _, ca := img.At(w/2+int(float64(min(w, h))*0.3), h/2).RGBA()
	if ca != 0xffff {
		t.Errorf("%s is not opaque inside", path)
	}
}

// component is the part of a SceneGraph component file the test reads.
type component struct {
	XMLName xml.Name `xml:"component"`
	Name    string   `xml:"name,attr"`
	Extends string   `xml:"extends,attr"`
	Fields  []struct {
		ID       string `xml:"id,attr"`
		Type     string `xml:"type,attr"`
		OnChange string `xml:"onChange,attr"`
	} `xml:"interface>field"`
	Scripts []struct {
		URI string `xml:"uri,attr"`
	} `xml:"script"`
}

func TestEveryComponentParsesAndNamesItsFile(t *testing.T) {
	tree := mustRendered(t)
	names := map[string]bool{}
	var comps []component
	for _, p := range tree.Paths() {
		if !strings.HasSuffix(p, ".xml") {
			continue
		}
		var c component
		dec := xml.NewDecoder(bytes.NewReader(tree[p]))
		if err := dec.Decode(&c); err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		// The whole document parses, not only its first element.
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("%s: %v", p, err)
				break
			}
		}
		if want := strings.TrimSuffix(filepath.Base(p), ".xml"); c.Name != want {
			t.Errorf("%s declares component %q", p, c.Name)
		}
		if len(c.Scripts) == 0 {
			t.Errorf("%s has no script", p)
		}
		names[c.Name] = true
		comps = append(comps, c)
	}
	for _, want := range []string{"MainScene", "HomeScreen", "DetailsScreen", "SearchScreen", "PlayerScreen", "PlayerTask", "ActivationScreen", "ActivationTask", "ApiTask", "RailItem"} {
		if !names[want] {
			t.Errorf("component %s is missing", want)
		}
	}
	for _, c := range comps {
		if c.Name == "MainScene" && c.Extends != "Scene" {
			t.Errorf("MainScene extends %s", c.Extends)
		}
		if strings.HasSuffix(c.Name, "Task") && c.Extends != "Task" {
			t.Errorf("%s extends %s, not Task (roUrlTransfer needs a task thread)", c.Name, c.Extends)
		}
	}
}

func TestTheConfigCarriesTheSpecSafely(t *testing.T) {
	tree := mustRendered(t)
	conf := string(tree["components/Config.brs"])
	for _, want := range []string{
		`name: "Acme ""Films"" & Co",`,
		`baseURL = "https://acme.example.com"`,
		`appKey: "mqa_test_key",`,
		`primary: "0xE84A27FF",`,
		`background: "0x101218FF",`,
		`billing: true`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("Config.brs lacks %s:\n%s", want, conf)
		}
	}
	if got := BrightScriptString("a\"b\nc"); got != `"a""bc"` {
		t.Errorf("BrightScriptString = %s", got)
	}
}

func TestABadSpecIsInvalid(t *testing.T) {
	cases := map[string]struct {
		edit func(*apps.Spec)
		want string
	}{
		"name too long":  {func(s *apps.Spec) { s.Name = strings.Repeat("é", MaxNameLength+1) }, "31 characters, Roku takes at most 30"},
		"empty name":     {func(s *apps.Spec) { s.Name = " " }, "the name is empty"},
		"newline":        {func(s *apps.Spec) { s.Name = "Acme\nbuild_version=9" }, "the name has a control character"},
		"other platform": {func(s *apps.Spec) { s.Platform = apps.Android }, "not \"ROKU\""},
		"base URL":       {func(s *apps.Spec) { s.BaseURL = "acme.example.com" }, "not an http(s) origin"},
		"no key":         {func(s *apps.Spec) { s.AppKey = "" }, "app key is empty"},
		"no logo":        {func(s *apps.Spec) { s.Logo = nil }, "no logo"},
		"slug":           {func(s *apps.Spec) { s.Slug = "../x" }, "slug"},
		"version":        {func(s *apps.Spec) { s.Version.Build = -1 }, "negative"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec()
			c.edit(&s)
			_, err := (&Packager{}).Package(context.Background(), s, io.Discard)
			if !errs.Is(err, errs.KindInvalid) || !strings.Contains(errs.MessageOf(err), c.want) {
				t.Fatalf("want an Invalid error saying %q, got %v", c.want, err)
			}
		})
	}
	// Every problem at once.
	s := testSpec()
	s.Name, s.AppKey = "", ""
	if err := Validate(s); err == nil || !strings.Contains(errs.MessageOf(err), "name is empty") || !strings.Contains(errs.MessageOf(err), "app key is empty") {
		t.Errorf("want both problems, got %v", err)
	}
}

// BenchmarkPackage is a whole build without bsc (render, images, zip);
// BenchmarkZipOnly zips the same tree: the ratio is what rendering and
// the images cost over packing.
func BenchmarkPackage(b *testing.B) {
	s := testSpec()
	p := &Packager{}
	for b.Loop() {
		if _, err := p.Package(context.Background(), s, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZipOnly(b *testing.B) {
	tree := mustRendered(b)
	for b.Loop() {
		if _, err := tree.Zip(); err != nil {
			b.Fatal(err)
		}
	}
}

// The generated manifest and configuration are pinned by golden files
// (go test -update rewrites them; review the diff like code).
func TestGeneratedFilesMatchTheGoldenOnes(t *testing.T) {
	tree := mustRendered(t)
	for path, golden := range map[string]string{"manifest": "manifest.golden", "components/Config.brs": "Config.brs.golden"} {
		file := filepath.Join("testdata", golden)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, tree[path], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tree[path], want) {
			t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", path, file, tree[path])
		}
	}
}

// Callbacks are named by strings bsc does not follow: every onChange,
// observeField callback and task functionName must be a function of the
// component's own scripts, or SceneGraph drops the event at run time.
func TestEveryCallbackNamesAFunctionOfItsComponent(t *testing.T) {
	tree := mustRendered(t)
	funcDecl := regexp.MustCompile(`(?im)^\s*(?:sub|function)\s+(\w+)\s*\(`)
	callback := regexp.MustCompile(`(?i)(?:observeField\(\s*"\w+"\s*,\s*"(\w+)"\s*\)|functionName\s*=\s*"(\w+)")`)
	checked := 0
	for _, p := range tree.Paths() {
		if !strings.HasPrefix(p, "components/") || !strings.HasSuffix(p, ".xml") {
			continue
		}
		var c component
		if err := xml.Unmarshal(tree[p], &c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		defined := map[string]bool{}
		var code []byte
		for _, sc := range c.Scripts {
			src := tree[strings.TrimPrefix(sc.URI, "pkg:/")]
			for _, m := range funcDecl.FindAllSubmatch(src, -1) {
				defined[strings.ToLower(string(m[1]))] = true
			}
			code = append(code, src...)
		}
		var names []string
		for _, f := range c.Fields {
			if f.OnChange != "" {
				names = append(names, f.OnChange)
			}
		}
		for _, m := range callback.FindAllSubmatch(code, -1) {
			names = append(names, string(m[1])+string(m[2]))
		}
		for _, n := range names {
			checked++
			if !defined[strings.ToLower(n)] {
				t.Errorf("%s: callback %s is not a function of the component", c.Name, n)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d callbacks found: the patterns no longer match the code", checked)
	}
}

// sceneGraphNodes are the built-in SceneGraph nodes a component's children
// may use (Roku's node reference); bsc does not check child tags.
var sceneGraphNodes = map[string]bool{
	"Group": true, "LayoutGroup": true, "Rectangle": true, "Poster": true, "Label": true, "ScrollingLabel": true,
	"Button": true, "ButtonGroup": true, "RowList": true, "MarkupGrid": true, "PosterGrid": true, "LabelList": true,
	"MarkupList": true, "MiniKeyboard": true, "Keyboard": true, "DynamicMiniKeyboard": true, "Timer": true,
	"Video": true, "BusySpinner": true, "Dialog": true, "ContentNode": true, "Animation": true,
}

func TestEveryChildNodeIsBuiltInOrAComponent(t *testing.T) {
	tree := mustRendered(t)
	own := map[string]bool{}
	for _, p := range tree.Paths() {
		if strings.HasPrefix(p, "components/") && strings.HasSuffix(p, ".xml") {
			own[strings.TrimSuffix(filepath.Base(p), ".xml")] = true
		}
	}
	for _, p := range tree.Paths() {
		if !own[strings.TrimSuffix(filepath.Base(p), ".xml")] || !strings.HasSuffix(p, ".xml") {
			continue
		}
		dec := xml.NewDecoder(bytes.NewReader(tree[p]))
		depth, inChildren := 0, false
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			switch el := tok.(type) {
			case xml.StartElement:
				depth++
				if el.Name.Local == "children" {
					inChildren = true
				} else if inChildren && !sceneGraphNodes[el.Name.Local] && !own[el.Name.Local] {
					t.Errorf("%s: <%s> is neither a SceneGraph node nor a component of the channel", p, el.Name.Local)
				}
			case xml.EndElement:
				depth--
				if el.Name.Local == "children" {
					inChildren = false
				}
			}
		}
		if depth != 0 {
			t.Errorf("%s: unbalanced", p)
		}
	}
}

// A configured compiler that is not there fails the build rather than
// shipping an unchecked channel.
func TestAMissingCompilerFailsTheBuild(t *testing.T) {
	var log bytes.Buffer
	_, err := (&Packager{BSC: filepath.Join(t.TempDir(), ".bin", "bsc")}).Package(context.Background(), testSpec(), &log)
	if err == nil || !strings.Contains(err.Error(), "bslint plugin is not next to bsc") {
		t.Fatalf("want the missing tools named, got %v", err)
	}
}
