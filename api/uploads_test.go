package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

const createUpload = `mutation($in: CreateUploadInput!) { createUpload(input: $in) { tusEndpoint uploadURL upload { id state size } } }`

const uploadQuery = `query($id: ID!) { upload(id: $id) { id kind state size bytesReceived progress sha256 failureReason captionKind language contentType } }`

// tusReq sends one tus request as c's principal.
func tusReq(t *testing.T, c pt.Client, method, url string, hdr map[string]string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(raw))
	return res
}

func bodyOf(res *http.Response) string { b, _ := io.ReadAll(res.Body); return string(b) }

// startUpload creates an upload through GraphQL and its tus resource.
func startUpload(t *testing.T, c pt.Client, in map[string]any) (id, url string) {
	t.Helper()
	d := c.Must(t, createUpload, map[string]any{"in": in})
	id = pt.Str(d, "createUpload", "upload", "id")
	res := tusReq(t, c, http.MethodPost, pt.Str(d, "createUpload", "tusEndpoint"), map[string]string{
		"Upload-Length":   fmt.Sprint(in["size"]),
		"Upload-Metadata": "uploadId " + base64.StdEncoding.EncodeToString([]byte(id)),
	}, nil)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("tus POST: %d %s", res.StatusCode, bodyOf(res))
	}
	url = res.Header.Get("Location")
	if url != pt.Str(d, "createUpload", "uploadURL") {
		t.Fatalf("Location %q, createUpload said %q", url, pt.Str(d, "createUpload", "uploadURL"))
	}
	return id, url
}

func patch(t *testing.T, c pt.Client, url string, offset int, chunk []byte) *http.Response {
	t.Helper()
	return tusReq(t, c, http.MethodPatch, url, map[string]string{
		"Upload-Offset": strconv.Itoa(offset), "Content-Type": "application/offset+octet-stream"}, chunk)
}

// Invariant: an upload survives the API process that took its first bytes:
// another process sharing the staging folder answers HEAD with the offset,
// takes the rest, and the stored file is exactly the bytes sent, with their
// SHA-256, recorded COMPLETE with an upload.completed event.
func TestUploadResumesAcrossARestartInThreeChunks(t *testing.T) {
	shared := t.TempDir()
	dirs := func(c *platform.Config) {
		c.UploadDir = filepath.Join(shared, "staging")
		c.BlobURL = "file://" + filepath.Join(shared, "blobs")
	}
	m1 := pt.Start(t, dirs)
	ten := pt.SignUp(t, m1)
	data := bytes.Repeat([]byte("marquee-video-bytes-"), 3000) // 60,000 bytes
	id, url := startUpload(t, ten.Owner, map[string]any{"filename": "film.mp4", "size": len(data), "contentType": "video/mp4", "kind": "SOURCE"})
	if res := patch(t, ten.Owner, url, 0, data[:20000]); res.StatusCode != http.StatusNoContent {
		t.Fatalf("chunk 1: %d %s", res.StatusCode, bodyOf(res))
	}
	u := ten.Owner.Must(t, uploadQuery, map[string]any{"id": id})
	if pt.Str(u, "upload", "state") != "UPLOADING" || pt.Str(u, "upload", "bytesReceived") != "20000" {
		t.Fatalf("after chunk 1: %v", u)
	}

	// "Restart": a second process on the same database, staging folder and bucket.
	m2 := pt.Start(t, dirs)
	url2 := strings.Replace(url, m1.URL(), m2.URL(), 1)
	head := tusReq(t, ten.Owner, http.MethodHead, url2, nil, nil)
	if head.StatusCode != http.StatusOK || head.Header.Get("Upload-Offset") != "20000" {
		t.Fatalf("HEAD after restart: %d, offset %q", head.StatusCode, head.Header.Get("Upload-Offset"))
	}
	if res := patch(t, ten.Owner, url2, 0, data[:100]); res.StatusCode != http.StatusConflict {
		t.Fatalf("PATCH at a stale offset: %d, want 409", res.StatusCode)
	}
	if res := patch(t, ten.Owner, url2, 20000, data[20000:40000]); res.StatusCode != http.StatusNoContent {
		t.Fatalf("chunk 2: %d %s", res.StatusCode, bodyOf(res))
	}
	if res := patch(t, ten.Owner, url2, 40000, data[40000:]); res.StatusCode != http.StatusNoContent {
		t.Fatalf("chunk 3: %d %s", res.StatusCode, bodyOf(res))
	}

	sum := sha256.Sum256(data)
	u = ten.Owner.Must(t, uploadQuery, map[string]any{"id": id})
	if pt.Str(u, "upload", "state") != "COMPLETE" || pt.Str(u, "upload", "size") != "60000" ||
		pt.Str(u, "upload", "sha256") != hex.EncodeToString(sum[:]) || pt.Str(u, "upload", "progress") != "1" {
		t.Fatalf("after the last chunk: %v", u)
	}
	stored, err := m2.Blobs.ReadAll(context.Background(), "tenants/"+ten.ID+"/uploads/"+id+"/source")
	if err != nil || !bytes.Equal(stored, data) {
		t.Fatalf("stored blob: %d bytes, err %v; want the %d bytes sent", len(stored), err, len(data))
	}
	var events int
	err = pt.OwnerPool(t).QueryRow(context.Background(),
		`SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND type = 'upload.completed' AND object_id = $2`, ten.ID, id).Scan(&events)
	if err != nil || events != 1 {
		t.Fatalf("upload.completed events: %d (%v), want 1", events, err)
	}
	if res := tusReq(t, ten.Owner, http.MethodHead, url2, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("staged copy still answers HEAD after completion: %d", res.StatusCode)
	}
}

