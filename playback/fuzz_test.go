package playback_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/playback"
)

// Tokens come from anyone: Verify never panics and accepts nothing but a
// token made with the key.
func FuzzTokenVerify(f *testing.F) {
	tk := mustTokens(f)
	tenant, asset := uuid.MustParse("0190a000-0000-7000-8000-000000000001"), uuid.MustParse("0190a000-0000-7000-8000-000000000002")
	good := tk.Make(playback.Claims{Tenant: tenant, Asset: asset, Session: uuid.New(), Expires: time.Unix(4000000000, 0)})
	f.Add(good)
	f.Add("")
	f.Add(strings.Repeat("A", len(good)))
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := tk.Verify(tok, tenant, asset, time.Unix(1800000000, 0))
		if err == nil && tk.Make(c) != tok {
			t.Fatalf("accepted %q, which the key did not make", tok)
		}
	})
}

// The rewriters never panic, never lose a byte of the input outside what
// they add, and add nothing when the query is empty.
func FuzzRewriters(f *testing.F) {
	f.Add([]byte(master))
	f.Add([]byte(mediaPl))
	f.Add([]byte(mpd))
	f.Add([]byte("#EXT-X-KEY:URI=\"\n"))
	f.Add([]byte("<BaseURL>"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if got := playback.RewriteHLS(nil, src, ""); !bytes.Equal(got, src) {
			t.Fatalf("HLS with no query changed:\n%q\n%q", src, got)
		}
		if got := playback.RewriteDASH(nil, src, ""); !bytes.Equal(got, src) {
			t.Fatalf("DASH with no query changed:\n%q\n%q", src, got)
		}
		const q = "token=Q"
		for _, got := range [][]byte{playback.RewriteHLS(nil, src, q), playback.RewriteDASH(nil, src, q)} {
			stripped := bytes.ReplaceAll(bytes.ReplaceAll(bytes.ReplaceAll(got, []byte("?"+q), nil), []byte("&"+q), nil), []byte("&amp;"+q), nil)
			if !bytes.Equal(stripped, bytes.ReplaceAll(bytes.ReplaceAll(bytes.ReplaceAll(src, []byte("?"+q), nil), []byte("&"+q), nil), []byte("&amp;"+q), nil)) {
				t.Fatalf("rewriting lost input bytes:\n%q\n%q", src, got)
			}
		}
	})
}
