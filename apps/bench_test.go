package apps_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/android"
	"github.com/marquee-ott/marquee/apps/apple"
	"github.com/marquee-ott/marquee/apps/roku"
	"github.com/marquee-ott/marquee/apps/tvpack"
	"github.com/marquee-ott/marquee/apps/web"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
)

// benchPackagers are the packagers BenchmarkBuild measures: every real
// platform's, as platform registers them (Roku with bsc and webOS with
// ares-package when deploy/npm-tools.sh installed them).
var benchPackagers = func() []apps.Packager {
	w := &web.Packager{}
	bsc, _ := apps.FindTool("bsc")
	ps := []apps.Packager{w, &roku.Packager{BSC: bsc}, &android.Packager{}, &apple.Packager{}, &tvpack.Tizen{Web: w}}
	if ares, err := tvpack.FindAresPackage(); err == nil {
		ps = append(ps, &tvpack.WebOS{Web: w, AresPackage: ares})
	}
	return ps
}()

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

// BenchmarkBuildService is a whole build through the service, as the
// workflow's activities run it (Prepare: Spec, logo and colour checks, app
// key, settings; Package: the packager, the artifact to blob storage, live
// log lines; Finish: the log to blob storage), without Temporal, per
// packager in benchPackagers. "x-package" is its time over the packager's
// alone: the bookkeeping's cost.
func BenchmarkBuildService(b *testing.B) {
	for _, pk := range benchPackagers {
		b.Run(strings.ToLower(string(pk.Platform())), func(b *testing.B) {
			f := newFixture(b)
			f.apps.Register(pk)
			ctx := context.Background()
			tenant := testenv.MustTenant(b, f.apps.DB)
			if _, err := f.tenants.SetLogo(ctx, tenants.Principal{Tenant: tenant}, bytes.NewReader(pngOf(b, 1024, 1024, true))); err != nil {
				b.Fatal(err)
			}
			spec, _, err := f.apps.Spec(ctx, tenant, pk.Platform())
			if err != nil {
				b.Fatal(err)
			}
			pkStart := time.Now()
			for range 3 {
				if _, err := pk.Package(ctx, spec, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			perPackage := time.Since(pkStart) / 3
			start, n := time.Now(), 0
			for b.Loop() {
				bd, err := f.apps.RequestBuild(ctx, editor(tenant), pk.Platform())
				if err != nil {
					b.Fatal(err)
				}
				if got := f.run(b, tenant, bd.ID); got.Status != apps.StatusSucceeded {
					b.Fatalf("build %+v", got)
				}
				n++
			}
			b.ReportMetric(float64(time.Since(start)/time.Duration(max(n, 1)))/float64(perPackage), "x-package")
		})
	}
}
