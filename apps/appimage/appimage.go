// Package appimage makes the icons, banners and splash screens app platforms
// require from one square logo: the logo is fitted inside the target size with
// padding, over a background colour or transparent, scaled with Catmull-Rom.
// It is not for title artwork (package artwork) nor for checking uploads
// (apps does).
package appimage

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/draw"
)

// Fit draws logo centred inside a w × h canvas filled with bg (transparent
// when bg.A is 0), the logo scaled to fit within the canvas minus pad (a
// fraction of the shorter side on each edge, 0 to 0.45), keeping its aspect
// ratio.
func Fit(logo image.Image, w, h int, bg color.RGBA, pad float64) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if bg.A != 0 {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	}
	pad = min(max(pad, 0), 0.45)
	edge := int(float64(min(w, h)) * pad)
	boxW, boxH := w-2*edge, h-2*edge
	lb := logo.Bounds()
	lw, lh := boxW, boxW*lb.Dy()/max(lb.Dx(), 1)
	if lh > boxH {
		lh, lw = boxH, boxH*lb.Dx()/max(lb.Dy(), 1)
	}
	x0, y0 := (w-lw)/2, (h-lh)/2
	draw.CatmullRom.Scale(dst, image.Rect(x0, y0, x0+lw, y0+lh), logo, lb, draw.Over, nil)
	return dst
}

// Opaque flattens img over bg: for platforms that refuse alpha in icons
// (Apple's App Store icon, Roku's channel posters).
func Opaque(img image.Image, bg color.RGBA) *image.RGBA {
	dst := image.NewRGBA(img.Bounds())
	bg.A = 255
	draw.Draw(dst, dst.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Over)
	return dst
}

// PNG encodes img, best compression (app bundles ship these).
func PNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("appimage.PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// Size reads a PNG's or JPEG's dimensions from its header (tests check every
// generated image against the platform's list with it).
func Size(data []byte) (w, h int, format string, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, "", fmt.Errorf("appimage.Size: %w", err)
	}
	return cfg.Width, cfg.Height, format, nil
}
