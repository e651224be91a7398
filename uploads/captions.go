package uploads

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Cue is one timed caption.
type Cue struct {
	Start, End int64 // milliseconds
	Text       []string
}

// CaptionError says what is wrong with a captions file, and where.
type CaptionError struct {
	Line   int // 1-based; 0 when it is the whole file
	Reason string
}

func (e *CaptionError) Error() string {
	if e.Line == 0 {
		return e.Reason
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// maxCues bounds the work on a hostile file (a two-hour film has a few thousand).
const maxCues = 100_000

// CaptionsToVTT checks a captions file, SRT or WebVTT, and returns it as
// WebVTT: WebVTT as it came (only checked), SRT converted. It reads the
// format from the content (WEBVTT at the start), not the name.
func CaptionsToVTT(data []byte) (vtt []byte, converted bool, err error) {
	text, err := captionText(data)
	if err != nil {
		return nil, false, err
	}
	if isVTT(text) {
		if _, err := ParseVTT(text); err != nil {
			return nil, false, err
		}
		return data, false, nil
	}
	cues, err := ParseSRT(text)
	if err != nil {
		return nil, false, err
	}
	return WriteVTT(cues), true, nil
}

// captionText decodes a file as UTF-8 text with \n line ends and no BOM.
func captionText(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return "", &CaptionError{Reason: "the file is not UTF-8 text: save it as UTF-8"}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", &CaptionError{Reason: "the file is binary, not a captions file"}
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n"), nil
}

func isVTT(text string) bool {
	return text == "WEBVTT" || strings.HasPrefix(text, "WEBVTT\n") || strings.HasPrefix(text, "WEBVTT ") || strings.HasPrefix(text, "WEBVTT\t")
}

var (
	// 00:00:01,000 --> 00:00:02,500 (SRT; a dot is tolerated, as many tools write one)
	srtTiming = regexp.MustCompile(`^(\d{1,3}):(\d{2}):(\d{2})[,.](\d{3})\s+-->\s+(\d{1,3}):(\d{2}):(\d{2})[,.](\d{3})(\s.*)?$`)
	// [hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]
	vttTiming = regexp.MustCompile(`^(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})[ \t]+-->[ \t]+(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})([ \t].*)?$`)
)

// ParseSRT reads SubRip: blocks of an optional index, a timing line and one
// or more lines of text, separated by blank lines.
func ParseSRT(text string) ([]Cue, error) {
	lines := strings.Split(text, "\n")
	var cues []Cue
	for i := 0; i < len(lines); {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		start := i
		if _, err := strconv.Atoi(strings.TrimSpace(lines[i])); err == nil && !strings.Contains(lines[i], "-->") {
			i++ // the index
		}
		if i >= len(lines) {
			return nil, &CaptionError{Line: start + 1, Reason: "a cue number with no timing line after it"}
		}
		m := srtTiming.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			return nil, &CaptionError{Line: i + 1, Reason: fmt.Sprintf("want a timing line like 00:00:01,000 --> 00:00:02,000, got %q", clip(lines[i]))}
		}
		c, err := cueTimes(i+1, m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8])
		if err != nil {
			return nil, err
		}
		i++
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			if srtTiming.MatchString(strings.TrimSpace(lines[i])) {
				return nil, &CaptionError{Line: i + 1, Reason: "a timing line inside a cue's text: is a blank line missing?"}
			}
			c.Text = append(c.Text, lines[i])
			i++
		}
		if len(c.Text) == 0 {
			return nil, &CaptionError{Line: start + 1, Reason: "a cue with no text"}
		}
		if cues = append(cues, c); len(cues) > maxCues {
			return nil, &CaptionError{Reason: fmt.Sprintf("more than %d cues", maxCues)}
		}
	}
	if len(cues) == 0 {
		return nil, &CaptionError{Reason: "no cues: the file has no timed captions"}
	}
	return cues, nil
}

