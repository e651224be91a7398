package media

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/grafov/m3u8"
	"golang.org/x/text/language"

	"github.com/marquee-ott/marquee/errs"
)

// Sidecar tracks: audio renditions other than the source's own (another
// language, audio description) and WebVTT subtitles and captions. ffmpeg 5.1's
// dash muxer writes neither language nor accessibility attributes, and no
// subtitles at all, so the package's HLS master playlist and DASH MPD are
// patched here, in Go, after ffmpeg: SetMasterAudio and SetMasterSubtitles
// rewrite the master's EXT-X-MEDIA entries (text in, text out: every other
// line is kept as it was), and the MPD functions in mpd.go add adaptation sets.

// The HLS rendition groups of a package.
const (
	AudioGroup    = "audio"
	SubtitleGroup = "subs"
)

// HLS CHARACTERISTICS of the accessibility tracks (Apple's HLS authoring
// specification; hls.js, AVPlayer and Shaka read them).
const (
	CharDescribesVideo = "public.accessibility.describes-video"
	CharSDH            = "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"
)

// AudioTrack is one rendition of the master playlist's AUDIO group.
type AudioTrack struct {
	URI      string // the media playlist, relative to the master
	Language string // BCP 47; "" when unknown (LANGUAGE is then left out)
	Name     string // what a player's menu shows
	Default  bool   // exactly one track of the group should be the default
	// Descriptive marks audio description (for blind and partially sighted
	// viewers): CHARACTERISTICS describes-video, never AUTOSELECT.
	Descriptive bool
	Channels    int // 0: unknown
}

// SubtitleTrack is one rendition of the master playlist's SUBTITLES group.
type SubtitleTrack struct {
	URI      string // the WebVTT media playlist, relative to the master
	VTT      string // the WebVTT file, relative to the MPD (DASH)
	Language string
	Name     string
	// SDH marks captions for the deaf and hard of hearing (dialogue and
	// sounds), as opposed to subtitles (a translation of the dialogue).
	SDH bool
}

// AudioTrackPrefix starts the folder names of sidecar audio tracks.
const AudioTrackPrefix = "track_"

// AudioTrackDir is the folder, inside a package, of the idx-th sidecar audio
// track (0-based), packaged by PlanAudioTrack.
func AudioTrackDir(idx int) string { return AudioTrackPrefix + strconv.Itoa(idx) }

// PlanAudioTrack is the plan of a sidecar audio track: one ffmpeg run that
// decodes the file's first audio stream, encodes it as AAC like the ladder's
// audio (stereo, 48 kHz), padded or cut to the title's duration, and cuts it
// with the dash muxer into CMAF segments of the ladder's length in outDir
// (init_0.mp4, seg_0_*.m4s, media_0.m3u8 and a manifest.mpd that
// AddMPDAudio reads). The input gets the same whitelists as a
// source: it is a customer's file.
func PlanAudioTrack(l Ladder, src, outDir string) Command {
	args := append([]string{}, globalArgs...)
	args = append(args, inputArgs(src)...)
	seg := l.SegmentDuration
	if seg <= 0 {
		seg = DefaultSegmentDuration
	}
	mpd := filepath.Join(outDir, DASHMPD)
	args = append(args,
		"-map", "0:a:0", "-vn", "-sn", "-dn",
		"-c:a", "aac", "-b:a", "128000", "-ac", "2", "-ar", "48000",
		"-map_metadata", "-1", "-map_chapters", "-1",
	)
	if l.Source.Duration > 0 {
		// Exactly the title's length: a shorter track is padded with
		// silence (a player switching to it mid-title finds sound to the
		// end), a longer one is cut.
		args = append(args, "-af", "apad", "-t", seconds3(l.Source.Duration))
	}
	args = append(args,
		"-f", "dash",
		"-seg_duration", seconds3(seg),
		"-use_template", "1", "-use_timeline", "1",
		"-streaming", "0", "-ldash", "0", "-window_size", "0",
		"-adaptation_sets", "id=0,streams=a",
		"-init_seg_name", "init_$RepresentationID$.mp4",
		"-media_seg_name", "seg_$RepresentationID$_$Number%05d$.m4s",
		"-hls_playlist", "1", "-hls_master_name", HLSMaster,
		fileURL(mpd),
	)
	return Command{Tool: FFmpeg, Args: args, Timeout: 5*time.Minute + l.Source.Duration,
		Duration: l.Source.Duration, Outputs: []string{mpd, filepath.Join(outDir, "media_0.m3u8")}}
}

// SubtitleFiles names a caption track's files inside a package: the WebVTT
// file and its HLS media playlist. The revision is in the name so that an
// edited caption is a new URL (a CDN never serves the old text under it).
func SubtitleFiles(track string, revision int) (vtt, playlist string) {
	base := "subs/" + track + "_r" + strconv.Itoa(revision)
	return base + ".vtt", base + ".m3u8"
}

// timestampMap maps WebVTT time 0 to media time 0 (90 kHz): the CMAF
// segments start at 0, so cue times are presentation times.
const timestampMap = "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000"

