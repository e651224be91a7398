package playback

import (
	"bytes"
	"net/url"
	"strings"
)

// The rewriters add a session's query (Query's result: "token=…" and the CDN
// signer's parameters, already escaped) to every relative URL of a manifest.
//
// They are line and byte scanners, not parsers: a playlist or MPD is read
// once, copied into one buffer, and only the places a URL can stand are
// touched. A full parse (grafov/m3u8, dash-mpd) would allocate a tree per
// request, re-serialise every tag it knows (and drop or reorder ones it does
// not), and cost several times the copy — measured in the benchmark against
// serving the bytes unchanged. Absolute URLs (another host, data: URIs) are
// left alone so the token never leaks to a third party.

// RewriteHLS appends query to every relative URI of an HLS playlist (master
// or media): URI lines (variants, segments) and URI="…" attributes
// (EXT-X-MEDIA, EXT-X-MAP, EXT-X-KEY, EXT-X-I-FRAME-STREAM-INF, …). It
// appends to dst and returns it. Untouched bytes are copied in runs, so a
// media playlist costs one scan and a copy per segment line.
func RewriteHLS(dst, src []byte, query string) []byte {
	if need := len(dst) + len(src) + len(src)/4 + 64; cap(dst) < need {
		grown := make([]byte, len(dst), need)
		copy(grown, dst)
		dst = grown
	}
	run := 0 // src[run:] is not yet copied
	for i := 0; i < len(src); {
		end := bytes.IndexByte(src[i:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += i
		}
		line := src[i:end]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		switch {
		case len(line) == 0:
		case line[0] == '#':
			if len(line) > 7 && string(line[:7]) == "#EXTINF" {
				break // the common tag: no URI
			}
			for off := 0; ; {
				k := bytes.Index(line[off:], uriAttr)
				if k < 0 {
					break
				}
				k += off
				start := k + len(uriAttr)
				q := bytes.IndexByte(line[start:], '"')
				if q < 0 {
					break
				}
				off = start + q
				if k > 0 && line[k-1] != ':' && line[k-1] != ',' {
					continue
				}
				if uri := line[start:off]; query != "" && relative(uri) {
					at := i + off
					dst = append(dst, src[run:at]...)
					dst = appendQuery(dst, uri, query, false)
					run = at
				}
			}
		default:
			if uri := bytes.TrimSpace(line); len(uri) > 0 && query != "" && relative(uri) {
				at := i + len(line)
				for at > i && (src[at-1] == ' ' || src[at-1] == '\t') {
					at--
				}
				dst = append(dst, src[run:at]...)
				dst = appendQuery(dst, uri, query, false)
				run = at
			}
		}
		i = end + 1
	}
	return append(dst, src[run:]...)
}

var uriAttr = []byte(`URI="`)

// appendQuery appends "?query" (or "&query" when uri has a query already),
// XML-escaped when xml.
func appendQuery(dst, uri []byte, query string, xml bool) []byte {
	if bytes.IndexByte(uri, '?') >= 0 {
		if xml {
			dst = append(dst, "&amp;"...)
		} else {
			dst = append(dst, '&')
		}
	} else {
		dst = append(dst, '?')
	}
	if !xml {
		return append(dst, query...)
	}
	for i := 0; i < len(query); i++ {
		if query[i] == '&' {
			dst = append(dst, "&amp;"...)
		} else {
			dst = append(dst, query[i])
		}
	}
	return dst
}

// appendURI appends uri with query added when uri is relative.
func appendURI(dst, uri []byte, query string, xml bool) []byte {
	dst = append(dst, uri...)
	if query == "" || !relative(uri) {
		return dst
	}
	return appendQuery(dst, uri, query, xml)
}

// relative reports whether a URI is relative to the manifest (or an
// absolute path on the same host): not "//host…" and no scheme.
func relative(uri []byte) bool {
	if len(uri) >= 2 && uri[0] == '/' && uri[1] == '/' {
		return false
	}
	for i, c := range uri {
		switch {
		case c == ':':
			return i == 0 // "scheme:" → absolute
		case c == '/' || c == '?' || c == '#':
			return true
		case !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
			return true
		}
	}
	return true
}

var dashAttrs = [][]byte{[]byte(`media="`), []byte(`initialization="`), []byte(`sourceURL="`)}

var baseURLOpen, baseURLClose = []byte("<BaseURL>"), []byte("</BaseURL>")

// RewriteDASH appends query (XML-escaped) to the SegmentTemplate media and
// initialization attributes, SegmentURL/Initialization sourceURL attributes
// and BaseURL elements of an MPD. It appends to dst and returns it.
func RewriteDASH(dst, src []byte, query string) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '=')
		k := bytes.Index(src, baseURLOpen)
		if k >= 0 && (i < 0 || k < i) {
			start := k + len(baseURLOpen)
			e := bytes.Index(src[start:], baseURLClose)
			if e < 0 {
				return append(dst, src...)
			}
			dst = append(dst, src[:start]...)
			dst = appendURI(dst, src[start:start+e], query, true)
			src = src[start+e:]
			continue
		}
		if i < 0 {
			return append(dst, src...)
		}
		matched := false
		for _, a := range dashAttrs {
			name := a[:len(a)-2] // without `="`
			s := i - len(name)
			if s > 0 && bytes.Equal(src[s:i], name) && isSpace(src[s-1]) && i+1 < len(src) && src[i+1] == '"' {
				q := bytes.IndexByte(src[i+2:], '"')
				if q < 0 {
					return append(dst, src...)
				}
				dst = append(dst, src[:i+2]...)
				dst = appendURI(dst, src[i+2:i+2+q], query, true)
				src = src[i+2+q:]
				matched = true
				break
			}
		}
		if !matched {
			dst = append(dst, src[:i+1]...)
			src = src[i+1:]
		}
	}
	return dst
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// QueryParams are the query parameters a session's URLs carry and the origin
// copies from a manifest's request into its child URLs: the origin token and
// the CDN signers' parameters. Anything else in a request is dropped.
var QueryParams = []string{"token", "Expires", "Policy", "Signature", "Key-Pair-Id", "hdnts"}

// Query rebuilds, escaped and in a fixed order, the session parameters of a
// request's query for the child URLs of a manifest.
func Query(q url.Values) string {
	var b strings.Builder
	for _, k := range QueryParams {
		v := q.Get(k)
		if v == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	return b.String()
}

// RewriteThumbnailsVTT appends dst with the trick-play thumbnails track src
// (WebVTT whose cue payloads name sprite sheets: "sprite_0.jpg#xywh=0,0,160,90")
// with query added to each relative image URL, before its fragment, so a
// player's image requests carry the token. Only the first line after a
// timing line is a URL; headers, notes and timings are copied as they are.
func RewriteThumbnailsVTT(dst, src []byte, query string) []byte {
	afterTiming := false
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i+1], src[i+1:]
		} else {
			src = nil
		}
		text := bytes.TrimRight(line, "\r\n")
		if afterTiming && len(text) > 0 && query != "" && relative(text) {
			uri, frag := text, []byte(nil)
			if j := bytes.IndexByte(text, '#'); j >= 0 {
				uri, frag = text[:j], text[j:]
			}
			dst = appendQuery(append(dst, uri...), uri, query, false)
			dst = append(append(dst, frag...), line[len(text):]...)
		} else {
			dst = append(dst, line...)
		}
		afterTiming = bytes.Contains(text, []byte("-->"))
	}
	return dst
}
