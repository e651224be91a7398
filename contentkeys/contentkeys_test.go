package contentkeys_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/contentkeys"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/testenv"
)

func newStore(t *testing.T) *contentkeys.Store {
	t.Helper()
	box, err := sealbox.Open(sealbox.DevKey())
	if err != nil {
		t.Fatal(err)
	}
	return &contentkeys.Store{DB: testenv.DB(t), Box: box}
}

// mustAsset inserts a bare PROCESSING asset of the tenant.
func mustAsset(t *testing.T, d *db.DB, tenant uuid.UUID) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	err := d.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO media_assets (tenant_id, id, upload_id, status, source_key, created_at, updated_at)
			VALUES ($1, $2, $3, 'PROCESSING', 'src', now(), now())`, tenant, id, uuid.New())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Create makes one key per asset and gives the same one back when retried;
// AssetKey returns it; a clear asset, a missing one and another tenant's are
// NotFound, never a key.
func TestCreateIsIdempotentPerAssetAndIsolated(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tenant, other := testenv.MustTenant(t, s.DB), testenv.MustTenant(t, s.DB)
	a, b := mustAsset(t, s.DB, tenant), mustAsset(t, s.DB, tenant)

	k1, err := s.Create(ctx, tenant, a)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := s.Create(ctx, tenant, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1.Value) != 16 || !bytes.Equal(k1.Value, k2.Value) || k1.ID != k2.ID || k1.IVScheme != "hls-rendition-sequence" {
		t.Fatalf("keys %v %v differ or are malformed", k1, k2)
	}
	if strings.Contains(k1.String(), base64.StdEncoding.EncodeToString(k1.Value)) {
		t.Error("Key.String shows the value")
	}
	got, err := s.AssetKey(ctx, tenant, a)
	if err != nil || !bytes.Equal(got, k1.Value) {
		t.Fatalf("AssetKey = %x, %v", got, err)
	}
	if _, err := s.AssetKey(ctx, tenant, b); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("a clear asset's key: %v, want NotFound", err)
	}
	if _, err := s.AssetKey(ctx, tenant, uuid.New()); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("an unknown asset's key: %v, want NotFound", err)
	}
	// Another tenant sees nothing of it, and cannot create a key for it.
	if _, err := s.AssetKey(ctx, other, a); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant reading the key: %v, want NotFound", err)
	}
	if _, err := s.Create(ctx, other, a); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant creating a key: %v, want NotFound", err)
	}
	kb, err := s.Create(ctx, tenant, b)
	if err != nil || bytes.Equal(kb.Value, k1.Value) || kb.ID == k1.ID {
		t.Errorf("a second asset's key is not its own: %v", err)
	}
}

// The key is stored only sealed: the row holds 45 bytes that do not contain
// it, a plain 16-byte key is refused by the table, and a sealed key copied
// onto another asset's row does not open (the additional data binds tenant,
// asset and key id).
func TestKeysAreStoredSealedAndBoundToTheirRow(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tenant := testenv.MustTenant(t, s.DB)
	a, b := mustAsset(t, s.DB, tenant), mustAsset(t, s.DB, tenant)
	k, err := s.Create(ctx, tenant, a)
	if err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		return tx.QueryRow(ctx, `SELECT sealed_key FROM content_keys WHERE tenant_id = $1 AND asset_id = $2`, tenant, a).Scan(&sealed)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != 45 || bytes.Contains(sealed, k.Value) {
		t.Fatalf("stored %d bytes, containing the key: %v", len(sealed), bytes.Contains(sealed, k.Value))
	}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO content_keys (tenant_id, asset_id, key_id, sealed_key, iv_scheme, created_at)
			VALUES ($1, $2, $3, $4, 'hls-rendition-sequence', now())`, tenant, b, uuid.New(), k.Value)
		return err
	})
	if err == nil {
		t.Fatal("a plain 16-byte key was stored")
	}
	// The sealed key of a, moved onto b's row (same key id cannot repeat:
	// the moved row gets its own).
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO content_keys (tenant_id, asset_id, key_id, sealed_key, iv_scheme, created_at)
			VALUES ($1, $2, $3, $4, 'hls-rendition-sequence', now())`, tenant, b, uuid.New(), sealed)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.AssetKey(ctx, tenant, b); err == nil || bytes.Equal(got, k.Value) || !errs.Is(err, errs.KindInternal) {
		t.Errorf("a moved sealed key opened: %x, %v", got, err)
	}
}

// The setting is off by default, per tenant, and each change is audited.
func TestEncryptNewAssetsSetting(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tenant, other := testenv.MustTenant(t, s.DB), testenv.MustTenant(t, s.DB)
	if on, err := s.EncryptNewAssets(ctx, tenant); err != nil || on {
		t.Fatalf("default %v, %v; want off", on, err)
	}
	st, err := s.SetEncryptNewAssets(ctx, tenant, true)
	if err != nil || !st.EncryptNewAssets || st.UpdatedAt == nil {
		t.Fatalf("set: %+v, %v", st, err)
	}
	if on, _ := s.EncryptNewAssets(ctx, tenant); !on {
		t.Error("the setting did not stick")
	}
	if on, _ := s.EncryptNewAssets(ctx, other); on {
		t.Error("another tenant's setting changed")
	}
	if st, err := s.SetEncryptNewAssets(ctx, tenant, false); err != nil || st.EncryptNewAssets {
		t.Fatalf("unset: %+v, %v", st, err)
	}
	if got := auditActions(t, s.DB, tenant); strings.Count(strings.Join(got, " "), "media_settings.updated") != 2 {
		t.Errorf("audit %v, want two media_settings.updated", got)
	}
}

func auditActions(t *testing.T, d *db.DB, tenant uuid.UUID) []string {
	t.Helper()
	var out []string
	err := d.ReadTenant(context.Background(), tenant, func(q db.Querier) error {
		es, err := audit.List(context.Background(), q, tenant, nil, 50)
		for _, e := range es {
			out = append(out, e.Action)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// recipient is a multi-DRM provider's key pair and certificate.
type recipient struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
	pem  string
}

func mustRecipient(t *testing.T, bits int, notAfter time.Time) recipient {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return recipient{key: k, cert: mustCert(t, &k.PublicKey, k, notAfter), pem: mustCertPEM(t, &k.PublicKey, k, notAfter)}
}

func mustCert(t *testing.T, pub, priv any, notAfter time.Time) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(mustCertDER(t, pub, priv, notAfter))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var serial int64

func mustCertDER(t *testing.T, pub, priv any, notAfter time.Time) []byte {
	t.Helper()
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "DRM provider"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func mustCertPEM(t *testing.T, pub, priv any, notAfter time.Time) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: mustCertDER(t, pub, priv, notAfter)}))
}

// The parts of a CPIX document the test reads, by namespace (not prefix).
type encValue struct {
	EncryptionMethod struct {
		Algorithm string `xml:"Algorithm,attr"`
	} `xml:"http://www.w3.org/2001/04/xmlenc# EncryptionMethod"`
	Cipher string `xml:"http://www.w3.org/2001/04/xmlenc# CipherData>CipherValue"`
}

func (e encValue) method() string { return e.EncryptionMethod.Algorithm }

type pskcSecret struct {
	Value encValue `xml:"urn:ietf:params:xml:ns:keyprov:pskc EncryptedValue"`
	MAC   string   `xml:"urn:ietf:params:xml:ns:keyprov:pskc ValueMAC"`
}

type cpixData struct {
	Secret pskcSecret `xml:"urn:ietf:params:xml:ns:keyprov:pskc Secret"`
}

type parsedCPIX struct {
	XMLName  xml.Name `xml:"urn:dashif:org:cpix CPIX"`
	Version  string   `xml:"version,attr"`
	Delivery []struct {
		DeliveryKey struct {
			X509Data struct {
				Cert string `xml:"http://www.w3.org/2000/09/xmldsig# X509Certificate"`
			} `xml:"http://www.w3.org/2000/09/xmldsig# X509Data"`
		} `xml:"urn:dashif:org:cpix DeliveryKey"`
		DocumentKey struct {
			Algorithm string   `xml:"Algorithm,attr"`
			Data      cpixData `xml:"urn:dashif:org:cpix Data"`
		} `xml:"urn:dashif:org:cpix DocumentKey"`
		MAC struct {
			Algorithm string   `xml:"Algorithm,attr"`
			Key       encValue `xml:"urn:dashif:org:cpix Key"`
		} `xml:"urn:dashif:org:cpix MACMethod"`
	} `xml:"urn:dashif:org:cpix DeliveryDataList>DeliveryData"`
	Keys []struct {
		KID  string   `xml:"kid,attr"`
		Data cpixData `xml:"urn:dashif:org:cpix Data"`
	} `xml:"urn:dashif:org:cpix ContentKeyList>ContentKey"`
}

// The CPIX export round trip: the document parses with the CPIX, PSKC,
// xmlenc and xmldsig namespaces, names the key id and the recipient's
// certificate, and the recipient's private key recovers exactly the content
// key (document key by RSA-OAEP, MAC key, ValueMAC checked, AES-256-CBC). The
// export is audited.
func TestExportCPIXRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tenant := testenv.MustTenant(t, s.DB)
	asset := mustAsset(t, s.DB, tenant)
	k, err := s.Create(ctx, tenant, asset)
	if err != nil {
		t.Fatal(err)
	}
	r := mustRecipient(t, 2048, time.Now().Add(24*time.Hour))
	doc, err := s.ExportCPIX(ctx, tenant, asset, r.pem)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{`xmlns:cpix="urn:dashif:org:cpix"`, `xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"`,
		`xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"`, `xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`, "<cpix:CPIX "} {
		if !strings.Contains(doc, ns) {
			t.Errorf("document lacks %s:\n%s", ns, doc)
		}
	}
	var p parsedCPIX
	if err := xml.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	if p.Version != "2.3" || len(p.Delivery) != 1 || len(p.Keys) != 1 || p.Keys[0].KID != k.ID.String() ||
		p.Keys[0].Data.Secret.MAC == "" {
		t.Fatalf("structure: %+v\n%s", p, doc)
	}
	dd := p.Delivery[0]
	if dd.DeliveryKey.X509Data.Cert != base64.StdEncoding.EncodeToString(r.cert.Raw) && !sameCert(t, dd.DeliveryKey.X509Data.Cert, r.pem) {
		t.Error("the delivery key is not the recipient's certificate")
	}
	if dd.DocumentKey.Algorithm != contentkeys.AlgAES256CBC || dd.DocumentKey.Data.Secret.Value.method() != contentkeys.AlgRSAOAEP ||
		dd.MAC.Algorithm != contentkeys.AlgHMACSHA512 || dd.MAC.Key.method() != contentkeys.AlgRSAOAEP ||
		p.Keys[0].Data.Secret.Value.method() != contentkeys.AlgAES256CBC {
		t.Fatalf("algorithms: %+v %+v", dd, p.Keys[0])
	}
	docKey := mustOAEP(t, r.key, dd.DocumentKey.Data.Secret.Value.Cipher)
	macKey := mustOAEP(t, r.key, dd.MAC.Key.Cipher)
	encKey, _ := base64.StdEncoding.DecodeString(p.Keys[0].Data.Secret.Value.Cipher)
	mac := hmac.New(sha512.New, macKey)
	mac.Write(encKey)
	if got, _ := base64.StdEncoding.DecodeString(p.Keys[0].Data.Secret.MAC); !hmac.Equal(got, mac.Sum(nil)) {
		t.Fatal("ValueMAC does not verify")
	}
	if len(docKey) != 32 || len(encKey) != 48 { // IV, then the key and a block of PKCS#7 padding
		t.Fatalf("document key %d bytes, encrypted key %d bytes", len(docKey), len(encKey))
	}
	block, _ := aes.NewCipher(docKey)
	plain := make([]byte, 32)
	cipher.NewCBCDecrypter(block, encKey[:16]).CryptBlocks(plain, encKey[16:])
	want, _ := s.AssetKey(ctx, tenant, asset)
	if !bytes.Equal(plain[:16], want) || !bytes.Equal(plain[16:], bytes.Repeat([]byte{16}, 16)) {
		t.Fatal("the recipient does not recover the content key")
	}
	if got := auditActions(t, s.DB, tenant); len(got) == 0 || got[0] != "content_key.exported" {
		t.Errorf("audit %v, want content_key.exported", got)
	}
}

