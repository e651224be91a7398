package apptest

import (
	"image"
	"image/color"
	"testing"

	"github.com/marquee-ott/marquee/apps/appimage"
)

func TestHasAlphaChannelReadsThePNGFormat(t *testing.T) {
	bg := color.RGBA{10, 20, 30, 255}
	withAlpha, _ := appimage.PNG(appimage.Fit(Logo(), 64, 64, color.RGBA{}, 0.1))
	flat, _ := appimage.PNG(appimage.Opaque(appimage.Fit(Logo(), 64, 64, bg, 0.1), bg))
	// An NRGBA whose pixels are all opaque is still written without alpha by
	// image/png; a half-transparent one keeps it.
	half := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	half.SetNRGBA(1, 1, color.NRGBA{1, 2, 3, 128})
	halfPNG, _ := appimage.PNG(half)
	if !hasAlphaChannel(withAlpha) || !hasAlphaChannel(halfPNG) {
		t.Error("transparent PNGs not detected")
	}
	if hasAlphaChannel(flat) {
		t.Error("an opaque PNG reported with alpha")
	}
}
