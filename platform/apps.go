package platform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/workflows/appbuild"
)

// appService is the white-label apps as the API and the worker both use
// it: builds start on the builds queue; download links are signed with a
// key derived from MARQUEE_SECRET_KEY.
func (m *Main) appService() *apps.Service {
	m.AppChanges = &apps.Changes{DB: m.DB, Log: m.Log.With("component", "app_build_changes")}
	return &apps.Service{DB: m.DB, Tenants: m.Tenants, Domains: m.Domains, Blobs: m.Blobs,
		Pipeline: &appbuild.Starter{Client: m.Temporal, TaskQueue: m.Config.BuildQueue},
		Permits:  m.Authz, Packagers: m.appPackagers(), Listing: m.appListing(),
		BaseURL: m.Config.BaseURL, BaseDomain: m.Config.BaseDomain, SigningKey: downloadKey(m.Config.SecretKey),
		Changes: m.AppChanges, Logger: m.Log.With("component", "apps")}
}

// appPackagers are the platforms this installation builds. The platform
// packages (apps/web, apps/roku, apps/android, apps/apple, apps/tvpack) are
// registered here; until they are, no platform is available and buildApp
// says so.
func (m *Main) appPackagers() map[apps.Platform]apps.Packager {
	return map[apps.Platform]apps.Packager{}
}

// appListing makes a build's store listing pack (apps/listing); nil: none.
func (m *Main) appListing() func(context.Context, apps.Spec) (apps.Tree, error) {
	return nil
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
