// Package playbacktest builds what playback tests need: READY asset rows,
// published titles playing them, a Service wired to a test database, and
// KeySource fakes backed by real AES keys. It is for tests only.
package playbacktest

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/ratelimit"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/uploads"
)

// Fixture is a playback Service over a test database and its parts.
type Fixture struct {
	DB      *db.DB
	Catalog *catalog.Service
	Assets  *assets.Service
	Grants  *playback.Grants
	Keys    *Keys
	Service *playback.Service
	// Clock is the Service's time; tests move it.
	Clock *Clock
}

// Clock is a settable time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// New wires a Service for d with baseURL as the origin.
func New(tb testing.TB, d *db.DB, baseURL string) *Fixture {
	tb.Helper()
	box, err := sealbox.Open(sealbox.DevKey())
	if err != nil {
		tb.Fatal(err)
	}
	secret, _ := sealbox.ParseKey(sealbox.DevKey())
	tokens, err := playback.NewTokens(secret)
	if err != nil {
		tb.Fatal(err)
	}
	clock := &Clock{t: time.Now().UTC()}
	cat := &catalog.Service{DB: d}
	as := &assets.Service{DB: d, Uploads: noUploads{}}
	g := &playback.Grants{DB: d, Titles: cat, Now: clock.Now}
	keys := &Keys{m: map[uuid.UUID][]byte{}}
	s := &playback.Service{DB: d, Titles: cat, Assets: as, Entitlements: g, Keys: keys, Tokens: tokens, Secrets: box,
		BaseURL: baseURL, KeyLimit: ratelimit.New(50, 50), Now: clock.Now}
	return &Fixture{DB: d, Catalog: cat, Assets: as, Grants: g, Keys: keys, Service: s, Clock: clock}
}

type noUploads struct{}

func (noUploads) Get(context.Context, uuid.UUID, uploads.ID) (uploads.Upload, error) {
	return uploads.Upload{}, errs.NotFound("no uploads in playback tests")
}

// MustReadyAsset records a READY asset whose package is under
// assets.Prefix(tenant, id) (dash: with an MPD), with a stereo English audio
// rendition in its ladder.
func MustReadyAsset(tb testing.TB, d *db.DB, tenant uuid.UUID, dash bool) uuid.UUID {
	tb.Helper()
	id := uuid.Must(uuid.NewV7())
	dashKey := ""
	if dash {
		dashKey = assets.Prefix(tenant, id) + "manifest.mpd"
	}
	err := d.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO media_assets (tenant_id, id, upload_id, status, source_key, ladder,
			duration_ms, width, height, hls_key, dash_key, percent, created_at, updated_at)
			VALUES ($1, $2, $3, 'READY', 'src', '{"audio":[{"language":"en","channels":2}]}', 2000, 320, 180, $4, $5, 100, now(), now())`,
			tenant, id, uuid.New(), assets.Prefix(tenant, id)+"master.m3u8", dashKey)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// MustTitle creates and publishes a movie playing asset (nil: none) with
// in's rating and availability.
func (f *Fixture) MustTitle(tb testing.TB, tenant uuid.UUID, asset *uuid.UUID, rating *catalog.Rating, av *catalog.Availability) catalog.Title {
	tb.Helper()
	ctx := context.Background()
	t, err := f.Catalog.CreateTitle(ctx, tenant, catalog.TitleInput{Kind: catalog.KindMovie,
		Localizations: []catalog.Localization{{Language: "en", Title: "Film"}}, Rating: rating, Availability: av, AssetID: asset})
	if err != nil {
		tb.Fatal(err)
	}
	if t, err = f.Catalog.PublishTitle(ctx, tenant, t.ID); err != nil {
		tb.Fatal(err)
	}
	return t
}

// Keys is a KeySource of real random AES-128 keys, per asset.
type Keys struct {
	mu sync.Mutex
	m  map[uuid.UUID][]byte
}

// Set gives asset a fresh random key and returns it.
func (k *Keys) Set(asset uuid.UUID) []byte {
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	k.mu.Lock()
	if k.m == nil {
		k.m = map[uuid.UUID][]byte{}
	}
	k.m[asset] = key
	k.mu.Unlock()
	return key
}

// AssetKey returns asset's key; an asset without one is NotFound (clear).
func (k *Keys) AssetKey(_ context.Context, _, asset uuid.UUID) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, ok := k.m[asset]
	if !ok {
		return nil, errs.NotFound("the asset is not encrypted")
	}
	return key, nil
}
