package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/marquee-ott/marquee/errs"
)

// MinTitleDuration is the shortest source a title may have.
const MinTitleDuration = 2 * time.Second

// MaxDimension bounds a source's width and height (8K and a little margin): a
// larger picture is a decoder memory bomb rather than a film.
const MaxDimension = 8192

// Probe is what ffprobe says about a source, typed.
type Probe struct {
	Format    string        `json:"format"` // ffmpeg's demuxer names, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
	Duration  time.Duration `json:"duration"`
	Size      int64         `json:"size"`    // bytes
	BitRate   int64         `json:"bitRate"` // bits per second, all streams
	Video     *VideoStream  `json:"video,omitempty"`
	Audio     []AudioStream `json:"audio,omitempty"`
	Subtitles []Subtitle    `json:"subtitles,omitempty"`
}

// VideoStream is the picture of a source (its default video stream; cover art
// is not a picture).
type VideoStream struct {
	Index   int    `json:"index"`
	Codec   string `json:"codec"`
	Profile string `json:"profile,omitempty"`
	Width   int    `json:"width"`  // coded, before sample aspect and rotation
	Height  int    `json:"height"` // coded, before sample aspect and rotation
	// SampleAspect is the pixel shape (1:1 for square pixels; 16:15 for PAL
	// 4:3 DV, for example).
	SampleAspect  Rational `json:"sampleAspect"`
	DisplayAspect string   `json:"displayAspect,omitempty"` // as ffprobe says, e.g. "16:9"
	// Rotation is how far the picture is turned for display, in degrees
	// counter-clockwise (the display matrix's angle, as ffprobe reports it),
	// normalised to 0, 90, 180 or 270. Phones record portrait video as a
	// landscape picture with 90 or 270 here.
	Rotation int `json:"rotation"`
	// FrameRate is r_frame_rate: the rate that represents every timestamp.
	FrameRate Rational `json:"frameRate"`
	// AvgFrameRate is avg_frame_rate: frames over duration.
	AvgFrameRate Rational `json:"avgFrameRate"`
	// VariableFrameRate is set when the two rates disagree by more than 2%,
	// as phones and screen recorders produce.
	VariableFrameRate bool   `json:"variableFrameRate"`
	PixelFormat       string `json:"pixelFormat"`
	BitDepth          int    `json:"bitDepth"`
	ColorTransfer     string `json:"colorTransfer,omitempty"`
	ColorPrimaries    string `json:"colorPrimaries,omitempty"`
	ColorSpace        string `json:"colorSpace,omitempty"`
	// HDR is "PQ" (smpte2084, HDR10) or "HLG" (arib-std-b67), or "" for SDR.
	HDR string `json:"hdr,omitempty"`
	// Interlaced is set for field-coded pictures (broadcast 1080i, DV), which
	// are deinterlaced before scaling.
	Interlaced bool  `json:"interlaced,omitempty"`
	BitRate    int64 `json:"bitRate,omitempty"` // of this stream, when the container says
	Frames     int64 `json:"frames,omitempty"`  // nb_frames, when the container says
}

// AudioStream is one sound track of a source.
type AudioStream struct {
	Index         int    `json:"index"`
	Codec         string `json:"codec"`
	Channels      int    `json:"channels"`
	ChannelLayout string `json:"channelLayout,omitempty"`
	SampleRate    int    `json:"sampleRate"`
	Language      string `json:"language,omitempty"` // ISO 639-2 as tagged; "" when untagged or "und"
	BitRate       int64  `json:"bitRate,omitempty"`
	Default       bool   `json:"default"`
}

// Subtitle is one subtitle stream of a source.
type Subtitle struct {
	Index           int    `json:"index"`
	Codec           string `json:"codec"`
	Language        string `json:"language,omitempty"`
	Forced          bool   `json:"forced"`
	HearingImpaired bool   `json:"hearingImpaired"`
}

// Rational is a fraction such as 30000/1001.
type Rational struct {
	Num int64 `json:"num"`
	Den int64 `json:"den"`
}

// Float returns the value, or 0 when the fraction is undefined.
func (r Rational) Float() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

func (r Rational) String() string { return fmt.Sprintf("%d/%d", r.Num, r.Den) }

