// Package media is Marquee's video foundation: it probes uploaded sources with
// ffprobe, plans per-title encoding ladders, plans ffmpeg runs as data (argv) and
// runs them safely.
//
// Everything here is either a pure function (ParseProbe, PlanLadder,
// PlanTranscode, PlanNaiveTranscodes, PlanChunks, PlanPackage, PlanAudioTrack,
// PlanImages, the manifest patchers SetMasterAudio, SetMasterSubtitles,
// LabelMPDAudio, AddMPDAudio, SetMPDSubtitles, and ThumbnailsVTT) pinned by golden tests, or the
// Runner, the one place that starts ffmpeg and ffprobe: without a shell, in its own
// process group killed with its children on deadline or cancellation, with
// bounded concurrency, only the file protocol and only the containers we accept
// (AcceptedFormats) on input, and the tail of stderr kept for the failure reason.
// Bad input is reported as errs.Invalid with a reason a tenant's editor can read.
//
// It is not for orchestration: it knows nothing of Temporal, GraphQL, HTTP, blob
// storage or the database. The ingest workflow downloads a source into a job
// folder, calls Runner.Probe, PlanLadder and PlanTranscode (or PlanChunks to fan
// a long title out), runs the commands with Runner.Run while heartbeating the
// progress it reports, packages them with PlanPackage (CMAF segments, HLS
// playlists and a DASH MPD over the same segments), adds the sidecar audio
// tracks (PlanAudioTrack) and WebVTT subtitles to the manifests, makes the poster
// and trick-play sprites (PlanImages, ThumbnailsVTT), encrypts the package for
// HLS AES-128 with EncryptHLS when the tenant wants it (hlsaes.go: pure file
// transforms; the key comes from package contentkeys) and uploads it.
package media
