package graph_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/playback/playbacktest"
)

// viewerHeader stands in for package viewers in these tests: the wiring's
// ViewerOf hook reads the viewer from it.
const viewerHeader = "X-Test-Viewer"

func withTestViewers(m *platform.Main) {
	m.ViewerOf = func(ctx context.Context) (playback.Viewer, bool) {
		if !graphql.HasOperationContext(ctx) {
			return playback.Viewer{}, false
		}
		id, err := uuid.Parse(graphql.GetOperationContext(ctx).Headers.Get(viewerHeader))
		return playback.Viewer{ID: id, Profile: id}, err == nil
	}
}

type headerRT struct{ k, v string }

func (h headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.k, h.v)
	return http.DefaultTransport.RoundTrip(r)
}

// viewerClient is a storefront app client signed in as a new viewer.
func viewerClient(t *testing.T, m *platform.Main, owner pt.Client) (pt.Client, string) {
	t.Helper()
	key := pt.Str(owner.Must(t, `mutation { createAppKey(name: "web") { key } }`, nil), "createAppKey", "key")
	id := uuid.NewString()
	return pt.Client{URL: m.URL(), AppKey: key, HTTP: &http.Client{Transport: headerRT{viewerHeader, id}}}, id
}

const startPlayback = `mutation($t: ID!) { playbackSession(titleId: $t) {
	session { id assetId titleId hlsURL dashURL expiresAt resumePositionSeconds ads audioTracks { language channels name descriptive } subtitles { language name sdh url } thumbnailsURL cdnCookies { name } }
	refusal { code reason } } }`

// A viewer starts a session through GraphQL and the origin serves its
// master playlist; refusals come back as codes; heartbeats keep it; another
// workspace's title and session are NOT_FOUND; staff set the entitlement
// flag and grants with their permissions.
func TestPlaybackSessionThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	withTestViewers(m)
	ctx := context.Background()
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, a, "ed@"+a.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, a, "an@"+a.Slug+".example.com", "ANALYST")
	tenantA := uuid.MustParse(a.ID)
	asset := playbacktest.MustReadyAsset(t, m.DB, tenantA, true)
	if err := m.Blobs.WriteAll(ctx, "tenants/"+a.ID+"/assets/"+asset.String()+"/master.m3u8", []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nmedia_0.m3u8\n"), nil); err != nil {
		t.Fatal(err)
	}
	title := mustTitle(t, ed, movie("Film", map[string]any{"assetId": asset.String()}))
	mustPublish(t, ed, title)
	app, viewerID := viewerClient(t, m, a.Owner)

	if r := (pt.Client{URL: m.URL(), AppKey: app.AppKey}).Do(t, startPlayback, map[string]any{"t": title}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("without a viewer: %v", r.Codes())
	}
	d := app.Must(t, startPlayback, map[string]any{"t": title})
	s := pt.Get(d, "playbackSession", "session").(map[string]any)
	if pt.Get(d, "playbackSession", "refusal") != nil || pt.Str(s, "assetId") != asset.String() || pt.Str(s, "titleId") != title ||
		pt.Str(s, "audioTracks", 0, "language") != "en" || pt.Get(s, "thumbnailsURL") != nil {
		t.Fatalf("session = %v", d)
	}
	hls := pt.Str(s, "hlsURL")
	if !strings.HasPrefix(hls, m.URL()+"/play/"+a.ID+"/"+asset.String()+"/master.m3u8?token=") || !strings.Contains(pt.Str(s, "dashURL"), "manifest.mpd?token=") {
		t.Errorf("URLs: %v", s)
	}
	res, err := http.Get(hls)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "media_0.m3u8?token=") {
		t.Errorf("origin: %d %s", res.StatusCode, body)
	}
	sid := pt.Str(s, "id")
	const beat = `mutation($s: ID!, $p: Int!) { playbackHeartbeat(sessionId: $s, positionSeconds: $p) { id positionSeconds endedAt } }`
	if d := app.Must(t, beat, map[string]any{"s": sid, "p": 42}); pt.Str(d, "playbackHeartbeat", "positionSeconds") != "42" {
		t.Errorf("heartbeat = %v", d)
	}
	if r := app.Do(t, beat, map[string]any{"s": sid, "p": -1}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("negative position: %v", r.Codes())
	}

	// Another workspace: its viewer cannot start A's title nor beat A's session.
	appB, _ := viewerClient(t, m, b.Owner)
	if r := appB.Do(t, startPlayback, map[string]any{"t": title}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's title: %v", r.Codes())
	}
	if r := appB.Do(t, beat, map[string]any{"s": sid, "p": 1}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's session: %v", r.Codes())
	}

	// The entitlement flag (editors) and grants (managers).
	const flag = `mutation($t: ID!, $r: Boolean!) { setTitleRequiresEntitlement(titleId: $t, required: $r) }`
	const grant = `mutation($t: ID!, $v: ID!) { grantTitle(titleId: $t, viewerId: $v) }`
	const revoke = `mutation($t: ID!, $v: ID!) { revokeTitle(titleId: $t, viewerId: $v) }`
	if r := an.Do(t, flag, map[string]any{"t": title, "r": true}); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst sets the flag: %v", r.Codes())
	}
	ed.Must(t, flag, map[string]any{"t": title, "r": true})
	if d := an.Must(t, `query($t: ID!) { titleRequiresEntitlement(titleId: $t) }`, map[string]any{"t": title}); pt.Str(d, "titleRequiresEntitlement") != "true" {
		t.Errorf("flag = %v", d)
	}
	if d := app.Must(t, startPlayback, map[string]any{"t": title}); pt.Str(d, "playbackSession", "refusal", "code") != "NOT_ENTITLED" ||
		pt.Get(d, "playbackSession", "session") != nil {
		t.Errorf("without a grant: %v", d)
	}
	if r := ed.Do(t, grant, map[string]any{"t": title, "v": viewerID}); r.Code() != "FORBIDDEN" {
		t.Errorf("editor grants: %v", r.Codes())
	}
	if r := b.Owner.Do(t, grant, map[string]any{"t": title, "v": viewerID}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace grants: %v", r.Codes())
	}
	if r := b.Owner.Do(t, flag, map[string]any{"t": title, "r": false}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace sets the flag: %v", r.Codes())
	}
	a.Owner.Must(t, grant, map[string]any{"t": title, "v": viewerID})
	if d := app.Must(t, startPlayback, map[string]any{"t": title}); pt.Get(d, "playbackSession", "session") == nil {
		t.Errorf("with a grant: %v", d)
	}
	a.Owner.Must(t, revoke, map[string]any{"t": title, "v": viewerID})
	if r := a.Owner.Do(t, revoke, map[string]any{"t": title, "v": viewerID}); r.Code() != "NOT_FOUND" {
		t.Errorf("revoking twice: %v", r.Codes())
	}
}

