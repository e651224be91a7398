package contentkeys

// CPIX export: an asset's key id and key in a DASH-IF CPIX 2.3 document
// (Content Protection Information Exchange), the format multi-DRM providers
// (Widevine, PlayReady, FairPlay services) import keys in.
//
// There is no well-kept Go CPIX library, so the document is written with our
// own encoding/xml types below, following the CPIX 2.3 schema's element
// order, and its encryption (xmlenc, PSKC) with the standard library:
//
//   - a random 256-bit document key encrypts the content key (AES-256-CBC,
//     random IV prepended to the ciphertext, as xmlenc does);
//   - the document key is encrypted to the recipient's RSA certificate with
//     RSA-OAEP (xmlenc#rsa-oaep-mgf1p: SHA-1 digest and MGF1-SHA-1);
//   - a random 512-bit MAC key, encrypted to the recipient the same way, MACs
//     each encrypted key (HMAC-SHA512 over IV || ciphertext, PSKC ValueMAC),
//     so a recipient detects a tampered value.

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // rsa-oaep-mgf1p is defined over SHA-1; OAEP with SHA-1 remains sound
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/contentkeys/internal/contentkeysql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

// Namespaces and algorithm identifiers of a CPIX document.
const (
	NSCPIX = "urn:dashif:org:cpix"
	NSPSKC = "urn:ietf:params:xml:ns:keyprov:pskc"
	NSXENC = "http://www.w3.org/2001/04/xmlenc#"
	NSDS   = "http://www.w3.org/2000/09/xmldsig#"

	AlgAES256CBC  = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
	AlgRSAOAEP    = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
	AlgHMACSHA512 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512"
)

// minRSABits is the smallest recipient key accepted.
const minRSABits = 2048

// The document, written with literal prefixes (encoding/xml does not manage
// prefixes itself); the namespaces are declared on the root.
type cpixDoc struct {
	XMLName          xml.Name         `xml:"cpix:CPIX"`
	XMLNSCPIX        string           `xml:"xmlns:cpix,attr"`
	XMLNSPSKC        string           `xml:"xmlns:pskc,attr"`
	XMLNSXENC        string           `xml:"xmlns:xenc,attr"`
	XMLNSDS          string           `xml:"xmlns:ds,attr"`
	ID               string           `xml:"id,attr,omitempty"`
	ContentID        string           `xml:"contentId,attr"`
	Version          string           `xml:"version,attr"`
	DeliveryDataList cpixDeliveryList `xml:"cpix:DeliveryDataList"`
	ContentKeyList   cpixContentKeys  `xml:"cpix:ContentKeyList"`
}

type cpixDeliveryList struct {
	DeliveryData []cpixDeliveryData `xml:"cpix:DeliveryData"`
}

type cpixDeliveryData struct {
	ID          string          `xml:"id,attr"`
	DeliveryKey cpixDeliveryKey `xml:"cpix:DeliveryKey"`
	DocumentKey cpixDocumentKey `xml:"cpix:DocumentKey"`
	MACMethod   cpixMACMethod   `xml:"cpix:MACMethod"`
	Description string          `xml:"cpix:Description,omitempty"`
}

type cpixDeliveryKey struct {
	X509Data struct {
		Certificate string `xml:"ds:X509Certificate"`
	} `xml:"ds:X509Data"`
}

type cpixDocumentKey struct {
	Algorithm string     `xml:"Algorithm,attr"`
	Data      cpixSecret `xml:"cpix:Data"`
}

type cpixSecret struct {
	Secret struct {
		EncryptedValue xencEncrypted `xml:"pskc:EncryptedValue"`
		ValueMAC       string        `xml:"pskc:ValueMAC,omitempty"`
	} `xml:"pskc:Secret"`
}

type xencEncrypted struct {
	EncryptionMethod struct {
		Algorithm string `xml:"Algorithm,attr"`
	} `xml:"xenc:EncryptionMethod"`
	CipherData struct {
		CipherValue string `xml:"xenc:CipherValue"`
	} `xml:"xenc:CipherData"`
}

type cpixMACMethod struct {
	Algorithm string        `xml:"Algorithm,attr"`
	Key       xencEncrypted `xml:"cpix:Key"`
}

type cpixContentKeys struct {
	ContentKey []cpixContentKey `xml:"cpix:ContentKey"`
}

type cpixContentKey struct {
	KID  string     `xml:"kid,attr"`
	Data cpixSecret `xml:"cpix:Data"`
}

func encrypted(alg string, value []byte) xencEncrypted {
	var e xencEncrypted
	e.EncryptionMethod.Algorithm = alg
	e.CipherData.CipherValue = base64.StdEncoding.EncodeToString(value)
	return e
}

// ParseRecipientCertificate reads a PEM X.509 certificate with an RSA key of
// at least 2048 bits; anything else is Invalid with the reason.
func ParseRecipientCertificate(certPEM string) (*x509.Certificate, *rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(certPEM)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, errs.InvalidField("recipientCertificatePEM", "not a PEM certificate (expected a -----BEGIN CERTIFICATE----- block)")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, errs.InvalidField("recipientCertificatePEM", "the certificate does not parse as X.509")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, nil, errs.InvalidField("recipientCertificatePEM", "the certificate's key is not RSA (CPIX encrypts the document key with RSA-OAEP)")
	}
	if pub.N.BitLen() < minRSABits {
		return nil, nil, errs.InvalidField("recipientCertificatePEM", "the certificate's RSA key has %d bits; at least %d are needed", pub.N.BitLen(), minRSABits)
	}
	return cert, pub, nil
}

