// Package apps generates a tenant's white-label apps: it turns the tenant's
// branding, configuration and a version into a Spec, hands the Spec to one
// Packager per platform (web, Roku, Android/Fire TV, Apple, Tizen, webOS),
// and keeps the builds, their artifacts and logs.
//
// The platform templates live in sub-packages (apps/web, apps/roku, …), each
// embedding its template under its own folder; this package knows none of
// them: cmd/marquee (through platform) registers them. It is not for serving
// the hosted web app (api does, with apps/web's bundle) nor for compiling
// Android or Apple projects (that needs the vendors' SDKs, see the README).
package apps

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"sort"
	"time"
)

// Platform is an app target. Android covers Fire TV, Android TV and Android
// phones (one Gradle project, flavours tv and mobile); Apple covers Apple TV
// and iOS (one XcodeGen spec, two targets).
type Platform string

// Platforms.
const (
	Web     Platform = "WEB"
	Roku    Platform = "ROKU"
	Android Platform = "ANDROID"
	Apple   Platform = "APPLE"
	Tizen   Platform = "TIZEN"
	WebOS   Platform = "WEBOS"
)

// Platforms lists every platform in the console's order.
var Platforms = []Platform{Web, Roku, Android, Apple, Tizen, WebOS}

// Version is an app's semantic version plus a build number that only goes up
// (stores want a monotonically increasing integer: versionCode, CFBundleVersion,
// Roku's build_version).
type Version struct {
	Major, Minor, Patch int
	Build               int
}

// String is the semantic version, "1.4.0".
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Palette is the app's colours, already checked for contrast (WCAG 2.x): Text
// on Background and OnPrimary on Primary reach 4.5:1.
type Palette struct {
	Primary    color.RGBA // buttons, focus ring, progress
	OnPrimary  color.RGBA // text on Primary
	Accent     color.RGBA // highlights, badges
	Background color.RGBA // screens
	Surface    color.RGBA // cards, sheets (Background nudged toward Text)
	Text       color.RGBA // body text on Background
	Muted      color.RGBA // secondary text on Background
}

// Hex is c as "#rrggbb".
func Hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Features say which parts of the app are on; a template leaves out the
// screens of a feature that is off.
type Features struct {
	Billing  bool // plans, checkout, rent and buy (the workspace sells something)
	Shorts   bool // the vertical shorts feed
	Creators bool // creator pages
	Cast     bool // Chromecast and AirPlay
}

// Spec is everything a platform template needs, already validated.
type Spec struct {
	Platform Platform
	TenantID string
	Slug     string
	// Name is the app's name (within the platform's length limit); ShortName
	// fits under a home-screen icon (≤ 12 characters).
	Name, ShortName string
	// Description is the store listing's text; Keywords its search terms.
	Description string
	Keywords    []string
	Palette     Palette
	// Logo is the tenant's logo, square (padded with transparency when the
	// upload was not), at least 1024×1024, possibly with alpha.
	Logo image.Image
	// BundleID is the reverse-DNS application id, e.g. "tv.marquee.acme":
	// Android applicationId, Apple bundle id, Tizen/webOS app id (stripped of
	// dots where the platform wants).
	BundleID string
	// BaseURL is the API's public origin ("https://acme.example.com");
	// GraphQL is BaseURL + "/graphql" with header X-Marquee-App-Key: AppKey,
	// TV activation BaseURL + "/oauth/device_authorization".
	BaseURL string
	AppKey  string
	// WebURL is the hosted web app's address (activation page: WebURL + "activate").
	WebURL   string
	Version  Version
	Features Features
	// Now is the build's time (for copyright lines, build stamps).
	Now time.Time
}

// Artifact is what one platform build produced.
type Artifact struct {
	// FileName is the download's name, e.g. "acme-roku-1.4.0-12.zip".
	FileName    string
	ContentType string
	Data        []byte
	// Files is what the artifact holds (tests and the listing read it).
	Files Tree
}

// Packager builds one platform's app from a Spec. It renders the template,
// generates the images, validates and packages; log gets a line per step
// (stored as the build's log). A bad Spec is an errs.Invalid error.
type Packager interface {
	Platform() Platform
	Package(ctx context.Context, s Spec, log io.Writer) (Artifact, error)
}

// Tree is a file tree in memory: slash-separated path → content.
type Tree map[string][]byte

// Paths lists the tree's paths, sorted.
func (t Tree) Paths() []string {
	ps := make([]string, 0, len(t))
	for p := range t {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// Merge copies other into t under prefix ("" for the root).
func (t Tree) Merge(prefix string, other Tree) {
	for p, b := range other {
		t[prefix+p] = b
	}
}

// Zip packs the tree, paths sorted and times fixed so the same tree gives
// the same bytes.
func (t Tree) Zip() ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range t.Paths() {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p, Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, fmt.Errorf("apps.Tree.Zip %s: %w", p, err)
		}
		if _, err := w.Write(t[p]); err != nil {
			return nil, fmt.Errorf("apps.Tree.Zip %s: %w", p, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("apps.Tree.Zip: %w", err)
	}
	return buf.Bytes(), nil
}

// Unzip reads a zip made by Zip (or anyone) back into a tree.
func Unzip(data []byte) (Tree, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("apps.Unzip: %w", err)
	}
	t := Tree{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("apps.Unzip %s: %w", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("apps.Unzip %s: %w", f.Name, err)
		}
		t[f.Name] = b
	}
	return t, nil
}

// WebLayout is which build of the web app: the browser's (pointer, touch,
// responsive) or the 10-foot TV build (remote's arrows move a visible focus,
// back and media keys, no hover or touch), which Tizen and webOS package.
type WebLayout string

// Web layouts.
const (
	LayoutBrowser WebLayout = "browser"
	LayoutTV      WebLayout = "tv"
)

// WebBundler makes the web app's static files for a Spec and layout, with
// the Spec's configuration baked in (index.html, JS, CSS, manifest, service
// worker, icons). apps/web implements it; the Tizen and webOS packagers
// wrap its TV layout.
type WebBundler interface {
	Bundle(ctx context.Context, s Spec, layout WebLayout) (Tree, error)
}
