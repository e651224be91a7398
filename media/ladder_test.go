package media_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
)

// source is a synthetic probe: an H.264 picture of w×h at num/den fps, 10
// minutes, at bitrate bps, with one stereo AAC track.
func source(w, h int, num, den int64, bps int64, edit func(*media.Probe)) media.Probe {
	p := media.Probe{
		Format: "mov,mp4,m4a,3gp,3g2,mj2", Duration: 10 * time.Minute,
		Video: &media.VideoStream{Codec: "h264", Width: w, Height: h, SampleAspect: media.Rational{Num: 1, Den: 1},
			FrameRate: media.Rational{Num: num, Den: den}, AvgFrameRate: media.Rational{Num: num, Den: den},
			PixelFormat: "yuv420p", BitDepth: 8, BitRate: bps},
		Audio: []media.AudioStream{{Index: 1, Codec: "aac", Channels: 2, SampleRate: 48000, Language: "eng", Default: true}},
	}
	if edit != nil {
		edit(&p)
	}
	return p
}

var ladderCases = []struct {
	name string
	p    media.Probe
}{
	{"1080p30", source(1920, 1080, 30, 1, 8_000_000, nil)},
	{"1080p60", source(1920, 1080, 60, 1, 12_000_000, nil)},
	{"1080p59.94", source(1920, 1080, 60000, 1001, 12_000_000, nil)},
	{"2160p24_hevc", source(3840, 2160, 24000, 1001, 20_000_000, func(p *media.Probe) { p.Video.Codec = "hevc" })},
	{"720p25", source(1280, 720, 25, 1, 3_000_000, nil)},
	{"portrait_1080x1920", source(1080, 1920, 30, 1, 10_000_000, nil)},
	{"rotated_phone_1920x1080_r90", source(1920, 1080, 30, 1, 17_000_000, func(p *media.Probe) { p.Video.Rotation = 90 })},
	{"odd_1917x1079", source(1917, 1079, 30, 1, 6_000_000, nil)},
	{"hdr_pq_10bit", source(3840, 2160, 24, 1, 30_000_000, func(p *media.Probe) {
		p.Video.Codec, p.Video.PixelFormat, p.Video.BitDepth, p.Video.HDR = "hevc", "yuv420p10le", 10, "PQ"
		p.Video.ColorTransfer, p.Video.ColorPrimaries = "smpte2084", "bt2020"
	})},
	{"hlg_10bit", source(1920, 1080, 50, 1, 20_000_000, func(p *media.Probe) {
		p.Video.Codec, p.Video.PixelFormat, p.Video.BitDepth, p.Video.HDR = "hevc", "yuv420p10le", 10, "HLG"
	})},
	{"sdr_10bit_prores", source(1920, 1080, 25, 1, 150_000_000, func(p *media.Probe) {
		p.Video.Codec, p.Video.PixelFormat, p.Video.BitDepth = "prores", "yuv422p10le", 10
	})},
	{"vfr_phone", source(1920, 1080, 30, 1, 16_000_000, func(p *media.Probe) {
		p.Video.AvgFrameRate, p.Video.VariableFrameRate = media.Rational{Num: 2500, Den: 100}, true
	})},
	{"low_complexity_screencast", source(1920, 1080, 30, 1, 800_000, nil)},
	{"interlaced_1080i25_5.1", source(1920, 1080, 25, 1, 25_000_000, func(p *media.Probe) {
		p.Video.Codec, p.Video.Interlaced = "mpeg2video", true
		p.Audio = []media.AudioStream{{Index: 1, Codec: "ac3", Channels: 6}, {Index: 2, Codec: "mp2", Channels: 1, Language: "deu"}}
	})},
	{"anamorphic_pal_720x576", source(720, 576, 25, 1, 5_000_000, func(p *media.Probe) {
		p.Video.SampleAspect = media.Rational{Num: 64, Den: 45}
	})},
	{"ultrawide_1920x800", source(1920, 800, 24, 1, 6_000_000, nil)},
	{"tiny_320x180", source(320, 180, 30, 1, 300_000, nil)},
	{"120fps_slowmo", source(1920, 1080, 120, 1, 30_000_000, nil)},
}

// The ladder of each kind of source, pinned by golden files: review a diff
// like code.
func TestPlanLadderGolden(t *testing.T) {
	for _, c := range ladderCases {
		t.Run(c.name, func(t *testing.T) {
			l, err := media.PlanLadder(c.p)
			if err != nil {
				t.Fatal(err)
			}
			checkLadder(t, c.p, l)
			got, _ := json.MarshalIndent(l, "", "  ")
			golden(t, "ladder/"+c.name+".json", append(got, '\n'))
		})
	}
}

