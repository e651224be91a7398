package assets_test

import (
	"context"
	"testing"

	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
)

// publisher is the fixture's TrackPublisher: it only counts.
type publisher struct{ n int }

func (p *publisher) PublishTracks(context.Context, tenants.ID, assets.ID) error {
	p.n++
	return nil
}

const vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"

// Tracks are recorded with the asset in the order given; caption edits need
// a READY asset, bump the revision and the asset's caption version, and are
// republished; audio tracks are not edited; bad input is refused.
func TestTracksRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pub := &publisher{}
	f.assets.Publisher = pub
	f.assets.Blobs = f.uploads.Blobs
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.db)
	src := f.mustUpload(t, tenant, uploads.KindSource, "video/mp4", []byte("video"))
	c1 := f.mustUpload(t, tenant, uploads.KindCaption, "text/vtt", []byte(vtt))
	c2 := f.mustUpload(t, tenant, uploads.KindCaption, "text/vtt", []byte(vtt))

	if _, err := f.assets.IngestWithTracks(ctx, tenant, src, nil, []uploads.ID{c1, c1}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("a track twice: %v", err)
	}
	if _, err := f.assets.IngestWithTracks(ctx, tenant, src, nil, []uploads.ID{src}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("a source as a track: %v", err)
	}
	pending := f.mustUploadAs(t, tenant, uploads.KindCaption, "text/vtt", []byte(vtt), false)
	if _, err := f.assets.IngestWithTracks(ctx, tenant, src, nil, []uploads.ID{pending}); !errs.Is(err, errs.KindConflict) {
		t.Errorf("an incomplete track: %v", err)
	}
	a, err := f.assets.IngestWithTracks(ctx, tenant, src, nil, []uploads.ID{c1})
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := f.assets.Tracks(ctx, tenant, a.ID)
	if err != nil || len(tracks) != 1 || tracks[0].Name != "English" || tracks[0].Revision != 1 || tracks[0].Position != 0 {
		t.Fatalf("tracks %+v %v", tracks, err)
	}
	body := vtt
	if _, err := f.assets.ReplaceCaption(ctx, tenant, tracks[0].ID, assets.CaptionText{Body: &body}); !errs.Is(err, errs.KindConflict) {
		t.Errorf("editing a PENDING asset's caption: %v", err)
	}
	if _, err := f.assets.MarkProcessing(ctx, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.MarkReady(ctx, tenant, a.ID, "k/master.m3u8", "k/manifest.mpd"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.ReplaceCaption(ctx, tenant, tracks[0].ID, assets.CaptionText{}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("no text: %v", err)
	}
	srt := "1\n00:00:00,000 --> 00:00:01,000\nHi there\n"
	tr, err := f.assets.ReplaceCaption(ctx, tenant, tracks[0].ID, assets.CaptionText{Body: &srt})
	if err != nil || tr.Revision != 2 {
		t.Fatalf("ReplaceCaption %+v %v", tr, err)
	}
	if text, err := f.assets.CaptionText(ctx, tenant, tr.ID); err != nil || text != "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHi there\n" {
		t.Errorf("text %q %v (SRT stored as WebVTT)", text, err)
	}
	// A second inline edit replaces the first's stored text.
	if _, err := f.assets.ReplaceCaption(ctx, tenant, tr.ID, assets.CaptionText{Body: &body}); err != nil {
		t.Fatal(err)
	}
	var kept []string
	it := f.uploads.Blobs.List(&blob.ListOptions{Prefix: assets.Prefix(tenant, a.ID) + "captions/"})
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			break
		}
		kept = append(kept, obj.Key)
	}
	if len(kept) != 1 {
		t.Errorf("inline texts kept: %v, want the latest only", kept)
	}
	added, err := f.assets.AddTrack(ctx, tenant, a.ID, c2, "Commentary")
	if err != nil || added.Name != "Commentary" || added.Position != 1 {
		t.Fatalf("AddTrack %+v %v", added, err)
	}
	got, err := f.assets.Get(ctx, tenant, a.ID)
	if err != nil || got.TracksVersion != 3 || got.CaptionsPublished() || pub.n != 3 {
		t.Errorf("version %d published %d (%v), %d publishes", got.TracksVersion, got.TracksPublished, err, pub.n)
	}
	if err := f.assets.MarkTracksPublished(ctx, tenant, a.ID, 3); err != nil {
		t.Fatal(err)
	}
	if err := f.assets.MarkTracksPublished(ctx, tenant, a.ID, 1); err != nil { // never goes back
		t.Fatal(err)
	}
	if got, _ := f.assets.Get(ctx, tenant, a.ID); !got.CaptionsPublished() || got.TracksPublished != 3 {
		t.Errorf("published %d of %d", got.TracksPublished, got.TracksVersion)
	}
	if _, err := f.assets.RemoveTrack(ctx, tenant, added.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.Track(ctx, tenant, added.ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("a removed track: %v", err)
	}
}

// Invariant: another tenant's asset, tracks and track uploads are not found,
// and row-level security hides the track rows even from a query that forgets
// its tenant.
func TestTracksAreTenantIsolated(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.assets.Publisher = &publisher{}
	ctx := context.Background()
	mine, other := testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db)
	src := f.mustUpload(t, mine, uploads.KindSource, "video/mp4", []byte("video"))
	c := f.mustUpload(t, mine, uploads.KindCaption, "text/vtt", []byte(vtt))
	a, err := f.assets.IngestWithTracks(ctx, mine, src, nil, []uploads.ID{c})
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := f.assets.Tracks(ctx, mine, a.ID)
	if err != nil || len(tracks) != 1 {
		t.Fatal(tracks, err)
	}
	theirSrc := f.mustUpload(t, other, uploads.KindSource, "video/mp4", []byte("video"))
	if _, err := f.assets.IngestWithTracks(ctx, other, theirSrc, nil, []uploads.ID{c}); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant naming our caption: %v", err)
	}
	if _, err := f.assets.Tracks(ctx, other, a.ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant listing our tracks: %v", err)
	}
	if _, err := f.assets.Track(ctx, other, tracks[0].ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant reading our track: %v", err)
	}
	if _, err := f.assets.RemoveTrack(ctx, other, tracks[0].ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant removing our track: %v", err)
	}
	if _, err := f.assets.AddTrack(ctx, other, a.ID, c, ""); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant adding to our asset: %v", err)
	}
	var n int
	err = f.db.ReadTenant(ctx, other, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM media_asset_tracks`).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Errorf("another tenant sees %d tracks (%v)", n, err)
	}
}
