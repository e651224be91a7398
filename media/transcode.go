package media

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// VideoOutput and AudioOutput name the files a transcode writes in its output
// folder, so that a resumed workflow can tell which exist.
func VideoOutput(outDir string, r Rendition) string {
	return filepath.Join(outDir, "video_"+r.Name+".mp4")
}

// AudioOutput names the file of the i-th audio rendition.
func AudioOutput(outDir string, i int) string {
	return filepath.Join(outDir, "audio_"+strconv.Itoa(i)+".mp4")
}

// globalArgs start every ffmpeg run we plan: no stdin (ffmpeg would read
// keystrokes), overwrite (a retried run replaces a half-written output),
// errors only on stderr, progress as key=value on stdout.
var globalArgs = []string{"-hide_banner", "-nostdin", "-y", "-v", "error", "-nostats", "-progress", "pipe:1"}

// PlanTranscode is the single-decode plan: one ffmpeg run that decodes the
// source once, normalises it once (deinterlace, constant frame rate, HDR to
// SDR, 8-bit), splits it, scales each branch and encodes every rendition with
// libx264 into its own MP4, and every audio stream into its own AAC MP4. Keyframes fall on the same instants in every rendition.
func PlanTranscode(l Ladder, src, outDir string) Command {
	args := append([]string{}, globalArgs...)
	args = append(args, inputArgs(src)...)

	n := len(l.Renditions)
	var g strings.Builder
	fmt.Fprintf(&g, "[0:%d]%s", l.Source.VideoIndex, preChain(l))
	if n == 1 {
		fmt.Fprintf(&g, ",%s[v0]", rungChain(l, l.Renditions[0]))
	} else {
		fmt.Fprintf(&g, ",split=%d", n)
		for i := range n {
			fmt.Fprintf(&g, "[s%d]", i)
		}
		for i, r := range l.Renditions {
			fmt.Fprintf(&g, ";[s%d]%s[v%d]", i, rungChain(l, r), i)
		}
	}
	args = append(args, "-filter_complex", g.String())

	var outputs []string
	for i, r := range l.Renditions {
		out := VideoOutput(outDir, r)
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
		args = append(args, videoArgs(l, r)...)
		args = append(args, fileURL(out))
		outputs = append(outputs, out)
	}
	for i, a := range l.Audio {
		out := AudioOutput(outDir, i)
		args = append(args, audioArgs(a)...)
		args = append(args, fileURL(out))
		outputs = append(outputs, out)
	}
	return Command{Tool: FFmpeg, Args: args, Timeout: transcodeTimeout(l.Source.Duration, n), Duration: l.Source.Duration, Outputs: outputs}
}

// PlanNaiveTranscodes is the naive way, kept for the benchmark: one ffmpeg run
// per rendition, each decoding and normalising the source again, and one for
// the audio. Its outputs are the same files as PlanTranscode's.
func PlanNaiveTranscodes(l Ladder, src, outDir string) []Command {
	var cmds []Command
	for _, r := range l.Renditions {
		args := append([]string{}, globalArgs...)
		args = append(args, inputArgs(src)...)
		args = append(args, "-map", fmt.Sprintf("0:%d", l.Source.VideoIndex),
			"-vf", preChain(l)+","+rungChain(l, r))
		args = append(args, videoArgs(l, r)...)
		out := VideoOutput(outDir, r)
		args = append(args, fileURL(out))
		cmds = append(cmds, Command{Tool: FFmpeg, Args: args, Timeout: transcodeTimeout(l.Source.Duration, 1), Duration: l.Source.Duration, Outputs: []string{out}})
	}
	if a := PlanAudio(l, src, outDir); len(a.Outputs) > 0 {
		cmds = append(cmds, a)
	}
	return cmds
}

// PlanAudio encodes every audio stream on its own, for a fanned-out title
// whose video is encoded in chunks (PlanChunks): AAC split at chunk boundaries
// would click and drift, and audio is cheap to encode whole.
func PlanAudio(l Ladder, src, outDir string) Command {
	args := append([]string{}, globalArgs...)
	args = append(args, inputArgs(src)...)
	var outputs []string
	for i, a := range l.Audio {
		out := AudioOutput(outDir, i)
		args = append(args, audioArgs(a)...)
		args = append(args, fileURL(out))
		outputs = append(outputs, out)
	}
	return Command{Tool: FFmpeg, Args: args, Timeout: transcodeTimeout(l.Source.Duration, 1), Duration: l.Source.Duration, Outputs: outputs}
}

