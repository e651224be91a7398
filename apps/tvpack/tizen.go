package tvpack

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"strings"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/errs"
)

// TizenImages are the images the .wgt carries: config.xml's launcher icon
// at the size Samsung's Seller Office asks for the single-image app icon
// (developer.samsung.com/smarttv/design/app-icons-and-screenshots: 512×423,
// 24-bit PNG). The 1920×1080 logo and background of the store listing are
// uploaded to the Seller Office, not packaged.
var TizenImages = []Image{
	{"tizen/icon-512x423.png", 512, 423},
}

// TizenPrivileges are the privileges config.xml asks for: the network, the
// remote's media keys (tizen.tvinputdevice.registerKey) and exiting or
// launching applications (tizen.application).
var TizenPrivileges = []string{
	"http://tizen.org/privilege/internet",
	"http://tizen.org/privilege/tv.inputdevice",
	"http://tizen.org/privilege/application.launch",
}

// Tizen packages the TV web app as a Samsung Tizen .wgt: config.xml (W3C
// widget with the tizen namespace), the icon, and the web app's files,
// zipped and unsigned. Samsung TVs install only packages signed with a
// Samsung author and distributor certificate, which belong to the tenant's
// Samsung account, so signing happens on the tenant's side (README, "Samsung
// and LG TV apps"). config.xml lets the app reach any origin (<access
// origin="*">): the API, the CDN that serves the video and the artwork may
// be on different hosts per tenant, and the app is the same code browsers
// run from the tenant's own host.
type Tizen struct {
	Web apps.WebBundler
}

// Platform is apps.Tizen.
func (p *Tizen) Platform() apps.Platform { return apps.Tizen }

type tizenData struct {
	WidgetID, Version, AppID, PackageID string
	Name, Description, Author           string
}

// TizenPackageID is the 10-character package id for a bundle id: Tizen
// wants exactly 10 of [0-9a-zA-Z]; Tizen Studio draws one at random, we
// derive it from the bundle id (base 62 of its SHA-256) so that every
// version of a tenant's app is an update of the same package.
func TizenPackageID(bundleID string) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	sum := sha256.Sum256([]byte(bundleID))
	n := new(big.Int).SetBytes(sum[:])
	base := big.NewInt(62)
	var out [10]byte
	mod := new(big.Int)
	for i := range out {
		n.DivMod(n, base, mod)
		out[i] = digits[mod.Int64()]
	}
	return string(out[:])
}

// TizenAppName is the application name half of the Tizen app id
// ("{package}.{name}"): the letters and digits of the bundle id's last part,
// at most 52 characters (Tizen's limit for the id is 63 with the package
// and the dot), "App" when none are left.
func TizenAppName(bundleID string) string {
	last := bundleID[strings.LastIndex(bundleID, ".")+1:]
	var b strings.Builder
	for _, r := range last {
		if r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') && b.Len() < 52 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "App"
	}
	return b.String()
}

// Package builds the unsigned .wgt.
func (p *Tizen) Package(ctx context.Context, s apps.Spec, log io.Writer) (apps.Artifact, error) {
	if err := checkSpec(s, apps.Tizen); err != nil {
		return apps.Artifact{}, err
	}
	// Tizen's widget version is {0-255}.{0-255}.{0-65535} (Samsung,
	// "Configuring Web Applications").
	if v := s.Version; v.Major > 255 || v.Minor > 255 || v.Patch > 65535 {
		return apps.Artifact{}, errs.InvalidField("version", "Tizen versions go up to 255.255.65535; %s is beyond", v)
	}
	widgetID := s.WebURL
	if widgetID == "" {
		widgetID = s.BaseURL
	}
	if u, err := url.Parse(widgetID); err != nil || u.Scheme == "" || u.Host == "" {
		return apps.Artifact{}, errs.InvalidField("webUrl", "the Tizen widget id needs the web app's absolute address, got %q", widgetID)
	}
	tree, err := bundle(ctx, p.Web, s, log)
	if err != nil {
		return apps.Artifact{}, err
	}
	meta, err := tizenMeta(s, widgetID)
	if err != nil {
		return apps.Artifact{}, err
	}
	if err := add(tree, meta); err != nil {
		return apps.Artifact{}, err
	}
	fmt.Fprintf(log, "drawing %d Tizen images\n", len(TizenImages))
	imgs := apps.Tree{}
	for _, im := range TizenImages {
		b, err := appimage.PNG(appimage.Opaque(appimage.Fit(s.Logo, im.W, im.H, s.Palette.Background, 0.15), s.Palette.Background))
		if err != nil {
			return apps.Artifact{}, errs.Internal(err)
		}
		imgs[im.Path] = b
	}
	if err := add(tree, imgs); err != nil {
		return apps.Artifact{}, err
	}
	wgt, err := tree.Zip()
	if err != nil {
		return apps.Artifact{}, errs.Internal(err)
	}
	fmt.Fprintf(log, "Tizen package (unsigned): %d bytes, application id %s\n", len(wgt), TizenPackageID(s.BundleID)+"."+TizenAppName(s.BundleID))
	return apps.Artifact{
		FileName:    fileName(s, "tizen", "wgt"),
		ContentType: "application/widget",
		Data:        wgt,
		Files:       tree,
	}, nil
}

// tizenMeta renders config.xml for s, the widget named by widgetID.
func tizenMeta(s apps.Spec, widgetID string) (apps.Tree, error) {
	pkg := TizenPackageID(s.BundleID)
	return render("tizen", tizenData{
		WidgetID:    widgetID,
		Version:     s.Version.String(),
		AppID:       pkg + "." + TizenAppName(s.BundleID),
		PackageID:   pkg,
		Name:        strings.TrimSpace(s.Name),
		Description: strings.TrimSpace(s.Description),
		Author:      strings.TrimSpace(s.Name),
	})
}
