package tvpack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"image"
	"image/color"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/apps/web"
	"github.com/marquee-ott/marquee/errs"
)

// modernJS is in the fake bundle to prove ares-package does not minify it
// (its uglify refuses ?. and ??, which esbuild's chrome68 output lowers but
// a future target may not).
const modernJS = "const f = (x) => x?.y ?? 1;\nconsole.log(f({}));\n"

// webBundle stands in for apps/web: a tiny TV tree, and the layout it was asked for.
type webBundle struct{ layouts []apps.WebLayout }

func (w *webBundle) Bundle(_ context.Context, s apps.Spec, layout apps.WebLayout) (apps.Tree, error) {
	w.layouts = append(w.layouts, layout)
	return apps.Tree{
		"index.html":     []byte("<!doctype html><title>" + s.Name + "</title><script src=\"app.js\"></script>"),
		"app.js":         []byte(modernJS),
		"icons/icon.png": mustPNG(nil, 192, 192),
	}, nil
}

func mustPNG(tb testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if (x-w/2)*(x-w/2)+(y-h/2)*(y-h/2) < w*h/8 {
				img.Set(x, y, color.NRGBA{230, 60, 40, 255})
			}
		}
	}
	b, err := appimage.PNG(img)
	if err != nil && tb != nil {
		tb.Fatal(err)
	}
	return b
}

func logo() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	for y := 200; y < 824; y++ {
		for x := 300; x < 724; x++ {
			img.Set(x, y, color.NRGBA{255, 200, 0, 255})
		}
	}
	return img
}

func spec(p apps.Platform) apps.Spec {
	return apps.Spec{
		Platform:    p,
		TenantID:    "0190f0c4-0000-7000-8000-000000000001",
		Slug:        "acme",
		Name:        `Acme & "Films" <TV>`,
		ShortName:   "Acme",
		Description: "Films from Acme, on your TV.\nSecond line.",
		Palette: apps.Palette{
			Primary: color.RGBA{79, 70, 229, 255}, OnPrimary: color.RGBA{255, 255, 255, 255},
			Background: color.RGBA{16, 16, 24, 255}, Surface: color.RGBA{32, 32, 44, 255},
			Text: color.RGBA{240, 240, 240, 255}, Muted: color.RGBA{170, 170, 180, 255},
		},
		Logo:     logo(),
		BundleID: "tv.marquee.acme_films",
		BaseURL:  "https://acme.example.com",
		AppKey:   "mqa_test",
		WebURL:   "https://acme.example.com/",
		Version:  apps.Version{Major: 1, Minor: 4, Patch: 0, Build: 12},
		Now:      time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),
	}
}

// aresPackage finds LG's packager; in CI its absence fails the test.
func aresPackage(t testing.TB) string {
	t.Helper()
	p, err := FindAresPackage()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return p
}

func checkImages(t *testing.T, tree apps.Tree, want []Image) {
	t.Helper()
	for _, im := range want {
		b, ok := tree[im.Path]
		if !ok {
			t.Errorf("image %s missing", im.Path)
			continue
		}
		w, h, format, err := appimage.Size(b)
		if err != nil || format != "png" || w != im.W || h != im.H {
			t.Errorf("%s is %dx%d %s (%v), want %dx%d png", im.Path, w, h, format, err, im.W, im.H)
		}
	}
}

// untar reads a .tar.gz into path → content (files only).
func untar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			data, _ := io.ReadAll(tr)
			out[strings.TrimPrefix(h.Name, "./")] = data
		}
	}
}