// HasPicture reports whether the probe found a video stream.
func (p Probe) HasPicture() bool { return p.Video != nil }

// DisplaySize is the picture's size as shown: sample aspect applied to the
// width, then turned by the rotation.
func (v VideoStream) DisplaySize() (w, h int) {
	w, h = v.Width, v.Height
	// Anamorphic sources (DV, DVB) are within 4:1 either way; a wilder
	// sample aspect is a broken header and is ignored.
	if sar := v.SampleAspect.Float(); sar >= 0.25 && sar <= 4 && v.SampleAspect.Num != v.SampleAspect.Den {
		w = int(math.Round(float64(w) * v.SampleAspect.Float()))
	}
	if v.Rotation == 90 || v.Rotation == 270 {
		w, h = h, w
	}
	return w, h
}

// Rate is the frame rate to plan with: the average rate for variable frame
// rate sources, r_frame_rate otherwise (falling back to whichever is defined).
func (v VideoStream) Rate() Rational {
	r := v.FrameRate
	if v.VariableFrameRate || r.Float() <= 0 || r.Float() > 1000 {
		r = v.AvgFrameRate
	}
	if r.Float() <= 0 {
		r = v.FrameRate
	}
	return r
}

// CheckSource reports, as errs.Invalid with a reason for the editor, why p
// cannot be a title's source; nil when it can.
func (p Probe) CheckSource() error {
	if p.Video == nil {
		if len(p.Audio) > 0 {
			return errs.Invalid("audio only: the file has sound but no picture")
		}
		return errs.Invalid("not a video: no video stream")
	}
	v := p.Video
	if v.Width <= 0 || v.Height <= 0 {
		return errs.Invalid("truncated or corrupt: the picture has no size")
	}
	if v.Width > MaxDimension || v.Height > MaxDimension {
		return errs.Invalid("too large: the picture is %d×%d; at most %d pixels a side", v.Width, v.Height, MaxDimension)
	}
	if v.Width < 16 || v.Height < 16 {
		return errs.Invalid("too small: the picture is %d×%d; at least 16 pixels a side", v.Width, v.Height)
	}
	if p.Duration <= 0 {
		return errs.Invalid("truncated or corrupt: the duration cannot be read")
	}
	if p.Duration < MinTitleDuration {
		return errs.Invalid("too short: a title must be at least %d seconds (this one is %.1f s)",
			int(MinTitleDuration/time.Second), p.Duration.Seconds())
	}
	if v.Rate().Float() <= 0 {
		return errs.Invalid("truncated or corrupt: the frame rate cannot be read")
	}
	return nil
}

// Probe runs ffprobe on the file at path and returns what it found, checked as
// a title's source (Probe.CheckSource). Bad input is errs.Invalid with a
// reason; the Probe is returned with the error when ffprobe could read one.
func (r *Runner) Probe(ctx context.Context, path string) (Probe, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Probe{}, fmt.Errorf("media.Probe: %w", errs.Internal(err))
	}
	if !fi.Mode().IsRegular() {
		// A FIFO would block the reader, a device never ends, a symlink can
		// point outside the job folder.
		return Probe{}, errs.Invalid("not a video: not a regular file")
	}
	if fi.Size() == 0 {
		return Probe{}, errs.Invalid("the file is empty")
	}
	out, err := r.Run(ctx, PlanProbe(path), nil)
	if err != nil {
		return Probe{}, fmt.Errorf("media.Probe: %w", probeError(err, startsAsMP4(path)))
	}
	p, err := ParseProbe(out)
	if err != nil {
		return Probe{}, fmt.Errorf("media.Probe: %w", err)
	}
	if err := p.CheckSource(); err != nil {
		return p, fmt.Errorf("media.Probe: %w", err)
	}
	return p, nil
}

// PlanProbe is the ffprobe command for path.
func PlanProbe(path string) Command {
	args := []string{"-hide_banner", "-v", "error", "-print_format", "json", "-show_format", "-show_streams"}
	return Command{Tool: FFprobe, Args: append(args, inputArgs(path)...), Timeout: time.Minute}
}