// Chunk is one range of a long title, encoded on its own (every video
// rendition, single decode) so that a title fans out across workers.
type Chunk struct {
	Index      int
	StartFrame int // first frame, at Ladder.FrameRate
	Frames     int // a whole number of GOPs, except perhaps in the last chunk
	Start      time.Duration
	Duration   time.Duration
	Command    Command
}

// ChunkDir names the folder of chunk i's outputs under outDir; the outputs in
// it are named as PlanTranscode's.
func ChunkDir(outDir string, i int) string {
	return filepath.Join(outDir, fmt.Sprintf("chunk_%05d", i))
}

// PlanChunks splits the title's video into ranges of about every (rounded up
// to whole GOPs, so that every chunk starts on a keyframe of every rendition:
// the chunks of a rendition concatenate into the same segments one run would
// make). Each range is cut by frame number: the input is seeked a quarter
// frame before the range's first frame, so the frame-rate filter puts that
// frame at 0 without rounding doubt, and each output stops after exactly
// Frames frames. The packager shifts chunk i's timestamps by
// StartFrame/FrameRate. Audio is encoded whole (PlanAudio). A title shorter
// than two chunks gets one.
func PlanChunks(l Ladder, src, outDir string, every time.Duration) []Chunk {
	fps := l.FrameRate.Float()
	total := int(l.Source.Duration.Seconds()*fps + 0.5)
	gops := max(1, int((every.Seconds()*fps+float64(l.GOP)-1)/float64(l.GOP)))
	per := gops * l.GOP
	frameTime := func(f int) time.Duration {
		return time.Duration(float64(f) * float64(l.FrameRate.Den) / float64(l.FrameRate.Num) * float64(time.Second))
	}
	var chunks []Chunk
	for start, i := 0, 0; start < total; i++ {
		frames := min(per, total-start)
		if rest := total - start - frames; rest > 0 && rest < l.GOP {
			frames += rest // no tail chunk shorter than a GOP
		}
		c := Chunk{Index: i, StartFrame: start, Frames: frames, Start: frameTime(start), Duration: frameTime(frames)}
		seek := max(0, frameTime(start)-frameTime(1)/4)
		args := append([]string{}, globalArgs...)
		args = append(args, "-ss", seconds3(seek), "-t", seconds3(c.Duration+frameTime(1)))
		args = append(args, inputArgs(src)...)
		n := len(l.Renditions)
		var g strings.Builder
		fmt.Fprintf(&g, "[0:%d]%s,split=%d", l.Source.VideoIndex, preChain(l), n)
		for k := range n {
			fmt.Fprintf(&g, "[s%d]", k)
		}
		for k, r := range l.Renditions {
			fmt.Fprintf(&g, ";[s%d]%s[v%d]", k, rungChain(l, r), k)
		}
		args = append(args, "-filter_complex", g.String())
		dir := ChunkDir(outDir, i)
		var outputs []string
		for k, r := range l.Renditions {
			frames := c.Frames
			if r.HalfRate {
				frames = (c.Frames + 1) / 2
			}
			out := VideoOutput(dir, r)
			args = append(args, "-map", fmt.Sprintf("[v%d]", k))
			args = append(args, videoArgs(l, r)...)
			args = append(args, "-frames:v", strconv.Itoa(frames), fileURL(out))
			outputs = append(outputs, out)
		}
		c.Command = Command{Tool: FFmpeg, Args: args, Timeout: transcodeTimeout(c.Duration, n), Duration: c.Duration, Outputs: outputs}
		chunks = append(chunks, c)
		start += frames
	}
	return chunks
}