func TestWebOSPackageIsAnIPKMadeByAresPackage(t *testing.T) {
	web := &webBundle{}
	p := &WebOS{Web: web, AresPackage: aresPackage(t)}
	var log bytes.Buffer
	a, err := p.Package(context.Background(), spec(apps.WebOS), &log)
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	if len(web.layouts) != 1 || web.layouts[0] != apps.LayoutTV {
		t.Errorf("asked the web app for layouts %v, want [tv]", web.layouts)
	}
	if a.FileName != "acme-webos-1.4.0-12.ipk" {
		t.Errorf("file name %q", a.FileName)
	}
	members, err := ArMembers(a.Data)
	if err != nil {
		t.Fatal(err)
	}
	if string(members["debian-binary"]) != "2.0\n" || members["control.tar.gz"] == nil || members["data.tar.gz"] == nil {
		t.Fatalf("ipk members: %v", keys(members))
	}
	control := untar(t, members["control.tar.gz"])
	if c := string(control["control"]); !strings.Contains(c, "Package: tv.marquee.acme-films\n") || !strings.Contains(c, "Version: 1.4.0\n") {
		t.Errorf("control file:\n%s", c)
	}
	data := untar(t, members["data.tar.gz"])
	root := "usr/palm/applications/tv.marquee.acme-films/"
	var info map[string]any
	if err := json.Unmarshal(data[root+"appinfo.json"], &info); err != nil {
		t.Fatalf("appinfo.json in the ipk: %v\n%s", err, data[root+"appinfo.json"])
	}
	want := map[string]any{
		"id": "tv.marquee.acme-films", "version": "1.4.0", "type": "web", "main": "index.html",
		"title": `Acme & "Films" <TV>`, "vendor": `Acme & "Films" <TV>`, "appDescription": "Films from Acme, on your TV.",
		"icon": "webos/icon-80.png", "largeIcon": "webos/icon-130.png",
		"bgImage": "webos/background-1920x1080.png", "splashBackground": "webos/splash-1920x1080.png",
		"iconColor": "#101018", "disableBackHistoryAPI": true,
	}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("appinfo.json %s = %#v, want %#v", k, info[k], v)
		}
	}
	// Every image appinfo.json names is in the package at LG's size.
	for _, k := range []string{"icon", "largeIcon", "bgImage", "splashBackground"} {
		if _, ok := data[root+info[k].(string)]; !ok {
			t.Errorf("appinfo.json %s names %v, missing from the ipk", k, info[k])
		}
	}
	pkgd := apps.Tree{}
	for p, b := range data {
		if strings.HasPrefix(p, root) {
			pkgd[strings.TrimPrefix(p, root)] = b
		}
	}
	checkImages(t, pkgd, WebOSImages)
	checkImages(t, a.Files, WebOSImages)
	if string(pkgd["app.js"]) != modernJS {
		t.Errorf("app.js was changed by packaging:\n%s", pkgd["app.js"])
	}
	if !bytes.Equal(pkgd["index.html"], a.Files["index.html"]) {
		t.Error("index.html in the ipk differs from the bundle's")
	}
	if left := apptmpl.Leftovers(a.Files); len(left) > 0 {
		t.Errorf("leftovers: %v", left)
	}
	if !strings.Contains(log.String(), "ares-package") {
		t.Errorf("the log does not mention ares-package:\n%s", log.String())
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A spec that makes a bad appinfo.json is refused by ares-package itself,
// and its message is the build's error.
func TestWebOSBadAppInfoIsRefusedByAresPackage(t *testing.T) {
	ares := aresPackage(t)
	p := &WebOS{Web: &webBundle{}, AresPackage: ares}
	for _, tc := range []struct {
		name string
		edit func(*apps.Spec)
		want string
	}{
		{"id with a character LG refuses", func(s *apps.Spec) { s.BundleID = "tv.marquee.acme$films" }, "Invalid value <id> : tv.marquee.acme$films"},
		{"version number over 9 digits", func(s *apps.Spec) { s.Version.Major = 1234567890 }, "Invalid value <version> : 1234567890.4.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(apps.WebOS)
			tc.edit(&s)
			_, err := p.Package(context.Background(), s, io.Discard)
			if !errs.Is(err, errs.KindInvalid) || !strings.Contains(errs.MessageOf(err), tc.want) {
				t.Fatalf("got %v, want Invalid containing %q", err, tc.want)
			}
			if !strings.Contains(errs.MessageOf(err), "LG's packager refused") {
				t.Errorf("message %q does not say who refused", errs.MessageOf(err))
			}
		})
	}

	// A hand-written appinfo.json with a leading-zero version and no title.
	dir := t.TempDir()
	app, out := filepath.Join(dir, "app"), filepath.Join(dir, "out")
	if err := writeTree(app, apps.Tree{
		"appinfo.json": []byte(`{"id":"tv.marquee.acme","version":"1.02.0","type":"web","main":"index.html","title":"Acme","icon":"icon.png"}`),
		"index.html":   []byte("<!doctype html>"),
		"icon.png":     mustPNG(t, 80, 80),
	}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(out, 0o755)
	err := Ares(context.Background(), ares, app, out, dir, 0, io.Discard)
	if !errs.Is(err, errs.KindInvalid) || !strings.Contains(errs.MessageOf(err), "Invalid value <version> : 1.02.0") {
		t.Fatalf("got %v", err)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Errorf("a refused app still left %d files in the output folder", len(ents))
	}
}

func TestWebOSRefusesWhatAresDoesNotCheck(t *testing.T) {
	p := &WebOS{Web: &webBundle{}, AresPackage: "/nonexistent/ares-package"}
	for _, tc := range []struct {
		name  string
		edit  func(*apps.Spec)
		field string
	}{
		{"LG's reserved prefix", func(s *apps.Spec) { s.BundleID = "com.lge.acme" }, "bundleId"},
		{"name over the TV limit", func(s *apps.Spec) { s.Name = strings.Repeat("é", TitleMax+1) }, "name"},
		{"no name", func(s *apps.Spec) { s.Name = "  " }, "name"},
		{"no logo", func(s *apps.Spec) { s.Logo = nil }, "logo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(apps.WebOS)
			tc.edit(&s)
			_, err := p.Package(context.Background(), s, io.Discard)
			if !errs.Is(err, errs.KindInvalid) || errs.FieldOf(err) != tc.field {
				t.Fatalf("got %v (field %q), want Invalid on %s", err, errs.FieldOf(err), tc.field)
			}
		})
	}
	s := spec(apps.Tizen)
	if _, err := p.Package(context.Background(), s, io.Discard); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("a Tizen spec given to the webOS packager: %v", err)
	}
	// A name of exactly the limit passes the checks (and fails later only
	// because this packager's ares-package does not exist: Internal).
	s = spec(apps.WebOS)
	s.Name = strings.Repeat("é", TitleMax)
	if _, err := p.Package(context.Background(), s, io.Discard); errs.Is(err, errs.KindInvalid) {
		t.Errorf("a %d-character name was refused: %v", TitleMax, err)
	}
}