// startsAsMP4 reports whether the file begins with an ISO BMFF box that real
// MP4/MOV files begin with, so that a missing moov means a cut-off upload
// rather than something that was never a video.
func startsAsMP4(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [8]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	switch string(head[4:8]) {
	case "ftyp", "moov", "mdat", "free", "wide", "skip":
		return true
	}
	return false
}

// probeError rewords a failed ffprobe run: ffprobe fails on anything it cannot
// open, and all of that is the input's fault.
func probeError(err error, mp4 bool) error {
	var re *RunError
	if !errors.As(err, &re) || re.TimedOut || strings.Contains(re.Stderr, "not on whitelist") {
		return err
	}
	msg := "not a video: the file is not in a format we recognise"
	if mp4 && strings.Contains(re.Stderr, "moov atom not found") {
		msg = "truncated or corrupt: the file's index (moov atom) is missing; the upload may be incomplete"
	}
	return &errs.Error{Kind: errs.KindInvalid, Message: msg, Err: re}
}

// ffprobe's JSON, as much of it as we read. Numbers that ffprobe prints as
// strings stay strings here and are parsed leniently.
type probeJSON struct {
	Streams []struct {
		Index              int               `json:"index"`
		CodecName          string            `json:"codec_name"`
		CodecType          string            `json:"codec_type"`
		Profile            string            `json:"profile"`
		Width              int               `json:"width"`
		Height             int               `json:"height"`
		SampleAspectRatio  string            `json:"sample_aspect_ratio"`
		DisplayAspectRatio string            `json:"display_aspect_ratio"`
		PixFmt             string            `json:"pix_fmt"`
		FieldOrder         string            `json:"field_order"`
		BitsPerRawSample   string            `json:"bits_per_raw_sample"`
		ColorTransfer      string            `json:"color_transfer"`
		ColorPrimaries     string            `json:"color_primaries"`
		ColorSpace         string            `json:"color_space"`
		RFrameRate         string            `json:"r_frame_rate"`
		AvgFrameRate       string            `json:"avg_frame_rate"`
		Duration           string            `json:"duration"`
		BitRate            string            `json:"bit_rate"`
		NbFrames           string            `json:"nb_frames"`
		Channels           int               `json:"channels"`
		ChannelLayout      string            `json:"channel_layout"`
		SampleRate         string            `json:"sample_rate"`
		Disposition        map[string]int    `json:"disposition"`
		Tags               map[string]string `json:"tags"`
		SideDataList       []struct {
			SideDataType string   `json:"side_data_type"`
			Rotation     *float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		Size       string `json:"size"`
		BitRate    string `json:"bit_rate"`
	} `json:"format"`
}

// ParseProbe reads ffprobe's JSON (-print_format json -show_format
// -show_streams). It checks nothing about fitness as a source; see CheckSource.
func ParseProbe(data []byte) (Probe, error) {
	var j probeJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Probe{}, errs.Internal(fmt.Errorf("media.ParseProbe: %w", err))
	}
	p := Probe{
		Format:   j.Format.FormatName,
		Duration: seconds(j.Format.Duration),
		Size:     integer(j.Format.Size),
		BitRate:  integer(j.Format.BitRate),
	}
	var streamDuration time.Duration
	var videoDefault bool
	for _, s := range j.Streams {
		lang := strings.ToLower(strings.TrimSpace(s.Tags["language"]))
		if lang == "und" {
			lang = ""
		}
		switch s.CodecType {
		case "video":
			if s.Disposition["attached_pic"] == 1 || s.Disposition["still_image"] == 1 {
				continue // cover art or a still, not a picture that moves
			}
			// The first default video stream, else the first video stream.
			isDefault := s.Disposition["default"] == 1
			if p.Video != nil && (videoDefault || !isDefault) {
				continue
			}
			videoDefault = isDefault
			v := &VideoStream{
				Index:          s.Index,
				Codec:          s.CodecName,
				Profile:        s.Profile,
				Width:          max(0, s.Width),
				Height:         max(0, s.Height),
				SampleAspect:   ratio(s.SampleAspectRatio, ':'),
				DisplayAspect:  s.DisplayAspectRatio,
				FrameRate:      ratio(s.RFrameRate, '/'),
				AvgFrameRate:   ratio(s.AvgFrameRate, '/'),
				PixelFormat:    s.PixFmt,
				BitDepth:       bitDepth(s.PixFmt, s.BitsPerRawSample),
				ColorTransfer:  s.ColorTransfer,
				ColorPrimaries: s.ColorPrimaries,
				ColorSpace:     s.ColorSpace,
				Interlaced:     s.FieldOrder == "tt" || s.FieldOrder == "bb" || s.FieldOrder == "tb" || s.FieldOrder == "bt",
				BitRate:        integer(s.BitRate),
				Frames:         integer(s.NbFrames),
			}
			v.Rotation = rotation(s.Tags["rotate"], func() *float64 {
				for _, sd := range s.SideDataList {
					if sd.Rotation != nil {
						return sd.Rotation
					}
				}
				return nil
			}())
			switch s.ColorTransfer {
			case "smpte2084":
				v.HDR = "PQ"
			case "arib-std-b67":
				v.HDR = "HLG"
			}
			r, a := v.FrameRate.Float(), v.AvgFrameRate.Float()
			v.VariableFrameRate = r > 0 && a > 0 && math.Abs(r-a)/r > 0.02
			p.Video = v
			streamDuration = max(streamDuration, seconds(s.Duration))
		case "audio":
			p.Audio = append(p.Audio, AudioStream{
				Index:         s.Index,
				Codec:         s.CodecName,
				Channels:      max(0, s.Channels),
				ChannelLayout: s.ChannelLayout,
				SampleRate:    int(integer(s.SampleRate)),
				Language:      lang,
				BitRate:       integer(s.BitRate),
				Default:       s.Disposition["default"] == 1,
			})
			streamDuration = max(streamDuration, seconds(s.Duration))
		case "subtitle":
			p.Subtitles = append(p.Subtitles, Subtitle{
				Index:           s.Index,
				Codec:           s.CodecName,
				Language:        lang,
				Forced:          s.Disposition["forced"] == 1,
				HearingImpaired: s.Disposition["hearing_impaired"] == 1,
			})
		}
	}
	if p.Duration <= 0 {
		p.Duration = streamDuration
	}
	return p, nil
}

