package apptmpl

import (
	"os"
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/apps"
)

func TestRenderFillsTemplatesAndCopiesTheRest(t *testing.T) {
	tree, err := Render(os.DirFS("testdata"), "tpl", map[string]string{"Name": "Acme"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(tree["sub/conf.txt"]); got != "name = Acme\n" {
		t.Errorf("rendered %q", got)
	}
	if got := string(tree["plain.kt"]); got != "literal { braces }\n" {
		t.Errorf("copied %q", got)
	}
	if left := Leftovers(tree); len(left) != 0 {
		t.Errorf("leftovers %v", left)
	}
}

func TestRenderRefusesAMissingField(t *testing.T) {
	_, err := Render(os.DirFS("testdata"), "tpl", map[string]string{}, nil)
	if err == nil || !strings.Contains(err.Error(), "conf.txt.tmpl") {
		t.Fatalf("want an error naming the template, got %v", err)
	}
}

func TestLeftoversFindsPlaceholdersAndUnrenderedFiles(t *testing.T) {
	left := Leftovers(apps.Tree{"a.swift": []byte("let x = \"[[ .Name ]]\""), "b.xml.tmpl": []byte("<a/>"), "c.png": {0x89, 0, '[', '['}})
	if len(left) != 2 || !strings.HasPrefix(left[0], "a.swift: [[ .Name ]]") || !strings.HasPrefix(left[1], "b.xml.tmpl") {
		t.Fatalf("leftovers %v", left)
	}
}