// checkLadder asserts the ladder's invariants, whatever the source.
func checkLadder(t *testing.T, p media.Probe, l media.Ladder) {
	t.Helper()
	dw, dh := p.Video.DisplaySize()
	if len(l.Renditions) == 0 {
		t.Fatal("no renditions")
	}
	for i, r := range l.Renditions {
		if r.Width%2 != 0 || r.Height%2 != 0 || r.Width < 2 || r.Height < 2 {
			t.Errorf("%s: %dx%d not even", r.Name, r.Width, r.Height)
		}
		if r.Width > dw || r.Height > dh {
			t.Errorf("%s: %dx%d upscales %dx%d", r.Name, r.Width, r.Height, dw, dh)
		}
		if (r.Height > r.Width) != (dh > dw) && r.Width != r.Height {
			t.Errorf("%s: orientation changed", r.Name)
		}
		// Even sides cost up to a pixel each: small pictures drift more.
		tol := max(0.02, 2.5/float64(min(r.Width, r.Height)))
		if a, b := float64(r.Width)/float64(r.Height), float64(dw)/float64(dh); a/b > 1+tol || a/b < 1-tol {
			t.Errorf("%s: aspect %.3f, source %.3f", r.Name, a, b)
		}
		if i > 0 && r.Width*r.Height >= l.Renditions[i-1].Width*l.Renditions[i-1].Height {
			t.Errorf("%s: not smaller than the rung above", r.Name)
		}
		if r.FrameRate.Float() > 60.5 {
			t.Errorf("%s: %v fps", r.Name, r.FrameRate)
		}
		// Same keyframe instants: GOP frames at the rendition's rate is the
		// ladder's GOP at the ladder's rate.
		if d1, d2 := float64(r.GOP)/r.FrameRate.Float(), float64(l.GOP)/l.FrameRate.Float(); d1-d2 > 1e-9 || d2-d1 > 1e-9 {
			t.Errorf("%s: GOP %d at %v fps is not the ladder's %d at %v", r.Name, r.GOP, r.FrameRate, l.GOP, l.FrameRate)
		}
		if r.MaxRate <= 0 || r.BufSize < r.MaxRate {
			t.Errorf("%s: rate %d buffer %d", r.Name, r.MaxRate, r.BufSize)
		}
	}
	for _, a := range l.Audio {
		if a.Channels < 1 || a.Channels > 2 {
			t.Errorf("audio %d: %d channels", a.SourceIndex, a.Channels)
		}
	}
}

// PlanLadder refuses what CheckSource refuses.
func TestPlanLadderRefusesBadSources(t *testing.T) {
	for name, p := range map[string]media.Probe{
		"audio only": {Duration: time.Minute, Audio: []media.AudioStream{{Codec: "aac", Channels: 2}}},
		"too short":  source(640, 360, 30, 1, 1_000_000, func(p *media.Probe) { p.Duration = time.Second }),
		"huge":       source(20000, 20000, 30, 1, 1_000_000, nil),
	} {
		if _, err := media.PlanLadder(p); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%s: err = %v, want INVALID", name, err)
		}
	}
}

// The single-decode plan, the naive plans and the chunk plans of each ladder,
// pinned as argv.
func TestPlanTranscodeGolden(t *testing.T) {
	for _, c := range ladderCases {
		t.Run(c.name, func(t *testing.T) {
			l, err := media.PlanLadder(c.p)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString("# single decode\n")
			single := media.PlanTranscode(l, "/job/source.mp4", "/job/out")
			b.WriteString(argvText(single))
			b.WriteString("# outputs\n  " + strings.Join(single.Outputs, "\n  ") + "\n")
			b.WriteString("\n# naive: one run per rendition\n")
			for _, n := range media.PlanNaiveTranscodes(l, "/job/source.mp4", "/job/out") {
				b.WriteString(argvText(n))
			}
			golden(t, "transcode/"+c.name+".txt", []byte(b.String()))
			for _, cmd := range append(media.PlanNaiveTranscodes(l, "/job/source.mp4", "/job/out"), single) {
				if err := media.CheckInputs(cmd.Args); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// A 10-minute title splits into 2-minute chunks that start on keyframes.
func TestPlanChunksGolden(t *testing.T) {
	for _, name := range []string{"1080p30", "1080p59.94"} {
		t.Run(name, func(t *testing.T) {
			var p media.Probe
			for _, c := range ladderCases {
				if c.name == name {
					p = c.p
				}
			}
			p.Duration = 10*time.Minute + 3*time.Second // a short tail that joins the last chunk
			l, err := media.PlanLadder(p)
			if err != nil {
				t.Fatal(err)
			}
			chunks := media.PlanChunks(l, "/job/source.mp4", "/job/out", 2*time.Minute)
			var b strings.Builder
			next := 0
			for _, c := range chunks {
				if c.StartFrame != next {
					t.Errorf("chunk %d starts at frame %d, want %d", c.Index, c.StartFrame, next)
				}
				if c.StartFrame%l.GOP != 0 {
					t.Errorf("chunk %d starts at frame %d, not on a keyframe (GOP %d)", c.Index, c.StartFrame, l.GOP)
				}
				next = c.StartFrame + c.Frames
				b.WriteString("# chunk " + c.Start.String() + " +" + c.Duration.String() + "\n")
				b.WriteString(argvText(c.Command))
			}
			if want := int(p.Duration.Seconds()*l.FrameRate.Float() + 0.5); next != want {
				t.Errorf("chunks cover %d frames, want %d", next, want)
			}
			b.WriteString("# audio, whole\n" + argvText(media.PlanAudio(l, "/job/source.mp4", "/job/out")))
			golden(t, "chunks/"+name+".txt", []byte(b.String()))
		})
	}
}