// seconds parses ffprobe's "12.345000"; anything else is 0.
func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsNaN(f) || f > 1e6 {
		return 0
	}
	return time.Duration(math.Round(f * float64(time.Second)))
}

// integer parses a non-negative integer; anything else is 0.
func integer(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// ratio parses "30000/1001" or "16:9"; anything undefined is 0/0.
func ratio(s string, sep byte) Rational {
	a, b, ok := strings.Cut(s, string(sep))
	if !ok {
		return Rational{}
	}
	n, d := integer(a), integer(b)
	if n <= 0 || d <= 0 {
		return Rational{}
	}
	return Rational{Num: n, Den: d}
}

var depthRE = regexp.MustCompile(`(\d+)(le|be)$`)

// bitDepth reads the depth from the pixel format name (yuv420p10le → 10,
// p010le → 10), falling back to bits_per_raw_sample, then 8.
func bitDepth(pixFmt, raw string) int {
	if m := depthRE.FindStringSubmatch(pixFmt); m != nil {
		if d, _ := strconv.Atoi(m[1]); d >= 9 && d <= 16 {
			return d
		}
	}
	if n := integer(raw); n >= 8 && n <= 16 {
		return int(n)
	}
	return 8
}

// rotation normalises the display rotation to 0, 90, 180 or 270 degrees
// counter-clockwise. The display matrix (side data) wins; the legacy "rotate"
// tag counts clockwise.
func rotation(tag string, matrix *float64) int {
	var deg float64
	switch {
	case matrix != nil && !math.IsNaN(*matrix) && !math.IsInf(*matrix, 0):
		deg = *matrix
	case tag != "":
		t, err := strconv.ParseFloat(tag, 64)
		if err != nil || math.IsNaN(t) || math.IsInf(t, 0) {
			return 0
		}
		deg = -t
	default:
		return 0
	}
	if math.Abs(deg) > 1e6 {
		return 0
	}
	// Snap to the nearest quarter turn.
	q := int(math.Round(deg/90)) % 4
	if q < 0 {
		q += 4
	}
	return q * 90
}
