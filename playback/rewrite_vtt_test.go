package playback_test

import (
	"testing"

	"github.com/marquee-ott/marquee/playback"
)

// Every sprite a thumbnails cue names gets the token before its fragment;
// timings, headers, notes and absolute URLs stay as they are.
func TestRewriteThumbnailsVTT(t *testing.T) {
	src := "WEBVTT\n\nNOTE sprite_9.jpg is not a cue\n\n00:00:00.000 --> 00:00:02.000\nsprite_0.jpg#xywh=0,0,160,90\n\n" +
		"00:00:02.000 --> 00:00:04.000\r\nsprite_0.jpg?v=2#xywh=160,0,160,90\r\n\n00:00:04.000 --> 00:00:06.000\nhttps://cdn.example.com/s.jpg#xywh=0,0,1,1\n"
	want := "WEBVTT\n\nNOTE sprite_9.jpg is not a cue\n\n00:00:00.000 --> 00:00:02.000\nsprite_0.jpg?token=T#xywh=0,0,160,90\n\n" +
		"00:00:02.000 --> 00:00:04.000\r\nsprite_0.jpg?v=2&token=T#xywh=160,0,160,90\r\n\n00:00:04.000 --> 00:00:06.000\nhttps://cdn.example.com/s.jpg#xywh=0,0,1,1\n"
	if got := string(playback.RewriteThumbnailsVTT(nil, []byte(src), "token=T")); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if got := string(playback.RewriteThumbnailsVTT(nil, []byte(src), "")); got != src {
		t.Errorf("without a query the track must not change: %q", got)
	}
}
