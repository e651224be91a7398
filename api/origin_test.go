package api_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Eyevinn/dash-mpd/mpd"
	"github.com/google/uuid"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/marquee-ott/marquee/api"
	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/playback/playbacktest"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
)

// ffmpegRun runs ffmpeg (no shell) and fails the test with its stderr.
func ffmpegRun(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffmpeg", append([]string{"-hide_banner", "-nostdin", "-y"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

var sources = []string{"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3", "-f", "lavfi", "-i", "sine=frequency=440:duration=3"}

// clearPackage writes a CMAF package the way media.PlanPackage lays it out:
// two video renditions and one audio over fMP4 segments, a DASH MPD and HLS
// playlists (master.m3u8, media_{n}.m3u8, init_{n}.mp4, seg_{n}_{NNNNN}.m4s).
func clearPackage(t *testing.T, dir string) {
	args := append(append([]string{}, sources...),
		"-map", "0:v", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25",
		"-sc_threshold", "0", "-s:v:1", "160x90", "-aspect:v", "16:9", "-c:a", "aac", "-b:a", "64k",
		"-f", "dash", "-seg_duration", "1", "-use_template", "1", "-use_timeline", "1", "-adaptation_sets", "id=0,streams=v id=1,streams=a",
		"-init_seg_name", "init_$RepresentationID$.mp4", "-media_seg_name", "seg_$RepresentationID$_$Number%05d$.m4s",
		"-hls_playlist", "1", "-hls_master_name", "master.m3u8", filepath.Join(dir, "manifest.mpd"))
	ffmpegRun(t, args...)
}

// encryptedPackage writes an AES-128 HLS package with two variants (MPEG-TS
// segments: ffmpeg 5.1 cannot encrypt fMP4) whose playlists name the key
// with the relative URI "key", as contentkeys' packages do.
func encryptedPackage(t *testing.T, dir string, key []byte) {
	keyFile := filepath.Join(t.TempDir(), "key.bin")
	info := filepath.Join(t.TempDir(), "keyinfo")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(info, []byte("key\n"+keyFile+"\n0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{}, sources...),
		"-map", "0:v", "-map", "1:a", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
		"-s:v:1", "160x90", "-c:a", "aac", "-b:a", "64k",
		"-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod", "-hls_key_info_file", info,
		"-hls_segment_filename", filepath.Join(dir, "seg_%v_%05d.ts"), "-master_pl_name", "master.m3u8",
		"-var_stream_map", "v:0,a:0 v:1,a:1", filepath.Join(dir, "media_%v.m3u8"))
	ffmpegRun(t, args...)
}

// upload copies a package folder into the bucket under the asset's prefix.
func upload(t *testing.T, b *blob.Bucket, dir string, tenant, asset uuid.UUID) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.WriteAll(context.Background(), assets.Prefix(tenant, asset)+e.Name(), data, nil); err != nil {
			t.Fatal(err)
		}
	}
}

type originEnv struct {
	f      *playbacktest.Fixture
	srv    *httptest.Server
	bucket *blob.Bucket
	mu     sync.Mutex
	served map[string]int // path → last status
}

func (e *originEnv) status(path string) int { e.mu.Lock(); defer e.mu.Unlock(); return e.served[path] }

func newOriginEnv(t *testing.T) *originEnv {
	d := testenv.DB(t)
	bucket, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	e := &originEnv{bucket: bucket, served: map[string]int{}}
	s := &api.Server{Tenants: &tenants.Service{DB: d}, Log: slog.New(slog.DiscardHandler), MaxBodySize: 1 << 20}
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: 200}
		h.ServeHTTP(rec, r)
		e.mu.Lock()
		e.served[r.URL.Path] = rec.code
		e.mu.Unlock()
	}))
	t.Cleanup(e.srv.Close)
	e.f = playbacktest.New(t, d, e.srv.URL)
	s.Origin = &api.Origin{Playback: e.f.Service, Blobs: bucket, AppOrigins: []string{"https://console.example"}}
	h = s.Handler()
	return e
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(c int) { r.code = c; r.ResponseWriter.WriteHeader(c) }

func get(t *testing.T, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// frameStreams is the set of stream indexes ffmpeg decoded frames of
// (framecrc lines start with the stream index).
func frameStreams(out string) map[string]bool {
	got := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		idx, _, _ := strings.Cut(l, ",")
		got[strings.TrimSpace(idx)] = true
	}
	return got
}

