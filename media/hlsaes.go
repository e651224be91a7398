package media

// HLS AES-128 segment encryption, done in Go because ffmpeg 5.1's HLS muxer
// refuses to encrypt fragmented MP4 and its dash muxer (our packager) cannot
// encrypt at all. These are pure file transforms over the packager's output:
// nothing here knows where the key comes from or where the files go.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// HLSKeyURI is the URI every encrypted media playlist names for its key: the
// relative URI "key", which a player resolves against the playlist's URL.
// The playback origin serves the asset's key at {asset prefix}key (with the
// session token), so the package itself never holds the key.
const HLSKeyURI = "key"

// HLSIVScheme names how EncryptHLS derives a segment's IV, and is stored with
// the content key so another packager (or a CPIX consumer) can derive the
// same IVs: the 16-byte IV is the media playlist's number n (of media_{n}.m3u8;
// 0 for another name) as a big-endian uint64, then the segment's media
// sequence number as a big-endian uint64. Within an asset no two segments
// share an IV, and the IVs are also written into the playlists explicitly.
const HLSIVScheme = "hls-rendition-sequence"

// HLSSegmentIV is the IV of HLSIVScheme for segment seq of playlist n.
func HLSSegmentIV(n, seq uint64) [16]byte {
	var iv [16]byte
	binary.BigEndian.PutUint64(iv[:8], n)
	binary.BigEndian.PutUint64(iv[8:], seq)
	return iv
}

// HLSSegment is one media segment of a rewritten playlist.
type HLSSegment struct {
	URI      string // as the playlist names it, relative to the playlist
	Sequence uint64 // media sequence number
	IV       [16]byte
}

