package tvpack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/errs"
)

// WebOSImages are the images appinfo.json names, at the sizes LG requires
// (webostv.developer.lge.com, "App Resources" / "Key App Assets": icon
// 80×80, largeIcon 130×130, splashBackground 1920×1080, all PNG; bgImage
// 1920×1080 is the launcher background older webOS versions require).
var WebOSImages = []Image{
	{"webos/icon-80.png", 80, 80},
	{"webos/icon-130.png", 130, 130},
	{"webos/background-1920x1080.png", 1920, 1080},
	{"webos/splash-1920x1080.png", 1920, 1080},
}

// WebOS packages the TV web app as an LG webOS .ipk with LG's ares-package
// (npm @webos-tools/cli, pinned in deploy/npm), which checks appinfo.json
// (id, version, required fields) and refuses a bad one; its message becomes
// the build's Invalid error.
type WebOS struct {
	Web apps.WebBundler
	// AresPackage is the ares-package executable; "" finds it with
	// FindAresPackage when a build starts.
	AresPackage string
	// Timeout bounds one ares-package run (default 2 minutes).
	Timeout time.Duration
}

// Platform is apps.WebOS.
func (p *WebOS) Platform() apps.Platform { return apps.WebOS }

// FindAresPackage finds ares-package as apps.FindTool does.
func FindAresPackage() (string, error) { return apps.FindTool("ares-package") }

// WebOSAppID is the webOS app id for a bundle id: LG wants lowercase
// letters, digits, '+', '-' and '.', so it is lowercased and '_' becomes
// '-' (Android-style ids use '_'); anything else is left for ares-package
// to refuse.
func WebOSAppID(bundleID string) string {
	return strings.ReplaceAll(strings.ToLower(bundleID), "_", "-")
}

// reservedWebOS are the id prefixes LG keeps for its own apps (the webOS
// "appinfo.json" reference); ares-package does not check them, LG's store does.
var reservedWebOS = []string{"com.palm", "com.webos", "com.lge", "com.palmdts"}

type webOSData struct {
	ID, Version, Vendor, Title, Tagline string
	IconColor, BgColor                  string
}

// Package builds the .ipk.
func (p *WebOS) Package(ctx context.Context, s apps.Spec, log io.Writer) (apps.Artifact, error) {
	if err := checkSpec(s, apps.WebOS); err != nil {
		return apps.Artifact{}, err
	}
	id := WebOSAppID(s.BundleID)
	for _, r := range reservedWebOS {
		if id == r || strings.HasPrefix(id, r+".") {
			return apps.Artifact{}, errs.InvalidField("bundleId", "webOS app ids may not start with %s (LG keeps it for its own apps)", r)
		}
	}
	ares := p.AresPackage
	if ares == "" {
		var err error
		if ares, err = FindAresPackage(); err != nil {
			return apps.Artifact{}, errs.Internal(err)
		}
	}
	tree, err := bundle(ctx, p.Web, s, log)
	if err != nil {
		return apps.Artifact{}, err
	}
	meta, err := webOSMeta(s)
	if err != nil {
		return apps.Artifact{}, err
	}
	if err := add(tree, meta); err != nil {
		return apps.Artifact{}, err
	}
	fmt.Fprintf(log, "drawing %d webOS images\n", len(WebOSImages))
	imgs := apps.Tree{}
	drawn := map[[2]int][]byte{} // the background and the splash are the same picture
	for _, im := range WebOSImages {
		b, ok := drawn[[2]int{im.W, im.H}]
		if !ok {
			pad := 0.12
			if im.W > 200 {
				pad = 0.3
			}
			var err error
			if b, err = appimage.PNG(appimage.Opaque(appimage.Fit(s.Logo, im.W, im.H, s.Palette.Background, pad), s.Palette.Background)); err != nil {
				return apps.Artifact{}, errs.Internal(err)
			}
			drawn[[2]int{im.W, im.H}] = b
		}
		imgs[im.Path] = b
	}
	if err := add(tree, imgs); err != nil {
		return apps.Artifact{}, err
	}
	ipk, err := p.run(ctx, ares, tree, log)
	if err != nil {
		return apps.Artifact{}, err
	}
	if !IsIPK(ipk) {
		return apps.Artifact{}, errs.Internal(fmt.Errorf("tvpack webOS: ares-package made something that is not an .ipk (ar archive with debian-binary, control and data)"))
	}
	fmt.Fprintf(log, "webOS package: %d bytes\n", len(ipk))
	return apps.Artifact{
		FileName:    fileName(s, "webos", "ipk"),
		ContentType: "application/octet-stream",
		Data:        ipk,
		Files:       tree,
	}, nil
}

// webOSMeta renders appinfo.json for s.
func webOSMeta(s apps.Spec) (apps.Tree, error) {
	return render("webos", webOSData{
		ID:        WebOSAppID(s.BundleID),
		Version:   s.Version.String(),
		Vendor:    strings.TrimSpace(s.Name),
		Title:     strings.TrimSpace(s.Name),
		Tagline:   tagline(s.Description),
		IconColor: apps.Hex(s.Palette.Background),
		BgColor:   apps.Hex(s.Palette.Background),
	})
}

// tagline is appDescription: one line, at most 60 characters (LG's schema
// keeps longer text for appDescriptionLong).
func tagline(desc string) string {
	line := strings.TrimSpace(strings.SplitN(desc, "\n", 2)[0])
	r := []rune(line)
	if len(r) > 60 {
		line = strings.TrimSpace(string(r[:59])) + "…"
	}
	return line
}

