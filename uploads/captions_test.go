package uploads_test

import (
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/uploads"
)

func TestUploadSRTConvertsToVTT(t *testing.T) {
	srt := "\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:02,500\r\n<b>Hi</b> --> you\r\n\r\n2\r\n01:02:03,004 --> 01:02:04,000\r\nBye\r\n"
	vtt, converted, err := uploads.CaptionsToVTT([]byte(srt))
	want := "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<b>Hi</b> -> you\n\n01:02:03.004 --> 01:02:04.000\nBye\n"
	if err != nil || !converted || string(vtt) != want {
		t.Fatalf("got %q (converted %v, err %v), want %q", vtt, converted, err, want)
	}
	// What we write, we read back.
	if _, err := uploads.ParseVTT(string(vtt)); err != nil {
		t.Fatalf("our own VTT does not parse: %v", err)
	}
}

func TestUploadVTTIsCheckedAndKept(t *testing.T) {
	vtt := "WEBVTT - English\n\nNOTE a comment\n\nSTYLE\n::cue { color: yellow }\n\nintro\n00:01.000 --> 00:02.000 align:start\nHello\n\n00:00:03.000 --> 00:00:04.000\n"
	out, converted, err := uploads.CaptionsToVTT([]byte(vtt))
	if err != nil || converted || string(out) != vtt {
		t.Fatalf("valid VTT: converted %v, err %v", converted, err)
	}
}

func TestUploadBadCaptionsAreRefusedWithAReason(t *testing.T) {
	for name, c := range map[string]struct{ file, reason string }{
		"srt timing":        {"1\n00:00:01 --> 00:00:02\nx\n", "line 2: want a timing line"},
		"srt no text":       {"1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nx\n", "line 1: a cue with no text"},
		"srt ends first":    {"1\n00:00:05,000 --> 00:00:02,000\nx\n", "line 2: the cue ends before it starts"},
		"srt seconds":       {"1\n00:00:75,000 --> 00:01:02,000\nx\n", "below 60"},
		"srt missing blank": {"1\n00:00:01,000 --> 00:00:02,000\nx\n00:00:03,000 --> 00:00:04,000\ny\n", "line 4: a timing line inside"},
		"empty":             {"", "no cues"},
		"not text":          {"\x00\x01\x02", "binary"},
		"not utf-8":         {"1\n00:00:01,000 --> 00:00:02,000\n\xff\xfe\n", "not UTF-8"},
		"vtt timing":        {"WEBVTT\n\n00:01 --> 00:02\nx\n", "line 3: want a timing line"},
		"vtt no cues":       {"WEBVTT\n\nNOTE only a note\n", "no cues"},
		"vtt header":        {"WEBVTT\n00:00.000 --> 00:01.000\nx\n", "blank line must follow"},
	} {
		_, _, err := uploads.CaptionsToVTT([]byte(c.file))
		if err == nil || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s: %v, want %q", name, err, c.reason)
		}
	}
}

func FuzzUploadCaptions(f *testing.F) {
	f.Add("1\n00:00:01,000 --> 00:00:02,000\nx\n")
	f.Add("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n")
	f.Fuzz(func(t *testing.T, s string) {
		vtt, _, err := uploads.CaptionsToVTT([]byte(s))
		if err == nil {
			if _, err := uploads.ParseVTT(strings.TrimPrefix(string(vtt), "\xef\xbb\xbf")); err != nil && !strings.Contains(string(vtt), "\r") {
				t.Fatalf("accepted captions whose VTT does not parse: %v\n%q", err, vtt)
			}
		}
	})
}
