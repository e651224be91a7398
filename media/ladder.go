package media

import (
	"fmt"
	"math"
	"time"

	"github.com/marquee-ott/marquee/errs"
)

// DefaultSegmentDuration is the target length of a segment, and so of a GOP:
// every rendition has a keyframe at every segment boundary, at the same frame.
const DefaultSegmentDuration = 4 * time.Second

// Ladder is the per-title encoding plan: which renditions to make of one
// source, and how. PlanLadder makes it from a Probe; PlanTranscode turns it
// into ffmpeg argv.
type Ladder struct {
	Source LadderSource `json:"source"`
	// FrameRate is the constant rate the picture is normalised to before
	// scaling (variable frame rate sources become constant; rates above 60
	// are halved until they are not).
	FrameRate Rational `json:"frameRate"`
	// SegmentDuration is the target; the real one is GOP/FrameRate.
	SegmentDuration time.Duration `json:"segmentDuration"`
	// GOP is the keyframe interval in frames at FrameRate, the same for every
	// rendition (a rendition at half rate uses GOP/2 of its own frames, which
	// are the same instants). Even when any rendition halves the rate.
	GOP int `json:"gop"`
	// ToneMap is how an HDR source becomes SDR: "" for none, or the chain name.
	// Every output is 8-bit SDR H.264 (yuv420p, High profile): the players we
	// serve all decode it. HDR renditions (HEVC/PQ) are a later addition.
	ToneMap string `json:"toneMap,omitempty"`
	// Complexity is the source's bits per pixel read as a hint: "low" (already
	// lean: simple pictures or heavy compression), "normal" or "high", or
	// "unknown" for mezzanine codecs whose bitrate says nothing about content.
	Complexity string `json:"complexity"`
	// Preset and CRF drive libx264: capped CRF, so simple content costs fewer
	// bits than the cap and complex content gets the cap.
	Preset     string           `json:"preset"`
	CRF        int              `json:"crf"`
	Renditions []Rendition      `json:"renditions"`
	Audio      []AudioRendition `json:"audio,omitempty"`
}

// LadderSource is what the planners need to know of the source.
type LadderSource struct {
	VideoIndex  int           `json:"videoIndex"`
	Width       int           `json:"width"`  // display width (sample aspect and rotation applied)
	Height      int           `json:"height"` // display height
	Portrait    bool          `json:"portrait"`
	Duration    time.Duration `json:"duration"`
	PixelFormat string        `json:"pixelFormat"`
	Interlaced  bool          `json:"interlaced,omitempty"`
}

// Rendition is one video output.
type Rendition struct {
	Name      string   `json:"name"` // "720p": the short side
	Width     int      `json:"width"`
	Height    int      `json:"height"`
	FrameRate Rational `json:"frameRate"`
	// HalfRate: this rendition keeps every other frame of Ladder.FrameRate.
	HalfRate bool `json:"halfRate,omitempty"`
	// GOP in this rendition's own frames.
	GOP     int    `json:"gop"`
	MaxRate int    `json:"maxRate"` // bits per second, the VBV cap
	BufSize int    `json:"bufSize"` // bits
	Profile string `json:"profile"`
	Level   string `json:"level"`
}

// AudioRendition is one audio output: one per source audio stream.
type AudioRendition struct {
	SourceIndex int    `json:"sourceIndex"`
	Language    string `json:"language,omitempty"`
	Channels    int    `json:"channels"`
	Bitrate     int    `json:"bitrate"`
	SampleRate  int    `json:"sampleRate"`
}

// The ladder's boxes, landscape; a portrait source uses them turned. A
// rendition is the source fitted inside a box, aspect kept. H.264 stops at
// 1080p: larger sources are scaled down into the top box.
var boxes = [][2]int{{1920, 1080}, {1280, 720}, {960, 540}, {640, 360}, {426, 240}}

// standardRates are what a measured rate snaps to when within 1.5%.
var standardRates = []Rational{
	{24000, 1001}, {24, 1}, {25, 1}, {30000, 1001}, {30, 1}, {48, 1}, {50, 1}, {60000, 1001}, {60, 1},
}

