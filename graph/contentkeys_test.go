package graph_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/uploads"
)

// mustProcessingAsset records a PROCESSING asset of the tenant from a small
// complete upload, without running the ingest.
func mustProcessingAsset(t *testing.T, m *platform.Main, tenant uuid.UUID) assets.Asset {
	t.Helper()
	ctx := context.Background()
	data := []byte("not really a video: the ingest does not run here")
	upload := pt.MustUpload(t, m, tenant,
		uploads.CreateInput{Kind: uploads.KindSource, Filename: "clip.mp4", ContentType: "video/mp4"}, data)
	a, err := m.AssetService().Create(ctx, tenant, upload)
	if err != nil {
		t.Fatal(err)
	}
	if a, err = m.AssetService().MarkProcessing(ctx, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	return a
}

// "Encrypt new assets" is a MANAGE setting: an owner or admin reads and
// flips it (audited), an editor or analyst is FORBIDDEN, and one workspace's
// setting is not another's.
func TestEncryptNewAssetsSettingThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)
	admin, _ := pt.AddStaff(t, m, ten, "ad@"+ten.Slug+".example.com", "ADMIN")
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	const read = `{ mediaSettings { encryptNewAssets updatedAt } }`
	const set = `mutation($on: Boolean!) { setEncryptNewAssets(on: $on) { encryptNewAssets updatedAt } }`

	d := ten.Owner.Must(t, read, nil)
	if pt.Str(d, "mediaSettings", "encryptNewAssets") != "false" || pt.Get(d, "mediaSettings", "updatedAt") != nil {
		t.Fatalf("default settings %v", d)
	}
	for name, c := range map[string]pt.Client{"editor": ed, "analyst": an} {
		if r := c.Do(t, set, map[string]any{"on": true}); r.Code() != "FORBIDDEN" {
			t.Errorf("an %s turning encryption on: %v", name, r.Codes())
		}
		if r := c.Do(t, read, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("an %s reading the settings: %v", name, r.Codes())
		}
	}
	d = admin.Must(t, set, map[string]any{"on": true})
	if pt.Str(d, "setEncryptNewAssets", "encryptNewAssets") != "true" || pt.Get(d, "setEncryptNewAssets", "updatedAt") == nil {
		t.Fatalf("set = %v", d)
	}
	if on, err := m.ContentKeys.EncryptNewAssets(context.Background(), uuid.MustParse(ten.ID)); err != nil || !on {
		t.Errorf("the ingest would not encrypt: %v %v", on, err)
	}
	d = ten.Owner.Must(t, `{ auditLog(first: 5) { edges { node { action } } } }`, nil)
	if !strings.Contains(pt.Str(d, "auditLog"), "media_settings.updated") {
		t.Errorf("not audited: %v", d)
	}
	// Another workspace's setting is its own.
	other := pt.SignUp(t, m)
	if d := other.Owner.Must(t, read, nil); pt.Str(d, "mediaSettings", "encryptNewAssets") != "false" {
		t.Errorf("another workspace sees %v", d)
	}
}

func mustCertificatePEM(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DRM provider"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// exportCPIX is for MANAGE staff: an owner gets a CPIX document naming the
// asset's key id (the full decryption round trip is in contentkeys); a
// bad certificate and a clear asset are BAD_USER_INPUT; an editor is FORBIDDEN;
// another workspace's asset is NOT_FOUND, as is an unknown one. The asset
// says it is encrypted.
func TestExportCPIXThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	ctx := context.Background()
	ten := pt.SignUp(t, m)
	tenant := uuid.MustParse(ten.ID)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")
	enc, clear := mustProcessingAsset(t, m, tenant), mustProcessingAsset(t, m, tenant)
	key, err := m.ContentKeys.Create(ctx, tenant, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.AssetService().MarkEncrypted(ctx, tenant, enc.ID); err != nil {
		t.Fatal(err)
	}
	_, certPEM := mustCertificatePEM(t)
	const export = `mutation($a: ID!, $c: String!) { exportCPIX(assetId: $a, recipientCertificatePEM: $c) }`

	d := ten.Owner.Must(t, export, map[string]any{"a": enc.ID.String(), "c": certPEM})
	doc := pt.Str(d, "exportCPIX")
	if !strings.Contains(doc, `xmlns:cpix="urn:dashif:org:cpix"`) || !strings.Contains(doc, `kid="`+key.ID.String()+`"`) {
		t.Fatalf("document:\n%s", doc)
	}
	const asset = `query($id: ID!) { mediaAsset(id: $id) { encrypted } }`
	if d := ed.Must(t, asset, map[string]any{"id": enc.ID.String()}); pt.Str(d, "mediaAsset", "encrypted") != "true" {
		t.Errorf("encrypted asset: %v", d)
	}
	if d := ed.Must(t, asset, map[string]any{"id": clear.ID.String()}); pt.Str(d, "mediaAsset", "encrypted") != "false" {
		t.Errorf("clear asset: %v", d)
	}
	if r := ed.Do(t, export, map[string]any{"a": enc.ID.String(), "c": certPEM}); r.Code() != "FORBIDDEN" {
		t.Errorf("an editor's export: %v", r.Codes())
	}
	if r := ten.Owner.Do(t, export, map[string]any{"a": enc.ID.String(), "c": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a bad certificate: %v", r.Codes())
	}
	if r := ten.Owner.Do(t, export, map[string]any{"a": clear.ID.String(), "c": certPEM}); r.Code() != "BAD_USER_INPUT" ||
		!strings.Contains(r.Errors[0].Message, "not encrypted") {
		t.Errorf("a clear asset: %v", r.Errors)
	}
	other := pt.SignUp(t, m)
	if r := other.Owner.Do(t, export, map[string]any{"a": enc.ID.String(), "c": certPEM}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace exporting the key: %v", r.Codes())
	}
	if r := ten.Owner.Do(t, export, map[string]any{"a": uuid.NewString(), "c": certPEM}); r.Code() != "NOT_FOUND" {
		t.Errorf("an unknown asset: %v", r.Codes())
	}
}