// widget is the part of config.xml the tests read.
type widget struct {
	XMLName     xml.Name `xml:"http://www.w3.org/ns/widgets widget"`
	ID          string   `xml:"id,attr"`
	Version     string   `xml:"version,attr"`
	Application struct {
		ID       string `xml:"id,attr"`
		Package  string `xml:"package,attr"`
		Required string `xml:"required_version,attr"`
	} `xml:"http://tizen.org/ns/widgets application"`
	Profile struct {
		Name string `xml:"name,attr"`
	} `xml:"http://tizen.org/ns/widgets profile"`
	Name string `xml:"http://www.w3.org/ns/widgets name"`
	Icon struct {
		Src string `xml:"src,attr"`
	} `xml:"http://www.w3.org/ns/widgets icon"`
	Content struct {
		Src string `xml:"src,attr"`
	} `xml:"http://www.w3.org/ns/widgets content"`
	Access []struct {
		Origin string `xml:"origin,attr"`
	} `xml:"http://www.w3.org/ns/widgets access"`
	Privileges []struct {
		Name string `xml:"name,attr"`
	} `xml:"http://tizen.org/ns/widgets privilege"`
	Setting struct {
		Orientation string `xml:"screen-orientation,attr"`
		HWKey       string `xml:"hwkey-event,attr"`
	} `xml:"http://tizen.org/ns/widgets setting"`
}

