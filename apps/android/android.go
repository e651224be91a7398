// Package android generates a tenant's Android app: one Gradle (Kotlin DSL)
// project with two product flavours, tv (Android TV and Fire TV, Compose for
// TV, the leanback launcher and RFC 8628 device activation) and mobile
// (phones and tablets, Compose Material 3), sharing the GraphQL client, the
// session, the Media3 HLS player with resume, and the deep links. It renders
// the embedded template with the Spec, draws every launcher icon and the TV
// banner from the logo, checks the result and zips it. It does not compile
// the project: that needs the Android SDK (see the README's "Android, Android
// TV and Fire TV apps"); store listings are package apps/listing's.
package android

import (
	"context"
	"embed"
	"encoding/xml"
	"fmt"
	"image/color"
	"io"
	"net/url"
	"regexp"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/errs"
)

//go:embed all:template
var templateFS embed.FS

// MaxNameLen is Google Play's app title limit (characters), which the
// launcher label and strings.xml's app_name share.
const MaxNameLen = 30

// Image is a generated image: where it goes and its size in pixels.
type Image struct {
	Path string
	W, H int
	// Opaque images are flattened over the palette's background; the others
	// keep the logo's transparency (the adaptive icon's foreground).
	Opaque bool
	// Pad is the margin around the logo, a fraction of the shorter side.
	Pad float64
}

// Images is every image the project holds, with the size Android requires:
// legacy launcher icons are 48 dp, adaptive icon layers 108 dp (the logo
// inside the 66 dp safe zone), at mdpi 1×, hdpi 1.5×, xhdpi 2×, xxhdpi 3×,
// xxxhdpi 4×; the Play Store icon is 512×512; Android TV's launcher banner
// is 320×180 at xhdpi (developer.android.com, "TV app icon guidelines":
// banner xhdpi 320×180 px), which Fire TV shows too.
var Images = func() []Image {
	var out []Image
	for _, d := range []struct {
		name  string
		scale float64
	}{{"mdpi", 1}, {"hdpi", 1.5}, {"xhdpi", 2}, {"xxhdpi", 3}, {"xxxhdpi", 4}} {
		n := int(48 * d.scale)
		out = append(out, Image{Path: "app/src/main/res/mipmap-" + d.name + "/ic_launcher.png", W: n, H: n, Opaque: true, Pad: 0.12})
		f := int(108 * d.scale)
		out = append(out, Image{Path: "app/src/main/res/mipmap-" + d.name + "/ic_launcher_foreground.png", W: f, H: f, Pad: 0.2})
	}
	return append(out,
		Image{Path: "app/src/main/ic_launcher-playstore.png", W: 512, H: 512, Opaque: true, Pad: 0.12},
		Image{Path: "app/src/tv/res/drawable-xhdpi/banner.png", W: 320, H: 180, Opaque: true, Pad: 0.12},
	)
}()

// Packager builds the Android project.
type Packager struct{}

