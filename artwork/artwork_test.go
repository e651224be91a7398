package artwork_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/artwork"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
)

type fixture struct {
	svc     *artwork.Service
	catalog *catalog.Service
	blobs   *blob.Bucket
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := testenv.DB(t)
	bucket, err := blobstore.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	c := &catalog.Service{DB: d}
	return &fixture{svc: &artwork.Service{Blobs: bucket, Titles: c}, catalog: c, blobs: bucket}
}

func (f *fixture) title(t *testing.T, tenant catalog.TenantID) catalog.Title {
	t.Helper()
	tt, err := f.catalog.CreateTitle(context.Background(), tenant, catalog.TitleInput{Kind: catalog.KindMovie,
		Localizations: []catalog.Localization{{Language: "en", Title: "Artful"}}})
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

// gradient is a w × h PNG with a red left edge and a blue right edge, so a
// crop can be told from a squeeze.
func gradient(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(255 * (w - x) / w), G: uint8(255 * y / h), B: uint8(255 * x / w), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ffmpegJPEG makes a real JPEG with ffmpeg's test pattern.
func ffmpegJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "still.jpg")
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size="+fmtInt(w)+"x"+fmtInt(h)+":rate=1",
		"-frames:v", "1", "-q:v", "3", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func fmtInt(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// bomb is a PNG whose header says 60000 × 60000 (3.6 gigapixels) over a few
// bytes of data: the header's CRC is right, so only the size check stops it.
func bomb(t *testing.T) []byte {
	t.Helper()
	data := gradient(t, 8, 8)
	ihdr := data[8+8 : 8+8+13] // signature, length+type, then IHDR's 13 bytes
	binary.BigEndian.PutUint32(ihdr[0:4], 60000)
	binary.BigEndian.PutUint32(ihdr[4:8], 60000)
	crc := crc32.ChecksumIEEE(data[8+4 : 8+8+13])
	binary.BigEndian.PutUint32(data[8+8+13:8+8+13+4], crc)
	return data
}

// A poster uploaded as a JPEG made by ffmpeg becomes every poster size the
// image covers, each a real JPEG of exactly its size in blob storage,
// listed on the title with width and height; uploading again replaces the
// role's images and removes the old blobs.
func TestPosterFromFFmpegJPEGInEverySize(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.catalog.DB)
	tt := f.title(t, tenant)

	got, err := f.svc.UploadTitleArtwork(ctx, tenant, tt.ID, catalog.ArtPoster, bytes.NewReader(ffmpegJPEG(t, 1280, 1600)))
	if err != nil {
		t.Fatal(err)
	}
	posters := got.ArtworkFor(catalog.ArtPoster)
	want := [][2]int{{300, 450}, {600, 900}, {1000, 1500}}
	if len(posters) != len(want) {
		t.Fatalf("posters %+v", posters)
	}
	for i, p := range posters {
		if p.Width != want[i][0] || p.Height != want[i][1] {
			t.Fatalf("poster %d is %dx%d, want %v", i, p.Width, p.Height, want[i])
		}
		data, err := f.blobs.ReadAll(ctx, p.Key)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", p.Key, err)
		}
		if b := img.Bounds(); b.Dx() != p.Width || b.Dy() != p.Height {
			t.Fatalf("%s decodes as %v", p.Key, b)
		}
		if !strings.HasPrefix(p.Key, "tenants/"+tenant.String()+"/artwork/") {
			t.Fatalf("key %s is not under the tenant", p.Key)
		}
	}
	// Stored on the title: read back.
	again, err := f.catalog.GetTitle(ctx, tenant, tt.ID)
	if err != nil || len(again.ArtworkFor(catalog.ArtPoster)) != 3 {
		t.Fatalf("title artwork %+v, %v", again.Artwork, err)
	}

	// A second upload replaces them; the old blobs go.
	if _, err := f.svc.UploadTitleArtwork(ctx, tenant, tt.ID, catalog.ArtPoster, bytes.NewReader(gradient(t, 600, 900))); err != nil {
		t.Fatal(err)
	}
	now, _ := f.catalog.GetTitle(ctx, tenant, tt.ID)
	if n := len(now.ArtworkFor(catalog.ArtPoster)); n != 2 { // 600x900 covers two sizes; 1000x1500 is not upscaled
		t.Fatalf("after replacing: %d posters", n)
	}
	for _, p := range posters {
		if ok, _ := f.blobs.Exists(ctx, p.Key); ok {
			t.Fatalf("replaced poster %s is still stored", p.Key)
		}
	}
}

