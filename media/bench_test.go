package media_test

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/media/mediatest"
)

// BenchmarkTranscodeSingleDecodeVsNaive encodes the same ladder of a 1080p30
// clip twice in the same process: with PlanTranscode (one ffmpeg run, one
// decode) and with PlanNaiveTranscodes (one run per rendition, each decoding
// the source again, in sequence), and reports the ratio of wall times (goal ≤
// 0.7) and of the CPU time ffmpeg used (steadier on a shared machine). Not part
// of `make test`:
//
//	go test ./media -run '^$' -bench SingleDecodeVsNaive -benchtime 1x
//
// The source is H.264 High (CABAC, B-frames) at CRF 16, about what an editor
// exports; MARQUEE_BENCH_SECONDS sets its length (default 10) and
// MARQUEE_BENCH_PRESET the x264 preset it is made with (default veryfast;
// "ultrafast" makes a source that is far cheaper to decode, so a smaller win).
func BenchmarkTranscodeSingleDecodeVsNaive(b *testing.B) {
	secs := 10.0
	if s, err := strconv.ParseFloat(os.Getenv("MARQUEE_BENCH_SECONDS"), 64); err == nil && s >= 2 {
		secs = s
	}
	preset := "veryfast"
	if s := os.Getenv("MARQUEE_BENCH_PRESET"); s != "" {
		preset = s
	}
	dir := b.TempDir()
	src := mediatest.MustClip(b, dir, "source.mp4", mediatest.Clip{Width: 1920, Height: 1080, Rate: "30", Seconds: secs, Audio: 2,
		Preset: preset, Extra: []string{"-crf", "16"}})
	r := mustRunner(b, media.RunnerConfig{Timeout: time.Hour})
	p, err := r.Probe(testContext(b), src)
	if err != nil {
		b.Fatal(err)
	}
	l, err := media.PlanLadder(p)
	if err != nil {
		b.Fatal(err)
	}
	var single, naive, singleCPU, naiveCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := b.TempDir()
		start, cpu := time.Now(), childCPU()
		if _, err := r.Run(b.Context(), media.PlanTranscode(l, src, out), nil); err != nil {
			b.Fatal(err)
		}
		single += time.Since(start)
		singleCPU += childCPU() - cpu

		out = b.TempDir()
		start, cpu = time.Now(), childCPU()
		for _, c := range media.PlanNaiveTranscodes(l, src, out) {
			if _, err := r.Run(b.Context(), c, nil); err != nil {
				b.Fatal(err)
			}
		}
		naive += time.Since(start)
		naiveCPU += childCPU() - cpu
	}
	ratio := float64(single) / float64(naive)
	cpuRatio := float64(singleCPU) / float64(naiveCPU)
	n := time.Duration(b.N)
	b.ReportMetric((single / n).Seconds(), "single-s/op")
	b.ReportMetric((naive / n).Seconds(), "naive-s/op")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(cpuRatio, "cpu-ratio")
	fmt.Printf("%d renditions of a %gs 1080p30 source (made with x264 %s), encoded with preset %s:\n"+
		"  single decode %v wall, %v cpu; naive %v wall, %v cpu\n  ratio %.2f wall, %.2f cpu (goal <= 0.70)\n",
		len(l.Renditions), secs, preset, l.Preset,
		(single / n).Round(time.Millisecond), (singleCPU / n).Round(time.Millisecond),
		(naive / n).Round(time.Millisecond), (naiveCPU / n).Round(time.Millisecond), ratio, cpuRatio)
}

// childCPU is the user+system time of this process's finished children.
func childCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImagesAgainstTranscode measures what the poster and trick-play
// run (PlanImages: one more decode of the source) adds to an ingest, against
// the single-decode transcode of the same 1080p30 clip. Not part of `make
// test`:
//
//	go test ./media -run '^$' -bench ImagesAgainstTranscode -benchtime 1x
func BenchmarkImagesAgainstTranscode(b *testing.B) {
	secs := 10.0
	if s, err := strconv.ParseFloat(os.Getenv("MARQUEE_BENCH_SECONDS"), 64); err == nil && s >= 2 {
		secs = s
	}
	dir := b.TempDir()
	src := mediatest.MustClip(b, dir, "source.mp4", mediatest.Clip{Width: 1920, Height: 1080, Rate: "30", Seconds: secs, Audio: 2,
		Preset: "veryfast", Extra: []string{"-crf", "16"}})
	r := mustRunner(b, media.RunnerConfig{Timeout: time.Hour})
	p, err := r.Probe(testContext(b), src)
	if err != nil {
		b.Fatal(err)
	}
	l, err := media.PlanLadder(p)
	if err != nil {
		b.Fatal(err)
	}
	var trans, images, transCPU, imagesCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start, cpu := time.Now(), childCPU()
		if _, err := r.Run(b.Context(), media.PlanTranscode(l, src, b.TempDir()), nil); err != nil {
			b.Fatal(err)
		}
		trans += time.Since(start)
		transCPU += childCPU() - cpu
		start, cpu = time.Now(), childCPU()
		cmd, _ := media.PlanImages(l, src, b.TempDir())
		if _, err := r.Run(b.Context(), cmd, nil); err != nil {
			b.Fatal(err)
		}
		images += time.Since(start)
		imagesCPU += childCPU() - cpu
	}
	n := time.Duration(b.N)
	b.ReportMetric((images / n).Seconds(), "images-s/op")
	b.ReportMetric(float64(images)/float64(trans), "ratio")
	fmt.Printf("a %gs 1080p30 source: transcode %v wall, %v cpu; poster + trick-play %v wall, %v cpu (%.0f%% of the transcode's wall time)\n",
		secs, (trans / n).Round(time.Millisecond), (transCPU / n).Round(time.Millisecond),
		(images / n).Round(time.Millisecond), (imagesCPU / n).Round(time.Millisecond), 100*float64(images)/float64(trans))
}
