package media

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Join is the plan that puts a rendition's chunks (PlanChunks) back together
// without re-encoding: ffmpeg's concat demuxer reads List (written at
// ListPath before the run) and copies the packets into the rendition's
// VideoOutput, the file a single-decode transcode would have made.
type Join struct {
	Rendition Rendition
	ListPath  string
	List      string // the ffconcat script
	Command   Command
}

// PlanJoin plans one join per rendition of chunks made by PlanChunks(l, _,
// outDir, _). The lists name the chunk files relative to outDir, where they
// are written, so the concat demuxer's safe mode (on by default: no absolute
// paths, no protocols, portable characters only) holds; the demuxers allowed
// are concat for the list and mov for the chunks, our own MP4s, and nothing
// else. Each chunk starts on a keyframe of every rendition and holds whole
// GOPs, so the joined file has its keyframes where one run would have put
// them; the explicit durations make each chunk's timestamps start exactly
// where the previous chunk's frames end.
func PlanJoin(l Ladder, chunks []Chunk, outDir string) []Join {
	var joins []Join
	for _, r := range l.Renditions {
		var b strings.Builder
		b.WriteString("ffconcat version 1.0\n")
		for _, c := range chunks {
			// Relative to the list's folder; the workflow plans with an
			// empty outDir, for the deadline only.
			rel, err := filepath.Rel(outDir, VideoOutput(ChunkDir(outDir, c.Index), r))
			if err != nil {
				rel = VideoOutput(ChunkDir("", c.Index), r)
			}
			fmt.Fprintf(&b, "file '%s'\nduration %s\n", filepath.ToSlash(rel), seconds3(c.Duration))
		}
		list := filepath.Join(outDir, "join_"+r.Name+".ffconcat")
		out := VideoOutput(outDir, r)
		args := append([]string{}, globalArgs...)
		args = append(args, "-protocol_whitelist", "file", "-format_whitelist", "concat,mov",
			"-f", "concat", "-safe", "1", "-i", fileURL(list),
			"-map", "0:v:0", "-c", "copy")
		args = append(args, outputArgs()...)
		args = append(args, fileURL(out))
		joins = append(joins, Join{Rendition: r, ListPath: list, List: b.String(), Command: Command{
			Tool: FFmpeg, Args: args, Timeout: 5*time.Minute + l.Source.Duration/4, Duration: l.Source.Duration, Outputs: []string{out},
		}})
	}
	return joins
}

// rungSAR is the sample aspect ratio that makes rendition r display at
// exactly the top rendition's aspect. The dash muxer refuses an adaptation
// set whose representations differ in display aspect, and even sizes cannot
// always keep it exactly (a 16:9 title's 240-line rung is 426.67 pixels
// wide): the rung is encoded as 426×240 with a sample aspect of 640:639, so
// the packager copies it as it is (overriding the aspect on a stream copy,
// as -aspect does, makes ffmpeg warn that the file may be invalid). The top
// rung's is 1:1. max=65535 keeps setsar from rounding the ratio to small
// numbers (its default, 100, would change the aspect again).
func rungSAR(l Ladder, r Rendition) string {
	if len(l.Renditions) == 0 || r.Width == 0 || r.Height == 0 {
		return "1"
	}
	top := l.Renditions[0]
	num, den := int64(top.Width*r.Height), int64(top.Height*r.Width)
	if num == den {
		return "1"
	}
	g := gcd(num, den)
	return fmt.Sprintf("%d/%d:max=65535", num/g, den/g)
}