// ffmpeg plays the tokenized master playlist (and the MPD) of a clear CMAF
// package end to end through the origin, decoding every variant: every
// child URL carried the token, since each request without one is a 403.
func TestFFmpegPlaysTokenizedCMAFThroughTheOrigin(t *testing.T) {
	e := newOriginEnv(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, e.f.DB)
	asset := playbacktest.MustReadyAsset(t, e.f.DB, tenant, true)
	dir := t.TempDir()
	clearPackage(t, dir)
	upload(t, e.bucket, dir, tenant, asset)
	title := e.f.MustTitle(t, tenant, &asset, nil, nil)
	s, r, err := e.f.Service.Start(ctx, playback.StartRequest{Tenant: tenant, Viewer: playback.Viewer{ID: uuid.New()}, Title: title.ID})
	if err != nil || r != nil {
		t.Fatalf("Start: %v %+v", err, r)
	}

	out := ffmpegRun(t, "-i", s.HLSURL, "-map", "0", "-f", "framecrc", "-")
	if got := frameStreams(out); len(got) < 3 {
		t.Errorf("decoded streams %v, want both video variants and the audio", got)
	}
	prefix := playback.OriginPath(tenant, asset)
	for _, f := range []string{"master.m3u8", "media_0.m3u8", "media_1.m3u8", "media_2.m3u8", "init_0.mp4", "init_1.mp4", "init_2.mp4",
		"seg_0_00001.m4s", "seg_1_00001.m4s", "seg_2_00001.m4s"} {
		if c := e.status(prefix + f); c != http.StatusOK && c != http.StatusPartialContent {
			t.Errorf("%s: status %d", f, c)
		}
	}

	// DASH: the token rides in the SegmentTemplate attributes; the MPD
	// still parses as XML and ffmpeg's DASH demuxer plays it.
	res, manifest := get(t, s.DASHURL)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/dash+xml" || !strings.HasPrefix(res.Header.Get("Cache-Control"), "private") {
		t.Fatalf("MPD: %d %v", res.StatusCode, res.Header)
	}
	doc, err := mpd.ReadFromString(string(manifest))
	if err != nil {
		t.Fatalf("rewritten MPD (Eyevinn/dash-mpd): %v", err)
	}
	n := 0
	for _, p := range doc.Periods {
		for _, as := range p.AdaptationSets {
			for _, rep := range as.Representations {
				n++
				tmpl := rep.SegmentTemplate
				if tmpl == nil {
					tmpl = as.SegmentTemplate
				}
				if tmpl == nil || !strings.HasSuffix(tmpl.Initialization, "?token="+s.Token) || !strings.HasSuffix(tmpl.Media, "?token="+s.Token) {
					t.Errorf("representation %s: template without the token: %+v", rep.Id, tmpl)
				}
			}
		}
	}
	if n != 3 {
		t.Errorf("%d representations in the MPD", n)
	}
	if got := frameStreams(ffmpegRun(t, "-i", s.DASHURL, "-map", "0", "-f", "framecrc", "-")); len(got) < 3 {
		t.Errorf("DASH decoded streams %v", got)
	}

	// Headers: content types, cache policy, ranges, CORS.
	res, _ = get(t, s.HLSURL)
	if res.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" || res.Header.Get("Cache-Control") != "private, max-age=5" {
		t.Errorf("master headers %v", res.Header)
	}
	seg := e.srv.URL + prefix + "seg_0_00001.m4s?token=" + s.Token
	res, body := get(t, seg)
	if res.Header.Get("Content-Type") != "video/iso.segment" || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("segment headers %v", res.Header)
	}
	whole, _ := os.ReadFile(filepath.Join(dir, "seg_0_00001.m4s"))
	if !bytes.Equal(body, whole) {
		t.Error("segment bytes differ from the package's")
	}
	res, part := get(t, seg, "Range", "bytes=100-199")
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(part, whole[100:200]) ||
		res.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(whole)) {
		t.Errorf("range: %d %q", res.StatusCode, res.Header.Get("Content-Range"))
	}
	res, _ = get(t, e.srv.URL+prefix+"init_0.mp4?token="+s.Token)
	if res.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("init type %q", res.Header.Get("Content-Type"))
	}
	res, _ = get(t, seg, "Origin", "https://console.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "https://console.example" {
		t.Errorf("CORS for an app origin: %v", res.Header)
	}
	res, _ = get(t, seg, "Origin", "https://evil.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS for a stranger: %v", res.Header)
	}
	req, _ := http.NewRequest(http.MethodOptions, seg, nil)
	req.Header.Set("Origin", "https://console.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "range")
	pre, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pre.Body.Close()
	if pre.StatusCode != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Headers") != "Range" ||
		pre.Header.Get("Access-Control-Allow-Origin") != "https://console.example" {
		t.Errorf("preflight: %d %v", pre.StatusCode, pre.Header)
	}
	// The same objects under /t/{slug}/ (the tenant's path), and not under another's.
	slug := "t-" + tenant.String()[24:]
	if res, _ := get(t, e.srv.URL+"/t/"+slug+prefix+"seg_0_00001.m4s?token="+s.Token); res.StatusCode != 200 {
		t.Errorf("under /t/{slug}/: %d", res.StatusCode)
	}
	other := testenv.MustTenant(t, e.f.DB)
	if res, _ := get(t, e.srv.URL+"/t/t-"+other.String()[24:]+prefix+"seg_0_00001.m4s?token="+s.Token); res.StatusCode != 404 {
		t.Errorf("under another tenant's slug: %d", res.StatusCode)
	}
}

