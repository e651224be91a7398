package media_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafov/m3u8"

	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
)

// The packager's media playlist, rewritten: a key with an explicit IV per
// segment after the EXT-X-MAP (the init section stays clear), URI "key".
func TestRewriteHLSPlaylistGolden(t *testing.T) {
	for _, name := range []string{"media_0.m3u8", "discontinuity.m3u8"} {
		in, err := os.ReadFile(filepath.Join("testdata", "hls", name))
		if err != nil {
			t.Fatal(err)
		}
		out, segs, err := media.RewriteHLSPlaylist(in, 3)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "hlsaes/"+name, out)
		if len(segs) != 2 {
			t.Fatalf("%s: segments %+v", name, segs)
		}
		// The player's reading: grafov parses it as a media playlist with
		// the key on every segment.
		pl, kind, err := m3u8.Decode(*bytes.NewBuffer(out), true)
		if err != nil || kind != m3u8.MEDIA {
			t.Fatalf("%s: rewritten playlist does not parse: %v", name, err)
		}
		for i, s := range pl.(*m3u8.MediaPlaylist).Segments[:2] {
			if s.Key == nil || s.Key.Method != "AES-128" || s.Key.URI != "key" || len(s.Key.IV) != 34 {
				t.Errorf("%s: segment %d key %+v", name, i, s.Key)
			}
		}
	}
	in, _ := os.ReadFile(filepath.Join("testdata", "hls", "media_0.m3u8"))
	_, segs, _ := media.RewriteHLSPlaylist(in, 3)
	// IVs by the scheme: playlist number, then the media sequence (from 1 here).
	if segs[0].Sequence != 1 || segs[1].Sequence != 2 ||
		hex.EncodeToString(segs[1].IV[:]) != "00000000000000030000000000000002" || segs[0].URI != "seg_0_00001.m4s" {
		t.Errorf("segments %+v", segs)
	}
}

