package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/errs"
)

func spec() apps.Spec {
	logo := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	for y := 300; y < 700; y++ {
		for x := 200; x < 800; x++ {
			logo.Set(x, y, color.NRGBA{0x20, 0x80, 0xff, 0xff})
		}
	}
	return apps.Spec{Platform: apps.Web, Slug: "acme", Name: "Acme Movies", ShortName: "Acme", BaseURL: "https://acme.example.com",
		AppKey: "mqa_test", WebURL: "https://acme.example.com/", Palette: PaletteFrom("#2080ff", "#ffcc00", "#101010"), Logo: logo,
		Version: apps.Version{Major: 1, Minor: 2, Patch: 3, Build: 7}, Features: apps.Features{Shorts: true, Creators: true, Billing: true, Cast: true}}
}

func gz(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Len()
}

func TestBundleBuildsBothLayoutsWithConfigBakedIn(t *testing.T) {
	p := &Packager{}
	for _, layout := range []apps.WebLayout{apps.LayoutBrowser, apps.LayoutTV} {
		tree, err := p.Bundle(context.Background(), spec(), layout)
		if err != nil {
			t.Fatalf("%s: %v", layout, err)
		}
		if left := apptmpl.Leftovers(tree); len(left) != 0 {
			t.Errorf("%s: leftovers %v", layout, left)
		}
		c, _ := Compile(layout)
		for _, want := range []string{"index.html", "sw.js", "manifest.webmanifest", c.JSName, c.CSSName, c.HlsName} {
			if len(tree[want]) == 0 {
				t.Errorf("%s: no %s in %v", layout, want, tree.Paths())
			}
		}
		index := string(tree["index.html"])
		for _, want := range []string{"<title>Acme Movies</title>", `"graphql":"https://acme.example.com/graphql"`, `"appKey":"mqa_test"`,
			"--primary:#2080ff", `src="./` + c.JSName + `"`, `href="./` + c.CSSName + `"`} {
			if !strings.Contains(index, want) {
				t.Errorf("%s: index.html lacks %s:\n%s", layout, want, index)
			}
		}
		js := string(tree[c.JSName])
		if strings.Contains(js, "__LAYOUT__") || !strings.Contains(js, `"`+string(layout)+`"`) {
			t.Errorf("%s: the layout is not defined in the bundle", layout)
		}
		t.Logf("%s: JS %d B (%d gz), CSS %d B (%d gz)", layout, len(c.JS), gz(c.JS), len(c.CSS), gz(c.CSS))
	}
}

func TestBundleRefusesAnIncompleteSpec(t *testing.T) {
	s := spec()
	s.AppKey, s.BaseURL = "", "ftp://x"
	_, err := (&Packager{}).Bundle(context.Background(), s, apps.LayoutBrowser)
	if !errs.Is(err, errs.KindInvalid) || !strings.Contains(err.Error(), "app key") || !strings.Contains(err.Error(), "BaseURL") {
		t.Fatalf("want an invalid error naming both, got %v", err)
	}
	if _, err := Compile("watch"); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("unknown layout: %v", err)
	}
}

func TestManifestAndIcons(t *testing.T) {
	tree, err := (&Packager{}).Bundle(context.Background(), spec(), apps.LayoutBrowser)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Name, ShortName, StartURL, Scope, Display, ThemeColor string
		Icons                                                 []struct{ Src, Sizes, Type, Purpose string }
	}
	raw := tree["manifest.webmanifest"]
	var keys map[string]any
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatalf("manifest: %v\n%s", err, raw)
	}
	for _, k := range []string{"name", "short_name", "start_url", "scope", "display", "icons", "theme_color", "background_color"} {
		if keys[k] == nil {
			t.Errorf("manifest lacks %s", k)
		}
	}
	_ = json.Unmarshal(raw, &m)
	if keys["short_name"] != "Acme" || keys["display"] != "standalone" || keys["theme_color"] != "#2080ff" {
		t.Errorf("manifest %s", raw)
	}
	purposes := map[string]bool{}
	for _, ic := range keys["icons"].([]any) {
		icon := ic.(map[string]any)
		purposes[icon["purpose"].(string)] = true
		src := strings.TrimPrefix(icon["src"].(string), "./")
		if len(tree[src]) == 0 {
			t.Errorf("manifest names %s, not in the bundle", src)
		}
	}
	if !purposes["maskable"] || !purposes["any"] {
		t.Errorf("icon purposes %v", purposes)
	}
	for path, size := range IconSizes {
		w, h, format, err := appimage.Size(tree[path])
		if err != nil || w != size || h != size || format != "png" {
			t.Errorf("%s: %dx%d %s %v, want %d square png", path, w, h, format, err, size)
		}
	}
}

func TestPackageZipsTheBrowserLayout(t *testing.T) {
	var log bytes.Buffer
	a, err := (&Packager{}).Package(context.Background(), spec(), &log)
	if err != nil {
		t.Fatal(err)
	}
	if a.FileName != "acme-web-1.2.3-7.zip" || a.ContentType != "application/zip" {
		t.Errorf("artifact %s %s", a.FileName, a.ContentType)
	}
	back, err := apps.Unzip(a.Data)
	if err != nil || !bytes.Equal(back["index.html"], a.Files["index.html"]) {
		t.Fatalf("unzip: %v", err)
	}
	if !strings.Contains(log.String(), "zipped") {
		t.Errorf("log %q", log.String())
	}
}

func TestPaletteReachesContrast(t *testing.T) {
	for _, c := range [][3]string{{"#2080ff", "#ffcc00", "#101010"}, {"#ffff00", "", "#ffffff"}, {"#111111", "", "#000000"}, {"bad", "", ""}} {
		p := PaletteFrom(c[0], c[1], c[2])
		if contrast(p.Text, p.Background) < 4.5 || contrast(p.OnPrimary, p.Primary) < 4.5 {
			t.Errorf("%v: text %.1f, on primary %.1f", c, contrast(p.Text, p.Background), contrast(p.OnPrimary, p.Primary))
		}
		if contrast(p.Primary, p.Background) < 3 {
			t.Errorf("%v: primary on background %.1f", c, contrast(p.Primary, p.Background))
		}
	}
	if p := PaletteFrom("#2080ff", "", "#101010"); apps.Hex(p.Primary) != "#2080ff" {
		t.Errorf("a primary with contrast already is kept: %s", apps.Hex(p.Primary))
	}
}

// The size goal: the web shell (the browser layout's JavaScript and
// CSS, gzipped, hls.js excluded) stays under 60 KB.
func TestShellSizeGoal(t *testing.T) {
	c, err := Compile(apps.LayoutBrowser)
	if err != nil {
		t.Fatal(err)
	}
	js, css := gz(c.JS), gz(c.CSS)
	t.Logf("web shell: JS %d B gzipped (%d raw), CSS %d B gzipped (%d raw), total %.1f KB gzipped of the 60 KB goal; hls.js %d KB gzipped, loaded by the player only",
		js, len(c.JS), css, len(c.CSS), float64(js+css)/1024, gz(c.Hls)/1024)
	if js+css >= 60*1024 {
		t.Errorf("the shell is %d bytes gzipped, over the 60 KB goal", js+css)
	}
}
