package ingest_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/contentkeys"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/workflows/ingest"
)

func mustKeyStore(t *testing.T, d *db.DB) *contentkeys.Store {
	t.Helper()
	box, err := sealbox.Open(sealbox.DevKey())
	if err != nil {
		t.Fatal(err)
	}
	return &contentkeys.Store{DB: d, Box: box}
}

// With the tenant's "encrypt new assets" on when the ingest starts, the
// package in blob storage is HLS-only and AES-128 encrypted: no MPD (and no
// DASH key on the asset), every media playlist keyed with URI "key", no
// segment a clear fMP4 and each decrypting with the stored key (and its IV
// from the playlist) to a whole fMP4 fragment; ffmpeg, given the key in a
// file named "key" beside the playlists, decodes every variant through the
// master playlist. Neither the key nor its sealed form is in blob storage.
func (h *harness) encryptedClip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := testenv.MustTenant(t, h.assets.DB)
	if _, err := h.keys.SetEncryptNewAssets(ctx, tenant, true); err != nil {
		t.Fatal(err)
	}
	src := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 640, Height: 360, Rate: "30", Audio: 2})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.assets.Ingest(ctx, tenant, h.upload(t, tenant, data), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Turning the setting off now changes nothing: it was read at the start.
	if _, err := h.keys.SetEncryptNewAssets(ctx, tenant, false); err != nil {
		t.Fatal(err)
	}
	res, err := h.wait(t, tenant, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.assets.Get(ctx, tenant, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	prefix := assets.Prefix(tenant, a.ID)
	if got.Status != assets.StatusReady || !got.Encrypted || got.DASHKey != "" || res.DASHKey != "" || got.HLSKey != prefix+media.HLSMaster {
		t.Fatalf("asset %s encrypted=%v hls=%q dash=%q (result %+v)", got.Status, got.Encrypted, got.HLSKey, got.DASHKey, res)
	}
	key, err := h.keys.AssetKey(ctx, tenant, a.ID)
	if err != nil || len(key) != 16 {
		t.Fatalf("AssetKey: %x, %v", key, err)
	}
	mustNoKeyInBlobs(t, h, tenant, a.ID, key)

	dir := download(t, h.blobs, prefix)
	if _, err := os.Stat(filepath.Join(dir, media.DASHMPD)); !os.IsNotExist(err) {
		t.Errorf("the MPD was uploaded for an encrypted asset (%v)", err)
	}
	block, _ := aes.NewCipher(key)
	variants := mustVariants(t, filepath.Join(dir, media.HLSMaster))
	playlists := []string{variants[0].Alternatives[0].URI}
	for _, v := range variants {
		playlists = append(playlists, v.URI)
	}
	segments := 0
	for _, pl := range playlists {
		text := string(mustRead(t, filepath.Join(dir, pl)))
		if !strings.Contains(text, `#EXT-X-KEY:METHOD=AES-128,URI="key",IV=0x`) ||
			strings.Index(text, "#EXT-X-KEY") < strings.Index(text, "#EXT-X-MAP") {
			t.Errorf("%s is not keyed after its EXT-X-MAP:\n%s", pl, text)
		}
		var iv []byte
		for _, line := range strings.Split(text, "\n") {
			if i := strings.Index(line, "IV=0x"); i >= 0 {
				iv, _ = hex.DecodeString(line[i+5:])
				continue
			}
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			segments++
			enc := mustRead(t, filepath.Join(dir, line))
			if len(enc) < 8 || string(enc[4:8]) == "moof" || string(enc[4:8]) == "styp" {
				t.Errorf("%s is a clear fMP4 segment", line)
			}
			var clear bytes.Buffer
			if err := media.DecryptCBC(&clear, bytes.NewReader(enc), block, [16]byte(iv)); err != nil {
				t.Fatalf("%s does not decrypt with the stored key: %v", line, err)
			}
			if boxes := mustBoxes(t, line, clear.Bytes()); !strings.Contains(boxes, "moof") || !strings.Contains(boxes, "mdat") {
				t.Errorf("%s decrypts to boxes %s, not an fMP4 fragment", line, boxes)
			}
		}
	}
	if segments == 0 {
		t.Fatal("no segments")
	}
	if err := os.WriteFile(filepath.Join(dir, "key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, v := range variants {
		out, err := exec.Command("ffmpeg", "-v", "error", "-allowed_extensions", "ALL", "-protocol_whitelist", "file,crypto",
			"-i", filepath.Join(dir, media.HLSMaster), "-map", fmt.Sprintf("0:v:%d", i), "-map", "0:a:0", "-f", "null", "-").CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("variant %d (%s) does not decode cleanly: %v\n%s", i, v.URI, err, out)
		}
	}
	h.recordHistory(t, ingest.WorkflowID(tenant, a.ID), "clip_encrypted.json")
}

// mustNoKeyInBlobs lists the whole bucket: no object is named "key", and
// none holds the asset's key, clear or sealed.
func mustNoKeyInBlobs(t *testing.T, h *harness, tenant, asset uuid.UUID, key []byte) {
	t.Helper()
	ctx := context.Background()
	var sealed []byte
	err := h.assets.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		return q.QueryRow(ctx, `SELECT sealed_key FROM content_keys WHERE tenant_id = $1 AND asset_id = $2`, tenant, asset).Scan(&sealed)
	})
	if err != nil || len(sealed) == 0 {
		t.Fatalf("sealed key: %v", err)
	}
	it := h.blobs.List(&blob.ListOptions{})
	n := 0
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if obj.IsDir {
			continue
		}
		n++
		data, err := h.blobs.ReadAll(ctx, obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(obj.Key) == "key" || bytes.Contains(data, sealed) || bytes.Contains(data, key) {
			t.Errorf("blob %s holds the content key", obj.Key)
		}
	}
	if n == 0 {
		t.Fatal("no blobs listed")
	}
}

