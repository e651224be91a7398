package apps_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/errs"
)

func mustHex(t *testing.T, s string) color.RGBA {
	t.Helper()
	c, err := apps.ParseHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Known WCAG 2.x ratios (WebAIM's contrast checker gives the same).
func TestContrastMatchesKnownRatios(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#777777", "#ffffff", 4.48},
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#ffffff", 4.54},
		{"#0000ff", "#ffffff", 8.59},
		{"#ff0000", "#000000", 5.25},
	} {
		got := apps.Contrast(mustHex(t, c.a), mustHex(t, c.b))
		if math.Abs(got-c.want) > 0.005 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", c.a, c.b, got, c.want)
		}
	}
}

// An accent of #777777 on white is 4.48:1, under AA's 4.5: it is darkened
// until it passes and the warning names both colours and both ratios. A
// primary too close to the background (under 3:1 for a focus ring) is moved
// too; text and text on the primary always pass.
func TestPaletteAdjustsLowContrastWithAWarning(t *testing.T) {
	p, warns, err := apps.MakePalette("#f0f0f0", "#777777", "#ffffff")
	if err != nil {
		t.Fatal(err)
	}
	if c := apps.Contrast(p.Accent, p.Background); c < apps.TextContrast {
		t.Errorf("accent still %.2f:1", c)
	}
	if c := apps.Contrast(p.Primary, p.Background); c < apps.NonTextContrast {
		t.Errorf("primary still %.2f:1", c)
	}
	all := strings.Join(toStrings(warns), "\n")
	for _, want := range []string{"accent colour #777777 on #ffffff has a contrast of 4.48:1", "primary colour #f0f0f0 on #ffffff"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q lack %q", all, want)
		}
	}
	// A palette that passes as given is kept, without warnings.
	p, warns, err = apps.MakePalette("#1a73e8", "#ffd54f", "#101014")
	if err != nil || len(warns) != 0 || apps.Hex(p.Primary) != "#1a73e8" || apps.Hex(p.Accent) != "#ffd54f" {
		t.Fatalf("good palette changed: %+v %v %v", p, warns, err)
	}
	if _, _, err := apps.MakePalette("red", "", ""); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("a colour name: %v", err)
	}
}

// Whatever the branding's colours, every pair the apps draw reaches its
// WCAG target.
func TestPaletteAlwaysReachesWCAG(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 19))
	hex := func() string {
		return apps.Hex(color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255})
	}
	for range 2000 {
		p, _, err := apps.MakePalette(hex(), hex(), hex())
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]float64{
			"text": apps.Contrast(p.Text, p.Background), "onPrimary": apps.Contrast(p.OnPrimary, p.Primary),
			"accent": apps.Contrast(p.Accent, p.Background), "muted": apps.Contrast(p.Muted, p.Background),
		} {
			if c < apps.TextContrast {
				t.Fatalf("%s %.2f:1 in %+v", name, c, p)
			}
		}
		if c := apps.Contrast(p.Primary, p.Background); c < apps.NonTextContrast {
			t.Fatalf("primary %.2f:1 in %+v", c, p)
		}
	}
}

func toStrings(ws []apps.Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = string(w)
	}
	return out
}

