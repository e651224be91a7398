package artwork_test

import (
	"image"
	"image/color"
	"testing"

	"github.com/marquee-ott/marquee/artwork"
	"github.com/marquee-ott/marquee/catalog"
)

// BenchmarkRenderBackdropFrom4K makes the five backdrop sizes (up to
// 3840×2160) from a 3840×2160 image: the bulk of an artwork upload's time.
func BenchmarkRenderBackdropFrom4K(b *testing.B) {
	src := opaque(3840, 2160)
	b.ResetTimer()
	for b.Loop() {
		if _, err := artwork.Render(src, artwork.Sizes[catalog.ArtBackdrop]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderPosters makes the three poster sizes from a 2000×3000 image.
func BenchmarkRenderPosters(b *testing.B) {
	src := opaque(2000, 3000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := artwork.Render(src, artwork.Sizes[catalog.ArtPoster]); err != nil {
			b.Fatal(err)
		}
	}
}

// opaque is a w × h image with every pixel opaque, as a decoded JPEG is.
func opaque(w, h int) *image.RGBA {
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			src.SetRGBA(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 128, A: 255})
		}
	}
	return src
}
