package roku

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"

	"github.com/marquee-ott/marquee/apps"
)

// LocalBSC is bsc as deploy/npm-tools.sh installs it under a checkout
// (root/bin/npm/node_modules/.bin/bsc) when it is there, else "": what
// cmd/marquee can put in Packager.BSC.
func LocalBSC(root string) string {
	bsc := filepath.Join(root, "bin", "npm", "node_modules", ".bin", "bsc")
	if _, err := os.Stat(bsc); err != nil {
		return ""
	}
	return bsc
}

// Check compiles and lints tree with bsc (the BrighterScript compiler) and
// the @rokucommunity/bslint plugin found next to it
// (node_modules/.bin/bsc → node_modules/@rokucommunity/bslint), in a
// temporary folder. Any error-level diagnostic fails it; out is bsc's report
// either way.
func Check(ctx context.Context, bsc string, tree apps.Tree) (out string, err error) {
	bsc, err = filepath.Abs(bsc)
	if err != nil {
		return "", fmt.Errorf("roku.Check: %w", err)
	}
	plugin := filepath.Join(filepath.Dir(filepath.Dir(bsc)), "@rokucommunity", "bslint")
	if _, err := os.Stat(plugin); err != nil {
		return "", fmt.Errorf("roku.Check: the bslint plugin is not next to bsc: %w", err)
	}
	dir, err := os.MkdirTemp("", "roku-check-")
	if err != nil {
		return "", fmt.Errorf("roku.Check: %w", err)
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "src")
	for _, p := range tree.Paths() {
		f := filepath.Join(src, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return "", fmt.Errorf("roku.Check: %w", err)
		}
		if err := os.WriteFile(f, tree[p], 0o644); err != nil {
			return "", fmt.Errorf("roku.Check: %w", err)
		}
	}
	conf, err := json.MarshalIndent(BSConfig(src, plugin), "", "  ")
	if err != nil {
		return "", fmt.Errorf("roku.Check: %w", err)
	}
	project := filepath.Join(dir, "bsconfig.json")
	if err := os.WriteFile(project, conf, 0o644); err != nil {
		return "", fmt.Errorf("roku.Check: %w", err)
	}
	cmd := exec.CommandContext(ctx, bsc, "--project", project)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err = cmd.Run()
	out = ansi.ReplaceAllString(buf.String(), "")
	if err != nil {
		return out, fmt.Errorf("roku.Check: bsc failed (%w):\n%s", err, out)
	}
	return out, nil
}

// ansi matches the terminal colour codes bsc prints even into a pipe.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// BSConfig is the bsconfig.json Check compiles with: the channel under
// rootDir, bslint as a plugin, no package made (the Packager zips), warnings
// printed and errors failing.
func BSConfig(rootDir, bslint string) map[string]any {
	return map[string]any{
		"rootDir":         rootDir,
		"files":           []string{"manifest", "source/**/*", "components/**/*", "images/**/*"},
		"plugins":         []string{bslint},
		"createPackage":   false,
		"copyToStaging":   false,
		"diagnosticLevel": "warn",
	}
}