// RewriteHLSPlaylist returns the media playlist pl with AES-128 encryption
// signalled for every media segment, and the segments it names in order.
// Playlist n's segments get IVs by HLSIVScheme, written explicitly.
//
// Each segment gets its own EXT-X-KEY (its IV differs), placed after the
// last EXT-X-MAP since the previous segment, else before the segment's
// EXTINF. Initialization sections stay clear: RFC 8216 §4.3.2.4 applies an EXT-X-KEY
// to every segment AND every EXT-X-MAP that follows it until the next
// EXT-X-KEY, and §4.3.2.5 would then require the init section to be
// encrypted too; ffmpeg's packager writes it clear and players read the
// init section (the track's codec set-up, no media samples) once per
// rendition. So a key is always placed after the EXT-X-MAP it must not cover,
// and an EXT-X-MAP that comes after a key is preceded by
// EXT-X-KEY:METHOD=NONE.
//
// It refuses what it cannot encrypt correctly: a master playlist, a playlist
// that already has EXT-X-KEY or uses EXT-X-BYTERANGE (segments are encrypted
// as whole files), or a segment URI that is not a plain relative path inside
// the package (a scheme, a query, "..", an absolute path).
func RewriteHLSPlaylist(pl []byte, n uint64) ([]byte, []HLSSegment, error) {
	text := strings.ReplaceAll(string(pl), "\r\n", "\n")
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "#EXTM3U" {
		return nil, nil, errors.New("media.RewriteHLSPlaylist: not an HLS playlist (no #EXTM3U first)")
	}
	var (
		out     []string
		pending []string // lines since the previous segment's URI
		segs    []HLSSegment
		seq     uint64
		keyed   bool // an EXT-X-KEY has been written: a later EXT-X-MAP needs METHOD=NONE before it
		sawTag  bool // EXT-X-MEDIA-SEQUENCE must come before the first segment
	)
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if i == 0 {
			out = append(out, line)
			continue
		}
		switch {
		case line == "":
			pending = append(pending, line)
			continue
		case strings.HasPrefix(line, "#EXT-X-STREAM-INF"), strings.HasPrefix(line, "#EXT-X-MEDIA:"),
			strings.HasPrefix(line, "#EXT-X-I-FRAME-STREAM-INF"):
			return nil, nil, errors.New("media.RewriteHLSPlaylist: a master playlist, not a media playlist")
		case strings.HasPrefix(line, "#EXT-X-KEY"), strings.HasPrefix(line, "#EXT-X-SESSION-KEY"):
			return nil, nil, errors.New("media.RewriteHLSPlaylist: the playlist is already encrypted")
		case strings.HasPrefix(line, "#EXT-X-BYTERANGE"):
			return nil, nil, errors.New("media.RewriteHLSPlaylist: byte-range segments cannot be encrypted as whole files")
		case strings.HasPrefix(line, "#EXT-X-MAP"):
			if strings.Contains(line, "BYTERANGE=") {
				return nil, nil, errors.New("media.RewriteHLSPlaylist: byte-range segments cannot be encrypted as whole files")
			}
			if keyed {
				pending = append(pending, "#EXT-X-KEY:METHOD=NONE")
				keyed = false
			}
			pending = append(pending, line)
			continue
		case strings.HasPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"):
			if sawTag || len(segs) > 0 {
				return nil, nil, errors.New("media.RewriteHLSPlaylist: EXT-X-MEDIA-SEQUENCE after the first segment")
			}
			v, err := strconv.ParseUint(strings.TrimPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"), 10, 63)
			if err != nil {
				return nil, nil, fmt.Errorf("media.RewriteHLSPlaylist: bad EXT-X-MEDIA-SEQUENCE: %w", err)
			}
			seq = v
			pending = append(pending, line)
			continue
		case strings.HasPrefix(line, "#"):
			if strings.HasPrefix(line, "#EXTINF") {
				sawTag = true
			}
			pending = append(pending, line)
			continue
		}
		// A URI line: a media segment.
		if err := checkSegmentURI(line); err != nil {
			return nil, nil, err
		}
		if len(segs) > 0 && seq == 0 {
			return nil, nil, errors.New("media.RewriteHLSPlaylist: the media sequence overflows")
		}
		iv := HLSSegmentIV(n, seq)
		segs = append(segs, HLSSegment{URI: line, Sequence: seq, IV: iv})
		key := `#EXT-X-KEY:METHOD=AES-128,URI="` + HLSKeyURI + `",IV=0x` + hex.EncodeToString(iv[:])
		at := keyPosition(pending)
		out = append(out, pending[:at]...)
		out = append(out, key)
		out = append(out, pending[at:]...)
		out = append(out, line)
		pending = pending[:0]
		keyed = true
		seq++
		if seq > 1<<63-1 {
			seq = 0 // reported if another segment follows
		}
	}
	if len(segs) == 0 {
		return nil, nil, errors.New("media.RewriteHLSPlaylist: no media segments")
	}
	out = append(out, pending...)
	return []byte(strings.Join(out, "\n") + "\n"), segs, nil
}

// keyPosition is where in a segment's pending lines its EXT-X-KEY goes: after
// the last EXT-X-MAP, else before its first EXTINF, else just before the URI.
func keyPosition(pending []string) int {
	for i := len(pending) - 1; i >= 0; i-- {
		if strings.HasPrefix(pending[i], "#EXT-X-MAP") {
			return i + 1
		}
	}
	for i, l := range pending {
		if strings.HasPrefix(l, "#EXTINF") {
			return i
		}
	}
	return len(pending)
}

// checkSegmentURI admits only a plain relative path inside the package: the
// segment is read from the package folder by that name.
func checkSegmentURI(u string) error {
	bad := u == "" || strings.ContainsAny(u, "?#:\\\x00") || strings.HasPrefix(u, "/") ||
		path.Clean(u) != u || u == "." || u == ".." || strings.HasPrefix(u, "../")
	if bad {
		return fmt.Errorf("media.RewriteHLSPlaylist: segment URI %q is not a plain relative path", u)
	}
	return nil
}

