package apps

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // logos may be JPEG
	_ "image/png"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/errs"
)

// Warning is a problem a build worked around (a padded logo, an adjusted
// colour); the build goes on and the console shows it.
type Warning string

// Logo limits. A platform's largest icon is 1024×1024 (App Store, Play
// Store's feature graphic is 1024 wide); a logo under MinLogoSide would be
// blown up more than twice. MaxLogoPixels bounds decoding like package
// artwork does (the header's dimensions are read first: a decompression
// bomb is refused before its pixels are).
const (
	MinLogoSide   = 512
	LogoSide      = 1024
	MaxLogoPixels = 40_000_000
)

// CheckLogo decodes a tenant's logo and makes it the square LogoSide×LogoSide
// image a Spec wants. Not a PNG or JPEG, an SVG, or smaller than
// MinLogoSide a side is Invalid; a logo that is not square is padded with
// transparency, and one with transparency is kept (platforms that refuse
// alpha flatten it over the background), each with a warning.
func CheckLogo(data []byte) (image.Image, []Warning, error) {
	head := bytes.TrimSpace(data[:min(len(data), 512)])
	if bytes.HasPrefix(head, []byte("<svg")) || bytes.HasPrefix(head, []byte("<?xml")) || bytes.Contains(head, []byte("<svg")) {
		return nil, nil, errs.InvalidField("logo", "the logo is an SVG: upload a PNG of at least %d×%d pixels (apps need bitmaps in fixed sizes)", MinLogoSide, MinLogoSide)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return nil, nil, errs.InvalidField("logo", "the logo is not a PNG or JPEG image")
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxLogoPixels {
		return nil, nil, errs.InvalidField("logo", "the logo is too large (%d×%d pixels; at most %d megapixels)", cfg.Width, cfg.Height, MaxLogoPixels/1_000_000)
	}
	if cfg.Width < MinLogoSide || cfg.Height < MinLogoSide {
		return nil, nil, errs.InvalidField("logo", "the logo is %d×%d pixels: apps need at least %d×%d", cfg.Width, cfg.Height, MinLogoSide, MinLogoSide)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, nil, errs.InvalidField("logo", "the logo is not a PNG or JPEG image (%v)", err)
	}
	var warns []Warning
	b := img.Bounds()
	if b.Dx() != b.Dy() {
		warns = append(warns, Warning(fmt.Sprintf("the logo is not square (%d×%d): it was padded to a square with transparency", b.Dx(), b.Dy())))
	}
	if hasAlpha(img) {
		warns = append(warns, Warning("the logo has transparency: platforms that refuse it (App Store icon, Roku posters) get it over the background colour"))
	}
	// Fit keeps the aspect ratio and pads the short side with transparency.
	return appimage.Fit(img, LogoSide, LogoSide, color.RGBA{}, 0), warns, nil
}

func hasAlpha(img image.Image) bool {
	switch m := img.(type) {
	case *image.YCbCr, *image.Gray, *image.CMYK:
		return false
	case *image.NRGBA:
		for i := 3; i < len(m.Pix); i += 4 {
			if m.Pix[i] != 0xff {
				return true
			}
		}
		return false
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return true
			}
		}
	}
	return false
}

// Monogram is the logo of a tenant without one: the name's first letter in
// onPrimary on a primary square.
func Monogram(name string, primary, onPrimary color.RGBA) image.Image {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(name))
	if r == utf8.RuneError || !unicode.IsPrint(r) {
		r = 'M'
	}
	letter := string(unicode.ToUpper(r))
	// Draw the 7×13 glyph small, then scale it up: no font files needed.
	small := image.NewNRGBA(image.Rect(0, 0, 13, 13))
	d := font.Drawer{Dst: small, Src: image.NewUniform(onPrimary), Face: basicfont.Face7x13, Dot: fixed.P(3, 11)}
	d.DrawString(letter)
	out := image.NewNRGBA(image.Rect(0, 0, LogoSide, LogoSide))
	draw.Draw(out, out.Bounds(), image.NewUniform(primary), image.Point{}, draw.Src)
	glyph := appimage.Fit(small, LogoSide, LogoSide, color.RGBA{}, 0.1)
	// Nearest-looking edges are fine for a placeholder; Fit smooths them.
	draw.Draw(out, out.Bounds(), glyph, image.Point{}, draw.Over)
	return out
}

// Luminance is a colour's relative luminance (WCAG 2.x, sRGB).
func Luminance(c color.RGBA) float64 {
	ch := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c.R) + 0.7152*ch(c.G) + 0.0722*ch(c.B)
}

