package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/cdn"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// purgeReceiver is the operator's CDN purge endpoint: it checks each
// request's signature and keeps the requests that verify.
type purgeReceiver struct {
	mu     sync.Mutex
	got    []cdn.Request
	forged int
}

const purgeSecret = "cdn-purge-secret-for-tests"

func (p *purgeReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := outbox.VerifySignature(purgeSecret, r.Header.Get(cdn.SignatureHeader), body, time.Now(), time.Minute); err != nil {
		p.forged++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var req cdn.Request
	_ = json.Unmarshal(body, &req)
	p.got = append(p.got, req)
}

func (p *purgeReceiver) forAsset(asset string) *cdn.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.got {
		if p.got[i].Asset == asset {
			return &p.got[i]
		}
	}
	return nil
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sendSource creates a source upload through GraphQL (with extra input) and
// completes it with data, as tus would.
func sendSource(t *testing.T, m *platform.Main, c pt.Client, tenant uuid.UUID, data []byte, extra map[string]any) string {
	t.Helper()
	in := map[string]any{"filename": "clip.mp4", "size": len(data), "contentType": "video/mp4", "kind": "SOURCE"}
	for k, v := range extra {
		in[k] = v
	}
	d := c.Must(t, `mutation($in: CreateUploadInput!) { createUpload(input: $in) { upload { id autoIngest } } }`, map[string]any{"in": in})
	id := uuid.MustParse(pt.Str(d, "createUpload", "upload", "id"))
	ctx := context.Background()
	if _, err := m.Uploads.Begin(ctx, tenant, id, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Uploads.Complete(ctx, tenant, id, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return id.String()
}

func blobCount(t *testing.T, m *platform.Main, prefix string) int {
	t.Helper()
	n := 0
	it := m.Blobs.List(&blob.ListOptions{Prefix: prefix})
	for {
		if _, err := it.Next(context.Background()); err != nil {
			return n
		}
		n++
	}
}

// The whole lifecycle through GraphQL with the real worker: an upload made
// with autoIngest becomes one READY asset on its title without a second
// mutation (also when upload.completed is delivered again); a published
// title's source is replaced while it plays (switched when the new asset is
// READY, the old asset DELETED, its blobs removed and purged from the CDN
// with a signed request); a failing replacement leaves the title as it was
// with the reason; an asset is deleted (not while a title plays it; never by
// another workspace); unpublishing takes the title off the storefront and
// publishing brings it back.
func TestContentLifecycleThroughGraphQL(t *testing.T) {
	recv := &purgeReceiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	m := pt.Start(t, func(c *platform.Config) { c.CDNPurgeURL, c.CDNPurgeSecret = srv.URL, purgeSecret })
	pt.RunWorker(t, m)
	ctx := context.Background()
	ten := pt.SignUp(t, m)
	tenant := uuid.MustParse(ten.ID)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	other := pt.SignUp(t, m)
	title := mustTitle(t, ed, movie("Lifecycle"))

	clip := func(name string, w, h int) []byte {
		src := mediatest.MustClip(t, t.TempDir(), name, mediatest.Clip{Width: w, Height: h, Audio: 2})
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}

	// 1. Automatic ingest onto the title.
	up := sendSource(t, m, ed, tenant, clip("a.mp4", 320, 180), map[string]any{"autoIngest": true, "titleId": title})
	const upQ = `query($id: ID!) { upload(id: $id) { autoIngest ingestTitleId asset { id status autoIngest failureReason } } }`
	var d map[string]any
	eventually(t, "the automatic ingest to finish", 2*time.Minute, func() bool {
		d = an.Must(t, upQ, map[string]any{"id": up})
		s := pt.Str(d, "upload", "asset", "status")
		return s == "READY" || s == "FAILED"
	})
	if pt.Str(d, "upload", "asset", "status") != "READY" || pt.Str(d, "upload", "autoIngest") != "true" ||
		pt.Str(d, "upload", "ingestTitleId") != title || pt.Str(d, "upload", "asset", "autoIngest") != "true" {
		t.Fatalf("auto-ingested upload: %v", d)
	}
	first := pt.Str(d, "upload", "asset", "id")
	const titleQ = `query($id: ID!) { title(id: $id) { status assetId asset { id status } sourceReplacement { id status reason newAssetId newAsset { status } } } }`
	eventually(t, "the asset on the title", 30*time.Second, func() bool {
		return pt.Str(ed.Must(t, titleQ, map[string]any{"id": title}), "title", "assetId") == first
	})
	// upload.completed delivered again (its dispatch undone): still one asset.
	owner := pt.OwnerPool(t)
	if _, err := owner.Exec(ctx, `UPDATE outbox_events SET dispatched_at = NULL WHERE tenant_id = $1 AND type = 'upload.completed' AND object_id = $2`, tenant, up); err != nil {
		t.Fatal(err)
	}
	eventually(t, "upload.completed relayed again", 30*time.Second, func() bool {
		var waiting bool
		_ = owner.QueryRow(ctx, `SELECT bool_or(dispatched_at IS NULL) FROM outbox_events WHERE tenant_id = $1 AND object_id = $2`, tenant, up).Scan(&waiting)
		return !waiting
	})
	var n int
	if err := m.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM media_assets WHERE upload_id = $1`, up).Scan(&n)
	}); err != nil || n != 1 {
		t.Fatalf("%d assets for the upload after a second delivery (%v)", n, err)
	}

	// 2. Publish, then replace the source while the title plays.
	mustPublish(t, ed, title)
	key := pt.Str(ten.Owner.Must(t, `mutation { createAppKey(name: "web") { key } }`, nil), "createAppKey", "key")
	app := pt.Client{URL: m.URL(), AppKey: key}
	const sfQ = `query($id: ID!) { storefront { title(id: $id) { title } } }`
	if r := app.Do(t, sfQ, map[string]any{"id": title}); len(r.Errors) > 0 {
		t.Fatalf("storefront before unpublishing: %v", r.Errors)
	}
	if blobCount(t, m, assets.Prefix(tenant, uuid.MustParse(first))) == 0 {
		t.Fatal("the first asset has no blobs")
	}
	const replace = `mutation($t: ID!, $u: ID!) { replaceTitleSource(titleId: $t, uploadId: $u) { id status oldAssetId newAssetId } }`
	up2 := sendSource(t, m, ed, tenant, clip("b.mp4", 320, 240), nil)
	if r := an.Do(t, replace, map[string]any{"t": title, "u": up2}); r.Code() != "FORBIDDEN" {
		t.Fatalf("an analyst replacing: %v", r.Codes())
	}
	if r := other.Owner.Do(t, replace, map[string]any{"t": title, "u": up2}); r.Code() != "NOT_FOUND" {
		t.Fatalf("another workspace replacing: %v", r.Codes())
	}
	d = ed.Must(t, replace, map[string]any{"t": title, "u": up2})
	second := pt.Str(d, "replaceTitleSource", "newAssetId")
	if pt.Str(d, "replaceTitleSource", "oldAssetId") != first || pt.Str(d, "replaceTitleSource", "status") != "PENDING" {
		t.Fatalf("replaceTitleSource = %v", d)
	}
	eventually(t, "the replacement to finish", 2*time.Minute, func() bool {
		d = ed.Must(t, titleQ, map[string]any{"id": title})
		return pt.Str(d, "title", "sourceReplacement", "status") != "PENDING"
	})
	// Read again: one request resolves the title and its replacement in
	// separate transactions, so the poll that saw the switch may hold the
	// title as it was just before it.
	d = ed.Must(t, titleQ, map[string]any{"id": title})
	if pt.Str(d, "title", "sourceReplacement", "status") != "SWITCHED" || pt.Str(d, "title", "assetId") != second ||
		pt.Str(d, "title", "status") != "PUBLISHED" || pt.Str(d, "title", "asset", "status") != "READY" {
		t.Fatalf("after the replacement: %v", d)
	}
	if s := pt.Str(an.Must(t, `query($id: ID!) { mediaAsset(id: $id) { status } }`, map[string]any{"id": first}), "mediaAsset", "status"); s != "DELETED" {
		t.Fatalf("the old asset is %s", s)
	}
	eventually(t, "the old asset's blobs removed and purged", time.Minute, func() bool {
		return blobCount(t, m, assets.Prefix(tenant, uuid.MustParse(first))) == 0 && recv.forAsset(first) != nil
	})
	p := recv.forAsset(first)
	if p.Tenant != ten.ID || p.Prefix != "/"+assets.Prefix(tenant, uuid.MustParse(first)) || len(p.Paths) == 0 {
		t.Fatalf("purge request %+v", p)
	}
	for _, path := range p.Paths {
		if !strings.HasPrefix(path, p.Prefix) {
			t.Fatalf("purged path %s outside %s", path, p.Prefix)
		}
	}
	if blobCount(t, m, assets.Prefix(tenant, uuid.MustParse(second))) == 0 {
		t.Fatal("the new asset's blobs are gone")
	}

	// 3. A replacement that fails: the title keeps playing the second asset.
	bad := sendSource(t, m, ed, tenant, []byte("this is not a video at all, just text"), nil)
	ed.Must(t, replace, map[string]any{"t": title, "u": bad})
	eventually(t, "the failing replacement to finish", 2*time.Minute, func() bool {
		d = ed.Must(t, titleQ, map[string]any{"id": title})
		return pt.Str(d, "title", "sourceReplacement", "status") != "PENDING"
	})
	d = ed.Must(t, titleQ, map[string]any{"id": title}) // as above
	if pt.Str(d, "title", "sourceReplacement", "status") != "FAILED" || pt.Get(d, "title", "sourceReplacement", "reason") == nil ||
		pt.Str(d, "title", "assetId") != second || pt.Str(d, "title", "sourceReplacement", "newAsset", "status") != "FAILED" {
		t.Fatalf("after a failing replacement: %v", d)
	}
	failedAsset := pt.Str(d, "title", "sourceReplacement", "newAssetId")

	// 4. Delete: not the asset a title plays, not by another workspace.
	const del = `mutation($id: ID!) { deleteMediaAsset(id: $id) { id status deletedAt } }`
	if r := ed.Do(t, del, map[string]any{"id": second}); r.Code() != "CONFLICT" {
		t.Fatalf("deleting the playing asset: %v", r.Codes())
	}
	if r := an.Do(t, del, map[string]any{"id": failedAsset}); r.Code() != "FORBIDDEN" {
		t.Fatalf("an analyst deleting: %v", r.Codes())
	}
	if r := other.Owner.Do(t, del, map[string]any{"id": second}); r.Code() != "NOT_FOUND" {
		t.Fatalf("another workspace deleting: %v", r.Codes())
	}
	d = ed.Must(t, del, map[string]any{"id": failedAsset})
	if pt.Str(d, "deleteMediaAsset", "status") != "DELETED" || pt.Get(d, "deleteMediaAsset", "deletedAt") == nil {
		t.Fatalf("deleteMediaAsset = %v", d)
	}
	eventually(t, "the deleted asset purged", time.Minute, func() bool { return recv.forAsset(failedAsset) != nil })
	if blobCount(t, m, assets.Prefix(tenant, uuid.MustParse(second))) == 0 {
		t.Fatal("another workspace's or another asset's blobs went with a deletion")
	}
	if recv.forged != 0 {
		t.Fatalf("%d purge requests failed verification", recv.forged)
	}
	var audited int
	if err := m.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('asset.deleted', 'title.source_replacing', 'title.source_replaced', 'title.source_replace_failed')`).Scan(&audited)
	}); err != nil || audited != 6 { // 2 deletions, 2 starts, 1 switch, 1 failure
		t.Fatalf("%d lifecycle audit entries (%v), want 6", audited, err)
	}

	// 5. Unpublish takes the title off the storefront; publish brings it back.
	ed.Must(t, `mutation($id: ID!) { unpublishTitle(id: $id) { status } }`, map[string]any{"id": title})
	if r := app.Do(t, sfQ, map[string]any{"id": title}); r.Code() != "NOT_FOUND" {
		t.Fatalf("storefront after unpublishing: %v", r.Codes())
	}
	mustPublish(t, ed, title)
	if r := app.Do(t, sfQ, map[string]any{"id": title}); len(r.Errors) > 0 {
		t.Fatalf("storefront after publishing again: %v", r.Errors)
	}
}

