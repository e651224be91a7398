package media

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The files PlanImages writes in its output folder, and ThumbnailsVTT beside
// them: the poster, the trick-play sprite sheets sprite_0.jpg, sprite_1.jpg…
// and the WebVTT thumbnails track that points into them.
const (
	PosterFile     = "poster.jpg"
	ThumbnailsFile = "thumbnails.vtt"
)

// The trick-play grid: sheets of 5×5 thumbnails whose long side is 160
// pixels (160×90 for 16:9, 90×160 for a vertical short).
const (
	tileLong    = 160
	tileColumns = 5
	tileRows    = 5
)

// TrickPlay describes the thumbnails of a title: one every Interval, Count in
// all, tiled row by row into Sheets sprite sheets of Columns×Rows tiles of
// TileWidth×TileHeight pixels (a sheet is always the full grid; the last
// one's unused tiles are black).
type TrickPlay struct {
	Interval   time.Duration `json:"interval"`
	Count      int           `json:"count"`
	TileWidth  int           `json:"tileWidth"`
	TileHeight int           `json:"tileHeight"`
	Columns    int           `json:"columns"`
	Rows       int           `json:"rows"`
	Sheets     int           `json:"sheets"`
}

// SpriteFile names sprite sheet i (0-based).
func SpriteFile(i int) string { return "sprite_" + strconv.Itoa(i) + ".jpg" }

// ThumbnailInterval is how often a title gets a trick-play thumbnail: every
// second below 20 seconds (a short would otherwise get one or two), else about
// a hundredth of the duration, between 2 and 10 seconds (a two-hour film: one
// every 10 s, 720 thumbnails on 29 sheets).
func ThumbnailInterval(d time.Duration) time.Duration {
	if d < 20*time.Second {
		return time.Second
	}
	s := math.Round(d.Seconds() / 100)
	return time.Duration(min(max(s, 2), 10)) * time.Second
}

// PlanTrickPlay is the thumbnail geometry of a ladder's title.
func PlanTrickPlay(l Ladder) TrickPlay {
	w, h := l.Source.Width, l.Source.Height
	if len(l.Renditions) > 0 {
		w, h = l.Renditions[0].Width, l.Renditions[0].Height
	}
	tw, th := tileLong, tileLong
	switch {
	case w <= 0 || h <= 0:
		th = tileLong * 9 / 16
	case w >= h:
		th = max(2, roundEven(float64(tileLong)*float64(h)/float64(w)))
	default:
		tw = max(2, roundEven(float64(tileLong)*float64(w)/float64(h)))
	}
	iv := ThumbnailInterval(l.Source.Duration)
	count := max(1, int(math.Ceil(l.Source.Duration.Seconds()/iv.Seconds()-1e-9)))
	per := tileColumns * tileRows
	return TrickPlay{Interval: iv, Count: count, TileWidth: tw, TileHeight: th, Columns: tileColumns, Rows: tileRows,
		Sheets: (count + per - 1) / per}
}

// posterStart and posterWindow: the poster is the most representative
// picture (ffmpeg's thumbnail filter: the frame closest to the average
// histogram) of up to posterSamples frames sampled over the first two minutes
// after a tenth of the title (past a cold open's black, a logo at 0).
const (
	posterStartCap = 30 * time.Second
	posterWindow   = 2 * time.Minute
	posterSamples  = 30
)

// PlanImages is the plan of a title's images: one ffmpeg run, one decode of
// the source through the same normalisation as the transcode (rotation,
// constant rate, HDR to SDR), split into the poster (a JPEG at the top
// rendition's size) and the trick-play sheets (thumbnails every
// TrickPlay.Interval, scaled to the tile and tiled). It writes PosterFile and
// SpriteFile(0…Sheets-1) in outDir.
func PlanImages(l Ladder, src, outDir string) (Command, TrickPlay) {
	tp := PlanTrickPlay(l)
	d := l.Source.Duration
	start := min(d/10, posterStartCap)
	window := min(d-start, posterWindow)
	if window <= 0 {
		start, window = 0, max(d, time.Second)
	}
	n := min(max(int(math.Round(window.Seconds())), 1), posterSamples)
	pw, ph := l.Source.Width, l.Source.Height
	if len(l.Renditions) > 0 {
		pw, ph = l.Renditions[0].Width, l.Renditions[0].Height
	}
	var g strings.Builder
	fmt.Fprintf(&g, "[0:%d]%s,split=2[p0][t0];", l.Source.VideoIndex, preChain(l))
	fmt.Fprintf(&g, "[p0]trim=start=%s:end=%s,setpts=PTS-STARTPTS,fps=%s,thumbnail=n=%d,scale=%d:%d:flags=bicubic,setsar=1[poster];",
		seconds3(start), seconds3(start+window), strconv.FormatFloat(float64(n)/window.Seconds(), 'f', 6, 64), n, pw, ph)
	fmt.Fprintf(&g, "[t0]fps=1/%s:round=down,trim=end_frame=%d,scale=%d:%d:flags=bicubic,setsar=1,tile=%dx%d[sheets]",
		seconds3(tp.Interval), tp.Count, tp.TileWidth, tp.TileHeight, tp.Columns, tp.Rows)
	args := append([]string{}, globalArgs...)
	args = append(args, inputArgs(src)...)
	args = append(args, "-filter_complex", g.String(),
		"-map", "[poster]", "-frames:v", "1", "-q:v", "3", "-map_metadata", "-1", "-f", "image2", "-update", "1",
		fileURL(filepath.Join(outDir, PosterFile)),
		"-map", "[sheets]", "-q:v", "5", "-map_metadata", "-1", "-start_number", "0", "-f", "image2",
		fileURL(filepath.Join(outDir, "sprite_%d.jpg")),
	)
	outputs := []string{filepath.Join(outDir, PosterFile)}
	for i := range tp.Sheets {
		outputs = append(outputs, filepath.Join(outDir, SpriteFile(i)))
	}
	return Command{Tool: FFmpeg, Args: args, Timeout: transcodeTimeout(d, 1), Duration: d, Outputs: outputs}, tp
}

// ThumbnailsVTT is the WebVTT thumbnails track of tp for a title of duration
// d: one cue per thumbnail, [i×Interval, (i+1)×Interval) (the last ends at
// d), whose text is its sheet and place, "sprite_0.jpg#xywh=160,0,160,90"
// (Media Fragments), relative to the track. hls.js plug-ins, video.js,
// Shaka, JW Player and Bitmovin read this form.
func ThumbnailsVTT(tp TrickPlay, d time.Duration) []byte {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	per := tp.Columns * tp.Rows
	for i := range tp.Count {
		start := time.Duration(i) * tp.Interval
		end := min(start+tp.Interval, d)
		if i == tp.Count-1 {
			end = max(end, d)
		}
		if end <= start {
			end = start + time.Millisecond
		}
		k := i % per
		x, y := (k%tp.Columns)*tp.TileWidth, (k/tp.Columns)*tp.TileHeight
		fmt.Fprintf(&b, "\n%s --> %s\n%s#xywh=%d,%d,%d,%d\n", vttClock(start), vttClock(end), SpriteFile(i/per), x, y, tp.TileWidth, tp.TileHeight)
	}
	return []byte(b.String())
}

func vttClock(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}
