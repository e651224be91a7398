// Package roku builds a tenant's Roku channel: a BrightScript and SceneGraph
// app (home rails, details, search, an HLS player, TV activation, deep
// linking) rendered from the embedded template with the tenant's Spec, its
// manifest and required images generated, packed as a side-loadable zip with
// the manifest at the root. When a BrighterScript compiler is configured the
// rendered tree is compiled and linted (bsc with bslint) before it is zipped.
//
// It is not for signing a package for the Channel Store (that needs a Roku
// device's genkey and the developer's account) nor for ads: the player has
// one place where the Roku Advertising Framework will wrap playback.
package roku

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"image/color"
	"io"
	"net/url"
	"strings"
	"sync"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/errs"
)

//go:embed all:template
var templateFS embed.FS

// MaxNameLength is the longest channel name Roku's developer dashboard takes.
const MaxNameLength = 30

// Image is one image the channel needs: where it goes in the package and
// Roku's size for it.
type Image struct {
	Path          string
	Width, Height int
	// Pad is the logo's padding as a fraction of the shorter side.
	Pad float64
}

// Images are the images the manifest and the screens name, at Roku's sizes:
// the home-screen poster (FHD 540×405, HD 290×218), the splash screen (FHD
// 1920×1080, HD 1280×720), and the logo the screens show in their corner and
// the poster shown while artwork loads or when it fails.
var Images = []Image{
	{"images/icon_focus_fhd.png", 540, 405, 0.12},
	{"images/icon_focus_hd.png", 290, 218, 0.12},
	{"images/splash_fhd.png", 1920, 1080, 0.3},
	{"images/splash_hd.png", 1280, 720, 0.3},
	{"images/logo.png", 300, 120, 0.05},
	{"images/placeholder.png", 540, 405, 0.25},
}

// Packager builds Roku channels (apps.Roku).
type Packager struct {
	// BSC is the BrighterScript compiler (bin/npm/node_modules/.bin/bsc);
	// the @rokucommunity/bslint plugin is looked up next to it. Empty: the
	// tree is not compiled, and the log says so.
	BSC string
	// CheckTimeout bounds the compile; zero is two minutes.
	CheckTimeout time.Duration
}

var _ apps.Packager = (*Packager)(nil)

// Platform is apps.Roku.
func (*Packager) Platform() apps.Platform { return apps.Roku }

// Package renders the channel for s, generates its images, checks it and
// zips it. A Spec the channel cannot carry is errs.Invalid.
func (p *Packager) Package(ctx context.Context, s apps.Spec, log io.Writer) (apps.Artifact, error) {
	if err := Validate(s); err != nil {
		return apps.Artifact{}, err
	}
	tree, err := Render(s)
	if err != nil {
		return apps.Artifact{}, err
	}
	fmt.Fprintf(log, "rendered %d files\n", len(tree))
	if p.BSC == "" {
		fmt.Fprintln(log, "bsc: not configured, the BrightScript is not compiled")
	} else {
		timeout := p.CheckTimeout
		if timeout == 0 {
			timeout = 2 * time.Minute
		}
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		out, err := Check(cctx, p.BSC, tree)
		if err != nil {
			fmt.Fprintf(log, "bsc: %s\n", out)
			return apps.Artifact{}, fmt.Errorf("roku.Package: %w", err)
		}
		fmt.Fprintln(log, "bsc with bslint: no errors")
	}
	data, err := tree.Zip()
	if err != nil {
		return apps.Artifact{}, fmt.Errorf("roku.Package: %w", err)
	}
	name := fmt.Sprintf("%s-roku-%s-%d.zip", s.Slug, s.Version, s.Version.Build)
	fmt.Fprintf(log, "packed %s (%d bytes)\n", name, len(data))
	return apps.Artifact{FileName: name, ContentType: "application/zip", Data: data, Files: tree}, nil
}

// Validate reports what in s a Roku channel cannot carry, every problem at
// once, as errs.Invalid.
func Validate(s apps.Spec) error {
	var bad []string
	if s.Platform != apps.Roku {
		bad = append(bad, fmt.Sprintf("platform is %q, not %q", s.Platform, apps.Roku))
	}
	switch n := utf8.RuneCountInString(s.Name); {
	case strings.TrimSpace(s.Name) == "":
		bad = append(bad, "the name is empty")
	case n > MaxNameLength:
		bad = append(bad, fmt.Sprintf("the name has %d characters, Roku takes at most %d", n, MaxNameLength))
	}
	if s.Slug == "" || strings.ContainsFunc(s.Slug, func(r rune) bool {
		return !(r == '-' || r < unicode.MaxASCII && (unicode.IsLower(r) || unicode.IsDigit(r)))
	}) {
		bad = append(bad, fmt.Sprintf("slug %q is not lower-case letters, digits and dashes", s.Slug))
	}
	for field, v := range map[string]string{"name": s.Name, "base URL": s.BaseURL, "app key": s.AppKey, "web URL": s.WebURL} {
		if strings.ContainsFunc(v, unicode.IsControl) {
			bad = append(bad, "the "+field+" has a control character")
		}
	}
	if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad = append(bad, fmt.Sprintf("base URL %q is not an http(s) origin", s.BaseURL))
	}
	if s.AppKey == "" {
		bad = append(bad, "the app key is empty")
	}
	if s.Logo == nil {
		bad = append(bad, "there is no logo")
	}
	if v := s.Version; v.Major < 0 || v.Minor < 0 || v.Patch < 0 || v.Build < 0 {
		bad = append(bad, fmt.Sprintf("version %s build %d has a negative part", v, v.Build))
	}
	if len(bad) > 0 {
		return errs.Invalid("roku: %s", strings.Join(bad, "; "))
	}
	return nil
}

// Render fills the template with s and adds the images: the channel's file
// tree, ready to zip. s must be valid (Validate).
func Render(s apps.Spec) (apps.Tree, error) {
	tree, err := apptmpl.Render(templateFS, "template", s, Funcs)
	if err != nil {
		return nil, fmt.Errorf("roku.Render: %w", err)
	}
	bg := s.Palette.Background
	bg.A = 255
	// The images are most of a build's time (scaling and PNG compression);
	// they are independent, so they are made in parallel.
	data := make([][]byte, len(Images))
	errors := make([]error, len(Images))
	var wg sync.WaitGroup
	for i, im := range Images {
		wg.Go(func() {
			data[i], errors[i] = appimage.PNG(appimage.Opaque(appimage.Fit(s.Logo, im.Width, im.Height, bg, im.Pad), bg))
		})
	}
	wg.Wait()
	for i, im := range Images {
		if errors[i] != nil {
			return nil, fmt.Errorf("roku.Render %s: %w", im.Path, errors[i])
		}
		tree[im.Path] = data[i]
	}
	return tree, nil
}

// Funcs are the template's functions.
var Funcs = template.FuncMap{
	"brs":       BrightScriptString,
	"rokuColor": Color,
	"hex":       apps.Hex,
	"trimSlash": func(s string) string { return strings.TrimRight(s, "/") },
}

// Color is c as a SceneGraph colour, 0xRRGGBBAA (opaque).
func Color(c color.RGBA) string { return fmt.Sprintf("0x%02X%02X%02XFF", c.R, c.G, c.B) }

// BrightScriptString quotes s as a BrightScript string literal: quotes are
// doubled (BrightScript has no backslash escapes) and control characters,
// which a literal cannot hold, are dropped.
func BrightScriptString(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`""`)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