// A wide PNG backdrop is cropped (not squeezed) to 16:9 and to Apple TV's
// top shelf sizes; the crop keeps the centre, so the left edge's red is cut.
func TestBackdropIsCroppedAroundTheCentre(t *testing.T) {
	t.Parallel()
	src, _, err := image.Decode(bytes.NewReader(gradient(t, 3000, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := artwork.Render(src, artwork.Sizes[catalog.ArtBackdrop])
	if err != nil {
		t.Fatal(err)
	}
	var sizes []string
	for _, r := range rs {
		b := r.Image.Bounds()
		sizes = append(sizes, fmtInt(b.Dx())+"x"+fmtInt(b.Dy()))
	}
	// 3000x1000 cropped to 16:9 is 1777x1000: 1280x720 only; to 1920:720 is 2666x1000 and to 2320:720 3000x931.
	if strings.Join(sizes, ",") != "1280x720,1920x720,2320x720" {
		t.Fatalf("sizes %v", sizes)
	}
	r, _, _, _ := rs[0].Image.At(0, 360).RGBA()
	if r>>8 > 240 { // the source's left edge is pure red (255); the centre crop starts at x=611 (about 203)
		t.Fatalf("left edge red %d: squeezed, not cropped", r>>8)
	}
}

// Not an image, a GIF-like stranger, an empty file, a file over the limit,
// a decompression bomb and a too-small image are each refused with a clear
// reason, before anything is stored.
func TestBadImagesAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.catalog.DB)
	tt := f.title(t, tenant)
	small := &artwork.Service{Blobs: f.blobs, Titles: f.catalog, MaxBytes: 1000}
	cases := []struct {
		name string
		svc  *artwork.Service
		data []byte
		want string
	}{
		{"text", f.svc, []byte("this is not an image at all"), "not a PNG or JPEG"},
		{"empty", f.svc, nil, "empty"},
		{"over the limit", small, gradient(t, 400, 600), "over the 1000-byte limit"},
		{"decompression bomb", f.svc, bomb(t), "at most 40000000 pixels"},
		{"too small", f.svc, gradient(t, 100, 150), "at least 300×450"},
		{"truncated", f.svc, gradient(t, 400, 600)[:200], "damaged"},
	}
	for _, c := range cases {
		_, err := c.svc.UploadTitleArtwork(ctx, tenant, tt.ID, catalog.ArtPoster, bytes.NewReader(c.data))
		if !errs.Is(err, errs.KindInvalid) || !strings.Contains(errs.MessageOf(err), c.want) {
			t.Errorf("%s: %v (%s), want Invalid with %q", c.name, err, errs.MessageOf(err), c.want)
		}
	}
	left := f.blobs.List(&blob.ListOptions{Prefix: "tenants/"})
	if obj, err := left.Next(ctx); err == nil {
		t.Fatalf("refused images left %s", obj.Key)
	}
	// Another tenant's title is NotFound, and nothing is made for it.
	other := testenv.MustTenant(t, f.catalog.DB)
	if _, err := f.svc.UploadTitleArtwork(ctx, other, tt.ID, catalog.ArtPoster, bytes.NewReader(gradient(t, 300, 450))); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("another tenant's title: %v", err)
	}
}

// A logo keeps its whole shape and transparency (PNG, fitted, not cropped).
func TestLogoIsFittedWithTransparency(t *testing.T) {
	t.Parallel()
	img := image.NewNRGBA(image.Rect(0, 0, 1000, 250))
	img.Set(500, 125, color.NRGBA{R: 255, A: 255})
	rs, err := artwork.Render(img, artwork.Sizes[catalog.ArtLogo])
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Image.Bounds().Dx() != 400 || rs[0].Image.Bounds().Dy() != 100 || rs[1].Image.Bounds().Dx() != 800 {
		t.Fatalf("logos %v %v", rs[0].Image.Bounds(), rs[len(rs)-1].Image.Bounds())
	}
	if _, _, _, a := rs[0].Image.At(0, 0).RGBA(); a != 0 {
		t.Fatalf("transparent corner has alpha %d", a)
	}
}
