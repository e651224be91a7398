package playback_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // CloudFront's algorithm
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/playback"
)

func mustTokens(t testing.TB) *playback.Tokens {
	t.Helper()
	tk, err := playback.NewTokens([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// A token verifies only for its tenant and asset, before its expiry, and
// unaltered; the comparison is hmac.Equal (constant time).
func TestTokensBindTenantAssetSessionAndExpiry(t *testing.T) {
	tk := mustTokens(t)
	now := time.Now()
	c := playback.Claims{Tenant: uuid.New(), Asset: uuid.New(), Session: uuid.New(), Expires: now.Add(time.Hour).Truncate(time.Second)}
	tok := tk.Make(c)
	got, err := tk.Verify(tok, c.Tenant, c.Asset, now)
	if err != nil || got.Session != c.Session || !got.Expires.Equal(c.Expires) {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	if _, err := tk.Verify(tok, c.Tenant, c.Asset, now.Add(2*time.Hour)); err != playback.ErrTokenExpired {
		t.Errorf("expired: %v", err)
	}
	if _, err := tk.Verify(tok, uuid.New(), c.Asset, now); err != playback.ErrTokenSignature {
		t.Errorf("other tenant: %v", err)
	}
	if _, err := tk.Verify(tok, c.Tenant, uuid.New(), now); err != playback.ErrTokenSignature {
		t.Errorf("other asset: %v", err)
	}
	if len(tok) != playback.TokenLen || playback.TokenLen > 64 {
		t.Errorf("token length %d", len(tok))
	}
	b := []byte(tok)
	b[10] ^= 1
	if _, err := tk.Verify(string(b), c.Tenant, c.Asset, now); err == nil {
		t.Error("a tampered token verified")
	}
	other, _ := playback.NewTokens([]byte("another secret key of 32 bytes!!"))
	if _, err := other.Verify(tok, c.Tenant, c.Asset, now); err != playback.ErrTokenSignature {
		t.Errorf("other key: %v", err)
	}
	for _, bad := range []string{"", "x", tok + "x", strings.Repeat(".", len(tok))} {
		if _, err := tk.Verify(bad, c.Tenant, c.Asset, now); err == nil {
			t.Errorf("%q verified", bad)
		}
	}
	if _, err := playback.NewTokens([]byte("short")); err == nil {
		t.Error("a short secret was accepted")
	}
}

const master = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_A1",NAME="audio_0",DEFAULT=YES,URI="media_2.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="group_A1"
media_0.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=426x240,CODECS="avc1.640015,mp4a.40.2",AUDIO="group_A1"
media_1.m3u8?x=1
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="https://other.example/iframes.m3u8"
`

const mediaPl = "#EXTM3U\r\n#EXT-X-TARGETDURATION:6\r\n#EXT-X-KEY:METHOD=AES-128,URI=\"key\",IV=0x0102\r\n#EXT-X-MAP:URI=\"init_0.mp4\"\r\n#EXTINF:6.0,\r\nseg_0_00001.m4s\r\n\r\n#EXTINF:6.0,\r\ndata:text/plain,x\r\n#EXT-X-ENDLIST\r\n"

func TestRewriteHLSPutsTheQueryOnEveryRelativeURI(t *testing.T) {
	q := "token=abc.def&hdnts=exp%3D1"
	got := string(playback.RewriteHLS(nil, []byte(master), q))
	for _, want := range []string{`URI="media_2.m3u8?` + q + `"`, "\nmedia_0.m3u8?" + q + "\n", "\nmedia_1.m3u8?x=1&" + q + "\n",
		`URI="https://other.example/iframes.m3u8"`, `GROUP-ID="group_A1"`} {
		if !strings.Contains(got, want) {
			t.Errorf("master lacks %q:\n%s", want, got)
		}
	}
	got = string(playback.RewriteHLS(nil, []byte(mediaPl), q))
	want := strings.NewReplacer(`URI="key"`, `URI="key?`+q+`"`, `URI="init_0.mp4"`, `URI="init_0.mp4?`+q+`"`,
		"seg_0_00001.m4s\r", "seg_0_00001.m4s?"+q+"\r").Replace(mediaPl)
	if got != want {
		t.Errorf("media playlist:\n%q\nwant\n%q", got, want)
	}
}

const mpd = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" mediaPresentationDuration="PT2.0S" type="static">
	<Period id="0" start="PT0.0S">
		<AdaptationSet id="0" contentType="video" segmentAlignment="true">
			<Representation id="0" mimeType="video/mp4" codecs="avc1.64001e" bandwidth="800000" width="640" height="360">
				<SegmentTemplate timescale="12800" initialization="init_$RepresentationID$.mp4" media="seg_$RepresentationID$_$Number%05d$.m4s" startNumber="1">
				</SegmentTemplate>
			</Representation>
		</AdaptationSet>
		<BaseURL>sub/</BaseURL>
	</Period>
</MPD>
`

func TestRewriteDASHEscapesTheQueryIntoSegmentTemplates(t *testing.T) {
	got := string(playback.RewriteDASH(nil, []byte(mpd), "token=a&hdnts=b"))
	for _, want := range []string{`initialization="init_$RepresentationID$.mp4?token=a&amp;hdnts=b"`,
		`media="seg_$RepresentationID$_$Number%05d$.m4s?token=a&amp;hdnts=b"`, `<BaseURL>sub/?token=a&amp;hdnts=b</BaseURL>`,
		`mediaPresentationDuration="PT2.0S"`, `mimeType="video/mp4"`} {
		if !strings.Contains(got, want) {
			t.Errorf("MPD lacks %q:\n%s", want, got)
		}
	}
}

func TestQueryKeepsOnlySessionParameters(t *testing.T) {
	v := url.Values{"token": {"a.b"}, "evil": {"\n#EXT-X"}, "hdnts": {"exp=1~acl=/p/*~hmac=ff"}}
	if got := playback.Query(v); got != "token=a.b&hdnts=exp%3D1~acl%3D%2Fp%2F%2A~hmac%3Dff" {
		t.Errorf("Query = %q", got)
	}
}

// CloudFront signatures verify with the key pair's public key over exactly
// the policy JSON AWS documents.
func TestCloudFrontSignsPolicyWithRSASHA1(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	parsed, err := playback.ParseRSAKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Unix(1900000000, 0)
	res := "https://d111.cloudfront.net/play/t/a/*"
	verify := func(policyB64, sigB64 string) map[string]any {
		t.Helper()
		pol, err := playback.CloudFrontDecode(policyB64)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := playback.CloudFrontDecode(sigB64)
		if err != nil {
			t.Fatal(err)
		}
		h := sha1.Sum(pol) //nolint:gosec // CloudFront's algorithm
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA1, h[:], sig); err != nil {
			t.Fatalf("signature: %v", err)
		}
		var doc map[string]any
		if err := json.Unmarshal(pol, &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	want := fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}`, res)
	if got := string(playback.CloudFrontPolicy(res, exp)); got != want {
		t.Errorf("policy = %s", got)
	}
	acc, err := playback.CloudFront{KeyPairID: "K2JCJMDEHXQW5F", Key: parsed}.Sign(res, exp)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Query.Get("Key-Pair-Id") != "K2JCJMDEHXQW5F" || len(acc.Cookies) != 0 {
		t.Errorf("access = %+v", acc)
	}
	doc := verify(acc.Query.Get("Policy"), acc.Query.Get("Signature"))
	if fmt.Sprint(doc["Statement"]) == "" {
		t.Error("no statement")
	}
	acc, err = playback.CloudFront{KeyPairID: "K2", Key: parsed, Cookies: true}.Sign(res, exp)
	if err != nil || len(acc.Cookies) != 3 || acc.Query != nil {
		t.Fatalf("cookies: %+v %v", acc, err)
	}
	c := map[string]playback.Cookie{}
	for _, k := range acc.Cookies {
		c[k.Name] = k
	}
	verify(c["CloudFront-Policy"].Value, c["CloudFront-Signature"].Value)
	if c["CloudFront-Key-Pair-Id"].Value != "K2" || c["CloudFront-Policy"].Domain != "d111.cloudfront.net" || c["CloudFront-Policy"].Path != "/play/t/a/" {
		t.Errorf("cookies = %+v", acc.Cookies)
	}
	signed, err := playback.CloudFront{KeyPairID: "K2", Key: parsed}.CannedURL("https://d111.cloudfront.net/x.mp4", exp)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(signed)
	if u.Query().Get("Expires") != "1900000000" {
		t.Errorf("canned = %s", signed)
	}
	sig, _ := playback.CloudFrontDecode(u.Query().Get("Signature"))
	h := sha1.Sum(playback.CloudFrontPolicy("https://d111.cloudfront.net/x.mp4", exp)) //nolint:gosec // CloudFront's algorithm
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA1, h[:], sig); err != nil {
		t.Errorf("canned signature: %v", err)
	}
	if _, err := playback.ParseRSAKey([]byte("not pem")); err == nil {
		t.Error("a bad key parsed")
	}
}

func TestEdgeHMACTokenCoversThePrefixUntilExpiry(t *testing.T) {
	e := playback.EdgeHMAC{Key: []byte("0123456789abcdef")}
	now := time.Unix(1800000000, 0)
	acc, err := e.Sign("https://cdn.example/play/t/a/*", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tok := acc.Query.Get("hdnts")
	if !strings.HasPrefix(tok, "exp=1800003600~acl=/play/t/a/*~hmac=") {
		t.Fatalf("token = %s", tok)
	}
	if err := e.VerifyEdgeToken(tok, "/play/t/a/seg_0_00001.m4s", now); err != nil {
		t.Errorf("verify: %v", err)
	}
	if err := e.VerifyEdgeToken(tok, "/play/t/other/seg.m4s", now); err == nil {
		t.Error("outside the acl verified")
	}
	if err := e.VerifyEdgeToken(tok, "/play/t/a/x", now.Add(2*time.Hour)); err == nil {
		t.Error("expired verified")
	}
	if err := e.VerifyEdgeToken(strings.Replace(tok, "exp=18", "exp=19", 1), "/play/t/a/x", now); err == nil {
		t.Error("tampered verified")
	}
}

// BenchmarkRewriteHLS rewrites a 2-hour title's media playlist (1200
// six-second segments); BenchmarkCopyHLS is the same bytes copied, the floor.
func BenchmarkRewriteHLS(b *testing.B) {
	src := []byte(longMedia(1200))
	q := "token=" + strings.Repeat("A", playback.TokenLen)
	buf := make([]byte, 0, 2*len(src))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		buf = playback.RewriteHLS(buf[:0], src, q)
	}
}

func BenchmarkCopyHLS(b *testing.B) {
	src := []byte(longMedia(1200))
	buf := make([]byte, 0, 2*len(src))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		buf = append(buf[:0], src...)
	}
}

func longMedia(n int) string {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-KEY:METHOD=AES-128,URI=\"key\",IV=0x01\n#EXT-X-MAP:URI=\"init_0.mp4\"\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "#EXTINF:6.000000,\nseg_0_%05d.m4s\n", i)
	}
	return b.String() + "#EXT-X-ENDLIST\n"
}
