package media_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafov/m3u8"

	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
)

// The packager copies a transcode into CMAF: one set of fMP4 segments cut at
// the renditions' shared keyframes, HLS media playlists and a master with an
// AUDIO group over them, and a DASH MPD over the same files; its argv is
// pinned.
func TestPackageMakesHLSAndDASHOverTheSameSegments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRunner(t, media.RunnerConfig{})
	src := mediatest.MustClip(t, dir, "source.mp4", mediatest.Clip{Width: 640, Height: 360, Rate: "30", Audio: 2})
	l := mustLadder(t, r, src, time.Second)
	trans := filepath.Join(dir, "transcode")
	if _, err := r.Run(testContext(t), media.PlanTranscode(l, src, trans), nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "package")
	cmd := media.PlanPackage(l, trans, out)
	golden(t, "package/360p30_stereo.txt", []byte(strings.ReplaceAll(argvText(cmd), dir, "$DIR")))
	if _, err := r.Run(testContext(t), cmd, nil); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(filepath.Join(out, media.HLSMaster))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pl, kind, err := m3u8.DecodeFrom(f, true)
	if err != nil || kind != m3u8.MASTER {
		t.Fatalf("master playlist: kind %v, %v", kind, err)
	}
	master := pl.(*m3u8.MasterPlaylist)
	if len(master.Variants) != len(l.Renditions) {
		t.Fatalf("%d variants, want %d", len(master.Variants), len(l.Renditions))
	}
	for i, v := range master.Variants {
		if v.Audio == "" || len(v.Alternatives) == 0 || v.Alternatives[0].Type != "AUDIO" {
			t.Errorf("variant %d (%s) has no AUDIO group", i, v.URI)
		}
		want := l.Renditions[i]
		if v.Resolution != fmt.Sprintf("%dx%d", want.Width, want.Height) {
			t.Errorf("variant %d: resolution %s, want %dx%d", i, v.Resolution, want.Width, want.Height)
		}
	}
	mpd, err := os.ReadFile(filepath.Join(out, media.DASHMPD))
	if err != nil || !strings.Contains(string(mpd), `type="static"`) {
		t.Errorf("MPD: %v\n%s", err, mpd)
	}
}
