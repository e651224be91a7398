// Package demo gives the local demo tenant a small library, so that a fresh
// `make run` has something to browse and play: a film, a series of two
// seasons of two episodes, three vertical shorts in a creator's collection,
// and the home page's rails ("Featured", "Shorts").
//
// The clips are made on the spot with ffmpeg's synthetic sources (testsrc2,
// smptebars, mandelbrot with a sine tone) and go in the way a tenant's files
// do: a complete source upload, then the ingest workflow (assets.Service
// Ingest) naming the title, which gets its asset once it is READY. Seed only
// starts the ingests; a worker (the dev process's, or a later one) runs them.
//
// Only cmd/marquee uses it; nothing in the platform depends on it.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
)

// Deps is what Seed needs: the tenant to fill and the services it goes through.
type Deps struct {
	Tenant  tenants.ID
	Catalog *catalog.Service
	Uploads *uploads.Service
	Assets  *assets.Service
	Log     *slog.Logger // nil: slog.Default
	Clips   Clips
}

// Clips sets how the clips are made; zero fields take the defaults.
type Clips struct {
	// Width and Height are the landscape clips' size (default 640×360); the
	// vertical shorts are the same turned on end.
	Width, Height int
	Seconds       float64 // default 4
	FFmpeg        string  // default "ffmpeg" on PATH
	WorkDir       string  // where clips are made and removed; default the system's temporary folder
}

func (c Clips) withDefaults() Clips {
	if c.Width <= 0 || c.Height <= 0 {
		c.Width, c.Height = 640, 360
	}
	if c.Seconds <= 0 {
		c.Seconds = 4
	}
	if c.FFmpeg == "" {
		c.FFmpeg = "ffmpeg"
	}
	return c
}

// item is one title of the library and the clip it plays.
type item struct {
	name     string
	synopsis string
	kind     catalog.Kind
	source   string // lavfi video source
	tone     int    // Hz
	vertical bool
	season   int // episodes: 1 or 2
	episode  int
	clip     string // path, once made
	title    catalog.TitleID
}

func library() []*item {
	return []*item{
		{name: "Test Pattern", synopsis: "Ninety minutes of colour bars, condensed. A meditation on calibration.", kind: catalog.KindMovie, source: "smptebars", tone: 440},
		{name: "Pilot", synopsis: "The signal is found.", kind: catalog.KindEpisode, source: "testsrc2", tone: 330, season: 1, episode: 1},
		{name: "Interference", synopsis: "Something is in the noise.", kind: catalog.KindEpisode, source: "testsrc2", tone: 350, season: 1, episode: 2},
		{name: "Return Signal", synopsis: "A new season, a stronger signal.", kind: catalog.KindEpisode, source: "smptebars", tone: 370, season: 2, episode: 1},
		{name: "Sign-off", synopsis: "The broadcast ends, for now.", kind: catalog.KindEpisode, source: "smptebars", tone: 390, season: 2, episode: 2},
		{name: "Into the Set", synopsis: "A dive into the Mandelbrot set.", kind: catalog.KindShort, source: "mandelbrot", tone: 520, vertical: true},
		{name: "Colour Check", synopsis: "Bars, on end.", kind: catalog.KindShort, source: "smptebars", tone: 587, vertical: true},
		{name: "Moving Parts", synopsis: "Everything moves at once.", kind: catalog.KindShort, source: "testsrc2", tone: 659, vertical: true},
	}
}

// Seed fills the tenant with the demo library and starts its ingests,
// without waiting for them. A tenant that has titles already is left alone,
// so Seed may run on every start.
func Seed(ctx context.Context, d Deps) error {
	if err := seed(ctx, d); err != nil {
		return fmt.Errorf("demo.Seed: %w", err)
	}
	return nil
}

