package apps

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// toolDir is where deploy/npm-tools.sh installs the app builds' npm checkers
// (bsc, bslint, ares-package) in a checkout.
var toolDir = filepath.Join("bin", "npm", "node_modules", ".bin")

// FindTool finds one of the npm checkers: under bin/npm/node_modules/.bin of
// the working directory or any parent (a checkout, and tests running in a
// package's folder), else on PATH. The checkout's pinned copy comes first so
// a different global install never decides a build.
func FindTool(name string) (string, error) {
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, toolDir, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			up := filepath.Dir(dir)
			if up == dir {
				break
			}
			dir = up
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("apps.FindTool: %s is neither under %s nor on PATH (run deploy/npm-tools.sh)", name, toolDir)
}