func artworkUpload(t *testing.T, c pt.Client, title, role string, data []byte) pt.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", fmt.Sprintf(`{"query":"mutation($t: ID!, $f: Upload!) { uploadTitleArtwork(titleId: $t, role: %s, file: $f) { artwork(role: %s) { key url width height } } }","variables":{"t":%q,"f":null}}`, role, role, title))
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	fw, _ := w.CreateFormFile("0", "art.png")
	_, _ = fw.Write(data)
	_ = w.Close()
	return c.Raw(t, w.FormDataContentType(), body.Bytes())
}

// An editor uploads a backdrop; the title lists it in every size the image
// covers. Not an image is BAD_USER_INPUT, an analyst is FORBIDDEN, another
// workspace's title is NOT_FOUND.
func TestUploadTitleArtworkThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	title := mustTitle(t, ed, movie("Art"))
	r := artworkUpload(t, ed, title, "BACKDROP", pngOf(1920, 1080))
	if len(r.Errors) > 0 {
		t.Fatalf("backdrop refused: %v", r.Errors)
	}
	arts, _ := pt.Get(r.Data, "uploadTitleArtwork", "artwork").([]any)
	var sizes []string
	for _, a := range arts {
		sizes = append(sizes, pt.Str(a, "width")+"x"+pt.Str(a, "height"))
	}
	if strings.Join(sizes, ",") != "1280x720,1920x1080,1920x720" {
		t.Fatalf("backdrop sizes %v", sizes)
	}
	// Each rendition loads from its url, publicly and cached; the image
	// endpoint serves artwork keys only, never the rest of the bucket.
	u := pt.Str(arts[0], "url")
	if want := m.URL() + "/images/" + pt.Str(arts[0], "key"); u != want {
		t.Fatalf("url %s, want %s", u, want)
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(img)); res.StatusCode != 200 || err != nil || format != "jpeg" ||
		cfg.Width != 1280 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("GET %s: %d %v %s %v", u, res.StatusCode, err, format, res.Header)
	}
	for _, key := range []string{"tenants/" + ten.ID + "/uploads/x.jpg", "tenants/" + ten.ID + "/artwork/../keys/k.png", "tenants/" + ten.ID + "/artwork/titles/nope.jpg"} {
		res, err := http.Get(m.URL() + "/images/" + key)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /images/%s = %d, want 404", key, res.StatusCode)
		}
	}
	if r := artworkUpload(t, ed, title, "POSTER", []byte("GIF89a not really")); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("not an image: %v", r.Codes())
	}
	if r := artworkUpload(t, an, title, "POSTER", pngOf(600, 900)); r.Code() != "FORBIDDEN" {
		t.Fatalf("an analyst: %v", r.Codes())
	}
	other := pt.SignUp(t, m)
	if r := artworkUpload(t, other.Owner, title, "POSTER", pngOf(600, 900)); r.Code() != "NOT_FOUND" {
		t.Fatalf("another workspace's title: %v", r.Codes())
	}
}