// ParseVTT reads WebVTT minimally: the header, then blocks separated by
// blank lines, each a NOTE, STYLE or REGION block (skipped) or a cue (an
// optional identifier, a timing line, its text).
func ParseVTT(text string) ([]Cue, error) {
	lines := strings.Split(text, "\n")
	if !isVTT(text) {
		return nil, &CaptionError{Line: 1, Reason: "a WebVTT file starts with WEBVTT"}
	}
	i := 1
	for i < len(lines) && strings.TrimSpace(lines[i]) != "" { // header continuation
		if strings.Contains(lines[i], "-->") {
			return nil, &CaptionError{Line: i + 1, Reason: "a blank line must follow the WEBVTT header"}
		}
		i++
	}
	var cues []Cue
	for i < len(lines) {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		start := i
		first := lines[i]
		if strings.HasPrefix(first, "NOTE") || strings.HasPrefix(first, "STYLE") || strings.HasPrefix(first, "REGION") {
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				i++
			}
			continue
		}
		if !strings.Contains(first, "-->") {
			i++ // a cue identifier
		}
		if i >= len(lines) || strings.TrimSpace(lines[i]) == "" {
			return nil, &CaptionError{Line: start + 1, Reason: fmt.Sprintf("want a cue timing line after %q", clip(first))}
		}
		m := vttTiming.FindStringSubmatch(strings.TrimRight(lines[i], " \t"))
		if m == nil {
			return nil, &CaptionError{Line: i + 1, Reason: fmt.Sprintf("want a timing line like 00:01.000 --> 00:02.000, got %q", clip(lines[i]))}
		}
		c, err := cueTimes(i+1, m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8])
		if err != nil {
			return nil, err
		}
		i++
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			if strings.Contains(lines[i], "-->") {
				return nil, &CaptionError{Line: i + 1, Reason: "\"-->\" inside a cue's text: is a blank line missing?"}
			}
			c.Text = append(c.Text, lines[i])
			i++
		}
		if cues = append(cues, c); len(cues) > maxCues {
			return nil, &CaptionError{Reason: fmt.Sprintf("more than %d cues", maxCues)}
		}
	}
	if len(cues) == 0 {
		return nil, &CaptionError{Reason: "no cues: the file has no timed captions"}
	}
	return cues, nil
}

func cueTimes(line int, h1, m1, s1, ms1, h2, m2, s2, ms2 string) (Cue, error) {
	start, ok1 := millis(h1, m1, s1, ms1)
	end, ok2 := millis(h2, m2, s2, ms2)
	switch {
	case !ok1 || !ok2:
		return Cue{}, &CaptionError{Line: line, Reason: "minutes and seconds must be below 60"}
	case end < start:
		return Cue{}, &CaptionError{Line: line, Reason: "the cue ends before it starts"}
	}
	return Cue{Start: start, End: end}, nil
}

func millis(h, m, s, ms string) (int64, bool) {
	hv, _ := strconv.ParseInt("0"+h, 10, 64)
	mv, _ := strconv.ParseInt(m, 10, 64)
	sv, _ := strconv.ParseInt(s, 10, 64)
	msv, _ := strconv.ParseInt(ms, 10, 64)
	if mv > 59 || sv > 59 {
		return 0, false
	}
	return ((hv*60+mv)*60+sv)*1000 + msv, true
}

var fontTag = regexp.MustCompile(`(?i)</?font[^>]*>`)

// WriteVTT writes cues as WebVTT. SRT's <i>, <b> and <u> are WebVTT too;
// <font> is not and is dropped, and "-->" may not appear in cue text.
func WriteVTT(cues []Cue) []byte {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	for _, c := range cues {
		b.WriteString("\n")
		b.WriteString(vttTime(c.Start) + " --> " + vttTime(c.End) + "\n")
		for _, l := range c.Text {
			l = strings.ReplaceAll(fontTag.ReplaceAllString(l, ""), "-->", "->")
			b.WriteString(l + "\n")
		}
	}
	return []byte(b.String())
}

func vttTime(ms int64) string {
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
