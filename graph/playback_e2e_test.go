package graph_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/media/mediatest"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/uploads"
)

// mustFetch GETs u and wants 200 with the content type.
func mustFetch(t *testing.T, u, contentType string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != contentType {
		t.Fatalf("GET %s: %d %s %v: %.200s", u, res.StatusCode, res.Header.Get("Content-Type"), err, body)
	}
	return body
}

// The whole chain with nothing standing in: a workspace that encrypts new
// assets ingests a real clip with an extra audio track and subtitles through
// the workflow; a real viewer account
// (signed up, email verified, profile selected) reports progress and starts
// a playback session through GraphQL; ffmpeg plays the tokenized master
// playlist through the origin, fetching the AES-128 key from the key
// endpoint (the sealed content key), and decodes every segment. A kids
// profile whose ceiling is under the title's rating is refused, and billing's
// model (SVOD, a support grant) decides as well.
func TestViewerPlaysAnEncryptedIngestThroughTheOrigin(t *testing.T) {
	m := pt.Start(t, nil)
	pt.RunWorker(t, m)
	tn := pt.SignUp(t, m)
	owner := tn.Owner
	owner.Must(t, `mutation { setEncryptNewAssets(on: true) { encryptNewAssets } }`, nil)

	tenant := uuid.MustParse(tn.ID)
	upload := pt.MustClipUpload(t, m, tenant, mediatest.Clip{Width: 320, Height: 180, Seconds: 3, Audio: 2})
	title := mustTitle(t, owner, movie("Locked film", map[string]any{
		"rating": map[string]any{"system": "BBFC", "value": "12", "minAge": 12}}))
	audioFile, err := os.ReadFile(mediatest.MustClip(t, t.TempDir(), "fr.m4a", mediatest.Clip{NoVideo: true, Audio: 2, Seconds: 3}))
	if err != nil {
		t.Fatal(err)
	}
	fr, desc := "fr", uploads.TrackDescriptiveAudio
	audio := pt.MustUpload(t, m, tenant, uploads.CreateInput{Kind: uploads.KindAudio, Filename: "fr.m4a", ContentType: "audio/mp4",
		Language: &fr, TrackKind: &desc}, audioFile)
	es, subs := "es", uploads.TrackSubtitles
	caption := pt.MustUpload(t, m, tenant, uploads.CreateInput{Kind: uploads.KindCaption, Filename: "es.vtt", ContentType: "text/vtt",
		Language: &es, TrackKind: &subs}, []byte("WEBVTT\n\n00:00.100 --> 00:01.500\nHola\n"))
	d := owner.Must(t, `mutation($u: ID!, $t: ID, $tracks: [ID!]) { ingestUpload(uploadId: $u, titleId: $t, tracks: $tracks) { id } }`,
		map[string]any{"u": upload.String(), "t": title, "tracks": []string{audio.String(), caption.String()}})
	asset := pt.Str(d, "ingestUpload", "id")
	if a := pt.WaitAsset(t, owner, asset, "failureReason encrypted", 3*time.Minute); pt.Str(a, "status") != "READY" || pt.Str(a, "encrypted") != "true" {
		t.Fatalf("ingest: %v", a)
	}
	mustPublish(t, owner, title)

	v := pt.SignUpViewer(t, m, pt.AppKey(t, owner))
	profile := pt.Str(v.Client.Must(t, `{ viewerAccount { profiles { id } } }`, nil), "viewerAccount", "profiles", 0, "id")
	v.Use(v.Client.Must(t, `mutation($p: ID!) { selectProfile(profileId: $p) `+pt.ViewerTokensFields+` }`,
		map[string]any{"p": profile})["selectProfile"])
	v.Client.Must(t, `mutation($t: ID!) { reportProgress(titleId: $t, positionSeconds: 1, durationSeconds: 3) }`, map[string]any{"t": title})

	d = v.Client.Must(t, startPlayback, map[string]any{"t": title})
	s, ok := pt.Get(d, "playbackSession", "session").(map[string]any)
	if !ok {
		t.Fatalf("session: %v", d)
	}
	if pt.Get(s, "dashURL") != nil || pt.Str(s, "resumePositionSeconds") != "1" {
		t.Errorf("an encrypted asset is HLS-only and resumes where the profile left it: %v", s)
	}
	// What the player needs: the extra (descriptive) audio, the subtitles as a
	// tokenized sidecar, and the scrubbing thumbnails, whose sprite URLs the
	// origin tokenizes too.
	if pt.Str(s, "audioTracks", 1, "language") != "fr" || pt.Str(s, "audioTracks", 1, "descriptive") != "true" ||
		pt.Str(s, "subtitles", 0, "language") != "es" || pt.Str(s, "subtitles", 0, "sdh") != "false" {
		t.Errorf("tracks in the session: %v", s)
	}
	if body := mustFetch(t, pt.Str(s, "subtitles", 0, "url"), "text/vtt"); !strings.Contains(string(body), "Hola") {
		t.Errorf("subtitles = %q", body)
	}
	thumbs := string(mustFetch(t, pt.Str(s, "thumbnailsURL"), "text/vtt"))
	sprite, _, _ := strings.Cut(thumbs[strings.Index(thumbs, "sprite_0.jpg"):], "#")
	if !strings.Contains(sprite, "token=") {
		t.Fatalf("the thumbnails track names its sprites without the token: %q", thumbs)
	}
	base := pt.Str(s, "thumbnailsURL")
	mustFetch(t, base[:strings.LastIndex(base, "/")+1]+sprite, "image/jpeg")

	hls := pt.Str(s, "hlsURL")
	ctx := context.Background()
	playCtx, stop := context.WithTimeout(ctx, 2*time.Minute)
	defer stop()
	var stderr bytes.Buffer
	// Every stream: both videos, the source's audio and the encrypted French
	// track, whose playlist (track_0/) names its key relative to itself.
	cmd := exec.CommandContext(playCtx, "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", hls, "-map", "0:v", "-map", "0:a", "-f", "null", "-")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || strings.TrimSpace(stderr.String()) != "" {
		t.Fatalf("ffmpeg through the origin: %v\n%s", err, stderr.String())
	}
	var handouts int
	if err := m.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM playback_key_handouts WHERE tenant_id = $1`, tenant).Scan(&handouts)
	}); err != nil {
		t.Fatal(err)
	}
	if handouts == 0 {
		t.Error("ffmpeg decrypted without a logged key hand-out")
	}

	// Billing's model gates playback too: sold by subscription, the title is
	// refused to a viewer with nothing covering it, and plays again (with ads,
	// as the grant says) once support grants access.
	owner.Must(t, `mutation($t: ID!) { setTitleAccess(titleId: $t, model: SVOD) }`, map[string]any{"t": title})
	if d := v.Client.Must(t, startPlayback, map[string]any{"t": title}); pt.Str(d, "playbackSession", "refusal", "code") != "NOT_ENTITLED" {
		t.Errorf("an SVOD title without a subscription: %v", d)
	}
	viewerID := pt.Str(v.Client.Must(t, `{ viewerAccount { id } }`, nil), "viewerAccount", "id")
	owner.Must(t, `mutation($in: GrantAccessInput!) { grantAccess(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"viewerId": viewerID, "scope": "TITLE", "titleId": title, "ads": true, "until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}})
	if d := v.Client.Must(t, startPlayback, map[string]any{"t": title}); pt.Str(d, "playbackSession", "session", "ads") != "true" {
		t.Errorf("with a granted, ad-supported access: %v", d)
	}

	kids := pt.Str(v.Client.Must(t, `mutation($in: CreateProfileInput!) { createProfile(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Kid", "kids": true,
			"ratingCeiling": map[string]any{"system": "BBFC", "value": "PG", "minAge": 8}}}), "createProfile", "id")
	v.Use(v.Client.Must(t, `mutation($p: ID!) { selectProfile(profileId: $p) `+pt.ViewerTokensFields+` }`,
		map[string]any{"p": kids})["selectProfile"])
	if d := v.Client.Must(t, startPlayback, map[string]any{"t": title}); pt.Str(d, "playbackSession", "refusal", "code") != "RATING" {
		t.Errorf("a kids profile under the rating: %v", d)
	}
}