// A source fetched from a URL with autoIngest is ingested once the download
// completes, with no second mutation, and ends READY on its title.
func TestAutoIngestFromURL(t *testing.T) {
	src := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 320, Height: 180, Audio: 2})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		_, _ = w.Write(data)
	}))
	defer srv.Close()
	m := pt.Start(t, func(c *platform.Config) { c.IngestAllowAddrs = []string{"127.0.0.1/32"} })
	pt.RunWorker(t, m)
	ten := pt.SignUp(t, m)
	title := mustTitle(t, ten.Owner, movie("From a URL"))
	other := pt.SignUp(t, m)
	const ingestURL = `mutation($in: IngestFromURLInput!) { ingestFromURL(input: $in) { id autoIngest ingestTitleId } }`
	in := map[string]any{"url": srv.URL + "/clip.mp4", "kind": "SOURCE", "autoIngest": true, "titleId": title}
	if r := other.Owner.Do(t, ingestURL, map[string]any{"in": in}); r.Code() != "NOT_FOUND" {
		t.Fatalf("another workspace's title: %v", r.Codes())
	}
	d := ten.Owner.Must(t, ingestURL, map[string]any{"in": in})
	up := pt.Str(d, "ingestFromURL", "id")
	if pt.Str(d, "ingestFromURL", "autoIngest") != "true" || pt.Str(d, "ingestFromURL", "ingestTitleId") != title {
		t.Fatalf("ingestFromURL = %v", d)
	}
	eventually(t, "the URL's asset on the title", 2*time.Minute, func() bool {
		d = ten.Owner.Must(t, `query($id: ID!) { title(id: $id) { asset { status uploadId } } }`, map[string]any{"id": title})
		return pt.Str(d, "title", "asset", "status") == "READY"
	})
	if pt.Str(d, "title", "asset", "uploadId") != up {
		t.Fatalf("title's asset %v, want the upload %s's", d, up)
	}
}

