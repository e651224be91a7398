package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/marquee-ott/marquee"

type pkg struct {
	ImportPath string
	Imports    []string
	Doc        string
	Name       string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// edges are the packages that translate the outside world; composition roots
// (cmd, platform) may import them, nothing else may.
var edges = []string{module + "/graph", module + "/api", module + "/cmd/"}

var composers = []string{module + "/cmd/", module + "/platform", module + "/internal/archtest"}

// domainForbidden are what a domain package must never import.
var domainForbidden = []string{"github.com/99designs/gqlgen", "go.temporal.io/", "net/http/httptest", module + "/workflows"}

func under(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == strings.TrimSuffix(p, "/") || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

// Nothing but the composition roots imports graph, api or cmd.
func TestOnlyCompositionRootsImportTheEdges(t *testing.T) {
	for _, p := range listPackages(t) {
		if under(p.ImportPath, composers) || under(p.ImportPath, edges) {
			continue
		}
		for _, imp := range p.Imports {
			if under(imp, edges) {
				t.Errorf("%s imports %s", p.ImportPath, imp)
			}
		}
	}
}

// Domain packages know nothing of GraphQL or Temporal.
func TestDomainPackagesStayPure(t *testing.T) {
	domains := []string{"tenants", "catalog", "viewers", "media", "playback", "billing", "ads", "channels", "live",
		"analytics", "apps", "authz", "audit", "outbox", "mail", "db", "errs", "ratelimit", "domains", "operators", "uploads", "blobstore", "sealbox", "ttl", "assets", "geo"}
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		root := strings.Split(rel, "/")[0]
		isDomain := false
		for _, d := range domains {
			isDomain = isDomain || root == d
		}
		if !isDomain {
			continue
		}
		for _, imp := range p.Imports {
			for _, bad := range domainForbidden {
				if strings.HasPrefix(imp, bad) {
					t.Errorf("domain package %s imports %s", p.ImportPath, imp)
				}
			}
		}
		if strings.HasPrefix(p.ImportPath, module+"/db") {
			for _, imp := range p.Imports {
				for _, d := range domains {
					if d != "db" && d != "errs" && under(imp, []string{module + "/" + d}) {
						t.Errorf("db imports domain package %s", imp)
					}
				}
			}
		}
	}
}

// Every package has a doc comment saying what it is for (generated code aside).
func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Name == "main" && strings.HasPrefix(p.ImportPath, module+"/cmd/") && p.Doc != "" {
			continue
		}
		if strings.Contains(p.ImportPath, "/internal/") && strings.HasSuffix(p.ImportPath, "sql") {
			continue // sqlc output
		}
		if strings.HasSuffix(p.ImportPath, "/graph/generated") || strings.HasSuffix(p.ImportPath, "/graph/model") {
			continue // gqlgen output
		}
		if p.Doc == "" {
			t.Errorf("package %s has no doc comment", p.ImportPath)
		}
	}
}