func sameCert(t *testing.T, b64, certPEM string) bool {
	t.Helper()
	der, _ := base64.StdEncoding.DecodeString(b64)
	block, _ := pem.Decode([]byte(certPEM))
	return block != nil && bytes.Equal(der, block.Bytes)
}

func mustOAEP(t *testing.T, k *rsa.PrivateKey, b64 string) []byte {
	t.Helper()
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := rsa.DecryptOAEP(sha1.New(), nil, k, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

// A bad certificate is refused as Invalid with its reason; a clear asset is
// Invalid (nothing to export); another tenant's or an unknown asset is
// NotFound.
func TestExportCPIXRefusals(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tenant, other := testenv.MustTenant(t, s.DB), testenv.MustTenant(t, s.DB)
	asset, clear := mustAsset(t, s.DB, tenant), mustAsset(t, s.DB, tenant)
	if _, err := s.Create(ctx, tenant, asset); err != nil {
		t.Fatal(err)
	}
	good := mustRecipient(t, 2048, time.Now().Add(time.Hour))
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	cases := map[string]string{
		"garbage":    "not a certificate",
		"a key":      string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(weak)})),
		"bad DER":    string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("nope")})),
		"EC":         mustCertPEM(t, &ec.PublicKey, ec, time.Now().Add(time.Hour)),
		"1024 bits":  mustCertPEM(t, &weak.PublicKey, weak, time.Now().Add(time.Hour)),
		"expired":    mustCertPEM(t, &good.key.PublicKey, good.key, time.Now().Add(-time.Minute)),
		"empty text": "",
	}
	for name, pemText := range cases {
		_, err := s.ExportCPIX(ctx, tenant, asset, pemText)
		if !errs.Is(err, errs.KindInvalid) || errs.MessageOf(err) == "" {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
	if _, err := s.ExportCPIX(ctx, tenant, clear, good.pem); !errs.Is(err, errs.KindInvalid) ||
		!strings.Contains(errs.MessageOf(err), "not encrypted") {
		t.Errorf("a clear asset: %v", err)
	}
	if _, err := s.ExportCPIX(ctx, other, asset, good.pem); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant's asset: %v, want NotFound", err)
	}
	if _, err := s.ExportCPIX(ctx, tenant, uuid.New(), good.pem); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("an unknown asset: %v, want NotFound", err)
	}
}
