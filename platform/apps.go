package platform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"os"
	"path/filepath"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/android"
	"github.com/marquee-ott/marquee/apps/apple"
	"github.com/marquee-ott/marquee/apps/listing"
	"github.com/marquee-ott/marquee/apps/roku"
	"github.com/marquee-ott/marquee/apps/tvpack"
	"github.com/marquee-ott/marquee/apps/web"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/workflows/appbuild"
)

// appService is the white-label apps as the API and the worker both use
// it: builds start on the builds queue; download links are signed with a
// key derived from MARQUEE_SECRET_KEY.
func (m *Main) appService() *apps.Service {
	m.AppChanges = apps.NewChanges(m.DB, m.Log.With("component", "app_build_changes"))
	return &apps.Service{DB: m.DB, Tenants: m.Tenants, Domains: m.Domains, Blobs: m.Blobs, Quotas: m.Operators,
		Pipeline: &appbuild.Starter{Client: m.Temporal, TaskQueue: m.Config.BuildQueue},
		Permits:  m.Authz, Packagers: m.appPackagers(), Listing: m.appListing(),
		BaseURL: m.Config.BaseURL, BaseDomain: m.Config.BaseDomain, SigningKey: downloadKey(m.Config.SecretKey),
		Changes: m.AppChanges, KeepBuilds: m.Config.KeepBuilds, Logger: m.Log.With("component", "apps")}
}

// appPackagers are the platforms this installation builds. Roku builds are
// compiled and linted with bsc when it is installed (otherwise the build log
// says the check was skipped); webOS builds need ares-package, and fail
// saying so without it.
func (m *Main) appPackagers() map[apps.Platform]apps.Packager {
	w := &web.Packager{}
	ps := []apps.Packager{w, &roku.Packager{BSC: m.appTool("bsc")}, &android.Packager{}, &apple.Packager{},
		&tvpack.Tizen{Web: w}, &tvpack.WebOS{Web: w, AresPackage: m.appTool("ares-package")}}
	out := make(map[apps.Platform]apps.Packager, len(ps))
	for _, p := range ps {
		out[p.Platform()] = p
	}
	return out
}

// appListing makes a build's store listing pack.
func (m *Main) appListing() func(context.Context, apps.Spec) (apps.Tree, error) {
	return listing.Pack
}

// appTool finds one of the npm checkers: in MARQUEE_APP_TOOLS when set,
// else as apps.FindTool does; "" when nowhere.
func (m *Main) appTool(name string) string {
	if dir := m.Config.AppTools; dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		return ""
	}
	p, _ := apps.FindTool(name)
	return p
}

// downloadKey derives the download links' signing key from the secret key,
// so the sealing key itself never signs anything public.
func downloadKey(secret string) []byte {
	k, err := sealbox.ParseKey(secret)
	if err != nil {
		k = []byte(secret)
	}
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte("marquee app download links"))
	return mac.Sum(nil)
}