// PlanLadder plans the renditions of a source: no upscaling; sizes from the
// source's display size (portrait sources get a vertical ladder, rotated phone
// video counts as turned); frame rate kept up to 30, kept at 50/60 for the top
// renditions (720p and up, and the top one always) and halved below; bitrates
// from the picture size and rate, scaled by the source's complexity and never
// above what the source itself spends; AAC audio, stereo at most.
func PlanLadder(p Probe) (Ladder, error) {
	if err := p.CheckSource(); err != nil {
		return Ladder{}, fmt.Errorf("media.PlanLadder: %w", err)
	}
	v := p.Video
	dw, dh := v.DisplaySize()
	l := Ladder{
		Source: LadderSource{
			VideoIndex: v.Index, Width: dw, Height: dh, Portrait: dh > dw,
			Duration: p.Duration, PixelFormat: v.PixelFormat, Interlaced: v.Interlaced,
		},
		SegmentDuration: DefaultSegmentDuration,
		Preset:          "veryfast",
		CRF:             23,
	}
	switch v.HDR {
	case "PQ", "HLG":
		// zscale (libzimg, in Debian's ffmpeg 5.1) linearises PQ or HLG, then
		// tonemap=hable maps it into BT.709 SDR. Without zscale the run fails
		// with "No such filter: 'zscale'" rather than shipping washed-out
		// colours: a clear failure beats a silent bad picture.
		l.ToneMap = "zscale+hable"
	}

	l.FrameRate = planRate(*v)
	fps := l.FrameRate.Float()
	high := fps > 31

	// Sizes.
	type size struct{ w, h int }
	var sizes []size
	for i, b := range boxes {
		bw, bh := b[0], b[1]
		if l.Source.Portrait {
			bw, bh = bh, bw
		}
		w, h := fit(dw, dh, bw, bh)
		if i > 0 && len(sizes) > 0 {
			last := sizes[len(sizes)-1]
			// Too close to the rung above to be worth a rendition.
			if float64(w*h) > 0.7*float64(last.w*last.h) {
				continue
			}
		}
		if w < 2 || h < 2 {
			continue
		}
		sizes = append(sizes, size{w, h})
	}

	complexity, factor, srcEq := complexityOf(p)
	l.Complexity = complexity
	srcArea := float64(v.Width * v.Height)

	for i, s := range sizes {
		r := Rendition{
			Name: fmt.Sprintf("%dp", min(s.w, s.h)), Width: s.w, Height: s.h,
			FrameRate: l.FrameRate, Profile: "high",
		}
		if high && i > 0 && min(s.w, s.h) < 720 {
			r.HalfRate = true
			r.FrameRate = Rational{l.FrameRate.Num, l.FrameRate.Den * 2}
			if g := gcd(r.FrameRate.Num, r.FrameRate.Den); g > 1 {
				r.FrameRate = Rational{r.FrameRate.Num / g, r.FrameRate.Den / g}
			}
		}
		area := float64(s.w * s.h)
		rate := 5_000_000 * math.Pow(area/(1920*1080), 0.75)
		rate *= math.Min(1.6, math.Max(0.6, math.Pow(r.FrameRate.Float()/30, 0.6)))
		rate *= factor
		if srcEq > 0 {
			// Never spend more than the source, in H.264 terms, at this size.
			rate = math.Min(rate, srcEq*math.Pow(area/srcArea, 0.75))
		}
		rate = math.Max(rate, 150_000)
		r.MaxRate = int(math.Round(rate/10_000)) * 10_000
		r.BufSize = 2 * r.MaxRate
		r.Level = h264Level(s.w, s.h, r.FrameRate.Float())
		l.Renditions = append(l.Renditions, r)
	}
	l = l.WithSegmentDuration(l.SegmentDuration)
	if len(l.Renditions) == 0 {
		return Ladder{}, errs.Invalid("too small: the picture is %d×%d", dw, dh)
	}

	for _, a := range p.Audio {
		ch := a.Channels
		if ch <= 0 || ch > 2 {
			ch = 2 // downmix surround; an unknown layout becomes stereo
		}
		ar := AudioRendition{SourceIndex: a.Index, Language: a.Language, Channels: ch, Bitrate: 128_000, SampleRate: 48_000}
		if ch == 1 {
			ar.Bitrate = 64_000
		}
		l.Audio = append(l.Audio, ar)
	}
	return l, nil
}

// planRate picks the constant rate to encode at.
func planRate(v VideoStream) Rational {
	r := v.Rate()
	if v.VariableFrameRate {
		// The r_frame_rate grid holds every timestamp: at that rate no motion is lost.
		if s, ok := snapRate(v.FrameRate); ok {
			return s
		}
		for _, s := range standardRates { // else the first standard rate at or above the average
			if s.Num%s.Den == 0 && s.Float() >= r.Float()*0.985 {
				return s
			}
		}
		return Rational{60, 1}
	}
	for r.Float() > 60.5 {
		r = Rational{r.Num, r.Den * 2}
	}
	if s, ok := snapRate(r); ok {
		return s
	}
	if g := gcd(r.Num, r.Den); g > 1 {
		r = Rational{r.Num / g, r.Den / g}
	}
	return r
}

