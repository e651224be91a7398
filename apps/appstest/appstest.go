// Package appstest is a small apps.Packager for tests of the build
// machinery (package apps, workflows/appbuild, graph): it renders a config
// file from the Spec and one icon from the logo, and can be told to fail or
// to wait. It is not a platform: apps/web, apps/roku and the others are.
package appstest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/errs"
)

// Packager packages P's "app": config.json and icon-512.png in a zip.
type Packager struct {
	P apps.Platform
	// Fail, when set, is returned after the first log line.
	Fail error
	// Gate, when set, makes Package wait until it is closed (or a value is
	// sent); Started, when set, receives the build number as Package starts.
	Gate    chan struct{}
	Started chan int
}

// Platform is P.
func (p *Packager) Platform() apps.Platform { return p.P }

// Config is what config.json holds.
type Config struct {
	Name, ShortName, BundleID, BaseURL, WebURL, AppKey, Version string
	Build                                                       int
	Primary, OnPrimary, Background, Text                        string
	Features                                                    apps.Features
}

// Package makes the zip.
func (p *Packager) Package(ctx context.Context, s apps.Spec, log io.Writer) (apps.Artifact, error) {
	fmt.Fprintf(log, "rendering the %s template for %s\n", strings.ToLower(string(p.P)), s.Name)
	if p.Started != nil {
		p.Started <- s.Version.Build
	}
	if p.Gate != nil {
		select {
		case <-p.Gate:
		case <-ctx.Done():
			return apps.Artifact{}, ctx.Err()
		}
	}
	if p.Fail != nil {
		return apps.Artifact{}, p.Fail
	}
	if s.Logo == nil {
		return apps.Artifact{}, errs.Invalid("the Spec has no logo")
	}
	cfg, _ := json.MarshalIndent(Config{Name: s.Name, ShortName: s.ShortName, BundleID: s.BundleID, BaseURL: s.BaseURL, WebURL: s.WebURL,
		AppKey: s.AppKey, Version: s.Version.String(), Build: s.Version.Build, Primary: apps.Hex(s.Palette.Primary),
		OnPrimary: apps.Hex(s.Palette.OnPrimary), Background: apps.Hex(s.Palette.Background), Text: apps.Hex(s.Palette.Text), Features: s.Features}, "", "  ")
	fmt.Fprintln(log, "generating icon-512.png")
	icon, err := appimage.PNG(appimage.Opaque(appimage.Fit(s.Logo, 512, 512, s.Palette.Background, 0.1), s.Palette.Background))
	if err != nil {
		return apps.Artifact{}, err
	}
	tree := apps.Tree{"config.json": cfg, "icon-512.png": icon}
	data, err := tree.Zip()
	if err != nil {
		return apps.Artifact{}, err
	}
	fmt.Fprintf(log, "packaged %d files\n", len(tree))
	return apps.Artifact{FileName: fmt.Sprintf("%s-%s-%s-%d.zip", s.Slug, strings.ToLower(string(p.P)), s.Version, s.Version.Build),
		ContentType: "application/zip", Data: data, Files: tree}, nil
}
