// Package artwork makes a title's artwork in the sizes the app platforms
// need from one uploaded image per role: it refuses what is not a PNG or
// JPEG, files over the size limit and decompression bombs (the dimensions
// are read from the header and bounded before a pixel is decoded), crops
// each size to its aspect ratio around the centre (a logo is fitted whole
// instead), scales with Catmull-Rom (golang.org/x/image/draw), never
// upscales, stores the renditions under tenants/{tenant}/artwork/ and
// lists them on the title (catalog.Artwork with width and height).
//
// It is not for video thumbnails or trick-play images (the ingest makes
// those) nor for serving images.
package artwork

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"

	"github.com/google/uuid"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
	"golang.org/x/image/draw"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// Size is one rendition an app platform wants.
type Size struct {
	Width, Height int
	// Fit keeps the whole image inside Width × Height (logos, which must
	// not be cut); otherwise the image is cropped to the size's aspect ratio
	// around its centre.
	Fit bool
	// For says who uses it, for the README and the console.
	For string
}

// Sizes are the renditions per role. Posters are 2:3, backdrops 16:9 with
// Apple TV's wide top-shelf crops, thumbnails 16:9 plus Roku's 4:3 posters,
// logos fitted (PNG, transparency kept). Everything else is JPEG.
var Sizes = map[catalog.ArtworkRole][]Size{
	catalog.ArtPoster: {
		{Width: 300, Height: 450, For: "phones and web grids"},
		{Width: 600, Height: 900, For: "tablets, TV grids (Android TV, Fire TV, Samsung, LG)"},
		{Width: 1000, Height: 1500, For: "Apple TV and detail pages"},
	},
	catalog.ArtBackdrop: {
		{Width: 1280, Height: 720, For: "HD TVs, tablets, web heroes"},
		{Width: 1920, Height: 1080, For: "Full HD TVs (Roku FHD, Fire TV, Android TV, Samsung, LG)"},
		{Width: 3840, Height: 2160, For: "4K TVs (Apple TV 4K, Roku 4K)"},
		{Width: 1920, Height: 720, For: "Apple TV top shelf (sectioned)"},
		{Width: 2320, Height: 720, For: "Apple TV top shelf (wide)"},
	},
	catalog.ArtThumbnail: {
		{Width: 320, Height: 180, For: "phones, web rows"},
		{Width: 640, Height: 360, For: "tablets, TV rows"},
		{Width: 290, Height: 218, For: "Roku HD poster"},
		{Width: 540, Height: 405, For: "Roku FHD poster"},
	},
	catalog.ArtLogo: {
		{Width: 400, Height: 160, Fit: true, For: "phones, web, HD TVs"},
		{Width: 800, Height: 320, Fit: true, For: "Full HD and 4K TVs"},
	},
}

// Defaults of the Service's limits.
const (
	DefaultMaxBytes  = 10 << 20
	DefaultMaxPixels = 40_000_000 // e.g. 8000 × 5000
	maxSide          = 16384
	jpegQuality      = 85
)

// Titles is what the Service needs of the catalog.
type Titles interface {
	GetTitle(ctx context.Context, tenant catalog.TenantID, id catalog.TitleID) (catalog.Title, error)
	SetTitleArtwork(ctx context.Context, tenant catalog.TenantID, id catalog.TitleID, role catalog.ArtworkRole, images []catalog.Artwork) (catalog.Title, []catalog.Artwork, error)
}

// Service makes and records artwork.
type Service struct {
	Blobs     *blob.Bucket
	Titles    Titles
	MaxBytes  int64 // per uploaded file; default DefaultMaxBytes
	MaxPixels int64 // width × height from the header; default DefaultMaxPixels
	Log       *slog.Logger
}

