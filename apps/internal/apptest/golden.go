package apptest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/marquee-ott/marquee/apps"
)

// Golden compares got with the golden file at path, writing it first when
// update is set (a test's -update flag).
func Golden(t testing.TB, got []byte, path string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the output differs from %s (run with -update if intended):\n%s", path, got)
	}
}

// BenchPackage measures a packager on the test Spec against zipping the same
// files (build makes the tree the package zips).
func BenchPackage(b *testing.B, p apps.Packager, build func(context.Context, apps.Spec) (apps.Tree, error)) {
	s := Spec(p.Platform())
	tree, err := build(context.Background(), s)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("package", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := p.Package(context.Background(), s, nil); err != nil {
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
