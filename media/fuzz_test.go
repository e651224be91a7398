package media_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/marquee-ott/marquee/media"
)

// ParseProbe reads ffprobe's output of an uploaded file, which the uploader
// shapes: whatever it says, parsing does not panic, and a probe that passes
// CheckSource plans into a ladder and commands that keep the ladder's
// invariants and the input restrictions.
func FuzzParseProbe(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "probe", "*.json"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"streams":[{"codec_type":"video","width":1,"height":99999,"r_frame_rate":"0/0"}],"format":{"duration":"1e308"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := media.ParseProbe(data)
		if err != nil {
			return
		}
		if p.Duration < 0 || p.Size < 0 || p.BitRate < 0 {
			t.Fatalf("negative: %+v", p)
		}
		if v := p.Video; v != nil {
			if v.Width < 0 || v.Height < 0 || v.BitDepth < 8 || v.BitDepth > 16 {
				t.Fatalf("video %+v", v)
			}
			if v.Rotation%90 != 0 || v.Rotation < 0 || v.Rotation >= 360 {
				t.Fatalf("rotation %d", v.Rotation)
			}
		}
		if p.CheckSource() != nil {
			return
		}
		l, err := media.PlanLadder(p)
		if err != nil {
			return
		}
		checkLadder(t, p, l)
		if l.GOP < 1 {
			t.Fatalf("GOP %d", l.GOP)
		}
		for _, c := range append(media.PlanNaiveTranscodes(l, "/job/s.mp4", "/job/out"), media.PlanTranscode(l, "/job/s.mp4", "/job/out")) {
			if err := media.CheckInputs(c.Args); err != nil {
				t.Fatal(err)
			}
		}
	})
}