// preChain is the filter chain run once on the decoded source.
func preChain(l Ladder) string {
	var f []string
	if l.Source.Interlaced {
		f = append(f, "bwdif=mode=send_frame:deint=interlaced")
	}
	// Constant frame rate: variable rate sources become regular, so a GOP in
	// frames is a segment in time.
	f = append(f, "fps="+l.FrameRate.String())
	switch l.ToneMap {
	case "zscale+hable":
		// To linear light, to BT.709 primaries, tone-map (hable keeps
		// highlights without clipping), then BT.709 transfer, matrix and TV
		// range. zscale reads the input's transfer from the frames.
		f = append(f,
			"zscale=t=linear:npl=100", "format=gbrpf32le", "zscale=p=bt709",
			"tonemap=tonemap=hable:desat=0", "zscale=t=bt709:m=bt709:r=tv", "format=yuv420p")
	default:
		if l.Source.PixelFormat != "yuv420p" {
			f = append(f, "format=yuv420p") // 10-bit, 4:2:2, full range… to 8-bit 4:2:0
		}
	}
	return strings.Join(f, ",")
}

// rungChain is the filter chain of one rendition after the split.
func rungChain(l Ladder, r Rendition) string {
	s := fmt.Sprintf("scale=%d:%d:flags=bicubic,setsar=%s", r.Width, r.Height, rungSAR(l, r))
	if r.HalfRate {
		// Exactly every other frame of the constant-rate picture: the same
		// instants, so keyframe n×GOP/2 here is keyframe n×GOP at full rate.
		s = "fps=" + r.FrameRate.String() + "," + s
	}
	return s
}

// videoArgs are the encoder options of one rendition, after its -map.
func videoArgs(l Ladder, r Rendition) []string {
	gop := strconv.Itoa(r.GOP)
	args := []string{
		"-c:v", "libx264", "-preset", l.Preset, "-crf", strconv.Itoa(l.CRF),
		"-maxrate", strconv.Itoa(r.MaxRate), "-bufsize", strconv.Itoa(r.BufSize),
		"-profile:v", r.Profile, "-level:v", r.Level, "-pix_fmt", "yuv420p",
		// Fixed GOP: a keyframe every GOP frames and nowhere else (no scene
		// cuts), forced as IDR. Counted in frames, not seconds: with 59.94 fps
		// halved, "first frame at or after n×D seconds" can pick different
		// instants at the two rates; frame n×GOP never does.
		"-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
		"-force_key_frames", "expr:eq(mod(n," + gop + "),0)",
	}
	if l.ToneMap != "" {
		args = append(args, "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709")
	}
	return append(args, outputArgs()...)
}

func audioArgs(a AudioRendition) []string {
	args := []string{
		"-map", "0:" + strconv.Itoa(a.SourceIndex),
		"-c:a", "aac", "-b:a", strconv.Itoa(a.Bitrate), "-ac", strconv.Itoa(a.Channels), "-ar", strconv.Itoa(a.SampleRate),
	}
	lang := a.Language
	if lang == "" {
		lang = "und"
	}
	args = append(args, "-metadata:s:a:0", "language="+lang)
	return append(args, outputArgs()...)
}

// outputArgs end every output: nothing of the source's metadata (a phone's GPS
// position, an editor's name) travels on; a progressive MP4 with an edit list.
//
// Why not fragmented MP4 straight away: ffmpeg 5.1 writes no edit list in
// fragmented output, so each rendition's first picture is shown after its
// B-frame reorder delay, which is two frames at that rendition's rate: 33 ms
// at 60 fps, 67 ms at 30. The keyframes of a half-rate rendition would then
// sit 33 ms off the others'. With the edit list every rendition starts at 0
// and keyframe n is at the same instant in all of them; the packager cuts
// these files at their keyframes into CMAF segments and carries the offset
// (edit list or negative composition offsets) into the init segment.
func outputArgs() []string {
	return []string{"-map_metadata", "-1", "-map_chapters", "-1", "-use_editlist", "1", "-f", "mp4"}
}

// transcodeTimeout is a generous deadline: 5 minutes plus 4× real time per
// rendition (veryfast 1080p runs well above real time on two cores).
func transcodeTimeout(d time.Duration, renditions int) time.Duration {
	return 5*time.Minute + time.Duration(4*max(1, renditions))*d
}

func seconds3(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) }