func seed(ctx context.Context, d Deps) error {
	if _, n, err := d.Catalog.ListTitles(ctx, d.Tenant, catalog.TitleFilter{}, catalog.Page{Take: 1}); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	c := d.Clips.withDefaults()
	dir, err := os.MkdirTemp(c.WorkDir, "marquee-demo-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	items := library()
	for i, it := range items { // every clip first: without ffmpeg, nothing is half-made
		it.clip = filepath.Join(dir, strconv.Itoa(i)+".mp4")
		if err := makeClip(ctx, c, it); err != nil {
			return err
		}
	}
	if err := catalogue(ctx, d, items); err != nil {
		return err
	}
	for _, it := range items {
		if err := ingest(ctx, d, it); err != nil {
			return err
		}
	}
	log.Info("demo library seeded; its clips are being ingested", "tenant", d.Tenant, "titles", len(items))
	return nil
}

// makeClip runs ffmpeg on generated (lavfi) inputs with a fixed argument
// list; media.Runner refuses lavfi on purpose, since it runs tenants' files.
func makeClip(ctx context.Context, c Clips, it *item) error {
	w, h := c.Width, c.Height
	if it.vertical {
		w, h = h, w
	}
	secs := strconv.FormatFloat(c.Seconds, 'f', -1, 64)
	video := it.source + "=size=" + strconv.Itoa(w) + "x" + strconv.Itoa(h) + ":rate=25"
	audio := "sine=frequency=" + strconv.Itoa(it.tone) + ":sample_rate=48000"
	cmd := exec.CommandContext(ctx, c.FFmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error",
		"-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio, "-t", secs,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
		"-movflags", "+faststart", it.clip)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("making the clip of %q with %s: %w: %s", it.name, c.FFmpeg, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// catalogue creates the titles, the series, the creator, the collections and
// the rails, and publishes what apps show.
func catalogue(ctx context.Context, d Deps, items []*item) error {
	cat, tenant := d.Catalog, d.Tenant
	series, err := cat.CreateSeries(ctx, tenant, catalog.SeriesInput{
		Localizations: []catalog.Localization{{Language: "en", Title: "Signal", Synopsis: "Two seasons of test signals."}},
		Genres:        []string{"drama"},
	})
	if err != nil {
		return err
	}
	seasons := map[int]catalog.SeasonID{}
	for n := 1; n <= 2; n++ {
		se, err := cat.CreateSeason(ctx, tenant, series.ID, catalog.SeasonInput{Number: n, Name: "Season " + strconv.Itoa(n)})
		if err != nil {
			return err
		}
		seasons[n] = se.ID
	}
	creator, err := cat.CreateCreator(ctx, tenant, catalog.CreatorInput{Handle: "pixel-studio", Name: "Pixel Studio",
		Bio: "Short pieces made of test patterns."})
	if err != nil {
		return err
	}
	year := 2026
	var featured, shorts []catalog.TitleID
	for _, it := range items {
		in := catalog.TitleInput{Kind: it.kind, ReleaseYear: &year,
			Localizations: []catalog.Localization{{Language: "en", Title: it.name, Synopsis: it.synopsis}}}
		switch it.kind {
		case catalog.KindEpisode:
			season, ep := seasons[it.season], it.episode
			in.SeasonID, in.EpisodeNumber = &season, &ep
		case catalog.KindShort:
			vertical := it.vertical
			in.Vertical, in.CreatorID = &vertical, &creator.ID
		}
		t, err := cat.CreateTitle(ctx, tenant, in)
		if err != nil {
			return err
		}
		if _, err := cat.PublishTitle(ctx, tenant, t.ID); err != nil {
			return err
		}
		it.title = t.ID
		if it.kind == catalog.KindShort {
			shorts = append(shorts, t.ID)
		} else {
			featured = append(featured, t.ID)
		}
	}
	if _, err := cat.PublishSeries(ctx, tenant, series.ID); err != nil {
		return err
	}
	rails := []struct {
		name, description string
		creator           *catalog.CreatorID
		titles            []catalog.TitleID
	}{
		{"Featured", "The film and the series.", nil, featured},
		{"Shorts", "Pixel Studio's vertical shorts.", &creator.ID, shorts},
	}
	for _, r := range rails {
		col, err := cat.CreateCollection(ctx, tenant, catalog.CollectionInput{Name: r.name, Description: r.description, CreatorID: r.creator})
		if err != nil {
			return err
		}
		if _, err := cat.SetCollectionItems(ctx, tenant, col.ID, r.titles); err != nil {
			return err
		}
		if _, err := cat.CreateRail(ctx, tenant, catalog.RailInput{CollectionID: col.ID}); err != nil {
			return err
		}
	}
	return nil
}

// ingest uploads the item's clip and starts its ingest for its title.
func ingest(ctx context.Context, d Deps, it *item) error {
	f, err := os.Open(it.clip)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	u, err := d.Uploads.Import(ctx, d.Tenant, filepath.Base(it.clip), "video/mp4", f)
	if err != nil {
		return err
	}
	title := uuid.UUID(it.title)
	_, err = d.Assets.Ingest(ctx, d.Tenant, u.ID, &title)
	return err
}