func snapRate(r Rational) (Rational, bool) {
	f := r.Float()
	for _, s := range standardRates {
		if math.Abs(f-s.Float())/s.Float() < 0.015 {
			// Prefer an exact match (30 over 29.97 for a 30 source).
			if math.Abs(f-s.Float()) < 1e-6 {
				return s, true
			}
			best := s
			for _, t := range standardRates {
				if math.Abs(f-t.Float()) < math.Abs(f-best.Float()) {
					best = t
				}
			}
			return best, true
		}
	}
	return Rational{}, false
}

// fit scales (dw, dh) into the box (bw, bh), never up, aspect kept, both sides
// even (H.264 4:2:0 needs even sides).
func fit(dw, dh, bw, bh int) (w, h int) {
	s := math.Min(1, math.Min(float64(bw)/float64(dw), float64(bh)/float64(dh)))
	maxW, maxH := bw, bh
	if s == 1 {
		maxW, maxH = dw&^1, dh&^1
	}
	aspect := float64(dw) / float64(dh)
	if dw >= dh {
		w = min(roundEven(float64(dw)*s), maxW)
		h = min(roundEven(float64(w)/aspect), maxH)
	} else {
		h = min(roundEven(float64(dh)*s), maxH)
		w = min(roundEven(float64(h)*aspect), maxW)
	}
	return w, h
}

func roundEven(x float64) int { return 2 * int(math.Round(x/2)) }

// complexityOf reads the source's bits per pixel, in H.264 terms, as a
// complexity hint. It returns the class, the bitrate factor and the source's
// H.264-equivalent video bitrate (0 when it says nothing).
func complexityOf(p Probe) (string, float64, float64) {
	v := p.Video
	eff, ok := map[string]float64{
		"h264": 1, "hevc": 1.5, "vp9": 1.4, "av1": 1.8, "vp8": 0.9, "mpeg4": 0.8, "mpeg2video": 0.6, "mpeg1video": 0.5,
	}[v.Codec]
	rate := float64(v.BitRate)
	if rate <= 0 && p.BitRate > 0 {
		rate = float64(p.BitRate)
		for _, a := range p.Audio {
			rate -= float64(a.BitRate)
		}
	}
	fps := v.Rate().Float()
	if !ok || rate <= 0 || fps <= 0 {
		return "unknown", 1, 0 // mezzanine (ProRes, DNxHD, MJPEG…) or no bitrate
	}
	eq := rate * eff
	bpp := eq / (float64(v.Width*v.Height) * fps)
	switch {
	case bpp < 0.05:
		return "low", 0.75, eq
	case bpp > 0.35:
		return "high", 1.2, eq
	}
	return "normal", 1, eq
}

// h264Level is the lowest level whose frame size and macroblock rate hold the
// rendition (ITU-T H.264 table A-1), so that devices that check it play it.
func h264Level(w, h int, fps float64) string {
	mbs := ((w + 15) / 16) * ((h + 15) / 16)
	mbps := float64(mbs) * fps
	for _, l := range []struct {
		name        string
		fs          int
		mbPerSecond float64
	}{
		{"3.0", 1620, 40500}, {"3.1", 3600, 108000}, {"3.2", 5120, 216000}, {"4.0", 8192, 245760},
		{"4.2", 8704, 522240}, {"5.0", 22080, 589824}, {"5.1", 36864, 983040}, {"5.2", 36864, 2073600},
	} {
		if mbs <= l.fs && mbps <= l.mbPerSecond {
			return l.name
		}
	}
	return "5.2"
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	if a < 0 {
		return -a
	}
	return a
}

// WithSegmentDuration returns the ladder with keyframes every d (as near as
// whole frames allow): GOP = d × frame rate, made even when a rendition halves
// the rate so that its keyframes fall on the same instants.
func (l Ladder) WithSegmentDuration(d time.Duration) Ladder {
	l.SegmentDuration = d
	l.GOP = max(1, int(math.Round(d.Seconds()*l.FrameRate.Float())))
	halving := false
	for _, r := range l.Renditions {
		halving = halving || r.HalfRate
	}
	if halving && l.GOP%2 == 1 {
		l.GOP++
	}
	rs := make([]Rendition, len(l.Renditions))
	for i, r := range l.Renditions {
		r.GOP = l.GOP
		if r.HalfRate {
			r.GOP = l.GOP / 2
		}
		rs[i] = r
	}
	l.Renditions = rs
	return l
}
