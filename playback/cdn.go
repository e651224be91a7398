package playback

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // CloudFront signs with RSA-SHA1; it is their protocol, not our choice
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Signer grants a CDN access to everything under one prefix until an
// expiry. The origin token is always added besides: a CDN in front need not
// be trusted with the viewer's rights, and the origin still checks each
// request that reaches it.
type Signer interface {
	// Sign returns what a client must send for URLs under resource (an
	// absolute URL of the CDN ending in "/*", e.g.
	// https://cdn.example/play/{tenant}/{asset}/*) until expires.
	Sign(resource string, expires time.Time) (Access, error)
}

// Access is a signer's grant: query parameters to add to every URL, and/or
// cookies to set on the CDN's domain.
type Access struct {
	Query   url.Values
	Cookies []Cookie
}

// Cookie is a cookie a player must hold for the CDN.
type Cookie struct {
	Name, Value, Domain, Path string
	Expires                   time.Time
}

// NoSigner is "origin token only".
type NoSigner struct{}

// Sign grants nothing beyond the origin token.
func (NoSigner) Sign(string, time.Time) (Access, error) { return Access{}, nil }

// CloudFront signs with a CloudFront key pair (trusted key group): custom
// policies over the session's prefix, sent as the Policy, Signature and
// Key-Pair-Id query parameters or, with Cookies, as the CloudFront-Policy,
// CloudFront-Signature and CloudFront-Key-Pair-Id cookies. The signature is
// RSA-SHA1 (PKCS #1 v1.5) over the policy JSON, as AWS specifies.
type CloudFront struct {
	KeyPairID string
	Key       *rsa.PrivateKey
	Cookies   bool
}

// ParseRSAKey reads a PEM private key (PKCS #1 or PKCS #8) for CloudFront.
func ParseRSAKey(pemText []byte) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode(pemText)
	if b == nil {
		return nil, errors.New("not a PEM private key")
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, errors.New("not an RSA private key (PKCS #1 or PKCS #8)")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA private key")
	}
	return rk, nil
}

type cfPolicy struct {
	Statement []cfStatement `json:"Statement"`
}

type cfStatement struct {
	Resource  string `json:"Resource"`
	Condition struct {
		DateLessThan struct {
			EpochTime int64 `json:"AWS:EpochTime"`
		} `json:"DateLessThan"`
	} `json:"Condition"`
}

// Policy is the CloudFront policy JSON granting resource until expires.
func CloudFrontPolicy(resource string, expires time.Time) []byte {
	var st cfStatement
	st.Resource = resource
	st.Condition.DateLessThan.EpochTime = expires.Unix()
	b, _ := json.Marshal(cfPolicy{Statement: []cfStatement{st}})
	return b
}

// cfEncode is CloudFront's URL-safe base64: + → -, = → _, / → ~.
func cfEncode(b []byte) string {
	return strings.NewReplacer("+", "-", "=", "_", "/", "~").Replace(base64.StdEncoding.EncodeToString(b))
}

// CloudFrontDecode undoes cfEncode.
func CloudFrontDecode(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(s))
}

func (c CloudFront) sign(policy []byte) (string, error) {
	h := sha1.Sum(policy) //nolint:gosec // see the import
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.Key, crypto.SHA1, h[:])
	if err != nil {
		return "", fmt.Errorf("playback.CloudFront: %w", err)
	}
	return cfEncode(sig), nil
}

// Sign grants resource (a wildcard URL) with a custom policy.
func (c CloudFront) Sign(resource string, expires time.Time) (Access, error) {
	policy := CloudFrontPolicy(resource, expires)
	sig, err := c.sign(policy)
	if err != nil {
		return Access{}, err
	}
	if c.Cookies {
		u, err := url.Parse(resource)
		if err != nil {
			return Access{}, fmt.Errorf("playback.CloudFront: %w", err)
		}
		path := strings.TrimSuffix(u.Path, "*")
		mk := func(name, value string) Cookie {
			return Cookie{Name: name, Value: value, Domain: u.Hostname(), Path: path, Expires: expires}
		}
		return Access{Cookies: []Cookie{mk("CloudFront-Policy", cfEncode(policy)),
			mk("CloudFront-Signature", sig), mk("CloudFront-Key-Pair-Id", c.KeyPairID)}}, nil
	}
	return Access{Query: url.Values{"Policy": {cfEncode(policy)}, "Signature": {sig}, "Key-Pair-Id": {c.KeyPairID}}}, nil
}

// CannedURL signs one exact URL with a canned policy (Expires, Signature,
// Key-Pair-Id), for a single object such as a download.
func (c CloudFront) CannedURL(rawURL string, expires time.Time) (string, error) {
	sig, err := c.sign(CloudFrontPolicy(rawURL, expires))
	if err != nil {
		return "", err
	}
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	return rawURL + sep + "Expires=" + strconv.FormatInt(expires.Unix(), 10) + "&Signature=" + sig + "&Key-Pair-Id=" + url.QueryEscape(c.KeyPairID), nil
}

// EdgeHMAC is a generic HMAC edge token in the Akamai style:
// hdnts=exp={unix}~acl={path prefix}*~hmac={hex HMAC-SHA256 of the rest}.
// An edge that knows Key checks it without asking the origin.
type EdgeHMAC struct {
	Key []byte
}

// EdgeToken is the token for acl (a path with a trailing *) until expires.
func (e EdgeHMAC) EdgeToken(acl string, expires time.Time) string {
	body := "exp=" + strconv.FormatInt(expires.Unix(), 10) + "~acl=" + acl
	m := hmac.New(sha256.New, e.Key)
	m.Write([]byte(body))
	return body + "~hmac=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyEdgeToken is what an edge does: the MAC, the expiry and that path
// falls under the acl.
func (e EdgeHMAC) VerifyEdgeToken(tok, path string, now time.Time) error {
	i := strings.LastIndex(tok, "~hmac=")
	if i < 0 {
		return errors.New("no hmac")
	}
	m := hmac.New(sha256.New, e.Key)
	m.Write([]byte(tok[:i]))
	got, err := hex.DecodeString(tok[i+len("~hmac="):])
	if err != nil || !hmac.Equal(got, m.Sum(nil)) {
		return errors.New("bad hmac")
	}
	var exp int64
	var acl string
	for _, f := range strings.Split(tok[:i], "~") {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "exp":
			exp, _ = strconv.ParseInt(v, 10, 64)
		case "acl":
			acl = v
		}
	}
	if now.Unix() >= exp {
		return errors.New("expired")
	}
	if !strings.HasPrefix(path, strings.TrimSuffix(acl, "*")) {
		return errors.New("outside the acl")
	}
	return nil
}

// Sign grants the path of resource.
func (e EdgeHMAC) Sign(resource string, expires time.Time) (Access, error) {
	u, err := url.Parse(resource)
	if err != nil {
		return Access{}, fmt.Errorf("playback.EdgeHMAC: %w", err)
	}
	return Access{Query: url.Values{"hdnts": {e.EdgeToken(u.Path, expires)}}}, nil
}
