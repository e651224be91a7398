package tvpack

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/marquee-ott/marquee/apps"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The generated manifests are pinned: a change to a template shows up as a
// diff of testdata/*.golden, reviewed like code (go test -update rewrites them).
func TestManifestsMatchGoldenFiles(t *testing.T) {
	appinfo, err := webOSMeta(spec(apps.WebOS))
	if err != nil {
		t.Fatal(err)
	}
	config, err := tizenMeta(spec(apps.Tizen), "https://acme.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{
		"appinfo.json.golden": appinfo["appinfo.json"],
		"config.xml.golden":   config["config.xml"],
	} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generated file:\n--- got\n%s\n--- want\n%s", name, got, want)
		}
	}
}

// ArMembers reads ares-package's output; garbage must fail, not panic.
func FuzzArMembers(f *testing.F) {
	f.Add([]byte("!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n"))
	f.Add([]byte("!<arch>\nx/              0           0     0     100644  -1        `\n"))
	f.Add([]byte("!<arch>\n"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ArMembers(b)
		if err == nil {
			for _, v := range m {
				if len(v) > len(b) {
					t.Fatalf("a member longer than the archive")
				}
			}
		}
	})
}