// Invariant: an upload that would take the workspace over its storage quota
// is refused by createUpload, before any byte is sent.
func TestUploadOverTheStorageQuotaIsRefusedBeforeItStarts(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	op := pt.SignedInOperator(t, m)
	op.Client.Must(t, `mutation($id: ID!) { setTenantQuotas(id: $id, input: {storageBytes: 1000}) { id } }`, map[string]any{"id": ten.ID})
	r := ten.Owner.Do(t, createUpload, map[string]any{"in": map[string]any{"filename": "big.mp4", "size": 1001, "contentType": "video/mp4", "kind": "SOURCE"}})
	if r.Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "quota") {
		t.Fatalf("over quota: %v", r.Errors)
	}
	ten.Owner.Must(t, createUpload, map[string]any{"in": map[string]any{"filename": "small.mp4", "size": 1000, "contentType": "video/mp4", "kind": "SOURCE"}})
}

// Invariant: types and sizes outside a kind's limits are refused with the field at fault.
func TestUploadOfAWrongTypeOrSizeIsRefused(t *testing.T) {
	m := pt.Start(t, func(c *platform.Config) { c.UploadMaxCaption = 100 })
	ten := pt.SignUp(t, m)
	for name, in := range map[string]map[string]any{
		"pdf as source":        {"filename": "a.pdf", "size": 10, "contentType": "application/pdf", "kind": "SOURCE"},
		"video as captions":    {"filename": "a.srt", "size": 10, "contentType": "video/mp4", "kind": "CAPTION", "language": "en"},
		"captions not srt/vtt": {"filename": "a.docx", "size": 10, "contentType": "text/plain", "kind": "CAPTION", "language": "en"},
		"captions too big":     {"filename": "a.srt", "size": 101, "contentType": "application/x-subrip", "kind": "CAPTION", "language": "en"},
		"captions no language": {"filename": "a.srt", "size": 10, "contentType": "application/x-subrip", "kind": "CAPTION"},
		"bad language":         {"filename": "a.srt", "size": 10, "contentType": "application/x-subrip", "kind": "CAPTION", "language": "english!"},
		"audio as captions":    {"filename": "a.srt", "size": 10, "contentType": "application/x-subrip", "kind": "CAPTION", "language": "en", "captionKind": "DESCRIPTIVE_AUDIO"},
		"empty":                {"filename": "a.mp4", "size": 0, "contentType": "video/mp4", "kind": "SOURCE"},
	} {
		if r := ten.Owner.Do(t, createUpload, map[string]any{"in": in}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %v, want BAD_USER_INPUT", name, r.Errors)
		}
	}
}