// EncryptHLS writes into outDir an encrypted copy of the package in
// clearDir (PlanPackage's output): every fMP4 media playlist rewritten by
// RewriteHLSPlaylist (a playlist's number n is that of media_{n}.m3u8) and
// every segment it names encrypted with AES-128-CBC and PKCS#7 under key with
// its IV, streamed (never a whole file in memory). Other files are copied
// as they are (the master playlist, init sections, any other playlist such
// as WebVTT subtitles) except the DASH MPD: DASH cannot signal AES-128, so
// an encrypted package is HLS-only. An .m4s segment that no playlist names is
// an error rather than a clear file left in an encrypted package.
//
// outDir must not exist; EncryptHLS creates it. clearDir is only read, so a
// retry after a failure (remove outDir, run again) encrypts the same clear
// files again and never encrypts twice. onFile, when not nil, is called after
// each file, for heartbeats.
func EncryptHLS(ctx context.Context, clearDir, outDir string, key []byte, onFile func(name string)) error {
	if len(key) != 16 {
		return fmt.Errorf("media.EncryptHLS: key is %d bytes, want 16", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("media.EncryptHLS: %w", err)
	}
	if err := os.Mkdir(outDir, 0o750); err != nil {
		return fmt.Errorf("media.EncryptHLS: %w", err)
	}
	var files []string
	err = filepath.WalkDir(clearDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 || (!d.IsDir() && !d.Type().IsRegular()) {
			return fmt.Errorf("%s is not a regular file", p)
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(clearDir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("media.EncryptHLS: %w", err)
	}
	done := map[string]bool{} // files written (encrypted or rewritten)
	for _, name := range files {
		if path.Ext(name) != ".m3u8" || name == HLSMaster {
			continue
		}
		pl, err := os.ReadFile(filepath.Join(clearDir, filepath.FromSlash(name)))
		if err != nil {
			return fmt.Errorf("media.EncryptHLS: %w", err)
		}
		if !isFMP4Playlist(pl) {
			continue // e.g. WebVTT subtitles: copied clear
		}
		rewritten, segs, err := RewriteHLSPlaylist(pl, playlistNumber(name))
		if err != nil {
			return fmt.Errorf("media.EncryptHLS %s: %w", name, err)
		}
		for _, s := range segs {
			seg := path.Join(path.Dir(name), s.URI)
			if done[seg] {
				return fmt.Errorf("media.EncryptHLS: %s is named twice", seg)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := encryptFile(block, s.IV, filepath.Join(clearDir, filepath.FromSlash(seg)), filepath.Join(outDir, filepath.FromSlash(seg))); err != nil {
				return fmt.Errorf("media.EncryptHLS %s: %w", seg, err)
			}
			done[seg] = true
			if onFile != nil {
				onFile(seg)
			}
		}
		if err := writeFile(filepath.Join(outDir, filepath.FromSlash(name)), func(w io.Writer) error {
			_, err := w.Write(rewritten)
			return err
		}); err != nil {
			return fmt.Errorf("media.EncryptHLS %s: %w", name, err)
		}
		done[name] = true
	}
	for _, name := range files {
		switch {
		case done[name], path.Ext(name) == ".mpd":
			continue
		case path.Ext(name) == ".m4s":
			return fmt.Errorf("media.EncryptHLS: segment %s is in no media playlist; refusing to leave it clear", name)
		}
		if err := copyFile(filepath.Join(clearDir, filepath.FromSlash(name)), filepath.Join(outDir, filepath.FromSlash(name))); err != nil {
			return fmt.Errorf("media.EncryptHLS %s: %w", name, err)
		}
		if onFile != nil {
			onFile(name)
		}
	}
	return nil
}

// isFMP4Playlist says whether pl is a media playlist of fMP4 segments: it
// declares an EXT-X-MAP (CMAF), or names .m4s segments.
func isFMP4Playlist(pl []byte) bool {
	return bytes.Contains(pl, []byte("#EXT-X-MAP")) || bytes.Contains(pl, []byte(".m4s\n")) || bytes.HasSuffix(pl, []byte(".m4s"))
}

// playlistNumber is n of media_{n}.m3u8, 0 for another name. A playlist in
// a sub-folder (an extra audio track's, track_{k}/media_0.m3u8) has the
// folder's FNV-1a hash mixed in: its n repeats the top-level ones, and two
// playlists under one key must never share IVs.
func playlistNumber(name string) uint64 {
	var n uint64
	base := strings.TrimSuffix(path.Base(name), ".m3u8")
	if v, err := strconv.ParseUint(strings.TrimPrefix(base, "media_"), 10, 64); err == nil && strings.HasPrefix(base, "media_") {
		n = v
	}
	if dir := path.Dir(name); dir != "." {
		h := fnv.New64a()
		h.Write([]byte(dir))
		n ^= h.Sum64() &^ 0xffff
	}
	return n
}

// encryptFile encrypts src into dst: written beside dst and renamed, so a
// file at dst is whole.
func encryptFile(block cipher.Block, iv [16]byte, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFile(dst, func(w io.Writer) error { return EncryptCBC(w, in, block, iv) })
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFile(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// writeFile writes with write to a temporary file beside p and renames it.
func writeFile(p string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// cbcChunk is how much EncryptCBC and DecryptCBC hold at a time: a multiple
// of the block size.
const cbcChunk = 64 << 10

// EncryptCBC writes src encrypted with AES-CBC under block and iv, padded
// with PKCS#7 (RFC 8216 §4.3.2.4, METHOD=AES-128), reading it in chunks.
func EncryptCBC(dst io.Writer, src io.Reader, block cipher.Block, iv [16]byte) error {
	enc := cipher.NewCBCEncrypter(block, iv[:])
	buf := make([]byte, cbcChunk+aes.BlockSize)
	r := bufio.NewReaderSize(src, cbcChunk)
	for {
		n, err := io.ReadFull(r, buf[:cbcChunk])
		if err == nil {
			enc.CryptBlocks(buf[:n], buf[:n])
			if _, err := dst.Write(buf[:n]); err != nil {
				return err
			}
			continue
		}
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return err
		}
		// The last, partial chunk (maybe empty): pad to whole blocks; a
		// whole block of padding when it is already whole.
		pad := aes.BlockSize - n%aes.BlockSize
		for i := 0; i < pad; i++ {
			buf[n+i] = byte(pad)
		}
		n += pad
		enc.CryptBlocks(buf[:n], buf[:n])
		_, err = dst.Write(buf[:n])
		return err
	}
}

// ErrBadPadding is a decryption whose PKCS#7 padding is wrong: another key
// or IV, or a damaged file.
var ErrBadPadding = errors.New("media: bad PKCS#7 padding (wrong key or IV?)")

// DecryptCBC reverses EncryptCBC, streaming; it checks the padding.
func DecryptCBC(dst io.Writer, src io.Reader, block cipher.Block, iv [16]byte) error {
	dec := cipher.NewCBCDecrypter(block, iv[:])
	r := bufio.NewReaderSize(src, cbcChunk)
	cur := make([]byte, cbcChunk)
	var held []byte // the last decrypted chunk, written once we know it is not the last
	for {
		n, err := io.ReadFull(r, cur)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return err
		}
		if n%aes.BlockSize != 0 {
			return errors.New("media: ciphertext is not whole blocks")
		}
		if n > 0 {
			if held != nil {
				if _, werr := dst.Write(held); werr != nil {
					return werr
				}
			}
			dec.CryptBlocks(cur[:n], cur[:n])
			held = append(held[:0], cur[:n]...)
		}
		if err != nil {
			break
		}
	}
	if len(held) == 0 {
		return errors.New("media: empty ciphertext")
	}
	pad := int(held[len(held)-1])
	if pad == 0 || pad > aes.BlockSize || pad > len(held) {
		return ErrBadPadding
	}
	for _, b := range held[len(held)-pad:] {
		if int(b) != pad {
			return ErrBadPadding
		}
	}
	_, err := dst.Write(held[:len(held)-pad])
	return err
}