// PackageVTT is a checked WebVTT file as it goes into a package: the
// X-TIMESTAMP-MAP header HLS wants (DASH players ignore header lines) and \n
// line ends. A map already there is replaced.
func PackageVTT(vtt []byte) ([]byte, error) {
	text := strings.ReplaceAll(strings.ReplaceAll(string(bytes.TrimPrefix(vtt, []byte("\xef\xbb\xbf"))), "\r\n", "\n"), "\r", "\n")
	first, rest, _ := strings.Cut(text, "\n")
	if first != "WEBVTT" && !strings.HasPrefix(first, "WEBVTT ") && !strings.HasPrefix(first, "WEBVTT\t") {
		return nil, errs.Invalid("a WebVTT file starts with WEBVTT")
	}
	var b strings.Builder
	b.WriteString(first + "\n" + timestampMap + "\n")
	header := true
	for _, line := range strings.SplitAfter(rest, "\n") {
		if header {
			if strings.TrimSpace(line) == "" {
				header = false
			} else if strings.HasPrefix(line, "X-TIMESTAMP-MAP=") {
				continue
			}
		}
		b.WriteString(line)
	}
	return []byte(b.String()), nil
}

// SubtitlePlaylist is the HLS media playlist of a single-file WebVTT track:
// one segment, the whole title long.
func SubtitlePlaylist(vttName string, duration time.Duration) []byte {
	secs := duration.Seconds()
	if secs <= 0 {
		secs = 1
	}
	return []byte(fmt.Sprintf("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:%.3f,\n%s\n#EXT-X-ENDLIST\n",
		int(math.Ceil(secs)), secs, vttName))
}

// MasterAudio reads the master playlist's AUDIO renditions, in order: the
// ones ffmpeg wrote, before SetMasterAudio names them.
func MasterAudio(master []byte) ([]AudioTrack, error) {
	var out []AudioTrack
	for _, line := range strings.Split(string(master), "\n") {
		line = strings.TrimRight(line, "\r")
		attrs, ok := strings.CutPrefix(line, "#EXT-X-MEDIA:")
		if !ok {
			continue
		}
		a := parseAttrs(attrs)
		if a.get("TYPE") != "AUDIO" {
			continue
		}
		out = append(out, AudioTrack{URI: unquote(a.get("URI")), Language: unquote(a.get("LANGUAGE")),
			Name: unquote(a.get("NAME")), Default: a.get("DEFAULT") == "YES"})
	}
	return out, nil
}

// SetMasterAudio makes tracks the master playlist's AUDIO group (GROUP-ID
// AudioGroup), replacing every AUDIO rendition there was, and points every
// variant at it. Nothing else in the playlist changes.
func SetMasterAudio(master []byte, tracks []AudioTrack) ([]byte, error) {
	var lines []string
	def := defaultIndex(len(tracks), func(i int) bool { return tracks[i].Default })
	for i, t := range tracks {
		if t.URI == "" {
			return nil, fmt.Errorf("media.SetMasterAudio: track %d has no URI", i)
		}
		l := `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="` + AudioGroup + `",NAME="` + quoted(trackName(t.Name, t.Language, i)) + `"`
		if lang := cleanLanguage(t.Language); lang != "" {
			l += `,LANGUAGE="` + lang + `"`
		}
		l += ",DEFAULT=" + yesNo(i == def)
		// Audio description is chosen, never picked for the viewer by language.
		l += ",AUTOSELECT=" + yesNo(!t.Descriptive || i == def)
		if t.Descriptive {
			l += `,CHARACTERISTICS="` + CharDescribesVideo + `"`
		}
		if t.Channels > 0 {
			l += `,CHANNELS="` + strconv.Itoa(t.Channels) + `"`
		}
		l += `,URI="` + quoted(t.URI) + `"`
		lines = append(lines, l)
	}
	return setGroup(master, "AUDIO", AudioGroup, lines, func(a *attrList) {
		// A variant names every codec it may play: with an AUDIO group (a
		// source without sound given audio tracks) that includes AAC.
		if c := a.get("CODECS"); len(lines) > 0 && c != "" && !strings.Contains(c, "mp4a.") {
			a.set("CODECS", strings.TrimSuffix(c, `"`)+`,mp4a.40.2"`)
		}
	})
}

// SetMasterSubtitles makes tracks the master playlist's SUBTITLES group
// (GROUP-ID SubtitleGroup), replacing every SUBTITLES rendition there was;
// every variant names the group (SUBTITLES="subs"), or none when tracks is
// empty. Nothing else in the playlist changes: a caption edit republishes
// through this without touching the variants' media playlists.
func SetMasterSubtitles(master []byte, tracks []SubtitleTrack) ([]byte, error) {
	var lines []string
	for i, t := range tracks {
		if t.URI == "" {
			return nil, fmt.Errorf("media.SetMasterSubtitles: track %d has no URI", i)
		}
		l := `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="` + SubtitleGroup + `",NAME="` + quoted(trackName(t.Name, t.Language, i)) + `"`
		if lang := cleanLanguage(t.Language); lang != "" {
			l += `,LANGUAGE="` + lang + `"`
		}
		// No subtitle is on by default: the viewer turns them on; AUTOSELECT
		// lets a player pick one matching the viewer's settings.
		l += ",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO"
		if t.SDH {
			l += `,CHARACTERISTICS="` + CharSDH + `"`
		}
		l += `,URI="` + quoted(t.URI) + `"`
		lines = append(lines, l)
	}
	return setGroup(master, "SUBTITLES", SubtitleGroup, lines, nil)
}

