package playback_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/playback/playbacktest"
	"github.com/marquee-ott/marquee/testenv"
)

func viewer() playback.Viewer {
	return playback.Viewer{ID: uuid.New(), Profile: uuid.New(), Device: uuid.New()}
}

func start(t *testing.T, f *playbacktest.Fixture, tenant uuid.UUID, v playback.Viewer, title uuid.UUID, country string) (playback.Session, *playback.Refusal) {
	t.Helper()
	s, r, err := f.Service.Start(context.Background(), playback.StartRequest{Tenant: tenant, Viewer: v, Title: title, Country: country})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s, r
}

func wantRefusal(t *testing.T, r *playback.Refusal, code playback.Code) {
	t.Helper()
	if r == nil || r.Code != code || r.Reason == "" {
		t.Fatalf("refusal = %+v, want %s", r, code)
	}
}

// The checks run in order and each refusal names its code: media, window,
// country (unknown refused for country-limited titles), rating ceiling,
// entitlement (grant and revoke).
func TestStartRefusesWithACodePerCheck(t *testing.T) {
	d := testenv.DB(t)
	f := playbacktest.New(t, d, "http://origin.test")
	ctx := context.Background()
	tenant := testenv.MustTenant(t, d)
	asset := playbacktest.MustReadyAsset(t, d, tenant, true)
	v := viewer()
	now := f.Clock.Now()
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)

	_, r := start(t, f, tenant, v, f.MustTitle(t, tenant, nil, nil, nil).ID, "")
	wantRefusal(t, r, playback.NotAvailableYet)
	_, r = start(t, f, tenant, v, f.MustTitle(t, tenant, &asset, nil, &catalog.Availability{Start: &later}).ID, "")
	wantRefusal(t, r, playback.NotAvailableYet)
	_, r = start(t, f, tenant, v, f.MustTitle(t, tenant, &asset, nil, &catalog.Availability{End: &earlier}).ID, "")
	wantRefusal(t, r, playback.Expired)
	geo := f.MustTitle(t, tenant, &asset, nil, &catalog.Availability{Countries: []string{"GB"}}).ID
	_, r = start(t, f, tenant, v, geo, "")
	wantRefusal(t, r, playback.GeoBlocked)
	_, r = start(t, f, tenant, v, geo, "FR")
	wantRefusal(t, r, playback.GeoBlocked)
	if s, r := start(t, f, tenant, v, geo, "GB"); r != nil || s.ID == uuid.Nil {
		t.Fatalf("GB: %+v %+v", s, r)
	}
	sixteen, six := 16, 6
	kid := v
	kid.RatingCeiling = "12"
	_, r = start(t, f, tenant, kid, f.MustTitle(t, tenant, &asset, &catalog.Rating{System: "FSK", Value: "16", MinAge: &sixteen}, nil).ID, "")
	wantRefusal(t, r, playback.RatingBlocked)
	_, r = start(t, f, tenant, kid, f.MustTitle(t, tenant, &asset, &catalog.Rating{System: "X", Value: "?"}, nil).ID, "")
	wantRefusal(t, r, playback.RatingBlocked) // no minimum age under a ceiling: refused, not guessed
	if _, r = start(t, f, tenant, kid, f.MustTitle(t, tenant, &asset, &catalog.Rating{System: "FSK", Value: "6", MinAge: &six}, nil).ID, ""); r != nil {
		t.Fatalf("FSK 6 for a 12 ceiling: %+v", r)
	}

	paid := f.MustTitle(t, tenant, &asset, nil, nil).ID
	if err := f.Grants.SetRequiresEntitlement(ctx, tenant, paid, true); err != nil {
		t.Fatal(err)
	}
	_, r = start(t, f, tenant, v, paid, "")
	wantRefusal(t, r, playback.NotEntitled)
	if err := f.Grants.Grant(ctx, tenant, paid, v.ID); err != nil {
		t.Fatal(err)
	}
	s, r := start(t, f, tenant, v, paid, "")
	if r != nil {
		t.Fatalf("granted: %+v", r)
	}
	if !strings.HasPrefix(s.HLSURL, "http://origin.test/play/"+tenant.String()+"/"+asset.String()+"/master.m3u8?token=") ||
		!strings.Contains(s.DASHURL, "/manifest.mpd?token=") || len(s.AudioTracks) != 1 || s.AudioTracks[0].Language != "en" {
		t.Errorf("session = %+v", s)
	}
	if err := f.Grants.Revoke(ctx, tenant, paid, v.ID); err != nil {
		t.Fatal(err)
	}
	_, r = start(t, f, tenant, v, paid, "")
	wantRefusal(t, r, playback.NotEntitled)
	if err := f.Grants.Revoke(ctx, tenant, paid, v.ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("revoking twice: %v", err)
	}

	// HLS-only (encrypted) assets have no DASH URL.
	hlsOnly := playbacktest.MustReadyAsset(t, d, tenant, false)
	if s, _ := start(t, f, tenant, v, f.MustTitle(t, tenant, &hlsOnly, nil, nil).ID, ""); s.DASHURL != "" || s.HLSURL == "" {
		t.Errorf("HLS-only session = %+v", s)
	}
}