// Platform is apps.Android.
func (Packager) Platform() apps.Platform { return apps.Android }

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
	fmt.Fprintf(log, "android: zipped %d files, %d bytes\n", len(tree), len(data))
	return apps.Artifact{
		FileName:    fmt.Sprintf("%s-android-%s-%d.zip", s.Slug, s.Version, s.Version.Build),
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
	fmt.Fprintf(log, "android: rendered %d template files for %s (%s)\n", len(tree), s.BundleID, s.Version)
	out, err := appimage.DrawAll(ctx, len(Images), func(i int) ([]byte, error) {
		im := Images[i]
		bg := color.RGBA{}
		if im.Opaque {
			bg = s.Palette.Background
		}
		img := appimage.Fit(s.Logo, im.W, im.H, bg, im.Pad)
		if im.Opaque {
			return appimage.PNG(appimage.Opaque(img, s.Palette.Background))
		}
		return appimage.PNG(img)
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, errs.Internal(err)
	}
	for i, im := range Images {
		tree[im.Path] = out[i]
	}
	fmt.Fprintf(log, "android: drew %d icons and the TV banner\n", len(Images))
	if left := apptmpl.Leftovers(tree); len(left) > 0 {
		return nil, errs.Internal(fmt.Errorf("android: placeholders left: %v", left))
	}
	return tree, nil
}

type data struct {
	Name, ShortName, Slug, BundleID string
	BaseURL, AppKey, WebURL         string
	ArtworkBase                     string
	WebHost, WebPath                string
	VersionName                     string
	VersionCode                     int
	Year                            int
	Features                        apps.Features
	Colors                          palette // "#rrggbb" for XML
	KColors                         palette // "0xFFRRGGBB" for Compose
}

type palette struct{ Primary, OnPrimary, Accent, Background, Surface, Text, Muted string }

func colors(p apps.Palette, f func(color.RGBA) string) palette {
	return palette{f(p.Primary), f(p.OnPrimary), f(p.Accent), f(p.Background), f(p.Surface), f(p.Text), f(p.Muted)}
}

// androidPackage is an applicationId: two or more segments, each a letter
// then letters, digits or underscores.
var androidPackage = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$`)

// kotlinKeywords may not be applicationId segments (the build's R and
// BuildConfig packages would not compile).
var kotlinKeywords = map[string]bool{"as": true, "break": true, "class": true, "continue": true, "do": true, "else": true, "false": true, "for": true, "fun": true, "if": true, "in": true, "interface": true, "is": true, "null": true, "object": true, "package": true, "return": true, "super": true, "this": true, "throw": true, "true": true, "try": true, "typealias": true, "typeof": true, "val": true, "var": true, "when": true, "while": true}

func newData(s apps.Spec) (data, error) {
	if s.Platform != apps.Android {
		return data{}, errs.InvalidField("platform", "the Android packager builds %s, not %q", apps.Android, s.Platform)
	}
	if strings.TrimSpace(s.Name) == "" {
		return data{}, errs.InvalidField("name", "the app needs a name")
	}
	if n := utf8.RuneCountInString(s.Name); n > MaxNameLen {
		return data{}, errs.InvalidField("name", "Google Play allows %d characters in an app's name; %q has %d", MaxNameLen, s.Name, n)
	}
	short := s.ShortName
	if short == "" {
		short = s.Name
	}
	if !androidPackage.MatchString(s.BundleID) {
		return data{}, errs.InvalidField("bundleId", "%q is not an Android application id (two or more dot-separated parts, each a letter then letters, digits or _)", s.BundleID)
	}
	for _, seg := range strings.Split(s.BundleID, ".") {
		if kotlinKeywords[seg] {
			return data{}, errs.InvalidField("bundleId", "%q: %q is a Kotlin keyword and cannot be part of an application id", s.BundleID, seg)
		}
	}
	base, err := url.Parse(s.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return data{}, errs.InvalidField("baseUrl", "%q is not an http(s) URL", s.BaseURL)
	}
	web, err := url.Parse(s.WebURL)
	if err != nil || (web.Scheme != "https" && web.Scheme != "http") || web.Host == "" {
		return data{}, errs.InvalidField("webUrl", "%q is not an http(s) URL", s.WebURL)
	}
	if s.AppKey == "" {
		return data{}, errs.InvalidField("appKey", "the app needs an app key")
	}
	// Google Play's versionCode ceiling.
	if s.Version.Build < 1 || s.Version.Build > 2100000000 {
		return data{}, errs.InvalidField("version", "the build number must be 1 to 2100000000 (versionCode), not %d", s.Version.Build)
	}
	if s.Logo == nil {
		return data{}, errs.InvalidField("logo", "the app needs a logo")
	}
	slug := s.Slug
	if slug == "" {
		slug = "marquee"
	}
	return data{
		Name: s.Name, ShortName: short, Slug: slug, BundleID: s.BundleID,
		BaseURL: strings.TrimSuffix(s.BaseURL, "/"), AppKey: s.AppKey, WebURL: s.WebURL,
		ArtworkBase: strings.TrimSuffix(s.BaseURL, "/") + "/images/",
		WebHost:     web.Host, WebPath: strings.TrimSuffix(web.EscapedPath(), "/"),
		VersionName: s.Version.String(), VersionCode: s.Version.Build, Year: s.Now.Year(),
		Features: s.Features,
		Colors:   colors(s.Palette, apps.Hex),
		KColors: colors(s.Palette, func(c color.RGBA) string {
			return fmt.Sprintf("0xFF%02X%02X%02X", c.R, c.G, c.B)
		}),
	}, nil
}

// Funcs are the template's escapers: kt quotes a Kotlin (and Gradle Kotlin
// DSL) string literal, astr escapes an Android string resource's text,
// comment makes a value safe inside a line comment.
//
// Every escaper also escapes "[", so that a value holding "[[ … ]]" cannot
// look like a placeholder left unrendered (the leftover check would refuse
// the build): Kotlin's \u005B, XML's &#91;, a space in comments, Markdown's \[.
var Funcs = template.FuncMap{
	"kt":   kotlinString,
	"astr": androidString,
	"comment": func(s string) string {
		return strings.NewReplacer("\n", " ", "\r", " ", "*/", "* /", "[", "( ").Replace(s)
	},
	"md": func(s string) string { return strings.NewReplacer("[", `\[`, "\n", " ").Replace(s) },
	"xattr": func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return strings.ReplaceAll(b.String(), "[", "&#91;")
	},
}

func kotlinString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '$':
			b.WriteString(`\$`)
		case '[':
			b.WriteString(`\u005B`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// androidString escapes XML and aapt2's own specials (quotes, backslash, a
// leading @ or ?, which would make the text a reference).
func androidString(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\'':
			b.WriteString(`\'`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '[':
			b.WriteString("&#91;")
		case r == '\n':
			b.WriteString(`\n`)
		case (r == '@' || r == '?') && i == 0:
			b.WriteString(`\` + string(r))
		case r < 0x20:
			b.WriteString(" ")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
