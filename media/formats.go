package media

import "strings"

// AcceptedFormats are the demuxers ffmpeg and ffprobe may use on an input
// (-format_whitelist). A name matches any of a demuxer's names, so "mov" admits
// "mov,mp4,m4a,3gp,3g2,mj2" and "matroska" admits "matroska,webm".
//
// Every entry reads only the one file it is given. Deliberately absent: hls,
// dash, concat (ffconcat), image2, sdp/rtp/rtsp, lavfi, tee and any other
// demuxer that opens other files or URLs named inside its input: a "movie.mp4"
// that is really an HLS playlist or an ffconcat script can name any local path,
// and allowing only the file protocol does not stop that (CONVENTIONS 18).
// Raw elementary streams (h264, hevc, m4v) are absent too: they carry no timing.
// The audio containers are here for sidecar audio tracks; a title's source must
// still have a picture (Probe.CheckSource).
var AcceptedFormats = []string{
	"mov", "mp4", "matroska", "webm", "avi", "mpegts", "mxf", "flv", "mpeg", "asf", "dv",
	"mp3", "wav", "flac", "ogg", "aac",
}

// inputArgs are the options in front of every input we plan: only the file
// protocol, only AcceptedFormats, and the path spelled as a file: URL so that a
// name like "concat:…" or "-x" cannot be read as a protocol or an option.
func inputArgs(path string) []string {
	return []string{
		"-protocol_whitelist", "file",
		"-format_whitelist", strings.Join(AcceptedFormats, ","),
		"-i", fileURL(path),
	}
}

// fileURL spells a local path for ffmpeg. ffmpeg's file protocol takes the rest
// of "file:" verbatim (no percent-decoding), so any path works.
func fileURL(path string) string { return "file:" + path }