// Another tenant's title, session or grant is NotFound, as a missing one.
func TestPlaybackIsTenantIsolated(t *testing.T) {
	d := testenv.DB(t)
	f := playbacktest.New(t, d, "http://origin.test")
	ctx := context.Background()
	a, b := testenv.MustTenant(t, d), testenv.MustTenant(t, d)
	asset := playbacktest.MustReadyAsset(t, d, a, true)
	title := f.MustTitle(t, a, &asset, nil, nil).ID
	v := viewer()
	s, _ := start(t, f, a, v, title, "")
	if _, _, err := f.Service.Start(ctx, playback.StartRequest{Tenant: b, Viewer: v, Title: title}); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("start of another tenant's title: %v", err)
	}
	if _, err := f.Service.Heartbeat(ctx, b, v.ID, s.ID, 0); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("heartbeat in another tenant: %v", err)
	}
	if _, err := f.Service.Heartbeat(ctx, a, uuid.New(), s.ID, 0); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("heartbeat of another viewer: %v", err)
	}
	if _, err := f.Service.Heartbeat(ctx, a, v.ID, uuid.New(), 0); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("heartbeat of a missing session: %v", err)
	}
	if err := f.Grants.Grant(ctx, b, title, v.ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("grant of another tenant's title: %v", err)
	}
	if err := f.Grants.SetRequiresEntitlement(ctx, b, title, true); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("rule on another tenant's title: %v", err)
	}
	if _, err := f.Service.Preview(ctx, b, uuid.New(), asset); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("preview of another tenant's asset: %v", err)
	}
}

