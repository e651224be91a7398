package graph_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/media/mediatest"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/uploads"
)

// The whole chain with nothing standing in: a workspace that encrypts new
// assets ingests a real clip through the workflow; a real viewer account
// (signed up, email verified, profile selected) reports progress and starts
// a playback session through GraphQL; ffmpeg plays the tokenized master
// playlist through the origin, fetching the AES-128 key from the key
// endpoint (the sealed content key), and decodes every segment. A kids
// profile whose ceiling is under the title's rating is refused.
func TestViewerPlaysAnEncryptedIngestThroughTheOrigin(t *testing.T) {
	m := pt.Start(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	worker := make(chan error, 1)
	go func() { worker <- m.RunWorker(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-worker; err != nil {
			t.Errorf("RunWorker: %v", err)
		}
	})
	tn := pt.SignUp(t, m)
	owner := tn.Owner
	owner.Must(t, `mutation { setEncryptNewAssets(on: true) { encryptNewAssets } }`, nil)

	src := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 320, Height: 180, Seconds: 3, Audio: 2})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tenant := uuid.MustParse(tn.ID)
	u, err := m.Uploads.Create(ctx, tenants.Principal{Tenant: tenant},
		uploads.CreateInput{Kind: uploads.KindSource, Filename: "clip.mp4", ContentType: "video/mp4", Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Uploads.Begin(ctx, tenant, u.ID, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Uploads.Complete(ctx, tenant, u.ID, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	title := mustTitle(t, owner, movie("Locked film", map[string]any{
		"rating": map[string]any{"system": "BBFC", "value": "12", "minAge": 12}}))
	d := owner.Must(t, `mutation($u: ID!, $t: ID) { ingestUpload(uploadId: $u, titleId: $t) { id } }`, map[string]any{"u": u.ID.String(), "t": title})
	asset := pt.Str(d, "ingestUpload", "id")
	const status = `query($id: ID!) { mediaAsset(id: $id) { status failureReason encrypted } }`
	deadline := time.Now().Add(3 * time.Minute)
	for {
		d = owner.Must(t, status, map[string]any{"id": asset})
		if s := pt.Str(d, "mediaAsset", "status"); s == "READY" || s == "FAILED" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if pt.Str(d, "mediaAsset", "status") != "READY" || pt.Str(d, "mediaAsset", "encrypted") != "true" {
		t.Fatalf("ingest: %v", d)
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
	hls := pt.Str(s, "hlsURL")
	playCtx, stop := context.WithTimeout(ctx, 2*time.Minute)
	defer stop()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(playCtx, "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", hls, "-map", "0", "-f", "null", "-")
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

	kids := pt.Str(v.Client.Must(t, `mutation($in: CreateProfileInput!) { createProfile(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Kid", "kids": true,
			"ratingCeiling": map[string]any{"system": "BBFC", "value": "PG", "minAge": 8}}}), "createProfile", "id")
	v.Use(v.Client.Must(t, `mutation($p: ID!) { selectProfile(profileId: $p) `+pt.ViewerTokensFields+` }`,
		map[string]any{"p": kids})["selectProfile"])
	if d := v.Client.Must(t, startPlayback, map[string]any{"t": title}); pt.Str(d, "playbackSession", "refusal", "code") != "RATING" {
		t.Errorf("a kids profile under the rating: %v", d)
	}
}
