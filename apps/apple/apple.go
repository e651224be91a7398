// Package apple generates a tenant's Apple TV and iOS app: an XcodeGen spec
// (project.yml) with an iOS and a tvOS target sharing the SwiftUI screens,
// the URLSession + Codable GraphQL client, the Keychain session, the AVPlayer
// player with resume, and the deep links; tvOS adds sign-in by activation
// code (RFC 8628). It renders the embedded template with the Spec, writes the
// asset catalogs (iOS AppIcon set, tvOS layered App Icon and Top Shelf brand
// assets, launch screen) drawn from the logo, checks the result and zips it.
// It does not run xcodegen or Xcode (that needs a Mac, see the README's
// "Apple TV and iOS apps"); store listings are package apps/listing's.
package apple

import (
	"context"
	"embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/errs"
)

//go:embed all:template
var templateFS embed.FS

// MaxNameLen is the App Store's app name limit (characters).
const MaxNameLen = 30

// Image is a generated image: where it goes, its size in pixels, whether it
// is flattened over the palette's background (Apple refuses alpha in app
// icons; the tvOS icon's front layer keeps it for the parallax) and the
// logo's margin, a fraction of the shorter side.
type Image struct {
	Path   string
	W, H   int
	Opaque bool
	Pad    float64
	// Fill draws only the background (an icon's back layer).
	Fill bool
}

const (
	iosAssets = "iOS/Assets.xcassets/"
	tvAssets  = "tvOS/Assets.xcassets/"
	brand     = tvAssets + "App Icon & Top Shelf Image.brandassets/"
)

type iconEntry struct {
	idiom, size, scale string
	px                 int
}

// iosIcons are the iOS AppIcon set's slots (points × scale = pixels): the
// iPhone and iPad home screen, Spotlight and Settings sizes and the 1024×1024
// App Store ("ios-marketing") icon, all opaque.
var iosIcons = []iconEntry{
	{"iphone", "20x20", "2x", 40}, {"iphone", "20x20", "3x", 60},
	{"iphone", "29x29", "2x", 58}, {"iphone", "29x29", "3x", 87},
	{"iphone", "40x40", "2x", 80}, {"iphone", "40x40", "3x", 120},
	{"iphone", "60x60", "2x", 120}, {"iphone", "60x60", "3x", 180},
	{"ipad", "20x20", "1x", 20}, {"ipad", "20x20", "2x", 40},
	{"ipad", "29x29", "1x", 29}, {"ipad", "29x29", "2x", 58},
	{"ipad", "40x40", "1x", 40}, {"ipad", "40x40", "2x", 80},
	{"ipad", "76x76", "1x", 76}, {"ipad", "76x76", "2x", 152},
	{"ipad", "83.5x83.5", "2x", 167},
	{"ios-marketing", "1024x1024", "1x", 1024},
}

func iosIconFile(e iconEntry) string {
	return fmt.Sprintf("icon-%s-%s@%s.png", e.idiom, strings.ReplaceAll(e.size, ".", "_"), e.scale)
}

// tvOS sizes (Apple's Human Interface Guidelines, "App icons" for tvOS, as
// Xcode's brand assets template and Unity's tvOSPlatformIconKind list them):
// the home screen icon is a layered image stack of 400×240 (@1x) and 800×480
// (@2x), the App Store icon a stack of 1280×768; the Top Shelf image is
// 1920×720 (@2x 3840×1440) and the wide one 2320×720 (@2x 4640×1440).
type tvStack struct {
	dir   string
	idiom string
	w, h  int
	x2    bool
}

var tvStacks = []tvStack{
	{"App Icon.imagestack", "tv", 400, 240, true},
	{"App Icon - App Store.imagestack", "tv-marketing", 1280, 768, false},
}

var tvShelves = []struct {
	dir, role string
	w, h      int
}{
	{"Top Shelf Image.imageset", "top-shelf-image", 1920, 720},
	{"Top Shelf Image Wide.imageset", "top-shelf-image-wide", 2320, 720},
}