// The N+1th stream is refused (REFUSE) or ends the oldest (END_OLDEST); a
// stream without a heartbeat for two minutes no longer counts; an ended
// session's token stops working for manifests and keys.
func TestConcurrentStreamLimitBothModes(t *testing.T) {
	d := testenv.DB(t)
	f := playbacktest.New(t, d, "http://origin.test")
	ctx := context.Background()
	tenant := testenv.MustTenant(t, d)
	asset := playbacktest.MustReadyAsset(t, d, tenant, true)
	title := f.MustTitle(t, tenant, &asset, nil, nil).ID
	if _, err := f.Service.SetStreams(ctx, tenant, playback.StreamSettings{MaxStreams: 2, OnLimit: playback.LimitRefuse}); err != nil {
		t.Fatal(err)
	}
	v := viewer()
	s1, _ := start(t, f, tenant, v, title, "")
	f.Clock.Add(time.Second)
	s2, _ := start(t, f, tenant, v, title, "")
	_, r := start(t, f, tenant, v, title, "")
	wantRefusal(t, r, playback.TooManyStreams)
	if _, r := start(t, f, tenant, viewer(), title, ""); r != nil {
		t.Errorf("another viewer is limited by this one's streams: %+v", r)
	}
	// s2 keeps beating, s1 goes quiet: after 2 minutes s1 is dead.
	f.Clock.Add(90 * time.Second)
	if _, err := f.Service.Heartbeat(ctx, tenant, v.ID, s2.ID, 42*time.Second); err != nil {
		t.Fatal(err)
	}
	f.Clock.Add(60 * time.Second)
	s3, r := start(t, f, tenant, v, title, "")
	if r != nil {
		t.Fatalf("with a dead stream: %+v", r)
	}
	if _, err := f.Service.Heartbeat(ctx, tenant, v.ID, s1.ID, 0); !errs.Is(err, errs.KindConflict) {
		t.Errorf("heartbeat of a dead stream: %v", err)
	}

	if _, err := f.Service.SetStreams(ctx, tenant, playback.StreamSettings{MaxStreams: 2, OnLimit: playback.LimitEndOldest}); err != nil {
		t.Fatal(err)
	}
	f.Clock.Add(time.Second)
	s4, r := start(t, f, tenant, v, title, "")
	if r != nil {
		t.Fatalf("END_OLDEST refused: %+v", r)
	}
	// s2 was the oldest live stream: ended; s3 and s4 play.
	if _, err := f.Service.Authorize(ctx, tenant, asset, s2.Token, true); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("ended session's manifest: %v", err)
	}
	if _, err := f.Service.Key(ctx, tenant, asset, s2.Token); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("ended session's key: %v", err)
	}
	if _, err := f.Service.Heartbeat(ctx, tenant, v.ID, s2.ID, 0); !errs.Is(err, errs.KindConflict) {
		t.Errorf("heartbeat of an ended session: %v", err)
	}
	for _, s := range []playback.Session{s3, s4} {
		if _, err := f.Service.Authorize(ctx, tenant, asset, s.Token, true); err != nil {
			t.Errorf("live session %s: %v", s.ID, err)
		}
	}
	if err := f.Service.End(ctx, tenant, v.ID, s4.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Service.Authorize(ctx, tenant, asset, s4.Token, true); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("stopped session: %v", err)
	}
	if _, err := f.Service.SetStreams(ctx, tenant, playback.StreamSettings{MaxStreams: -1, OnLimit: "X"}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("bad settings: %v", err)
	}
}

// Two starts at once for the last slot: exactly one gets it (the viewer's
// starts are serialized by an advisory lock).
func TestConcurrentStartsTakeTheLastSlotOnce(t *testing.T) {
	d := testenv.DB(t)
	f := playbacktest.New(t, d, "http://origin.test")
	ctx := context.Background()
	tenant := testenv.MustTenant(t, d)
	asset := playbacktest.MustReadyAsset(t, d, tenant, true)
	title := f.MustTitle(t, tenant, &asset, nil, nil).ID
	if _, err := f.Service.SetStreams(ctx, tenant, playback.StreamSettings{MaxStreams: 1, OnLimit: playback.LimitRefuse}); err != nil {
		t.Fatal(err)
	}
	v := viewer()
	type res struct {
		r   *playback.Refusal
		err error
	}
	out := make(chan res, 4)
	for range 4 {
		go func() {
			_, r, err := f.Service.Start(ctx, playback.StartRequest{Tenant: tenant, Viewer: v, Title: title})
			out <- res{r, err}
		}()
	}
	ok := 0
	for range 4 {
		x := <-out
		if x.err != nil {
			t.Fatal(x.err)
		}
		if x.r == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d of 4 concurrent starts got the one slot", ok)
	}
}

