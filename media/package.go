package media

import (
	"path/filepath"
	"strconv"
	"time"
)

// The files PlanPackage writes at the top of its output folder. Beside them
// are, per representation (video renditions first, in ladder order, then the
// audio renditions, numbered from 0), init_{n}.mp4, seg_{n}_{00001…}.m4s and
// the HLS media playlist media_{n}.m3u8.
const (
	HLSMaster = "master.m3u8"
	DASHMPD   = "manifest.mpd"
)

// PlanPackage is the CMAF packaging plan: one ffmpeg run (ffmpeg's dash muxer)
// that copies the transcoded renditions in transcodeDir (named as
// PlanTranscode's outputs) without re-encoding, cuts them at their keyframes
// into fragmented-MP4 segments of Ladder.SegmentDuration, and writes a DASH
// MPD over them and, over the same segments, HLS media playlists and a master
// playlist whose variants share an AUDIO group. Inputs go through the same
// whitelists as every input we plan: they are our own files, but only MP4 is
// expected of them.
func PlanPackage(l Ladder, transcodeDir, outDir string) Command {
	args := append([]string{}, globalArgs...)
	var inputs []string
	for _, r := range l.Renditions {
		inputs = append(inputs, VideoOutput(transcodeDir, r))
	}
	for i := range l.Audio {
		inputs = append(inputs, AudioOutput(transcodeDir, i))
	}
	for _, in := range inputs {
		args = append(args, packageInputArgs(in)...)
	}
	for i := range inputs {
		args = append(args, "-map", strconv.Itoa(i)+":0")
	}
	sets := "id=0,streams=v"
	if len(l.Audio) > 0 {
		sets += " id=1,streams=a"
	}
	seg := l.SegmentDuration
	if seg <= 0 {
		seg = DefaultSegmentDuration
	}
	mpd := filepath.Join(outDir, DASHMPD)
	args = append(args,
		// Every rendition already displays at the top one's aspect (its
		// sample aspect is set when it is encoded: rungSAR), so the copy
		// needs no -aspect, which on a stream copy makes ffmpeg warn.
		"-c", "copy", "-map_metadata", "-1", "-map_chapters", "-1",
		"-f", "dash",
		"-seg_duration", seconds3(seg),
		"-use_template", "1", "-use_timeline", "1",
		"-streaming", "0", "-ldash", "0", "-window_size", "0",
		"-adaptation_sets", sets,
		"-init_seg_name", "init_$RepresentationID$.mp4",
		"-media_seg_name", "seg_$RepresentationID$_$Number%05d$.m4s",
		"-hls_playlist", "1", "-hls_master_name", HLSMaster,
		fileURL(mpd),
	)
	return Command{Tool: FFmpeg, Args: args, Timeout: 5*time.Minute + l.Source.Duration,
		Duration: l.Source.Duration, Outputs: []string{mpd, filepath.Join(outDir, HLSMaster)}}
}

// packageInputArgs admit only the MP4 demuxer: the packager's inputs are the
// transcoder's outputs.
func packageInputArgs(path string) []string {
	return []string{"-protocol_whitelist", "file", "-format_whitelist", "mov", "-i", fileURL(path)}
}