// Images is every image the project holds, with the size Apple requires.
var Images = func() []Image {
	var out []Image
	for _, e := range iosIcons {
		out = append(out, Image{Path: iosAssets + "AppIcon.appiconset/" + iosIconFile(e), W: e.px, H: e.px, Opaque: true, Pad: 0.12})
	}
	for _, s := range []int{1, 2, 3} {
		out = append(out, Image{Path: fmt.Sprintf("%sLaunchLogo.imageset/launch@%dx.png", iosAssets, s), W: 200 * s, H: 200 * s})
	}
	for _, st := range tvStacks {
		scales := []int{1}
		if st.x2 {
			scales = append(scales, 2)
		}
		for _, s := range scales {
			out = append(out,
				Image{Path: fmt.Sprintf("%s%s/Front.imagestacklayer/Content.imageset/front@%dx.png", brand, st.dir, s), W: st.w * s, H: st.h * s, Pad: 0.18},
				Image{Path: fmt.Sprintf("%s%s/Back.imagestacklayer/Content.imageset/back@%dx.png", brand, st.dir, s), W: st.w * s, H: st.h * s, Opaque: true, Fill: true},
			)
		}
	}
	for _, sh := range tvShelves {
		for _, s := range []int{1, 2} {
			out = append(out, Image{Path: fmt.Sprintf("%s%s/shelf@%dx.png", brand, sh.dir, s), W: sh.w * s, H: sh.h * s, Opaque: true, Pad: 0.2})
		}
	}
	for _, s := range []int{1, 2} {
		out = append(out, Image{Path: fmt.Sprintf("%sLaunchLogo.imageset/launch@%dx.png", tvAssets, s), W: 400 * s, H: 400 * s})
	}
	return out
}()

// Packager builds the Apple project.
type Packager struct{}

// Platform is apps.Apple.
func (Packager) Platform() apps.Platform { return apps.Apple }

// Package renders, draws, checks and zips the project.
func (Packager) Package(ctx context.Context, s apps.Spec, log io.Writer) (apps.Artifact, error) {
	if log == nil {
		log = io.Discard
	}
	tree, err := Build(ctx, s, log)
	if err != nil {
		return apps.Artifact{}, err
	}
	data, err := tree.Zip()
	if err != nil {
		return apps.Artifact{}, errs.Internal(err)
	}
	fmt.Fprintf(log, "apple: zipped %d files, %d bytes\n", len(tree), len(data))
	return apps.Artifact{
		FileName:    fmt.Sprintf("%s-apple-%s-%d.zip", s.Slug, s.Version, s.Version.Build),
		ContentType: "application/zip",
		Data:        data,
		Files:       tree,
	}, nil
}

// Build renders the project tree without zipping it.
func Build(ctx context.Context, s apps.Spec, log io.Writer) (apps.Tree, error) {
	if log == nil {
		log = io.Discard
	}
	d, err := newData(s)
	if err != nil {
		return nil, err
	}
	tree, err := apptmpl.Render(templateFS, "template", d, Funcs)
	if err != nil {
		return nil, errs.Internal(err)
	}
	fmt.Fprintf(log, "apple: rendered %d template files for %s (%s)\n", len(tree), s.BundleID, s.Version)
	out, err := appimage.DrawAll(ctx, len(Images), func(i int) ([]byte, error) { return draw(s, Images[i]) })
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, errs.Internal(err)
	}
	for i, im := range Images {
		tree[im.Path] = out[i]
	}
	if err := catalogs(tree, s.Palette); err != nil {
		return nil, errs.Internal(err)
	}
	fmt.Fprintf(log, "apple: drew %d icons, layers, top shelf and launch images\n", len(Images))
	if left := apptmpl.Leftovers(tree); len(left) > 0 {
		return nil, errs.Internal(fmt.Errorf("apple: placeholders left: %v", left))
	}
	return tree, nil
}

func draw(s apps.Spec, im Image) ([]byte, error) {
	bg := s.Palette.Background
	bg.A = 255
	if im.Fill {
		return appimage.PNG(appimage.Opaque(image.NewNRGBA(image.Rect(0, 0, im.W, im.H)), bg))
	}
	if im.Opaque {
		return appimage.PNG(appimage.Opaque(appimage.Fit(s.Logo, im.W, im.H, bg, im.Pad), bg))
	}
	return appimage.PNG(appimage.Fit(s.Logo, im.W, im.H, color.RGBA{}, im.Pad))
}

var xcodeInfo = map[string]any{"author": "xcode", "version": 1}