// What cannot be encrypted correctly is refused with a reason.
func TestRewriteHLSPlaylistRefuses(t *testing.T) {
	cases := map[string]string{
		"not a playlist":    "hello\nseg.m4s\n",
		"master":            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nmedia_0.m3u8\n",
		"already encrypted": "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXTINF:1,\na.m4s\n",
		"byte range":        "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:100@0\na.m4s\n",
		"absolute URI":      "#EXTM3U\n#EXTINF:1,\n/etc/passwd\n",
		"parent URI":        "#EXTM3U\n#EXTINF:1,\n../other/a.m4s\n",
		"remote URI":        "#EXTM3U\n#EXTINF:1,\nhttp://example.com/a.m4s\n",
		"no segments":       "#EXTM3U\n#EXT-X-ENDLIST\n",
		"bad sequence":      "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-1\n#EXTINF:1,\na.m4s\n",
	}
	for name, pl := range cases {
		if _, _, err := media.RewriteHLSPlaylist([]byte(pl), 0); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// EncryptCBC streams AES-128-CBC with PKCS#7 exactly as the one-shot
// reference does, at every size around the block and chunk boundaries, and
// DecryptCBC reverses it; a wrong key fails on the padding (or decrypts to
// other bytes), never to the clear text.
func TestEncryptCBCMatchesTheOneShotReference(t *testing.T) {
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	block, _ := aes.NewCipher(key)
	iv := media.HLSSegmentIV(1, 7)
	for _, n := range []int{0, 1, 15, 16, 17, 64<<10 - 1, 64 << 10, 64<<10 + 1, 200_003} {
		clear := make([]byte, n)
		_, _ = rand.Read(clear)
		var got bytes.Buffer
		if err := media.EncryptCBC(&got, bytes.NewReader(clear), block, iv); err != nil {
			t.Fatal(err)
		}
		pad := 16 - n%16
		want := append(append([]byte{}, clear...), bytes.Repeat([]byte{byte(pad)}, pad)...)
		cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(want, want)
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%d bytes: streamed ciphertext differs from the reference", n)
		}
		var back bytes.Buffer
		if err := media.DecryptCBC(&back, bytes.NewReader(got.Bytes()), block, iv); err != nil || !bytes.Equal(back.Bytes(), clear) {
			t.Fatalf("%d bytes: round trip: %v", n, err)
		}
		other, _ := aes.NewCipher(bytes.Repeat([]byte{1}, 16))
		back.Reset()
		if err := media.DecryptCBC(&back, bytes.NewReader(got.Bytes()), other, iv); err == nil && bytes.Equal(back.Bytes(), clear) && n > 0 {
			t.Fatalf("%d bytes: another key decrypted", n)
		}
	}
}

// A real package from the packager, encrypted: no MPD, every media playlist
// keyed with URI "key" after its EXT-X-MAP, init sections and the master
// byte-identical, every segment no longer a clear fMP4 and decrypting to the
// packager's bytes; ffmpeg, given the key in a file named "key", decodes
// every variant through the master playlist without an error.
func TestEncryptHLSPackageDecodesWithTheKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Width: 320, Height: 180, Rate: "30", Audio: 2})
	l := mustLadder(t, r, src, time.Second)
	trans := filepath.Join(dir, "transcode")
	if _, err := r.Run(testContext(t), media.PlanTranscode(l, src, trans), nil); err != nil {
		t.Fatal(err)
	}
	clear := filepath.Join(dir, "package")
	if _, err := r.Run(testContext(t), media.PlanPackage(l, trans, clear), nil); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	enc := filepath.Join(dir, "encrypted")
	var files []string
	if err := media.EncryptHLS(context.Background(), clear, enc, key, func(n string) { files = append(files, n) }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(enc, media.DASHMPD)); !os.IsNotExist(err) {
		t.Errorf("the MPD is in the encrypted package (%v): DASH cannot signal AES-128", err)
	}
	if len(files) == 0 {
		t.Error("onFile was never called")
	}
	block, _ := aes.NewCipher(key)
	playlists, _ := filepath.Glob(filepath.Join(enc, "media_*.m3u8"))
	if len(playlists) != len(l.Renditions)+len(l.Audio) {
		t.Fatalf("playlists %v", playlists)
	}
	segments := 0
	for _, p := range playlists {
		text := mustRead(t, p)
		mapAt, keyAt := strings.Index(text, "#EXT-X-MAP"), strings.Index(text, `#EXT-X-KEY:METHOD=AES-128,URI="key",IV=0x`)
		if mapAt < 0 || keyAt < mapAt {
			t.Errorf("%s: the key is not after the EXT-X-MAP:\n%s", p, text)
		}
		clearText := mustRead(t, filepath.Join(clear, filepath.Base(p)))
		_, segs, err := media.RewriteHLSPlaylist([]byte(clearText), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range segs {
			segments++
			got, want := mustRead(t, filepath.Join(enc, s.URI)), mustRead(t, filepath.Join(clear, s.URI))
			if len(got) >= 8 && (got[4:8] == "moof" || got[4:8] == "styp") {
				t.Errorf("%s is a clear fMP4", s.URI)
			}
			iv := ivOf(t, text, s.URI)
			var back bytes.Buffer
			if err := media.DecryptCBC(&back, strings.NewReader(got), block, iv); err != nil || back.String() != want {
				t.Errorf("%s does not decrypt to the packager's segment (%v)", s.URI, err)
			}
		}
	}
	if segments == 0 {
		t.Fatal("no segments")
	}
	for _, name := range []string{media.HLSMaster, "init_0.mp4", "init_1.mp4"} {
		if mustRead(t, filepath.Join(enc, name)) != mustRead(t, filepath.Join(clear, name)) {
			t.Errorf("%s changed", name)
		}
	}
	if err := os.WriteFile(filepath.Join(enc, media.HLSKeyURI), key, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range l.Renditions {
		out, err := exec.Command("ffmpeg", "-v", "error", "-allowed_extensions", "ALL", "-protocol_whitelist", "file,crypto",
			"-i", filepath.Join(enc, media.HLSMaster), "-map", fmt.Sprintf("0:v:%d", i), "-map", "0:a:0", "-f", "null", "-").CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("variant %d does not decode cleanly: %v\n%s", i, err, out)
		}
	}

	// Another run into a fresh folder (a retry) encrypts the same clear
	// files to the same bytes: nothing is encrypted twice.
	again := filepath.Join(dir, "again")
	if err := media.EncryptHLS(context.Background(), clear, again, key, nil); err != nil {
		t.Fatal(err)
	}
	if mustRead(t, filepath.Join(again, "seg_0_00001.m4s")) != mustRead(t, filepath.Join(enc, "seg_0_00001.m4s")) {
		t.Error("a retry encrypted differently")
	}
	// outDir must be new; a segment no playlist names is not left clear.
	if err := media.EncryptHLS(context.Background(), clear, enc, key, nil); err == nil {
		t.Error("encrypting into an existing folder was accepted")
	}
	mediatest.MustWrite(t, clear, "seg_9_00001.m4s", []byte("stray"))
	if err := media.EncryptHLS(context.Background(), clear, filepath.Join(dir, "stray"), key, nil); err == nil ||
		!strings.Contains(err.Error(), "seg_9_00001.m4s") {
		t.Errorf("a stray segment: %v", err)
	}
	if err := media.EncryptHLS(context.Background(), clear, filepath.Join(dir, "short"), key[:8], nil); err == nil {
		t.Error("an 8-byte key was accepted")
	}
}