func pngOf(t testing.TB, w, h int, alpha bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if alpha && x < w/4 {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 200, a})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngClaiming is a valid 1×1 PNG whose header claims w×h: a decompression
// bomb's shape, refused from the header.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	b := pngOf(t, 1, 1, false)
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// Bad logos are refused with what to do; a logo that is not square is padded
// and one with transparency is kept, each with a warning.
func TestCheckLogo(t *testing.T) {
	bad := []struct {
		name string
		data []byte
		want string
	}{
		{"not an image", []byte("hello, this is text"), "not a PNG or JPEG"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024"></svg>`), "upload a PNG"},
		{"svg with a prolog", []byte("<?xml version=\"1.0\"?>\n<svg></svg>"), "upload a PNG"},
		{"too small", pngOf(t, 256, 256, false), "256×256"},
		{"too narrow", pngOf(t, 600, 400, false), "600×400"},
		{"bomb", pngClaiming(t, 100000, 100000), "too large"},
	}
	for _, c := range bad {
		_, _, err := apps.CheckLogo(c.data)
		if errs.KindOf(err) != errs.KindInvalid || !strings.Contains(errs.MessageOf(err), c.want) {
			t.Errorf("%s: %v, want INVALID saying %q", c.name, err, c.want)
		}
	}
	img, warns, err := apps.CheckLogo(pngOf(t, 512, 512, false))
	if err != nil || len(warns) != 0 || img.Bounds().Dx() != apps.LogoSide || img.Bounds().Dy() != apps.LogoSide {
		t.Fatalf("square opaque logo: %v %v %v", img.Bounds(), warns, err)
	}
	img, warns, err = apps.CheckLogo(pngOf(t, 1200, 600, false))
	if err != nil || len(warns) != 1 || !strings.Contains(string(warns[0]), "not square (1200×600)") {
		t.Fatalf("wide logo: %v %v", warns, err)
	}
	if _, _, _, a := img.At(512, 5).RGBA(); a != 0 {
		t.Errorf("the padding is not transparent (alpha %d)", a)
	}
	if _, _, _, a := img.At(512, 512).RGBA(); a == 0 {
		t.Error("the logo is not in the middle")
	}
	_, warns, err = apps.CheckLogo(pngOf(t, 600, 600, true))
	if err != nil || len(warns) != 1 || !strings.Contains(string(warns[0]), "transparency") {
		t.Fatalf("transparent logo: %v %v", warns, err)
	}
	var j bytes.Buffer
	_ = jpeg.Encode(&j, image.NewRGBA(image.Rect(0, 0, 700, 700)), nil)
	if _, warns, err := apps.CheckLogo(j.Bytes()); err != nil || len(warns) != 0 {
		t.Fatalf("JPEG logo: %v %v", warns, err)
	}
}

// Each platform's store limit: at the limit passes, one over is INVALID
// naming the platform and the limit.
func TestNameLimits(t *testing.T) {
	for p, limit := range apps.NameLimits {
		if err := apps.CheckName(p, strings.Repeat("é", limit)); err != nil {
			t.Errorf("%s at %d: %v", p, limit, err)
		}
		err := apps.CheckName(p, strings.Repeat("é", limit+1))
		if errs.KindOf(err) != errs.KindInvalid || !strings.Contains(errs.MessageOf(err), apps.PlatformName(p)) ||
			!strings.Contains(errs.MessageOf(err), "at most "+itoa(limit)) {
			t.Errorf("%s over: %v", p, err)
		}
	}
	if apps.NameLimits[apps.Roku] != 30 || apps.NameLimits[apps.Tizen] != 50 || len(apps.NameLimits) != len(apps.Platforms) {
		t.Fatalf("limits %v", apps.NameLimits)
	}
	var w []apps.Warning
	if s := apps.ShortName("Acme Television Network", "", &w); s != "Acme" || len(w) != 0 {
		t.Errorf("short name %q %v", s, w)
	}
	if s := apps.ShortName("Supercalifragilistic TV", "", &w); s != "Supercalifra" || len(w) != 1 {
		t.Errorf("short name %q %v", s, w)
	}
	if s := apps.ShortName("Anything long at all", "Acme", &w); s != "Acme" {
		t.Errorf("set short name %q", s)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDefaultBundleID(t *testing.T) {
	for slug, want := range map[string]string{"acme": "tv.marquee.acme", "acme-tv": "tv.marquee.acmetv", "9news": "tv.marquee.app9news"} {
		if got := apps.DefaultBundleID(slug); got != want {
			t.Errorf("%s: %s, want %s", slug, got, want)
		}
	}
}

func TestMonogramIsTheFirstLetterOnThePrimary(t *testing.T) {
	img := apps.Monogram("acme", color.RGBA{200, 0, 0, 255}, color.RGBA{255, 255, 255, 255})
	if img.Bounds().Dx() != apps.LogoSide {
		t.Fatal(img.Bounds())
	}
	if r, g, _, _ := img.At(5, 5).RGBA(); r>>8 != 200 || g != 0 {
		t.Errorf("corner is not the primary: %v", img.At(5, 5))
	}
	light := 0
	for y := 0; y < apps.LogoSide; y += 8 {
		for x := 0; x < apps.LogoSide; x += 8 {
			if _, g, _, _ := img.At(x, y).RGBA(); g>>8 > 200 {
				light++
			}
		}
	}
	if light < 200 {
		t.Errorf("no letter drawn (%d light samples)", light)
	}
}
