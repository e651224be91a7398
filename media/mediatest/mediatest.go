// Package mediatest makes real media files for tests, with ffmpeg's synthetic
// sources (testsrc2, sine), and reads facts back from them with ffprobe.
//
// It is for tests only: it runs ffmpeg directly on lavfi inputs, which the
// media Runner refuses on purpose, and it fails the test on any error.
package mediatest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Clip describes a synthetic clip. Zero fields take small defaults.
type Clip struct {
	Width, Height int     // default 320×180
	Rate          string  // frame rate, default "30"
	Seconds       float64 // default 2
	// Audio adds a sine tone with this many channels (0: no audio).
	Audio int
	// NoVideo makes an audio-only file (with Audio channels, default 2).
	NoVideo bool
	PixFmt  string // default yuv420p
	Codec   string // default libx264
	Preset  string // libx264 preset, default ultrafast (quick to make, cheap to decode)
	// Extra are output options before the file name (e.g. rotation metadata,
	// colour tags).
	Extra []string
	// VideoFilter is applied to the picture (e.g. setpts for variable rate).
	VideoFilter string
}

// MustClip writes the clip to dir/name (the container from the extension) and
// returns its path.
func MustClip(tb testing.TB, dir, name string, c Clip) string {
	tb.Helper()
	if c.Width == 0 {
		c.Width, c.Height = 320, 180
	}
	if c.Rate == "" {
		c.Rate = "30"
	}
	if c.Seconds == 0 {
		c.Seconds = 2
	}
	if c.PixFmt == "" {
		c.PixFmt = "yuv420p"
	}
	if c.Codec == "" {
		c.Codec = "libx264"
	}
	if c.Preset == "" {
		c.Preset = "ultrafast"
	}
	secs := strconv.FormatFloat(c.Seconds, 'f', -1, 64)
	args := []string{"-hide_banner", "-nostdin", "-y", "-v", "error"}
	if !c.NoVideo {
		args = append(args, "-f", "lavfi", "-i",
			"testsrc2=size="+strconv.Itoa(c.Width)+"x"+strconv.Itoa(c.Height)+":rate="+c.Rate+":duration="+secs)
	}
	if c.NoVideo && c.Audio == 0 {
		c.Audio = 2
	}
	if c.Audio > 0 {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+secs)
	}
	if !c.NoVideo {
		if c.VideoFilter != "" {
			args = append(args, "-vf", c.VideoFilter)
		}
		args = append(args, "-c:v", c.Codec, "-preset", c.Preset, "-pix_fmt", c.PixFmt)
	}
	if c.Audio > 0 {
		args = append(args, "-c:a", "aac", "-ac", strconv.Itoa(c.Audio))
	}
	args = append(args, c.Extra...)
	path := filepath.Join(dir, name)
	MustFFmpeg(tb, append(args, path)...)
	return path
}

// MustFFmpeg runs ffmpeg with args (no shell) and fails the test on error.
func MustFFmpeg(tb testing.TB, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Stream is what StreamOf reads back.
type Stream struct {
	Width, Height int
	PixFmt        string
	FrameRate     string // r_frame_rate
	Frames        int    // counted by decoding
}

// MustStream reads the first video stream of path, counting its frames.
func MustStream(tb testing.TB, path string) Stream {
	tb.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
		"-show_entries", "stream=width,height,pix_fmt,r_frame_rate,nb_read_frames", "-of", "json", path).Output()
	if err != nil {
		tb.Fatalf("ffprobe %s: %v", path, err)
	}
	var j struct {
		Streams []struct {
			Width, Height int
			PixFmt        string `json:"pix_fmt"`
			RFrameRate    string `json:"r_frame_rate"`
			NbReadFrames  string `json:"nb_read_frames"`
		}
	}
	if err := json.Unmarshal(out, &j); err != nil || len(j.Streams) == 0 {
		tb.Fatalf("ffprobe %s: %v (%s)", path, err, out)
	}
	s := j.Streams[0]
	n, _ := strconv.Atoi(s.NbReadFrames)
	return Stream{Width: s.Width, Height: s.Height, PixFmt: s.PixFmt, FrameRate: s.RFrameRate, Frames: n}
}

// MustKeyframes returns the presentation times (seconds, as ffprobe prints
// them) of the video keyframes of path.
func MustKeyframes(tb testing.TB, path string) []string {
	tb.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
		"-show_entries", "frame=pts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		tb.Fatalf("ffprobe keyframes %s: %v", path, err)
	}
	var ts []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l = strings.Trim(strings.TrimSpace(l), ","); l != "" {
			ts = append(ts, l)
		}
	}
	return ts
}

// MustWrite writes data to dir/name and returns the path.
func MustWrite(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}