// run writes tree to a temporary app folder and packages it with
// ares-package, offline, without its minifier (the web bundle is already
// minified, and ares' uglify rejects modern syntax). It returns the .ipk.
func (p *WebOS) run(ctx context.Context, ares string, tree apps.Tree, log io.Writer) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "marquee-webos-")
	if err != nil {
		return nil, errs.Internal(fmt.Errorf("tvpack webOS: %w", err))
	}
	defer os.RemoveAll(tmp)
	appDir, outDir, home := filepath.Join(tmp, "app"), filepath.Join(tmp, "out"), filepath.Join(tmp, "home")
	for _, d := range []string{appDir, outDir, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, errs.Internal(fmt.Errorf("tvpack webOS: %w", err))
		}
	}
	if err := writeTree(appDir, tree); err != nil {
		return nil, errs.Internal(fmt.Errorf("tvpack webOS: %w", err))
	}
	if err := Ares(ctx, ares, appDir, outDir, home, p.Timeout, log); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(outDir)
	if err != nil {
		return nil, errs.Internal(fmt.Errorf("tvpack webOS: %w", err))
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".ipk") {
			b, err := os.ReadFile(filepath.Join(outDir, e.Name()))
			if err != nil {
				return nil, errs.Internal(fmt.Errorf("tvpack webOS: %w", err))
			}
			return b, nil
		}
	}
	return nil, errs.Internal(fmt.Errorf("tvpack webOS: ares-package succeeded but wrote no .ipk in %s", outDir))
}

// Ares runs ares-package on appDir, writing the .ipk into outDir, with HOME
// set to home (so it reads no user configuration), in its own process group
// (killed on cancel or after timeout). A refusal of the app (a bad
// appinfo.json) is an errs.Invalid carrying ares-package's own message; any
// other failure is Internal.
func Ares(ctx context.Context, ares, appDir, outDir, home string, timeout time.Duration, log io.Writer) error {
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ares, "--no-minify", "--outdir", outDir, appDir)
	cmd.Env = append(os.Environ(), "HOME="+home, "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stdout = log
	cmd.Stderr = io.MultiWriter(&stderr, log)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	fmt.Fprintf(log, "running ares-package --no-minify\n")
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return errs.Internal(fmt.Errorf("tvpack: ares-package: %w", ctx.Err()))
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if msg := aresMessage(stderr.String()); msg != "" && aresRefusal.MatchString(msg) {
			e := errs.Invalid("LG's packager refused the app: %s", msg)
			e.Err = err
			return e
		}
	}
	return errs.Internal(fmt.Errorf("tvpack: ares-package: %w: %s", err, strings.TrimSpace(stderr.String())))
}

var (
	ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	// aresRefusal matches ares-package's messages about the app's own
	// metadata (error-handler.js: INVALID_VALUE, REQUIRED_FIELD,
	// INVALID_FILE, the id and version rules).
	aresRefusal = regexp.MustCompile(`(?i)invalid value|required field|invalid file|should consist of|invalid json`)
)

// aresMessage is ares-package's error lines without their prefix, joined.
func aresMessage(stderr string) string {
	var lines []string
	for _, l := range strings.Split(ansi.ReplaceAllString(stderr, ""), "\n") {
		l = strings.TrimSpace(l)
		if i := strings.Index(l, "ERR!"); i >= 0 {
			l = strings.TrimSpace(l[i+len("ERR!"):])
			l = strings.TrimSpace(strings.TrimPrefix(l, "Error:"))
			l = strings.TrimSpace(strings.TrimPrefix(l, "[Tips]:"))
			if l != "" {
				lines = append(lines, l)
			}
		}
	}
	return strings.Join(lines, " ")
}

// writeTree writes t under dir.
func writeTree(dir string, t apps.Tree) error {
	for _, p := range t.Paths() {
		if strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
			return fmt.Errorf("unsafe path %q in the tree", p)
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, t[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// IsIPK reports whether b is an ar archive holding debian-binary,
// control.tar.gz and data.tar.gz, the shape of a webOS package.
func IsIPK(b []byte) bool {
	members, err := ArMembers(b)
	if err != nil {
		return false
	}
	return members["debian-binary"] != nil && members["control.tar.gz"] != nil && members["data.tar.gz"] != nil
}

// ArMembers reads a Unix ar archive (the common format: 60-byte headers,
// names ending in '/' or padded with spaces).
func ArMembers(b []byte) (map[string][]byte, error) {
	const magic = "!<arch>\n"
	if !bytes.HasPrefix(b, []byte(magic)) {
		return nil, errors.New("not an ar archive")
	}
	out := map[string][]byte{}
	i := len(magic)
	for i < len(b) {
		if i+60 > len(b) {
			return nil, errors.New("truncated ar header")
		}
		h := b[i : i+60]
		name := strings.TrimRight(strings.TrimSpace(string(h[0:16])), "/")
		var size int
		if _, err := fmt.Sscanf(strings.TrimSpace(string(h[48:58])), "%d", &size); err != nil || size < 0 {
			return nil, fmt.Errorf("bad ar member size for %q", name)
		}
		i += 60
		if i+size > len(b) {
			return nil, fmt.Errorf("truncated ar member %q", name)
		}
		out[name] = b[i : i+size]
		i += size
		if size%2 == 1 {
			i++
		}
	}
	return out, nil
}