var keyLine = regexp.MustCompile(`#EXT-X-KEY:METHOD=AES-128,URI="key\?token=[^"]+"`)

// ffmpeg plays an AES-128 package, fetching the key through the key
// endpoint with the session's token and decrypting every segment; each
// hand-out is logged. Expired, tampered, other-session and unentitled
// requests are 403; another tenant's asset is 404 exactly as a missing one.
func TestEncryptedPlaybackAndRefusals(t *testing.T) {
	e := newOriginEnv(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, e.f.DB)
	asset := playbacktest.MustReadyAsset(t, e.f.DB, tenant, false)
	key := e.f.Keys.Set(asset)
	dir := t.TempDir()
	encryptedPackage(t, dir, key)
	upload(t, e.bucket, dir, tenant, asset)
	title := e.f.MustTitle(t, tenant, &asset, nil, nil)
	if err := e.f.Grants.SetRequiresEntitlement(ctx, tenant, title.ID, true); err != nil {
		t.Fatal(err)
	}
	v := playback.Viewer{ID: uuid.New(), Profile: uuid.New()}
	if err := e.f.Grants.Grant(ctx, tenant, title.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	s, r, err := e.f.Service.Start(ctx, playback.StartRequest{Tenant: tenant, Viewer: v, Title: title.ID})
	if err != nil || r != nil {
		t.Fatalf("Start: %v %+v", err, r)
	}
	if s.DASHURL != "" {
		t.Errorf("an encrypted asset has a DASH URL: %s", s.DASHURL)
	}
	prefix := e.srv.URL + playback.OriginPath(tenant, asset)
	_, media := get(t, prefix+"media_0.m3u8?token="+s.Token)
	if !keyLine.Match(media) {
		t.Fatalf("media playlist's key line:\n%s", media)
	}

	out := ffmpegRun(t, "-i", s.HLSURL, "-map", "0", "-f", "framecrc", "-")
	if got := frameStreams(out); len(got) < 4 {
		t.Errorf("decoded streams %v, want 2 variants × (video, audio)", got)
	}
	if n, err := e.f.Service.KeyHandouts(ctx, tenant, s.ID); err != nil || n < 1 {
		t.Errorf("key hand-outs logged: %d %v", n, err)
	}
	res, got := get(t, prefix+"key?token="+s.Token)
	if res.StatusCode != 200 || !bytes.Equal(got, key) || res.Header.Get("Cache-Control") != "no-store" ||
		res.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("key: %d %v %s", res.StatusCode, res.Header, hex.EncodeToString(got))
	}
	res, _ = get(t, prefix+"seg_0_00001.ts?token="+s.Token)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "video/mp2t" {
		t.Errorf("ts segment: %d %v", res.StatusCode, res.Header)
	}

	tk := tokensOf(t)
	expired := tk.Make(playback.Claims{Tenant: tenant, Asset: asset, Session: s.ID, Expires: time.Now().Add(-time.Minute)})
	tampered := []byte(s.Token)
	tampered[5] ^= 2
	ghost := tk.Make(playback.Claims{Tenant: tenant, Asset: asset, Session: uuid.New(), Expires: time.Now().Add(time.Hour)})
	otherAsset := playbacktest.MustReadyAsset(t, e.f.DB, tenant, false)
	for name, u := range map[string]string{
		"expired manifest":        prefix + "media_0.m3u8?token=" + expired,
		"expired segment":         prefix + "seg_0_00001.ts?token=" + expired,
		"expired key":             prefix + "key?token=" + expired,
		"tampered manifest":       prefix + "master.m3u8?token=" + string(tampered),
		"tampered key":            prefix + "key?token=" + string(tampered),
		"no token":                prefix + "seg_0_00001.ts",
		"unknown session":         prefix + "master.m3u8?token=" + ghost,
		"unknown session key":     prefix + "key?token=" + ghost,
		"token of another asset":  e.srv.URL + playback.OriginPath(tenant, otherAsset) + "master.m3u8?token=" + s.Token,
		"another asset's segment": e.srv.URL + playback.OriginPath(tenant, otherAsset) + "seg_0_00001.ts?token=" + s.Token,
	} {
		if res, _ := get(t, u); res.StatusCode != http.StatusForbidden || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d", name, res.StatusCode)
		}
	}

	// A token of another session: a second viewer's session works for its
	// own requests only while it lives; once ended, its manifests and key stop.
	v2 := playback.Viewer{ID: uuid.New()}
	if err := e.f.Grants.Grant(ctx, tenant, title.ID, v2.ID); err != nil {
		t.Fatal(err)
	}
	s2, _, _ := e.f.Service.Start(ctx, playback.StartRequest{Tenant: tenant, Viewer: v2, Title: title.ID})
	if err := e.f.Service.End(ctx, tenant, v2.ID, s2.ID); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"master.m3u8", "key"} {
		if res, _ := get(t, prefix+f+"?token="+s2.Token); res.StatusCode != http.StatusForbidden {
			t.Errorf("ended session's %s: %d", f, res.StatusCode)
		}
	}

	// Entitlement revoked mid-session: the next key request is refused.
	if err := e.f.Grants.Revoke(ctx, tenant, title.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	if res, _ := get(t, prefix+"key?token="+s.Token); res.StatusCode != http.StatusForbidden {
		t.Errorf("key without entitlement: %d", res.StatusCode)
	}

	// Another tenant's asset under a valid token of this tenant: the object
	// is looked up under this tenant only, so it is 404 exactly as a
	// missing asset.
	b := testenv.MustTenant(t, e.f.DB)
	assetB := playbacktest.MustReadyAsset(t, e.f.DB, b, false)
	upload(t, e.bucket, dir, b, assetB)
	missing := uuid.New()
	forB := tk.Make(playback.Claims{Tenant: tenant, Asset: assetB, Session: s.ID, Expires: time.Now().Add(time.Hour)})
	forMissing := tk.Make(playback.Claims{Tenant: tenant, Asset: missing, Session: s.ID, Expires: time.Now().Add(time.Hour)})
	r1, b1 := get(t, e.srv.URL+playback.OriginPath(tenant, assetB)+"seg_0_00001.ts?token="+forB)
	r2, b2 := get(t, e.srv.URL+playback.OriginPath(tenant, missing)+"seg_0_00001.ts?token="+forMissing)
	if r1.StatusCode != 404 || r2.StatusCode != 404 || !bytes.Equal(b1, b2) {
		t.Errorf("other tenant's asset %d %q vs missing %d %q", r1.StatusCode, b1, r2.StatusCode, b2)
	}
	// Malformed paths are 404 too.
	// One folder down is a package's (track_0/, subs/, images/); deeper, dot
	// segments, dotted folders and empty parts are not.
	for _, p := range []string{"/play/x/y/master.m3u8", playback.OriginPath(tenant, asset) + "..%2Fmaster.m3u8", playback.OriginPath(tenant, asset) + "a.b.c",
		playback.OriginPath(tenant, asset) + "a/b/seg.m4s", playback.OriginPath(tenant, asset) + "a.b/seg.m4s", playback.OriginPath(tenant, asset) + "subs//x.vtt",
		playback.OriginPath(tenant, asset) + "subs/..%2Fmaster.m3u8"} {
		if res, _ := get(t, e.srv.URL+p+"?token="+s.Token); res.StatusCode != 404 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
}

// The key endpoint is rate-limited per session.
func TestKeyHandoutsAreRateLimitedPerSession(t *testing.T) {
	e := newOriginEnv(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, e.f.DB)
	asset := playbacktest.MustReadyAsset(t, e.f.DB, tenant, false)
	e.f.Keys.Set(asset)
	title := e.f.MustTitle(t, tenant, &asset, nil, nil)
	s, _, err := e.f.Service.Start(ctx, playback.StartRequest{Tenant: tenant, Viewer: playback.Viewer{ID: uuid.New()}, Title: title.ID})
	if err != nil {
		t.Fatal(err)
	}
	u := e.srv.URL + playback.OriginPath(tenant, asset) + "key?token=" + s.Token
	limited := false
	for range 80 {
		res, _ := get(t, u)
		if res.StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
		if res.StatusCode != 200 {
			t.Fatalf("key: %d", res.StatusCode)
		}
	}
	if !limited {
		t.Error("80 key requests in a burst were never limited")
	}
}

func tokensOf(t *testing.T) *playback.Tokens {
	t.Helper()
	secret, err := sealbox.ParseKey(sealbox.DevKey()) // playbacktest's secret
	if err != nil {
		t.Fatal(err)
	}
	tk, err := playback.NewTokens(secret)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}