// Staff (MANAGE) set the stream limit and the CDN signer; readers see them
// without the secret; another workspace keeps its own; the N+1th stream is
// refused through GraphQL. Previews need READ and stay in their workspace.
func TestPlaybackSettingsAndPreview(t *testing.T) {
	m := pt.Start(t, nil)
	withTestViewers(m)
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	an, _ := pt.AddStaff(t, m, a, "an@"+a.Slug+".example.com", "ANALYST")
	const limit = `mutation($n: Int!, $m: StreamLimitMode!) { setStreamLimit(input: {maxStreams: $n, onLimit: $m}) { maxStreams onLimit } }`
	const cdn = `mutation($in: CdnSignerInput!) { setCdnSigner(input: $in) { cdn { kind baseURL keyPairId cookies hasSecret } } }`
	const settings = `{ playbackSettings { maxStreams onLimit cdn { kind baseURL hasSecret } } }`
	if r := an.Do(t, limit, map[string]any{"n": 1, "m": "REFUSE"}); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst sets the limit: %v", r.Codes())
	}
	a.Owner.Must(t, limit, map[string]any{"n": 1, "m": "REFUSE"})
	if r := a.Owner.Do(t, limit, map[string]any{"n": 1000, "m": "REFUSE"}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("limit 1000: %v", r.Codes())
	}
	d := a.Owner.Must(t, cdn, map[string]any{"in": map[string]any{"kind": "HMAC", "baseURL": "https://cdn.example", "secret": "00112233445566778899aabbccddeeff"}})
	if pt.Str(d, "setCdnSigner", "cdn", "kind") != "HMAC" || pt.Str(d, "setCdnSigner", "cdn", "hasSecret") != "true" {
		t.Errorf("setCdnSigner = %v", d)
	}
	if r := a.Owner.Do(t, cdn, map[string]any{"in": map[string]any{"kind": "CLOUDFRONT", "baseURL": "https://d.cloudfront.net", "keyPairId": "K", "secret": "x"}}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("bad CloudFront key: %v", r.Codes())
	}
	if r := an.Do(t, cdn, map[string]any{"in": map[string]any{"kind": "NONE"}}); r.Code() != "FORBIDDEN" {
		t.Errorf("analyst sets the CDN: %v", r.Codes())
	}
	if d := an.Must(t, settings, nil); pt.Str(d, "playbackSettings", "maxStreams") != "1" || pt.Str(d, "playbackSettings", "cdn", "baseURL") != "https://cdn.example" {
		t.Errorf("A's settings = %v", d)
	}
	if d := b.Owner.Must(t, settings, nil); pt.Str(d, "playbackSettings", "maxStreams") != "0" || pt.Str(d, "playbackSettings", "cdn", "kind") != "NONE" {
		t.Errorf("B's settings = %v", d)
	}

	tenantA := uuid.MustParse(a.ID)
	asset := playbacktest.MustReadyAsset(t, m.DB, tenantA, true)
	title := mustTitle(t, a.Owner, movie("Film", map[string]any{"assetId": asset.String()}))
	mustPublish(t, a.Owner, title)
	app, _ := viewerClient(t, m, a.Owner)
	d = app.Must(t, startPlayback, map[string]any{"t": title})
	if u := pt.Str(d, "playbackSession", "session", "hlsURL"); !strings.HasPrefix(u, "https://cdn.example/play/") || !strings.Contains(u, "hdnts=") {
		t.Errorf("CDN URL = %s", u)
	}
	if d := app.Must(t, startPlayback, map[string]any{"t": title}); pt.Str(d, "playbackSession", "refusal", "code") != "TOO_MANY_STREAMS" {
		t.Errorf("second stream with a limit of 1: %v", d)
	}

	const preview = `mutation($a: ID!) { previewPlayback(assetId: $a) { id titleId hlsURL expiresAt } }`
	if d := an.Must(t, preview, map[string]any{"a": asset.String()}); pt.Get(d, "previewPlayback", "titleId") != nil || pt.Str(d, "previewPlayback", "hlsURL") == "" {
		t.Errorf("preview = %v", d)
	}
	if r := b.Owner.Do(t, preview, map[string]any{"a": asset.String()}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's preview: %v", r.Codes())
	}
	if r := app.Do(t, preview, map[string]any{"a": asset.String()}); r.Code() != "UNAUTHENTICATED" && r.Code() != "FORBIDDEN" {
		t.Errorf("an app previews: %v", r.Codes())
	}
}