// setGroup replaces the EXT-X-MEDIA lines of TYPE=typ with media (placed
// where the first of them was, or before the first variant), and sets (or,
// with no media, removes) the typ attribute of every EXT-X-STREAM-INF, which
// variant (when not nil) may change further. The result must parse as a
// master playlist.
func setGroup(master []byte, typ, group string, media []string, variant func(*attrList)) ([]byte, error) {
	in := strings.Split(strings.ReplaceAll(string(master), "\r\n", "\n"), "\n")
	if len(in) == 0 || strings.TrimSpace(in[0]) != "#EXTM3U" {
		return nil, errs.Invalid("the master playlist does not start with #EXTM3U")
	}
	var out []string
	placed := false
	place := func() {
		if !placed {
			out = append(out, media...)
			placed = true
		}
	}
	variants := 0
	for _, line := range in {
		switch {
		case strings.HasPrefix(line, "#EXT-X-MEDIA:"):
			if parseAttrs(strings.TrimPrefix(line, "#EXT-X-MEDIA:")).get("TYPE") == typ {
				place()
				continue
			}
		case strings.HasPrefix(line, "#EXT-X-STREAM-INF:"):
			place()
			variants++
			a := parseAttrs(strings.TrimPrefix(line, "#EXT-X-STREAM-INF:"))
			if len(media) > 0 {
				a.set(typ, `"`+group+`"`)
			} else {
				a.del(typ)
			}
			if variant != nil {
				variant(&a)
			}
			line = "#EXT-X-STREAM-INF:" + a.String()
		case strings.HasPrefix(line, "#EXT-X-I-FRAME-STREAM-INF:"):
			place()
		}
		out = append(out, line)
	}
	if variants == 0 {
		return nil, errs.Invalid("the master playlist has no variant streams")
	}
	res := []byte(strings.Join(out, "\n"))
	if _, kind, err := m3u8.Decode(*bytes.NewBuffer(res), true); err != nil || kind != m3u8.MASTER {
		return nil, fmt.Errorf("media: the rewritten master playlist does not parse (kind %v): %v", kind, err)
	}
	return res, nil
}

// attrList is an HLS attribute list, in order, values as written (quoted
// strings keep their quotes).
type attrList []struct{ k, v string }

// parseAttrs splits NAME=value pairs at the commas outside quotes.
func parseAttrs(s string) attrList {
	var out attrList
	for len(s) > 0 {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		k := strings.TrimSpace(s[:eq])
		s = s[eq+1:]
		end := 0
		if strings.HasPrefix(s, `"`) {
			q := strings.IndexByte(s[1:], '"')
			if q < 0 {
				end = len(s)
			} else {
				end = q + 2
			}
		}
		c := strings.IndexByte(s[end:], ',')
		if c < 0 {
			out = append(out, struct{ k, v string }{k, s})
			break
		}
		out = append(out, struct{ k, v string }{k, s[:end+c]})
		s = s[end+c+1:]
	}
	return out
}

func (a attrList) get(k string) string {
	for _, p := range a {
		if p.k == k {
			return p.v
		}
	}
	return ""
}

func (a *attrList) set(k, v string) {
	for i := range *a {
		if (*a)[i].k == k {
			(*a)[i].v = v
			return
		}
	}
	*a = append(*a, struct{ k, v string }{k, v})
}

func (a *attrList) del(k string) {
	out := (*a)[:0]
	for _, p := range *a {
		if p.k != k {
			out = append(out, p)
		}
	}
	*a = out
}

func (a attrList) String() string {
	parts := make([]string, len(a))
	for i, p := range a {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, ",")
}

func unquote(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`) }

// quoted makes s fit an HLS quoted-string: no double quote, CR or LF.
func quoted(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// cleanLanguage is a BCP 47 tag as the manifests carry it, in its canonical
// form (a source's ISO 639-2 "eng" is "en"), or "" when it is none ("und"
// says nothing either).
func cleanLanguage(s string) string {
	if !languageTag.MatchString(s) || strings.EqualFold(s, "und") {
		return ""
	}
	if tag, err := language.Parse(s); err == nil {
		return tag.String()
	}
	return s
}

func trackName(name, lang string, i int) string {
	switch {
	case strings.TrimSpace(name) != "":
		return strings.TrimSpace(name)
	case cleanLanguage(lang) != "":
		return lang
	}
	return "Track " + strconv.Itoa(i+1)
}

// defaultIndex is the first track marked default, or 0.
func defaultIndex(n int, isDefault func(int) bool) int {
	for i := range n {
		if isDefault(i) {
			return i
		}
	}
	return 0
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}