// catalogs writes every Contents.json of both asset catalogs.
func catalogs(tree apps.Tree, p apps.Palette) error {
	put := func(path string, v any) error {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		tree[path] = append(b, '\n')
		return nil
	}
	type M = map[string]any
	var icons []M
	for _, e := range iosIcons {
		icons = append(icons, M{"idiom": e.idiom, "size": e.size, "scale": e.scale, "filename": iosIconFile(e)})
	}
	colorset := func(c color.RGBA) M {
		return M{"colors": []M{{"idiom": "universal", "color": M{"color-space": "srgb", "components": M{
			"red": fmt.Sprintf("0x%02X", c.R), "green": fmt.Sprintf("0x%02X", c.G), "blue": fmt.Sprintf("0x%02X", c.B), "alpha": "1.000"}}}}, "info": xcodeInfo}
	}
	files := map[string]any{
		iosAssets + "Contents.json":                           M{"info": xcodeInfo},
		iosAssets + "AppIcon.appiconset/Contents.json":        M{"images": icons, "info": xcodeInfo},
		iosAssets + "LaunchBackground.colorset/Contents.json": colorset(p.Background),
		iosAssets + "AccentColor.colorset/Contents.json":      colorset(p.Primary),
		iosAssets + "LaunchLogo.imageset/Contents.json": M{"images": []M{
			{"idiom": "universal", "scale": "1x", "filename": "launch@1x.png"},
			{"idiom": "universal", "scale": "2x", "filename": "launch@2x.png"},
			{"idiom": "universal", "scale": "3x", "filename": "launch@3x.png"}}, "info": xcodeInfo},
		tvAssets + "Contents.json":                           M{"info": xcodeInfo},
		tvAssets + "LaunchBackground.colorset/Contents.json": colorset(p.Background),
		tvAssets + "AccentColor.colorset/Contents.json":      colorset(p.Primary),
		tvAssets + "LaunchLogo.imageset/Contents.json": M{"images": []M{
			{"idiom": "tv", "scale": "1x", "filename": "launch@1x.png"},
			{"idiom": "tv", "scale": "2x", "filename": "launch@2x.png"}}, "info": xcodeInfo},
	}
	var assets []M
	for _, st := range tvStacks {
		assets = append(assets, M{"filename": st.dir, "idiom": "tv", "role": "primary-app-icon", "size": fmt.Sprintf("%dx%d", st.w, st.h)})
		files[brand+st.dir+"/Contents.json"] = M{"layers": []M{{"filename": "Front.imagestacklayer"}, {"filename": "Back.imagestacklayer"}}, "info": xcodeInfo}
		for _, layer := range []string{"Front", "Back"} {
			files[brand+st.dir+"/"+layer+".imagestacklayer/Contents.json"] = M{"info": xcodeInfo}
			images := []M{{"idiom": st.idiom, "scale": "1x", "filename": strings.ToLower(layer) + "@1x.png"}}
			if st.x2 {
				images = append(images, M{"idiom": st.idiom, "scale": "2x", "filename": strings.ToLower(layer) + "@2x.png"})
			}
			files[brand+st.dir+"/"+layer+".imagestacklayer/Content.imageset/Contents.json"] = M{"images": images, "info": xcodeInfo}
		}
	}
	for _, sh := range tvShelves {
		assets = append(assets, M{"filename": sh.dir, "idiom": "tv", "role": sh.role, "size": fmt.Sprintf("%dx%d", sh.w, sh.h)})
		files[brand+sh.dir+"/Contents.json"] = M{"images": []M{
			{"idiom": "tv", "scale": "1x", "filename": "shelf@1x.png"},
			{"idiom": "tv", "scale": "2x", "filename": "shelf@2x.png"}}, "info": xcodeInfo}
	}
	files[brand+"Contents.json"] = M{"assets": assets, "info": xcodeInfo}
	for path, v := range files {
		if err := put(path, v); err != nil {
			return err
		}
	}
	return nil
}

type data struct {
	Name, ShortName, BundleID, BundleIDPrefix string
	ProjectName                               string
	BaseURL, AppKey, WebURL, ArtworkBase      string
	VersionName                               string
	VersionBuild                              int
	VersionBuildString                        string
	Year                                      int
	Features                                  apps.Features
	SColors                                   struct{ Primary, OnPrimary, Accent, Background, Surface, Text, Muted string }
}

// appleBundleID: letters, digits, hyphens and periods, two or more parts.
var appleBundleID = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)