// Invariant: another tenant's upload is NOT_FOUND, through GraphQL and tus alike.
func TestUploadOfAnotherTenantIsNotFound(t *testing.T) {
	m := pt.Start(t, nil)
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	id, url := startUpload(t, a.Owner, map[string]any{"filename": "a.mp4", "size": 10, "contentType": "video/mp4", "kind": "SOURCE"})
	if r := b.Owner.Do(t, uploadQuery, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
		t.Fatalf("upload(id) of another tenant: %v", r.Codes())
	}
	if res := tusReq(t, b.Owner, http.MethodHead, url, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("HEAD of another tenant's upload: %d", res.StatusCode)
	}
	if res := patch(t, b.Owner, url, 0, []byte("0123456789")); res.StatusCode != http.StatusNotFound {
		t.Fatalf("PATCH of another tenant's upload: %d", res.StatusCode)
	}
	// Binding a tus creation to another tenant's upload id is NOT_FOUND too.
	id2 := pt.Str(a.Owner.Must(t, createUpload, map[string]any{"in": map[string]any{"filename": "b.mp4", "size": 5, "contentType": "video/mp4", "kind": "SOURCE"}}), "createUpload", "upload", "id")
	res := tusReq(t, b.Owner, http.MethodPost, m.URL()+"/uploads/", map[string]string{
		"Upload-Length": "5", "Upload-Metadata": "uploadId " + base64.StdEncoding.EncodeToString([]byte(id2))}, nil)
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("tus POST for another tenant's upload: %d %s", res.StatusCode, bodyOf(res))
	}
}

