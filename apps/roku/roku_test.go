package roku

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/apps"
)

// testSpec is a tenant with a logo drawn here: a ring on transparency.
func testSpec(tb testing.TB) apps.Spec {
	tb.Helper()
	logo := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	for y := range 1024 {
		for x := range 1024 {
			dx, dy := x-512, y-512
			if d := dx*dx + dy*dy; d < 480*480 && d > 300*300 {
				logo.SetNRGBA(x, y, color.NRGBA{0xe8, 0x4a, 0x27, 255})
			}
		}
	}
	return apps.Spec{
		Platform: apps.Roku, TenantID: "0190a3f0-0000-7000-8000-000000000001", Slug: "acme",
		Name: `Acme "Films" & Co`, ShortName: "Acme", Description: "Films.",
		Palette: apps.Palette{
			Primary: color.RGBA{0xe8, 0x4a, 0x27, 255}, OnPrimary: color.RGBA{0xff, 0xff, 0xff, 255},
			Accent: color.RGBA{0xff, 0xc1, 0x07, 255}, Background: color.RGBA{0x10, 0x12, 0x18, 255},
			Surface: color.RGBA{0x1c, 0x1f, 0x28, 255}, Text: color.RGBA{0xf2, 0xf2, 0xf2, 255}, Muted: color.RGBA{0xa0, 0xa4, 0xad, 255},
		},
		Logo: logo, BundleID: "tv.marquee.acme", BaseURL: "https://acme.example.com/", AppKey: "mqa_test_key",
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
	bsc := filepath.Join(dir, "bin", "npm", "node_modules", ".bin", "bsc")
	if _, err := os.Stat(bsc); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("bsc is missing (%v): run deploy/npm-tools.sh", err)
		}
		tb.Skipf("bsc is missing (%v): run deploy/npm-tools.sh to compile the channel", err)
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
	art, log := mustPackage(t, &Packager{BSC: bsc}, testSpec(t))
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
	t.Logf("bsc:\n%s", out)
}

// The check is real: a call to a function no scope defines, a misspelt
// component and a syntax error each fail it.
func TestCheckRefusesBrokenBrightScript(t *testing.T) {
	bsc := bscPath(t)
	good, err := Render(testSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(apps.Tree){
		"undefined function": func(tr apps.Tree) {
			tr["components/HomeScreen.brs"] = append(tr["components/HomeScreen.brs"], []byte("\nsub broken()\n    notDefinedAnywhere()\nend sub\n")...)
		},
		"syntax": func(tr apps.Tree) {
			tr["source/main.brs"] = append(tr["source/main.brs"], []byte("\nsub oops(\n")...)
		},
	} {
		t.Run(name, func(t *testing.T) {
			tr := apps.Tree{}
			tr.Merge("", good)
			edit(tr)
			if out, err := Check(context.Background(), bsc, tr); err == nil {
				t.Fatalf("bsc passed a broken channel:\n%s", out)
			}
		})
	}
}