// A workspace that encrypts new assets gets its replacement sources
// encrypted too: the replacement's ingest is started as a direct one is.
func TestReplacementFollowsTheEncryptionSetting(t *testing.T) {
	m := pt.Start(t, nil)
	pt.RunWorker(t, m)
	ten := pt.SignUp(t, m)
	tenant := uuid.MustParse(ten.ID)
	ten.Owner.Must(t, `mutation { setEncryptNewAssets(on: true) { encryptNewAssets } }`, nil)
	title := mustTitle(t, ten.Owner, movie("Locked"))
	up := pt.MustClipUpload(t, m, tenant, mediatest.Clip{Width: 320, Height: 180, Audio: 1})
	d := ten.Owner.Must(t, `mutation($u: ID!, $t: ID) { ingestUpload(uploadId: $u, titleId: $t) { id } }`, map[string]any{"u": up.String(), "t": title})
	if a := pt.WaitAsset(t, ten.Owner, pt.Str(d, "ingestUpload", "id"), "encrypted", 2*time.Minute); pt.Str(a, "status") != "READY" || pt.Str(a, "encrypted") != "true" {
		t.Fatalf("first ingest: %v", a)
	}
	eventually(t, "the asset on the title", 30*time.Second, func() bool {
		return pt.Str(ten.Owner.Must(t, `query($id: ID!) { title(id: $id) { assetId } }`, map[string]any{"id": title}), "title", "assetId") != ""
	})
	up2 := pt.MustClipUpload(t, m, tenant, mediatest.Clip{Width: 320, Height: 240, Audio: 1})
	d = ten.Owner.Must(t, `mutation($t: ID!, $u: ID!) { replaceTitleSource(titleId: $t, uploadId: $u) { newAssetId } }`, map[string]any{"t": title, "u": up2.String()})
	if a := pt.WaitAsset(t, ten.Owner, pt.Str(d, "replaceTitleSource", "newAssetId"), "encrypted", 2*time.Minute); pt.Str(a, "status") != "READY" || pt.Str(a, "encrypted") != "true" {
		t.Fatalf("the replacement: %v", a)
	}
}