// Invariant: uploading needs edit_content (Keto): an analyst can read an
// upload but create none, through GraphQL or tus.
func TestUploadNeedsEditContent(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	analyst, _ := pt.AddStaff(t, m, ten, "analyst@"+ten.Slug+".example.com", "ANALYST")
	in := map[string]any{"filename": "a.mp4", "size": 10, "contentType": "video/mp4", "kind": "SOURCE"}
	if r := analyst.Do(t, createUpload, map[string]any{"in": in}); r.Code() != "FORBIDDEN" {
		t.Fatalf("analyst createUpload: %v", r.Codes())
	}
	if r := analyst.Do(t, `mutation { ingestFromURL(input: {url: "http://example.com/a.mp4", kind: SOURCE}) { id } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("analyst ingestFromURL: %v", r.Codes())
	}
	d := ten.Owner.Must(t, createUpload, map[string]any{"in": in})
	id := pt.Str(d, "createUpload", "upload", "id")
	analyst.Must(t, uploadQuery, map[string]any{"id": id})
	res := tusReq(t, analyst, http.MethodPost, m.URL()+"/uploads/", map[string]string{
		"Upload-Length": "10", "Upload-Metadata": "uploadId " + base64.StdEncoding.EncodeToString([]byte(id))}, nil)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("analyst tus POST: %d", res.StatusCode)
	}
	if res := tusReq(t, pt.Client{}, http.MethodPost, m.URL()+"/uploads/", map[string]string{"Upload-Length": "10"}, nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous tus POST: %d", res.StatusCode)
	}
}

const goodSRT = "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <font color=\"red\">there</font>\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\n<i>Second</i>\r\nline two\r\n"

// Captions are checked when their last byte arrives; SRT is stored as sent
// and as WebVTT beside it; a malformed file is refused with the reason.
func TestUploadCaptionsAreCheckedAndSRTConvertedToVTT(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	in := map[string]any{"filename": "en.srt", "size": len(goodSRT), "contentType": "application/x-subrip", "kind": "CAPTION", "language": "en", "captionKind": "CAPTIONS"}
	id, url := startUpload(t, ten.Owner, in)
	if res := patch(t, ten.Owner, url, 0, []byte(goodSRT)); res.StatusCode != http.StatusNoContent {
		t.Fatalf("SRT upload: %d %s", res.StatusCode, bodyOf(res))
	}
	u := ten.Owner.Must(t, uploadQuery, map[string]any{"id": id})
	if pt.Str(u, "upload", "state") != "COMPLETE" || pt.Str(u, "upload", "captionKind") != "CAPTIONS" || pt.Str(u, "upload", "language") != "en" {
		t.Fatalf("SRT upload: %v", u)
	}
	vtt, err := m.Blobs.ReadAll(context.Background(), "tenants/"+ten.ID+"/uploads/"+id+"/captions.vtt")
	want := "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello there\n\n00:00:03.000 --> 00:00:04.000\n<i>Second</i>\nline two\n"
	if err != nil || string(vtt) != want {
		t.Fatalf("converted VTT (%v):\n%s\nwant:\n%s", err, vtt, want)
	}

	bad := "1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:03 -> 00:00:04\nbroken timing\n"
	in = map[string]any{"filename": "fr.srt", "size": len(bad), "contentType": "application/x-subrip", "kind": "CAPTION", "language": "fr"}
	id, url = startUpload(t, ten.Owner, in)
	res := patch(t, ten.Owner, url, 0, []byte(bad))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(bodyOf(res), "line 6") {
		t.Fatalf("bad SRT: %d %q, want 400 naming line 6", res.StatusCode, bodyOf(res))
	}
	u = ten.Owner.Must(t, uploadQuery, map[string]any{"id": id})
	if pt.Str(u, "upload", "state") != "FAILED" || !strings.Contains(pt.Str(u, "upload", "failureReason"), "line 6: want a timing line") {
		t.Fatalf("bad SRT recorded as: %v", u)
	}
}

// waitUpload polls until the upload leaves UPLOADING.
func waitUpload(t *testing.T, c pt.Client, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		u := c.Must(t, uploadQuery, map[string]any{"id": id})
		if s := pt.Str(u, "upload", "state"); s != "UPLOADING" && s != "PENDING" {
			return u
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload %s still in progress: %v", id, u)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const ingest = `mutation($in: IngestFromURLInput!) { ingestFromURL(input: $in) { id state sourceURL } }`

// URL ingest in test mode (loopback allowed): a file is fetched and stored;
// a redirect loop and a server that never answers end FAILED with a clear reason.
func TestIngestFromURLInTestMode(t *testing.T) {
	data := bytes.Repeat([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p'}, 1000)
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/clip.mp4":
			w.Header().Set("Content-Type", "video/mp4")
			_, _ = w.Write(data)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/hang":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		case "/doc":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write([]byte("%PDF"))
		}
	}))
	defer srv.Close()
	defer close(hang)
	m := pt.Start(t, func(c *platform.Config) {
		c.IngestAllowAddrs = []string{"127.0.0.1/32"}
		c.IngestHeaderTimeout = time.Second
	})
	ten := pt.SignUp(t, m)

	d := ten.Owner.Must(t, ingest, map[string]any{"in": map[string]any{"url": srv.URL + "/clip.mp4", "kind": "SOURCE"}})
	id := pt.Str(d, "ingestFromURL", "id")
	u := waitUpload(t, ten.Owner, id)
	sum := sha256.Sum256(data)
	if pt.Str(u, "upload", "state") != "COMPLETE" || pt.Str(u, "upload", "sha256") != hex.EncodeToString(sum[:]) ||
		pt.Str(u, "upload", "size") != fmt.Sprint(len(data)) || pt.Str(u, "upload", "contentType") != "video/mp4" {
		t.Fatalf("ingested: %v", u)
	}

	for path, reason := range map[string]string{
		"/loop": "redirected more than 5 times",
		"/hang": "did not answer within 1s: timed out",
		"/doc":  `the server says the file is "application/pdf"`,
	} {
		d := ten.Owner.Must(t, ingest, map[string]any{"in": map[string]any{"url": srv.URL + path, "kind": "SOURCE", "filename": "x.mp4"}})
		u := waitUpload(t, ten.Owner, pt.Str(d, "ingestFromURL", "id"))
		if pt.Str(u, "upload", "state") != "FAILED" || !strings.Contains(pt.Str(u, "upload", "failureReason"), reason) {
			t.Errorf("%s: %v, want FAILED with %q", path, u, reason)
		}
	}
}

// Invariant: with the allow-list off (production), URL ingest refuses
// loopback, private and link-local addresses before fetching anything.
func TestIngestRefusesPrivateAddresses(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	for _, u := range []string{"http://127.0.0.1:9/a.mp4", "http://10.1.2.3/a.mp4", "http://169.254.169.254/latest/meta-data",
		"http://[::1]/a.mp4", "http://localhost/a.mp4", "ftp://example.com/a.mp4"} {
		r := ten.Owner.Do(t, ingest, map[string]any{"in": map[string]any{"url": u, "kind": "SOURCE", "filename": "a.mp4"}})
		if r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %v, want BAD_USER_INPUT", u, r.Errors)
		}
	}
}