// UploadTitleArtwork makes role's renditions from the image in r, stores
// them and lists them on the title in place of the role's previous images
// (whose blobs are then removed). Every size the image covers is made; a
// size larger than the image (after its crop) is left out rather than
// upscaled, and an image smaller than the role's smallest size is refused.
func (s *Service) UploadTitleArtwork(ctx context.Context, tenant tenants.ID, title catalog.TitleID, role catalog.ArtworkRole, r io.Reader) (catalog.Title, error) {
	sizes, ok := Sizes[role]
	if !ok {
		return catalog.Title{}, errs.InvalidField("role", "unknown artwork role %q", role)
	}
	if _, err := s.Titles.GetTitle(ctx, tenant, title); err != nil {
		return catalog.Title{}, fmt.Errorf("artwork.UploadTitleArtwork: %w", err)
	}
	src, err := s.decode(r)
	if err != nil {
		return catalog.Title{}, err
	}
	renditions, err := Render(src, sizes)
	if err != nil {
		return catalog.Title{}, err
	}
	batch := uuid.Must(uuid.NewV7())
	prefix := fmt.Sprintf("tenants/%s/artwork/titles/%s/%s/%s/", tenant, title, role, batch)
	images := make([]catalog.Artwork, 0, len(renditions))
	for _, rd := range renditions {
		var buf bytes.Buffer
		ext, ctype := "jpg", "image/jpeg"
		if role == catalog.ArtLogo {
			ext, ctype = "png", "image/png"
			err = png.Encode(&buf, rd.Image)
		} else {
			err = jpeg.Encode(&buf, rd.Image, &jpeg.Options{Quality: jpegQuality})
		}
		if err != nil {
			return catalog.Title{}, fmt.Errorf("artwork: encode: %w", err)
		}
		b := rd.Image.Bounds()
		key := fmt.Sprintf("%s%dx%d.%s", prefix, b.Dx(), b.Dy(), ext)
		if err := s.Blobs.WriteAll(ctx, key, buf.Bytes(), &blob.WriterOptions{ContentType: ctype, CacheControl: "public, max-age=31536000, immutable"}); err != nil {
			return catalog.Title{}, errs.Unavailable(fmt.Errorf("artwork: store %s: %w", key, err), "could not store the artwork: try again")
		}
		images = append(images, catalog.Artwork{Role: role, Key: key, Width: b.Dx(), Height: b.Dy()})
	}
	t, replaced, err := s.Titles.SetTitleArtwork(ctx, tenant, title, role, images)
	if err != nil {
		for _, im := range images {
			_ = s.Blobs.Delete(context.WithoutCancel(ctx), im.Key)
		}
		return catalog.Title{}, fmt.Errorf("artwork.UploadTitleArtwork: %w", err)
	}
	own := fmt.Sprintf("tenants/%s/artwork/", tenant)
	for _, old := range replaced {
		if strings.HasPrefix(old.Key, own) { // only what we made; never another tenant's key
			if err := s.Blobs.Delete(ctx, old.Key); err != nil && s.Log != nil {
				s.Log.Warn("artwork: removing a replaced image", "tenant", tenant, "key", old.Key, "err", err)
			}
		}
	}
	return t, nil
}

// decode reads at most MaxBytes, checks the header's format and dimensions,
// and only then decodes.
func (s *Service) decode(r io.Reader) (image.Image, error) {
	maxBytes, maxPixels := s.MaxBytes, s.MaxPixels
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, errs.Invalid("could not read the image: %v", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, errs.InvalidField("file", "the image is over the %d-byte limit", maxBytes)
	}
	if len(data) == 0 {
		return nil, errs.InvalidField("file", "the file is empty")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return nil, errs.InvalidField("file", "not a PNG or JPEG image")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxSide || cfg.Height > maxSide ||
		int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, errs.InvalidField("file", "the image is %d×%d pixels: at most %d pixels in all and %d on a side",
			cfg.Width, cfg.Height, maxPixels, maxSide)
	}
	var img image.Image
	if format == "png" {
		img, err = png.Decode(bytes.NewReader(data))
	} else {
		img, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, errs.InvalidField("file", "the %s image is damaged: %v", strings.ToUpper(format), err)
	}
	return img, nil
}

// Rendition is one made size.
type Rendition struct {
	Size  Size
	Image image.Image
}