// ivOf reads the IV the playlist gives the segment uri.
func ivOf(t *testing.T, playlist, uri string) [16]byte {
	t.Helper()
	var iv [16]byte
	lines := strings.Split(playlist, "\n")
	for i, l := range lines {
		if l != uri {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if k := strings.Index(lines[j], "IV=0x"); k >= 0 {
				b, err := hex.DecodeString(lines[j][k+5:])
				if err != nil || len(b) != 16 {
					t.Fatalf("IV of %s: %q", uri, lines[j])
				}
				copy(iv[:], b)
				return iv
			}
		}
	}
	t.Fatalf("no IV for %s", uri)
	return iv
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// RewriteHLSPlaylist reads playlists the packager wrote, but its guarantees
// must hold for anything: no panic, and an accepted playlist comes out with
// exactly one AES-128 key per segment, every segment URI kept, no EXT-X-MAP
// covered by an AES-128 key, and a second rewrite refused.
func FuzzRewriteHLSPlaylist(f *testing.F) {
	for _, name := range []string{"media_0.m3u8", "discontinuity.m3u8"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "hls", name)); err == nil {
			f.Add(b, uint64(0))
		}
	}
	f.Add([]byte("#EXTM3U\r\n#EXTINF:1,\r\na.m4s\r\n#EXT-X-MAP:URI=\"i.mp4\"\r\n#EXTINF:1,\r\nb.m4s"), uint64(1<<63))
	f.Fuzz(func(t *testing.T, pl []byte, n uint64) {
		out, segs, err := media.RewriteHLSPlaylist(pl, n)
		if err != nil {
			return
		}
		text := string(out)
		if got := strings.Count(text, "#EXT-X-KEY:METHOD=AES-128,"); got != len(segs) {
			t.Fatalf("%d keys for %d segments:\n%s", got, len(segs), text)
		}
		keyed := false
		for _, l := range strings.Split(text, "\n") {
			switch {
			case strings.HasPrefix(l, "#EXT-X-KEY:METHOD=AES-128"):
				keyed = true
			case strings.HasPrefix(l, "#EXT-X-KEY:METHOD=NONE"):
				keyed = false
			case strings.HasPrefix(l, "#EXT-X-MAP") && keyed:
				t.Fatalf("an EXT-X-MAP is covered by an AES-128 key:\n%s", text)
			}
		}
		for i, s := range segs {
			if !strings.Contains(text, "\n"+s.URI+"\n") || slices.Contains(strings.Split(s.URI, "/"), "..") || strings.HasPrefix(s.URI, "/") {
				t.Fatalf("segment %d %q", i, s.URI)
			}
			if s.IV != media.HLSSegmentIV(n, s.Sequence) {
				t.Fatalf("segment %d IV", i)
			}
		}
		if _, _, err := media.RewriteHLSPlaylist(out, n); err == nil {
			t.Fatal("a rewritten playlist was rewritten again")
		}
	})
}

// BenchmarkEncryptCBC measures segment encryption throughput on a 4 MiB
// segment (about 6 s of 5 Mb/s video), streamed as EncryptHLS does.
func BenchmarkEncryptCBC(b *testing.B) {
	seg := make([]byte, 4<<20)
	_, _ = rand.Read(seg)
	block, _ := aes.NewCipher(make([]byte, 16))
	b.SetBytes(int64(len(seg)))
	for i := 0; i < b.N; i++ {
		if err := media.EncryptCBC(io.Discard, bytes.NewReader(seg), block, media.HLSSegmentIV(0, uint64(i))); err != nil {
			b.Fatal(err)
		}
	}
}