// ExportCPIX returns a CPIX 2.3 document of the asset's content key,
// encrypted to the recipient's certificate (PEM), and audits the export.
// A bad certificate (not PEM X.509, not RSA, under 2048 bits, expired) is
// Invalid; a clear asset is Invalid; another tenant's or a missing asset is
// NotFound.
func (s *Store) ExportCPIX(ctx context.Context, tenant, asset uuid.UUID, certPEM string) (string, error) {
	cert, pub, err := ParseRecipientCertificate(certPEM)
	if err != nil {
		return "", err
	}
	now := s.now()
	if now.After(cert.NotAfter) || now.Before(cert.NotBefore) {
		return "", errs.InvalidField("recipientCertificatePEM", "the certificate is not valid now (valid %s to %s)",
			cert.NotBefore.UTC().Format("2006-01-02"), cert.NotAfter.UTC().Format("2006-01-02"))
	}
	if s.Box == nil {
		return "", errs.Unavailable(fmt.Errorf("contentkeys.ExportCPIX: no sealing key"), "encryption is unavailable")
	}
	var doc []byte
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := contentkeysql.New(tx)
		row, err := q.GetKey(ctx, contentkeysql.GetKeyParams{TenantID: tenant, AssetID: asset})
		if db.IsNoRows(err) {
			ok, err := q.AssetExists(ctx, contentkeysql.AssetExistsParams{TenantID: tenant, ID: asset})
			if err != nil {
				return err
			}
			if !ok {
				return errs.NotFound("no such asset")
			}
			return errs.InvalidField("assetId", "the asset is not encrypted: it has no content key to export")
		} else if err != nil {
			return err
		}
		key, err := s.open(row)
		if err != nil {
			return err
		}
		if doc, err = buildCPIX(key, cert, pub); err != nil {
			return err
		}
		fp := sha256.Sum256(cert.Raw)
		return audit.Record(ctx, tx, tenant, now, "content_key.exported", "asset", asset.String(), map[string]any{
			"kid": key.ID.String(), "format": "CPIX 2.3", "recipient": cert.Subject.String(),
			"recipientSHA256": hex.EncodeToString(fp[:]),
		})
	})
	if err != nil {
		return "", fmt.Errorf("contentkeys.ExportCPIX %s: %w", asset, err)
	}
	return string(doc), nil
}

// buildCPIX writes the document for one key and one recipient.
func buildCPIX(k Key, cert *x509.Certificate, pub *rsa.PublicKey) ([]byte, error) {
	docKey := make([]byte, 32)
	macKey := make([]byte, 64)
	if _, err := rand.Read(docKey); err != nil {
		return nil, err
	}
	if _, err := rand.Read(macKey); err != nil {
		return nil, err
	}
	encDocKey, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, pub, docKey, nil)
	if err != nil {
		return nil, fmt.Errorf("contentkeys: encrypt the document key: %w", err)
	}
	encMACKey, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, pub, macKey, nil)
	if err != nil {
		return nil, fmt.Errorf("contentkeys: encrypt the MAC key: %w", err)
	}
	encKey, err := aesCBCEncrypt(docKey, k.Value)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha512.New, macKey)
	mac.Write(encKey)

	d := cpixDoc{XMLNSCPIX: NSCPIX, XMLNSPSKC: NSPSKC, XMLNSXENC: NSXENC, XMLNSDS: NSDS,
		ContentID: k.Asset.String(), Version: "2.3"}
	dd := cpixDeliveryData{ID: "recipient", Description: "Marquee content key export for " + cert.Subject.CommonName}
	dd.DeliveryKey.X509Data.Certificate = base64.StdEncoding.EncodeToString(cert.Raw)
	dd.DocumentKey.Algorithm = AlgAES256CBC
	dd.DocumentKey.Data.Secret.EncryptedValue = encrypted(AlgRSAOAEP, encDocKey)
	dd.MACMethod = cpixMACMethod{Algorithm: AlgHMACSHA512, Key: encrypted(AlgRSAOAEP, encMACKey)}
	d.DeliveryDataList.DeliveryData = []cpixDeliveryData{dd}
	ck := cpixContentKey{KID: k.ID.String()}
	ck.Data.Secret.EncryptedValue = encrypted(AlgAES256CBC, encKey)
	ck.Data.Secret.ValueMAC = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	d.ContentKeyList.ContentKey = []cpixContentKey{ck}

	out, err := xml.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("contentkeys: write the CPIX document: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// aesCBCEncrypt is xmlenc's AES-CBC: a random IV, then the PKCS#7-padded
// plaintext encrypted.
func aesCBCEncrypt(key, plain []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	out := make([]byte, aes.BlockSize+len(plain)+pad)
	if _, err := rand.Read(out[:aes.BlockSize]); err != nil {
		return nil, err
	}
	copy(out[aes.BlockSize:], plain)
	for i := len(out) - pad; i < len(out); i++ {
		out[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], out[aes.BlockSize:])
	return out, nil
}
