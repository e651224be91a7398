package apps_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appstest"
)

// benchPackagers are the packagers BenchmarkBuild measures: add each real
// platform's (apps/web.Packager, apps/roku.Packager, …) here as they land.
var benchPackagers = []apps.Packager{
	&appstest.Packager{P: apps.Web},
}

func benchSpec(b *testing.B, p apps.Platform) apps.Spec {
	b.Helper()
	logo, _, err := apps.CheckLogo(pngOf(b, 1024, 1024, true))
	if err != nil {
		b.Fatal(err)
	}
	pal, _, err := apps.MakePalette("#e50914", "#f5c518", "#101014")
	if err != nil {
		b.Fatal(err)
	}
	return apps.Spec{Platform: p, TenantID: "0190f0aa-0000-7000-8000-000000000001", Slug: "acme", Name: "Acme TV", ShortName: "Acme",
		Description: "Films and series.", Keywords: []string{"films"}, Palette: pal, Logo: logo, BundleID: "tv.marquee.acme",
		BaseURL: "https://acme.example.com", AppKey: "mqa_bench", WebURL: "https://acme.example.com/",
		Version: apps.Version{Major: 1, Minor: 4, Build: 12}, Features: apps.Features{Billing: true, Shorts: true, Cast: true},
		Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
}

// BenchmarkBuild is one platform build (render, images, validation,
// package) per iteration, for each packager in benchPackagers. It reports
// "x-zip": the build's time over the time to zip the files it produced
// (a floor no build can beat), so figures compare across machines.
func BenchmarkBuild(b *testing.B) {
	for _, pk := range benchPackagers {
		b.Run(strings.ToLower(string(pk.Platform())), func(b *testing.B) {
			spec := benchSpec(b, pk.Platform())
			var last apps.Artifact
			start := time.Now()
			n := 0
			for b.Loop() {
				art, err := pk.Package(context.Background(), spec, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
				last = art
				n++
			}
			perBuild := time.Since(start) / time.Duration(max(n, 1))
			b.StopTimer()
			zipStart := time.Now()
			const zips = 5
			for range zips {
				if _, err := last.Files.Zip(); err != nil {
					b.Fatal(err)
				}
			}
			perZip := time.Since(zipStart) / zips
			b.ReportMetric(float64(perBuild)/float64(max(perZip, 1)), "x-zip")
			b.ReportMetric(float64(len(last.Data)), "artifact-bytes")
		})
	}
}
