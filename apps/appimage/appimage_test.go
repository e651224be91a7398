package appimage

import (
	"image"
	"image/color"
	"testing"
)

func TestFitPadsAWideLogoInsideTheCanvas(t *testing.T) {
	logo := image.NewNRGBA(image.Rect(0, 0, 400, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 400; x++ {
			logo.Set(x, y, color.NRGBA{255, 0, 0, 255})
		}
	}
	bg := color.RGBA{0, 0, 255, 255}
	img := Fit(logo, 200, 200, bg, 0.1)
	if img.Bounds().Dx() != 200 || img.Bounds().Dy() != 200 {
		t.Fatalf("size %v", img.Bounds())
	}
	// 10% padding: the logo spans x 20..180 and is 40 tall around the centre.
	if got := img.NRGBAAt(100, 100); got.R < 250 || got.B > 5 {
		t.Errorf("centre %v, want the logo's red", got)
	}
	if got := img.NRGBAAt(100, 10); got.B != 255 || got.R != 0 {
		t.Errorf("top %v, want the background", got)
	}
	if got := img.NRGBAAt(5, 100); got.B != 255 {
		t.Errorf("left edge %v, want the padding", got)
	}
	data, err := PNG(Opaque(img, bg))
	if err != nil {
		t.Fatal(err)
	}
	if w, h, f, err := Size(data); err != nil || w != 200 || h != 200 || f != "png" {
		t.Fatalf("Size = %d %d %s %v", w, h, f, err)
	}
}