// mustBoxes walks the top-level ISO BMFF boxes of data, which must tile it
// exactly, and returns their types.
func mustBoxes(t *testing.T, name string, data []byte) string {
	t.Helper()
	var types []string
	for off := 0; off < len(data); {
		if len(data)-off < 8 {
			t.Fatalf("%s: %d stray bytes at %d", name, len(data)-off, off)
		}
		size := int(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		if size == 1 && len(data)-off >= 16 {
			size = int(binary.BigEndian.Uint64(data[off+8:]))
		}
		if size < 8 || off+size > len(data) {
			t.Fatalf("%s: box %q of %d bytes at %d overruns %d", name, typ, size, off, len(data))
		}
		types = append(types, typ)
		off += size
	}
	return strings.Join(types, " ")
}

// The Encrypt activity retried after it finished, or after a crash that
// left only the clear copy, leaves segments encrypted exactly once under the
// same key: each decrypts (once) to the packager's bytes.
func (h *harness) encryptionRetryIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := testenv.MustTenant(t, h.assets.DB)
	src := mediatest.MustClip(t, t.TempDir(), "clip.mp4", mediatest.Clip{Width: 320, Height: 180, Audio: 1})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.assets.Create(ctx, tenant, h.upload(t, tenant, data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.assets.MarkProcessing(ctx, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	for name, fn := range map[string]any{ingest.ActivityProbe: h.acts.Probe, ingest.ActivityPlan: h.acts.Plan,
		ingest.ActivityTranscode: h.acts.Transcode, ingest.ActivityPackage: h.acts.Package, ingest.ActivityEncrypt: h.acts.Encrypt} {
		env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	var probe ingest.ProbeResult
	mustActivity(t, env, &probe, ingest.ActivityProbe, ingest.ProbeInput{Tenant: tenant, AssetID: a.ID, SourceKey: a.SourceKey})
	var plan ingest.PlanResult
	mustActivity(t, env, &plan, ingest.ActivityPlan, ingest.PlanInput{Tenant: tenant, AssetID: a.ID, Probe: probe.Probe})
	mustActivity(t, env, nil, ingest.ActivityTranscode, ingest.TranscodeInput{Tenant: tenant, AssetID: a.ID, SourceKey: a.SourceKey, Ladder: plan.Ladder})
	mustActivity(t, env, nil, ingest.ActivityPackage, ingest.PackageInput{Tenant: tenant, AssetID: a.ID, Ladder: plan.Ladder})
	job := filepath.Join(h.acts.WorkDir, tenant.String(), a.ID.String())
	clearSeg := mustRead(t, filepath.Join(job, "package", "seg_0_00001.m4s"))

	in := ingest.EncryptInput{Tenant: tenant, AssetID: a.ID}
	var first, second ingest.EncryptResult
	mustActivity(t, env, &first, ingest.ActivityEncrypt, in)
	enc := mustRead(t, filepath.Join(job, "package", "seg_0_00001.m4s"))
	mustActivity(t, env, &second, ingest.ActivityEncrypt, in) // retried after it finished
	if first.KeyID != second.KeyID || !bytes.Equal(mustRead(t, filepath.Join(job, "package", "seg_0_00001.m4s")), enc) {
		t.Fatal("a retried Encrypt changed the key or the segment")
	}
	// A crash after the clear copy was moved aside and before the encrypted
	// package was renamed into place.
	if err := os.RemoveAll(filepath.Join(job, "package")); err != nil {
		t.Fatal(err)
	}
	mustActivity(t, env, nil, ingest.ActivityEncrypt, in)
	key, err := h.keys.AssetKey(ctx, tenant, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	var clear bytes.Buffer
	err = media.DecryptCBC(&clear, bytes.NewReader(mustRead(t, filepath.Join(job, "package", "seg_0_00001.m4s"))), block, media.HLSSegmentIV(0, 1))
	if err != nil || !bytes.Equal(clear.Bytes(), clearSeg) {
		t.Fatalf("after the retries the segment does not decrypt once to the packager's bytes: %v", err)
	}
	if got, err := h.assets.Get(ctx, tenant, a.ID); err != nil || !got.Encrypted {
		t.Errorf("asset encrypted=%v (%v)", got.Encrypted, err)
	}
}