// Render makes each size src covers: cropped to its aspect ratio around the
// centre (or fitted whole, for Fit) and scaled down with Catmull-Rom, the
// sizes in parallel. It refuses an image too small for the smallest size.
func Render(src image.Image, sizes []Size) ([]Rendition, error) {
	sb := src.Bounds()
	smallest := sizes[0]
	type job struct {
		size Size
		crop image.Rectangle
		w, h int
	}
	var jobs []job
	for _, sz := range sizes {
		if sz.Width*sz.Height < smallest.Width*smallest.Height {
			smallest = sz
		}
		w, h := sz.Width, sz.Height
		var crop image.Rectangle
		if sz.Fit {
			crop = sb
			// Fit inside w × h keeping the image's aspect ratio.
			if sb.Dx()*h > sb.Dy()*w {
				h = max(1, sb.Dy()*w/sb.Dx())
			} else {
				w = max(1, sb.Dx()*h/sb.Dy())
			}
			if w > sb.Dx() || h > sb.Dy() {
				continue // no upscaling
			}
		} else {
			crop = centreCrop(sb, w, h)
			if crop.Dx() < w || crop.Dy() < h {
				continue // no upscaling
			}
		}
		jobs = append(jobs, job{size: sz, crop: crop, w: w, h: h})
	}
	if len(jobs) == 0 {
		return nil, errs.InvalidField("file", "the image is %d×%d: it must be at least %d×%d for this role",
			sb.Dx(), sb.Dy(), smallest.Width, smallest.Height)
	}
	out := make([]Rendition, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = Rendition{Size: j.size, Image: scale(src, j.crop, j.w, j.h, j.size.Fit)}
		}()
	}
	wg.Wait()
	return out, nil
}

// scale draws src's crop into a new w × h image. Logos keep their alpha
// (NRGBA); everything else is opaque, over white where src has alpha, since
// JPEG has none. A crop already of the size is copied, not resampled.
func scale(src image.Image, crop image.Rectangle, w, h int, keepAlpha bool) image.Image {
	r := image.Rect(0, 0, w, h)
	if keepAlpha {
		dst := image.NewNRGBA(r)
		resample(dst, src, crop, draw.Src)
		return dst
	}
	dst := image.NewRGBA(r)
	op := draw.Src
	if o, ok := src.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		draw.Draw(dst, r, image.NewUniform(color.White), image.Point{}, draw.Src)
		op = draw.Over
	}
	resample(dst, src, crop, op)
	return dst
}

func resample(dst draw.Image, src image.Image, crop image.Rectangle, op draw.Op) {
	if crop.Dx() == dst.Bounds().Dx() && crop.Dy() == dst.Bounds().Dy() {
		draw.Draw(dst, dst.Bounds(), src, crop.Min, op)
		return
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, op, nil)
}

// centreCrop is the largest rectangle of w:h inside b, centred.
func centreCrop(b image.Rectangle, w, h int) image.Rectangle {
	cw, ch := b.Dx(), b.Dy()
	if cw*h > ch*w { // too wide: cut the sides
		cw = ch * w / h
	} else { // too tall: cut top and bottom
		ch = cw * h / w
	}
	x0 := b.Min.X + (b.Dx()-cw)/2
	y0 := b.Min.Y + (b.Dy()-ch)/2
	return image.Rect(x0, y0, x0+cw, y0+ch)
}

// artworkKey is what Open serves: renditions this package made, under a
// tenant's artwork folder, and nothing else in the bucket.
var artworkKey = regexp.MustCompile(`^tenants/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/artwork/[A-Za-z0-9._/-]+\.(jpg|png)$`)

// Open reads one artwork rendition for the public image endpoint: artwork is
// shown to anyone who browses a storefront, and its keys carry a random
// batch id. Any other key (media, keys, uploads, another folder) is NotFound,
// so the endpoint never becomes a way into the rest of the bucket.
func (s *Service) Open(ctx context.Context, key string) (io.ReadCloser, string, error) {
	if !artworkKey.MatchString(key) || strings.Contains(key, "..") {
		return nil, "", errs.NotFound("no such image")
	}
	rc, err := s.Blobs.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, "", errs.NotFound("no such image")
		}
		return nil, "", fmt.Errorf("artwork.Open: %w", err)
	}
	ctype := "image/jpeg"
	if strings.HasSuffix(key, ".png") {
		ctype = "image/png"
	}
	return rc, ctype, nil
}