func newData(s apps.Spec) (data, error) {
	if s.Platform != apps.Apple {
		return data{}, errs.InvalidField("platform", "the Apple packager builds %s, not %q", apps.Apple, s.Platform)
	}
	if strings.TrimSpace(s.Name) == "" {
		return data{}, errs.InvalidField("name", "the app needs a name")
	}
	if n := utf8.RuneCountInString(s.Name); n > MaxNameLen {
		return data{}, errs.InvalidField("name", "the App Store allows %d characters in an app's name; %q has %d", MaxNameLen, s.Name, n)
	}
	short := s.ShortName
	if short == "" {
		short = s.Name
	}
	if !appleBundleID.MatchString(s.BundleID) {
		return data{}, errs.InvalidField("bundleId", "%q is not an Apple bundle id (letters, digits, hyphens, two or more dot-separated parts)", s.BundleID)
	}
	for _, u := range []struct{ field, v string }{{"baseUrl", s.BaseURL}, {"webUrl", s.WebURL}} {
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return data{}, errs.InvalidField(u.field, "%q is not an http(s) URL", u.v)
		}
	}
	if s.AppKey == "" {
		return data{}, errs.InvalidField("appKey", "the app needs an app key")
	}
	if s.Version.Build < 1 {
		return data{}, errs.InvalidField("version", "the build number (CFBundleVersion) must be 1 or more, not %d", s.Version.Build)
	}
	if s.Logo == nil {
		return data{}, errs.InvalidField("logo", "the app needs a logo")
	}
	d := data{
		Name: s.Name, ShortName: short, BundleID: s.BundleID,
		BundleIDPrefix: s.BundleID[:strings.LastIndex(s.BundleID, ".")],
		ProjectName:    projectName(s.Slug, s.Name),
		BaseURL:        strings.TrimSuffix(s.BaseURL, "/"), AppKey: s.AppKey, WebURL: s.WebURL,
		ArtworkBase: strings.TrimSuffix(s.BaseURL, "/") + "/images/",
		VersionName: s.Version.String(), VersionBuild: s.Version.Build, VersionBuildString: strconv.Itoa(s.Version.Build),
		Year: s.Now.Year(), Features: s.Features,
	}
	f := func(c color.RGBA) string {
		return fmt.Sprintf("%.3f, green: %.3f, blue: %.3f", float64(c.R)/255, float64(c.G)/255, float64(c.B)/255)
	}
	p := s.Palette
	d.SColors.Primary, d.SColors.OnPrimary, d.SColors.Accent = f(p.Primary), f(p.OnPrimary), f(p.Accent)
	d.SColors.Background, d.SColors.Surface, d.SColors.Text, d.SColors.Muted = f(p.Background), f(p.Surface), f(p.Text), f(p.Muted)
	return d, nil
}

// projectName is the Xcode project's and product's name: the slug's words
// capitalised, letters and digits only ("acme-films" → "AcmeFilms"). The
// name people see is CFBundleDisplayName.
func projectName(slug, name string) string {
	src := slug
	if src == "" {
		src = name
	}
	var b strings.Builder
	up := true
	for _, r := range src {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if up {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	out := b.String()
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "App" + out
	}
	return out
}

// Funcs are the template's escapers: sw quotes a Swift string literal, px
// escapes plist (XML) text, yq quotes a YAML scalar (a JSON string is a valid
// YAML double-quoted scalar), comment makes a value safe in a line comment.
//
// Every escaper also escapes "[", so that a value holding "[[ … ]]" cannot
// look like a placeholder left unrendered (the leftover check would refuse
// the build): Swift's \u{5B}, XML's &#91;, JSON's \u005b, a space in
// comments, Markdown's \[.
var Funcs = template.FuncMap{
	"sw": swiftString,
	"px": func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return strings.ReplaceAll(b.String(), "[", "&#91;")
	},
	"yq": func(s string) string {
		b, _ := json.Marshal(s)
		return strings.ReplaceAll(string(b), "[", `\u005b`)
	},
	"comment": func(s string) string { return strings.NewReplacer("\n", " ", "\r", " ", "[", "( ").Replace(s) },
	"md":      func(s string) string { return strings.NewReplacer("[", `\[`, "\n", " ").Replace(s) },
}

func swiftString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '[':
			b.WriteString(`\u{5B}`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u{%x}`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