func TestTizenPackageIsAnUnsignedWGTWithConfigXML(t *testing.T) {
	web := &webBundle{}
	var log bytes.Buffer
	a, err := (&Tizen{Web: web}).Package(context.Background(), spec(apps.Tizen), &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(web.layouts) != 1 || web.layouts[0] != apps.LayoutTV {
		t.Errorf("asked the web app for layouts %v, want [tv]", web.layouts)
	}
	if a.FileName != "acme-tizen-1.4.0-12.wgt" || a.ContentType != "application/widget" {
		t.Errorf("artifact %q %q", a.FileName, a.ContentType)
	}
	files, err := apps.Unzip(a.Data)
	if err != nil {
		t.Fatalf("the .wgt is not a zip: %v", err)
	}
	for _, sig := range []string{"author-signature.xml", "signature1.xml"} {
		if _, ok := files[sig]; ok {
			t.Errorf("the build signed the package (%s); signing is the tenant's", sig)
		}
	}
	var w widget
	if err := xml.Unmarshal(files["config.xml"], &w); err != nil {
		t.Fatalf("config.xml: %v\n%s", err, files["config.xml"])
	}
	pkg := TizenPackageID("tv.marquee.acme_films")
	if w.ID != "https://acme.example.com/" || w.Version != "1.4.0" {
		t.Errorf("widget id %q version %q", w.ID, w.Version)
	}
	if !regexp.MustCompile(`^[0-9a-zA-Z]{10}$`).MatchString(w.Application.Package) || w.Application.Package != pkg {
		t.Errorf("package id %q, want %q (10 alphanumerics)", w.Application.Package, pkg)
	}
	if w.Application.ID != pkg+".acmefilms" || w.Application.Required == "" {
		t.Errorf("tizen:application id=%q required_version=%q", w.Application.ID, w.Application.Required)
	}
	if w.Profile.Name != "tv" || w.Name != `Acme & "Films" <TV>` || w.Content.Src != "index.html" {
		t.Errorf("profile %q name %q content %q", w.Profile.Name, w.Name, w.Content.Src)
	}
	if _, ok := files[w.Content.Src]; !ok {
		t.Errorf("content %s is not in the package", w.Content.Src)
	}
	if len(w.Access) != 1 || w.Access[0].Origin == "" {
		t.Errorf("access %v", w.Access)
	}
	got := map[string]bool{}
	for _, p := range w.Privileges {
		got[p.Name] = true
	}
	for _, p := range TizenPrivileges {
		if !got[p] {
			t.Errorf("privilege %s missing", p)
		}
	}
	if w.Setting.Orientation != "landscape" || w.Setting.HWKey != "enable" {
		t.Errorf("tizen:setting %+v", w.Setting)
	}
	// The icon config.xml names is in the package at Samsung's size, 24-bit.
	if w.Icon.Src != TizenImages[0].Path {
		t.Errorf("icon src %q", w.Icon.Src)
	}
	checkImages(t, files, TizenImages)
	// PNG colour type 2 is truecolour without alpha (IHDR's byte 25).
	if icon := files[w.Icon.Src]; len(icon) < 26 || icon[25] != 2 {
		t.Errorf("the Tizen icon is not a 24-bit PNG; Samsung asks for 24-bit RGB")
	}
	if string(files["app.js"]) != modernJS || files["icons/icon.png"] == nil {
		t.Error("the web bundle's files are not all in the package unchanged")
	}
	if left := apptmpl.Leftovers(a.Files); len(left) > 0 {
		t.Errorf("leftovers: %v", left)
	}
	// libxml2's well-formedness and namespace check (deploy/deps.sh installs
	// xmllint; in CI its absence fails the test).
	xl, err := exec.LookPath("xmllint")
	switch {
	case err == nil:
		f := filepath.Join(t.TempDir(), "config.xml")
		if err := os.WriteFile(f, files["config.xml"], 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(xl, "--noout", "--nonet", f).CombinedOutput(); err != nil {
			t.Errorf("xmllint: %v\n%s", err, out)
		}
	case os.Getenv("CI") == "true":
		t.Errorf("xmllint is missing in CI (deploy/deps.sh installs libxml2-utils): %v", err)
	default:
		t.Logf("xmllint not installed, config.xml checked by encoding/xml only: %v", err)
	}
}

func TestTizenRefusesBadSpecs(t *testing.T) {
	p := &Tizen{Web: &webBundle{}}
	for _, tc := range []struct {
		name  string
		edit  func(*apps.Spec)
		field string
	}{
		{"minor over 255", func(s *apps.Spec) { s.Version.Minor = 256 }, "version"},
		{"patch over 65535", func(s *apps.Spec) { s.Version.Patch = 65536 }, "version"},
		{"negative", func(s *apps.Spec) { s.Version.Major = -1 }, "version"},
		{"name over the TV limit", func(s *apps.Spec) { s.Name = strings.Repeat("a", TitleMax+1) }, "name"},
		{"no web address", func(s *apps.Spec) { s.WebURL, s.BaseURL = "", "" }, "webUrl"},
		{"no bundle id", func(s *apps.Spec) { s.BundleID = "" }, "bundleId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(apps.Tizen)
			tc.edit(&s)
			_, err := p.Package(context.Background(), s, io.Discard)
			if !errs.Is(err, errs.KindInvalid) || errs.FieldOf(err) != tc.field {
				t.Fatalf("got %v (field %q), want Invalid on %s", err, errs.FieldOf(err), tc.field)
			}
		})
	}
	s := spec(apps.Tizen)
	s.Version = apps.Version{Major: 255, Minor: 255, Patch: 65535}
	if _, err := p.Package(context.Background(), s, io.Discard); err != nil {
		t.Errorf("the highest Tizen version was refused: %v", err)
	}
}

func TestTizenIDsAreStableAndWellFormed(t *testing.T) {
	a, b := TizenPackageID("tv.marquee.acme"), TizenPackageID("tv.marquee.acme")
	if a != b || a == TizenPackageID("tv.marquee.acme2") {
		t.Errorf("package ids %q %q not stable or not distinct", a, b)
	}
	for _, tc := range []struct{ in, want string }{
		{"tv.marquee.acme_films", "acmefilms"}, {"tv.marquee.__", "App"}, {"acme", "acme"},
		{"tv.marquee." + strings.Repeat("x", 60), strings.Repeat("x", 52)},
	} {
		if got := TizenAppName(tc.in); got != tc.want {
			t.Errorf("TizenAppName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if WebOSAppID("TV.Marquee.Acme_Films") != "tv.marquee.acme-films" {
		t.Error(WebOSAppID("TV.Marquee.Acme_Films"))
	}
}

func TestArMembersRefusesGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("PK\x03\x04"), []byte("!<arch>\nshort")} {
		if IsIPK(b) {
			t.Errorf("%q taken for an ipk", b)
		}
	}
}

// BenchmarkPackaging compares each packager, wrapping the real web app's TV
// bundle (apps/web), with zipping the same tree (the bundle plus the
// platform's files) with apps.Tree.Zip.
func BenchmarkPackaging(b *testing.B) {
	ctx := context.Background()
	ares := aresPackage(b)
	for _, p := range []apps.Packager{&WebOS{Web: &web.Packager{}, AresPackage: ares}, &Tizen{Web: &web.Packager{}}} {
		s := spec(p.Platform())
		a, err := p.Package(ctx, s, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.ToLower(string(p.Platform())), func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Package(ctx, s, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(a.Files)), "files")
		})
		b.Run(strings.ToLower(string(p.Platform()))+"-zip-same-tree", func(b *testing.B) {
			for b.Loop() {
				if _, err := a.Files.Zip(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