// Contrast is the WCAG 2.x contrast ratio of two colours, 1 to 21.
func Contrast(a, b color.RGBA) float64 {
	la, lb := Luminance(a), Luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// Contrast targets: WCAG 2.x AA for normal text (1.4.3) and for focus
// rings, buttons and other non-text parts (1.4.11).
const (
	TextContrast    = 4.5
	NonTextContrast = 3.0
)

var (
	black = color.RGBA{0, 0, 0, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// ParseHex reads "#rrggbb".
func ParseHex(s string) (color.RGBA, error) {
	var c color.RGBA
	c.A = 0xff
	if len(s) != 7 || s[0] != '#' {
		return c, errs.Invalid("%q is not a colour like #1a2b3c", s)
	}
	if _, err := fmt.Sscanf(s[1:], "%02x%02x%02x", &c.R, &c.G, &c.B); err != nil {
		return c, errs.Invalid("%q is not a colour like #1a2b3c", s)
	}
	return c, nil
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	m := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 0xff}
}

// readable is black or white, whichever contrasts more with bg (always at
// least 4.58:1).
func readable(bg color.RGBA) color.RGBA {
	if Contrast(black, bg) >= Contrast(white, bg) {
		return black
	}
	return white
}

// adjust moves fg toward black or white (whichever contrasts more with bg)
// until it reaches target against bg, and says so.
func adjust(role string, fg, bg color.RGBA, target float64, warns *[]Warning) color.RGBA {
	before := Contrast(fg, bg)
	if before >= target {
		return fg
	}
	end := readable(bg)
	out := fg
	for t := 0.05; t <= 1.0001; t += 0.05 {
		out = mix(fg, end, t)
		if Contrast(out, bg) >= target {
			break
		}
	}
	*warns = append(*warns, Warning(fmt.Sprintf("%s %s on %s has a contrast of %.2f:1 (WCAG needs %.1f:1): adjusted to %s (%.2f:1)",
		role, Hex(fg), Hex(bg), before, target, Hex(out), Contrast(out, bg))))
	return out
}

// MakePalette turns the branding's colours ("#rrggbb"; empty picks a
// default) into a Palette whose pairs reach WCAG 2.x AA: Text and Muted on
// Background and OnPrimary on Primary 4.5:1, Accent (links, highlights)
// on Background 4.5:1, Primary (focus ring, buttons) on Background 3:1.
// Colours that fall short are moved toward black or white until they
// pass, with a warning naming the colours and ratios.
func MakePalette(primary, accent, background string) (Palette, []Warning, error) {
	get := func(s, def string) (color.RGBA, error) {
		if s == "" {
			s = def
		}
		return ParseHex(s)
	}
	var warns []Warning
	bg, err := get(background, "#101014")
	if err != nil {
		return Palette{}, nil, err
	}
	p, err := get(primary, "#e50914")
	if err != nil {
		return Palette{}, nil, err
	}
	a, err := get(accent, "#f5c518")
	if err != nil {
		return Palette{}, nil, err
	}
	var pal Palette
	pal.Background = bg
	pal.Text = adjust("text", readable(bg), bg, TextContrast, &warns)
	pal.Primary = adjust("primary colour", p, bg, NonTextContrast, &warns)
	pal.OnPrimary = adjust("text on the primary colour", readable(pal.Primary), pal.Primary, TextContrast, &warns)
	pal.Accent = adjust("accent colour", a, bg, TextContrast, &warns)
	pal.Surface = mix(bg, pal.Text, 0.08)
	pal.Muted = adjust("secondary text", mix(pal.Text, bg, 0.3), bg, TextContrast, &warns)
	return pal, warns, nil
}

// NameLimits are the longest app name each platform's store or launcher
// accepts, in characters:
//   - Apple: 30, App Store Connect's app name ("Name", 2–30 characters;
//     developer.apple.com/help/app-store-connect/reference/platform-version-information).
//   - Android: 30, Google Play's app title (support.google.com/googleplay/android-developer/answer/9859152).
//   - Roku: 30, the channel store's channel name (Roku developer dashboard,
//     "Channel store info").
//   - Tizen: 50, Samsung Seller Office's application title.
//   - webOS: 50, LG Seller Lounge's app title.
//   - Web: 45, the web app manifest's name as Chrome shows it on install
//     (web.dev "Add a web app manifest"); short_name is ShortNameLimit.
var NameLimits = map[Platform]int{Apple: 30, Android: 30, Roku: 30, Tizen: 50, WebOS: 50, Web: 45}

// ShortNameLimit is the longest name under a home-screen icon (the web app
// manifest's short_name, Android's launcher label) without truncation.
const ShortNameLimit = 12

// CheckName checks the app's name against the platform's limit; a name too
// long is Invalid (the workspace may set a shorter app name in the app
// settings).
func CheckName(p Platform, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return errs.InvalidField("name", "the app has no name: set the app name in the branding")
	}
	if limit := NameLimits[p]; limit > 0 && utf8.RuneCountInString(name) > limit {
		return errs.InvalidField("name", "the app name %q is %d characters; %s allows at most %d: set a shorter app name in the app settings",
			name, utf8.RuneCountInString(name), PlatformName(p), limit)
	}
	return nil
}

// ShortName is the name under a home-screen icon: short if given, else name
// when it fits, else its first word when that fits, else name cut (with a
// warning).
func ShortName(name, short string, warns *[]Warning) string {
	if short = strings.TrimSpace(short); short != "" {
		return short
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) <= ShortNameLimit {
		return name
	}
	if f := strings.Fields(name); len(f) > 0 && utf8.RuneCountInString(f[0]) <= ShortNameLimit {
		return f[0]
	}
	cut := strings.TrimSpace(string([]rune(name)[:ShortNameLimit]))
	*warns = append(*warns, Warning(fmt.Sprintf("the app name is longer than %d characters: the home screen shows %q (set a short name in the app settings)", ShortNameLimit, cut)))
	return cut
}

// PlatformName is the platform as people say it.
func PlatformName(p Platform) string {
	switch p {
	case Web:
		return "the web app"
	case Roku:
		return "Roku"
	case Android:
		return "Google Play"
	case Apple:
		return "the App Store"
	case Tizen:
		return "Samsung (Tizen)"
	case WebOS:
		return "LG (webOS)"
	}
	return string(p)
}

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool {
	for _, q := range Platforms {
		if p == q {
			return true
		}
	}
	return false
}
