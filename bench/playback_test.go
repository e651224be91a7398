package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/playback/playbacktest"
	"github.com/marquee-ott/marquee/testenv"
)

// The playback figures, in one run:
//   - playbackSession through the whole stack (HTTP, app key, gqlgen, the
//     checks, the session insert) against a bare handler doing only the same
//     database reads (title, asset, entitlement rule) with pgx;
//   - key hand-outs a second through the origin (token, live session,
//     entitlement re-check, the hand-out log row);
//   - serving a 2-hour title's media playlist (1200 six-second segments)
//     rewritten with the token against serving it unchanged from memory.
func BenchmarkPlayback(b *testing.B) {
	m := pt.Start(b, func(c *platform.Config) { c.PlaybackKeyRate, c.PlaybackKeyBurst = 1e9, 1e9 })
	m.ViewerOf = func(ctx context.Context) (playback.Viewer, bool) {
		id, err := uuid.Parse(graphql.GetOperationContext(ctx).Headers.Get("X-Bench-Viewer"))
		return playback.Viewer{ID: id, Profile: id}, err == nil
	}
	keys := &playbacktest.Keys{}
	m.Keys = keys
	ten := pt.SignUp(b, m)
	tenant := uuid.MustParse(ten.ID)
	asset := playbacktest.MustReadyAsset(b, m.DB, tenant, true)
	keys.Set(asset)
	title := pt.Str(ten.Owner.Must(b, `mutation($in: CreateTitleInput!) { createTitle(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"kind": "MOVIE", "assetId": asset.String(), "localizations": []any{map[string]any{"language": "en", "title": "Bench"}}}}), "createTitle", "id")
	ten.Owner.Must(b, `mutation($id: ID!) { publishTitle(id: $id) { status } }`, map[string]any{"id": title})
	appKey := pt.Str(ten.Owner.Must(b, `mutation { createAppKey(name: "bench") { key } }`, nil), "createAppKey", "key")
	pool, err := pgxpool.New(context.Background(), testenv.OwnerURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	workers, per := envInt("MARQUEE_BENCH_WORKERS", 8), envInt("MARQUEE_BENCH_REQUESTS", 1500)

	// playbackSession vs the same reads.
	body, _ := json.Marshal(map[string]any{"query": `mutation($t: ID!) { playbackSession(titleId: $t) { session { id hlsURL } refusal { code } } }`,
		"variables": map[string]any{"t": title}})
	viewer := uuid.NewString()
	full := func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Marquee-App-Key", appKey)
		r.Header.Set("X-Bench-Viewer", viewer)
		return r
	}
	check := func(r *http.Request) string {
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return fmt.Sprint(out)
	}
	if s := check(full()); !strings.Contains(s, "hlsURL") {
		b.Fatalf("playbackSession: %s", s)
	}
	titleID := uuid.MustParse(title)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var status string
		var assetID uuid.UUID
		var ready string
		var requires bool
		if err := pool.QueryRow(ctx, `SELECT status, asset_id FROM titles WHERE tenant_id = $1 AND id = $2`, tenant, titleID).Scan(&status, &assetID); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := pool.QueryRow(ctx, `SELECT status FROM media_assets WHERE tenant_id = $1 AND id = $2`, tenant, assetID).Scan(&ready); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = pool.QueryRow(ctx, `SELECT requires_entitlement FROM title_entitlement_rules WHERE tenant_id = $1 AND title_id = $2`, tenant, titleID).Scan(&requires)
		// The asset's sidecar tracks, which the session lists for the player.
		rows, err := pool.Query(ctx, `SELECT id, kind, language, name FROM media_asset_tracks WHERE tenant_id = $1 AND asset_id = $2 ORDER BY position, id`, tenant, assetID)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		rows.Close()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"ok": status == "published" && ready == "READY" && !requires}})
	}))
	defer bare.Close()
	plain := func() *http.Request { r, _ := http.NewRequest(http.MethodGet, bare.URL, nil); return r }
	baseRate, baseP99 := load(b, plain, workers, per)
	stop := profile(b, "MARQUEE_BENCH_CPUPROFILE")
	fullRate, fullP99 := load(b, full, workers, per)
	stop()
	// Warm, one client: the latency a single player sees.
	_, oneP99 := load(b, full, 1, per)
	b.Logf("playbackSession %.0f req/s p99 %v (one client: p99 %v) | same reads bare %.0f req/s p99 %v | ratio %.2f",
		fullRate, fullP99, oneP99, baseRate, baseP99, fullRate/baseRate)
	b.ReportMetric(fullRate, "session-req/s")
	b.ReportMetric(float64(fullP99.Microseconds()), "session-p99-µs")
	b.ReportMetric(float64(oneP99.Microseconds()), "session-1client-p99-µs")
	b.ReportMetric(fullRate/baseRate, "session-ratio")

	// Key hand-outs.
	var sess struct {
		Data struct {
			PlaybackSession struct{ Session struct{ HLSURL string } }
		}
	}
	res, err := http.DefaultClient.Do(full())
	if err != nil {
		b.Fatal(err)
	}
	_ = json.NewDecoder(res.Body).Decode(&sess)
	res.Body.Close()
	keyURL := strings.Replace(sess.Data.PlaybackSession.Session.HLSURL, "master.m3u8", "key", 1)
	keyReq := func() *http.Request { r, _ := http.NewRequest(http.MethodGet, keyURL, nil); return r }
	keyRate, keyP99 := load(b, keyReq, workers, per)
	b.Logf("key hand-outs %.0f/s p99 %v", keyRate, keyP99)
	b.ReportMetric(keyRate, "keys/s")

	// Manifest rewriting vs the unchanged manifest, both served from memory.
	src := longPlaylist(1200)
	query := "token=" + strings.Repeat("A", playback.TokenLen)
	var bufs = sync.Pool{New: func() any { b := make([]byte, 0, len(src)+len(src)/2); return &b }}
	serve := func(rewrite bool) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
			w.Header().Set("Cache-Control", "private, max-age=5")
			if !rewrite {
				_, _ = w.Write(src)
				return
			}
			bp := bufs.Get().(*[]byte)
			*bp = playback.RewriteHLS((*bp)[:0], src, query)
			_, _ = w.Write(*bp)
			bufs.Put(bp)
		}))
	}
	unchanged, rewritten := serve(false), serve(true)
	defer unchanged.Close()
	defer rewritten.Close()
	get := func(u string) func() *http.Request {
		return func() *http.Request { r, _ := http.NewRequest(http.MethodGet, u, nil); return r }
	}
	plainRate, _ := load(b, get(unchanged.URL), workers, per)
	rwRate, _ := load(b, get(rewritten.URL), workers, per)
	// The rewriter alone, in memory.
	n := 2000
	t0 := time.Now()
	buf := make([]byte, 0, len(src)*2)
	for i := 0; i < n; i++ {
		buf = playback.RewriteHLS(buf[:0], src, query)
	}
	perRewrite := time.Since(t0) / time.Duration(n)
	b.Logf("1200-segment playlist (%d KB): served unchanged %.0f/s | rewritten %.0f/s | ratio %.2f | rewrite alone %v (%.0f MB/s)",
		len(src)/1024, plainRate, rwRate, rwRate/plainRate, perRewrite, float64(len(src))/perRewrite.Seconds()/1e6)
	b.ReportMetric(rwRate/plainRate, "rewrite-ratio")
	b.ReportMetric(rwRate, "rewrites/s")
}

// longPlaylist is a CMAF media playlist of n six-second segments with a key
// and an init section, as the packager writes them.
func longPlaylist(n int) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	b.WriteString("#EXT-X-KEY:METHOD=AES-128,URI=\"key\",IV=0x000102030405060708090a0b0c0d0e0f\n#EXT-X-MAP:URI=\"init_0.mp4\"\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "#EXTINF:6.000000,\nseg_0_%05d.m4s\n", i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}