// A tenant's CDN signer puts its parameters on the session's URLs (and
// cookies for CloudFront cookies); the secret is sealed and never shown;
// another tenant is unaffected.
func TestCDNSignerPerTenant(t *testing.T) {
	d := testenv.DB(t)
	f := playbacktest.New(t, d, "http://origin.test")
	ctx := context.Background()
	a, b := testenv.MustTenant(t, d), testenv.MustTenant(t, d)
	assetA := playbacktest.MustReadyAsset(t, d, a, true)
	assetB := playbacktest.MustReadyAsset(t, d, b, true)
	titleA := f.MustTitle(t, a, &assetA, nil, nil).ID
	titleB := f.MustTitle(t, b, &assetB, nil, nil).ID

	set, err := f.Service.SetCDN(ctx, a, playback.CDNInput{Kind: playback.CDNHMAC, BaseURL: "https://cdn.example/", Secret: "00112233445566778899aabbccddeeff"})
	if err != nil {
		t.Fatal(err)
	}
	if set.CDN.Kind != playback.CDNHMAC || !set.CDN.HasSecret || set.CDN.BaseURL != "https://cdn.example" {
		t.Errorf("settings = %+v", set)
	}
	s, _ := start(t, f, a, viewer(), titleA, "")
	u, err := url.Parse(s.HLSURL)
	if err != nil {
		t.Fatal(err)
	}
	edge := playback.EdgeHMAC{Key: []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}}
	if u.Host != "cdn.example" || u.Query().Get("token") != s.Token ||
		edge.VerifyEdgeToken(u.Query().Get("hdnts"), u.Path, f.Clock.Now()) != nil {
		t.Errorf("HMAC session URL = %s", s.HLSURL)
	}
	sb, _ := start(t, f, b, viewer(), titleB, "")
	if strings.Contains(sb.HLSURL, "hdnts") || !strings.HasPrefix(sb.HLSURL, "http://origin.test/") {
		t.Errorf("other tenant's URL = %s", sb.HLSURL)
	}

	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if _, err := f.Service.SetCDN(ctx, a, playback.CDNInput{Kind: playback.CDNCloudFront, BaseURL: "https://d1.cloudfront.net",
		KeyPairID: "K1", Cookies: true, Secret: string(pemKey)}); err != nil {
		t.Fatal(err)
	}
	s, _ = start(t, f, a, viewer(), titleA, "")
	if len(s.Cookies) != 3 || !strings.HasPrefix(s.HLSURL, "https://d1.cloudfront.net/play/") {
		t.Errorf("CloudFront cookie session = %+v", s)
	}
	if _, err := f.Service.SetCDN(ctx, a, playback.CDNInput{Kind: playback.CDNCloudFront, BaseURL: "https://d1.cloudfront.net",
		KeyPairID: "K1", Secret: "not a key"}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("bad PEM: %v", err)
	}
	if _, err := f.Service.SetCDN(ctx, a, playback.CDNInput{Kind: playback.CDNHMAC, Secret: "abc"}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("short HMAC key: %v", err)
	}
	if _, err := f.Service.SetCDN(ctx, a, playback.CDNInput{Kind: playback.CDNNone, BaseURL: "ftp://x"}); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("bad base URL: %v", err)
	}
}

type resumeFunc func(profile uuid.UUID) time.Duration

func (f resumeFunc) ResumePosition(_ context.Context, _ uuid.UUID, profile uuid.UUID, _ playback.TitleID) (time.Duration, error) {
	return f(profile), nil
}

// The resume position comes from Resumes (continue watching, package
// viewers) for the viewer's profile, and is the session's first position.
func TestSessionStartsAtTheResumePosition(t *testing.T) {
	d := testenv.DB(t)
	f := playbacktest.New(t, d, "http://origin.test")
	tenant := testenv.MustTenant(t, d)
	asset := playbacktest.MustReadyAsset(t, d, tenant, true)
	title := f.MustTitle(t, tenant, &asset, nil, nil).ID
	v := viewer()
	f.Service.Resumes = resumeFunc(func(p uuid.UUID) time.Duration {
		if p == v.Profile {
			return 95 * time.Second
		}
		return 0
	})
	s, _ := start(t, f, tenant, v, title, "")
	if s.Resume != 95*time.Second || s.Position != 95*time.Second {
		t.Errorf("resume %v position %v", s.Resume, s.Position)
	}
	other := viewer()
	if s, _ := start(t, f, tenant, other, title, ""); s.Resume != 0 {
		t.Errorf("another profile resumes at %v", s.Resume)
	}
}
