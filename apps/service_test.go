package apps_test

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appstest"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/blobstore"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/testenv"
)

// pipeline records the builds it was asked to start.
type pipeline struct {
	mu   sync.Mutex
	got  []apps.BuildRequest
	fail error
}

func (p *pipeline) StartBuild(_ context.Context, r apps.BuildRequest) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.got = append(p.got, r)
	return nil
}

type fixture struct {
	apps    *apps.Service
	tenants *tenants.Service
	pipe    *pipeline
	blobs   *blob.Bucket
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	d := testenv.DB(t)
	bucket, err := blobstore.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	ts := &tenants.Service{DB: d, Blobs: bucket}
	f := &fixture{tenants: ts, pipe: &pipeline{}, blobs: bucket}
	f.apps = &apps.Service{DB: d, Tenants: ts, Blobs: bucket, Pipeline: f.pipe, BaseURL: "https://api.example.com",
		SigningKey: []byte("0123456789abcdef0123456789abcdef")}
	for _, p := range []apps.Platform{apps.Web, apps.Roku, apps.Tizen} {
		f.apps.Register(&appstest.Packager{P: p})
	}
	return f
}

func editor(tenant uuid.UUID) tenants.Principal {
	return tenants.Principal{Tenant: tenant, Kind: tenants.PrincipalStaff, Subject: uuid.New(), Role: authz.RoleEditor, Label: "ed@example.com"}
}

// run does what the workflow does, in line: prepare, package, finish.
func (f *fixture) run(t testing.TB, tenant uuid.UUID, id apps.BuildID) apps.Build {
	t.Helper()
	ctx := context.Background()
	if _, err := f.apps.Prepare(ctx, tenant, id); err != nil {
		b, ferr := f.apps.Finish(ctx, tenant, id, apps.Outcome{Error: errs.MessageOf(err)})
		if ferr != nil {
			t.Fatal(ferr)
		}
		return b
	}
	out, err := f.apps.Package(ctx, tenant, id, nil)
	o := apps.Outcome{Output: out}
	if err != nil {
		o = apps.Outcome{Error: errs.MessageOf(err)}
	}
	b, err := f.apps.Finish(ctx, tenant, id, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) brand(t *testing.T, tenant uuid.UUID, name string) {
	t.Helper()
	if _, err := f.tenants.UpdateBranding(context.Background(), tenants.Principal{Tenant: tenant},
		tenants.BrandingUpdate{AppName: &name}); err != nil {
		t.Fatal(err)
	}
}

// An analyst may not build (FORBIDDEN); an editor may. Build numbers go up
// per platform; a platform without a packager is INVALID "not available".
func TestRequestBuildPermissionsAndNumbers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	analyst := tenants.Principal{Tenant: tenant, Kind: tenants.PrincipalStaff, Subject: uuid.New(), Role: authz.RoleAnalyst}
	if _, err := f.apps.RequestBuild(ctx, analyst, apps.Web); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("analyst: %v", err)
	}
	if _, err := f.apps.RequestBuild(ctx, tenants.Principal{Tenant: tenant, Kind: tenants.PrincipalApp}, apps.Web); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("app key: %v", err)
	}
	if _, err := f.apps.RequestBuild(ctx, editor(tenant), apps.Apple); errs.KindOf(err) != errs.KindInvalid || !strings.Contains(errs.MessageOf(err), "not available") {
		t.Fatalf("no packager: %v", err)
	}
	if _, err := f.apps.RequestBuild(ctx, editor(tenant), "PALM"); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("unknown platform: %v", err)
	}
	var nums []int
	for _, p := range []apps.Platform{apps.Web, apps.Web, apps.Roku, apps.Web} {
		b, err := f.apps.RequestBuild(ctx, editor(tenant), p)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != apps.StatusQueued || b.Trigger != apps.TriggerManual || b.RequestedBy != "ed@example.com" || b.Version != "1.0.0" {
			t.Fatalf("new build %+v", b)
		}
		nums = append(nums, b.BuildNumber)
	}
	if want := []int{1, 2, 1, 3}; !equal(nums, want) {
		t.Fatalf("build numbers %v, want %v", nums, want)
	}
	if len(f.pipe.got) != 4 {
		t.Fatalf("started %d", len(f.pipe.got))
	}
	// Another workspace sees none of them.
	other := testenv.MustTenant(t, f.apps.DB)
	if list, _, err := f.apps.List(ctx, other, apps.BuildPage{}); err != nil || len(list) != 0 {
		t.Fatalf("other workspace lists %v %v", list, err)
	}
	if _, err := f.apps.Get(ctx, other, f.pipe.got[0].Build); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("other workspace gets %v", err)
	}
	// The pipeline down: the build is FAILED with a reason, the caller told.
	f.pipe.fail = errs.Unavailable(errors.New("down"), "building apps is unavailable")
	if _, err := f.apps.RequestBuild(ctx, editor(tenant), apps.Tizen); errs.KindOf(err) != errs.KindUnavailable {
		t.Fatalf("pipeline down: %v", err)
	}
	list, _, _ := f.apps.List(ctx, tenant, apps.BuildPage{First: 1})
	if list[0].Platform != apps.Tizen || list[0].Status != apps.StatusFailed || list[0].Error == "" {
		t.Fatalf("unstarted build %+v", list[0])
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Two builds of one platform: the second waits (Turn is false) until the
// first finishes; another platform's build does not wait.
func TestSecondBuildOfAPlatformWaits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	first, _ := f.apps.RequestBuild(ctx, editor(tenant), apps.Web)
	second, _ := f.apps.RequestBuild(ctx, editor(tenant), apps.Web)
	roku, _ := f.apps.RequestBuild(ctx, editor(tenant), apps.Roku)
	turn := func(id apps.BuildID) bool {
		ok, err := f.apps.Turn(ctx, tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !turn(first.ID) || turn(second.ID) || !turn(roku.ID) {
		t.Fatal("turns wrong while the first is QUEUED")
	}
	if _, err := f.apps.Prepare(ctx, tenant, first.ID); err != nil {
		t.Fatal(err)
	}
	if turn(second.ID) {
		t.Fatal("the second may run while the first is RUNNING")
	}
	if b := f.run(t, tenant, first.ID); b.Status != apps.StatusSucceeded {
		t.Fatalf("first %+v", b)
	}
	if !turn(second.ID) {
		t.Fatal("the second still waits after the first finished")
	}

	// A build whose run was stopped by hand does not hold its lane forever:
	// RUNNING past StaleRunning, it is failed when the next asks its turn.
	third, _ := f.apps.RequestBuild(ctx, editor(tenant), apps.Web)
	if _, err := f.apps.Prepare(ctx, tenant, second.ID); err != nil {
		t.Fatal(err)
	}
	if turn(third.ID) {
		t.Fatal("the third may run while the second is RUNNING")
	}
	f.apps.Now = func() time.Time { return time.Now().Add(apps.StaleRunning + time.Minute) }
	defer func() { f.apps.Now = nil }()
	if !turn(third.ID) {
		t.Fatal("a stale RUNNING build still holds the lane")
	}
	if b, _ := f.apps.Get(ctx, tenant, second.ID); b.Status != apps.StatusFailed || !strings.Contains(b.Error, "did not finish") {
		t.Fatalf("stale build %+v", b)
	}
}

// A build end to end: the Spec from the branding and settings, warnings, a
// live log, the artifact and the log in blob storage, a signed download
// that a forged, expired or other workspace's link cannot use.
func TestBuildStoresArtifactLogAndSignedDownload(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	f.brand(t, tenant, "Acme Television")
	if _, err := f.tenants.SetLogo(ctx, tenants.Principal{Tenant: tenant}, strings.NewReader(string(pngOf(t, 800, 600, false)))); err != nil {
		t.Fatal(err)
	}
	major, kw := 2, []string{"news", "sport"}
	if _, err := f.apps.UpdateSettings(ctx, editor(tenant), apps.SettingsUpdate{Major: &major, Keywords: &kw}); err != nil {
		t.Fatal(err)
	}
	b, err := f.apps.RequestBuild(ctx, editor(tenant), apps.Roku)
	if err != nil {
		t.Fatal(err)
	}
	done := f.run(t, tenant, b.ID)
	if done.Status != apps.StatusSucceeded || done.Version != "2.0.0" || !done.HasArtifact || !done.HasLog || done.FinishedAt == nil || done.StartedAt == nil {
		t.Fatalf("finished %+v", done)
	}
	if len(done.Warnings) != 1 || !strings.Contains(done.Warnings[0], "not square") {
		t.Fatalf("warnings %v", done.Warnings)
	}
	lines, err := f.apps.Log(ctx, tenant, b.ID, 1)
	if err != nil || len(lines) < 5 || lines[0].No != 1 || !strings.Contains(lines[len(lines)-1].Text, "SUCCEEDED") {
		t.Fatalf("log %+v %v", lines, err)
	}
	if later, _ := f.apps.Log(ctx, tenant, b.ID, 3); len(later) != len(lines)-2 || later[0].No != 3 {
		t.Fatalf("log from 3: %+v", later)
	}
	link := f.apps.DownloadURL(done, apps.DownloadArtifact)
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, "https://api.example.com/apps/downloads/"+tenant.String()+"/"+b.ID.String()+"/artifact?") {
		t.Fatalf("link %q", link)
	}
	open := func(tn uuid.UUID, id apps.BuildID, kind apps.DownloadKind, exp, sig string) (apps.Download, error) {
		return f.apps.OpenDownload(ctx, tn, id, kind, exp, sig)
	}
	exp, sig := u.Query().Get("expires"), u.Query().Get("sig")
	d, err := open(tenant, b.ID, apps.DownloadArtifact, exp, sig)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if !strings.HasSuffix(d.Name, "-roku-2.0.0-1.zip") || d.ContentType != "application/zip" || d.Size != done.ArtifactSize {
		t.Fatalf("download %+v", d)
	}
	// The artifact holds what the Spec said.
	data, _ := f.blobs.ReadAll(ctx, "tenants/"+tenant.String()+"/apps/builds/"+b.ID.String()+"/"+d.Name)
	tree, err := apps.Unzip(data)
	if err != nil || !strings.Contains(string(tree["config.json"]), `"Name": "Acme Television"`) ||
		!strings.Contains(string(tree["config.json"]), `"BundleID": "tv.marquee.`) || !strings.Contains(string(tree["config.json"]), `"AppKey": "`) {
		t.Fatalf("artifact %s %v", tree["config.json"], err)
	}
	if _, err := open(tenant, b.ID, apps.DownloadArtifact, exp, strings.Repeat("0", len(sig))); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("forged: %v", err)
	}
	if _, err := open(tenant, b.ID, apps.DownloadLog, exp, sig); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("another kind with the artifact's signature: %v", err)
	}
	f.apps.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := open(tenant, b.ID, apps.DownloadArtifact, exp, sig); errs.KindOf(err) != errs.KindForbidden || !strings.Contains(errs.MessageOf(err), "expired") {
		t.Fatalf("expired: %v", err)
	}
	f.apps.Now = nil
	// A link (validly signed) naming another workspace with this build: NotFound.
	other := testenv.MustTenant(t, f.apps.DB)
	forOther := done
	forOther.TenantID = other
	ou, _ := url.Parse(f.apps.DownloadURL(forOther, apps.DownloadArtifact))
	if _, err := open(other, b.ID, apps.DownloadArtifact, ou.Query().Get("expires"), ou.Query().Get("sig")); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("other workspace: %v", err)
	}
	lu, _ := url.Parse(f.apps.DownloadURL(done, apps.DownloadLog))
	ld, err := open(tenant, b.ID, apps.DownloadLog, lu.Query().Get("expires"), lu.Query().Get("sig"))
	if err != nil {
		t.Fatal(err)
	}
	ld.Close()
	if f.apps.DownloadURL(done, apps.DownloadListing) != "" {
		t.Error("a listing link without a listing")
	}

	// With a listing maker, the build stores its pack, zipped, for download.
	f.apps.Listing = func(_ context.Context, s apps.Spec) (apps.Tree, error) {
		return apps.Tree{"texts/en/title.txt": []byte(s.Name), "texts/en/keywords.txt": []byte(strings.Join(s.Keywords, ","))}, nil
	}
	b, _ = f.apps.RequestBuild(ctx, editor(tenant), apps.Web)
	done = f.run(t, tenant, b.ID)
	lu, _ = url.Parse(f.apps.DownloadURL(done, apps.DownloadListing))
	if !done.HasListing || lu == nil {
		t.Fatalf("no listing: %+v", done)
	}
	pack, err := open(tenant, b.ID, apps.DownloadListing, lu.Query().Get("expires"), lu.Query().Get("sig"))
	if err != nil {
		t.Fatal(err)
	}
	zipped, _ := io.ReadAll(pack)
	pack.Close()
	listing, err := apps.Unzip(zipped)
	if err != nil || string(listing["texts/en/title.txt"]) != "Acme Television" || string(listing["texts/en/keywords.txt"]) != "news,sport" ||
		pack.ContentType != "application/zip" || !strings.HasSuffix(pack.Name, ".zip") {
		t.Fatalf("listing %v %+v %v", listing, pack, err)
	}
}

// Bad input fails the build with the reason: a logo too small, a name too
// long for Roku (but not for Tizen's 50).
func TestBadInputFailsTheBuildWithTheReason(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	f.brand(t, tenant, "The Extremely Long Name Of A Streaming Service")
	b, _ := f.apps.RequestBuild(ctx, editor(tenant), apps.Roku)
	got := f.run(t, tenant, b.ID)
	if got.Status != apps.StatusFailed || !strings.Contains(got.Error, "Roku allows at most 30") {
		t.Fatalf("long name on Roku: %+v", got)
	}
	b, _ = f.apps.RequestBuild(ctx, editor(tenant), apps.Tizen)
	if got := f.run(t, tenant, b.ID); got.Status != apps.StatusSucceeded {
		t.Fatalf("the same name on Tizen: %+v", got)
	}
	// A shorter app name in the settings fixes Roku.
	short := "Extreme TV"
	if _, err := f.apps.UpdateSettings(ctx, editor(tenant), apps.SettingsUpdate{Name: &short}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tenants.SetLogo(ctx, tenants.Principal{Tenant: tenant}, strings.NewReader(string(pngOf(t, 128, 128, false)))); err != nil {
		t.Fatal(err)
	}
	b, _ = f.apps.RequestBuild(ctx, editor(tenant), apps.Roku)
	if got := f.run(t, tenant, b.ID); got.Status != apps.StatusFailed || !strings.Contains(got.Error, "128×128") {
		t.Fatalf("small logo: %+v", got)
	}
	// Bad settings are refused.
	bad := "Not.A.Bundle"
	if _, err := f.apps.UpdateSettings(ctx, editor(tenant), apps.SettingsUpdate{BundleID: &bad}); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("bundle id: %v", err)
	}
	analyst := tenants.Principal{Tenant: tenant, Kind: tenants.PrincipalStaff, Subject: uuid.New(), Role: authz.RoleAnalyst}
	if _, err := f.apps.UpdateSettings(ctx, analyst, apps.SettingsUpdate{Name: &short}); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("analyst settings: %v", err)
	}
}

// No logo: a monogram and a warning. The Spec's defaults: bundle id from
// the slug, the web app under /t/{slug}/ (or {slug}.BaseDomain), features
// from the catalog and billing.
func TestSpecDefaults(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	tn, _ := f.tenants.Get(ctx, tenant)
	s, warns, err := f.apps.Spec(ctx, tenant, apps.Web)
	if err != nil {
		t.Fatal(err)
	}
	if s.Logo == nil || len(warns) != 1 || !strings.Contains(string(warns[0]), "monogram") {
		t.Fatalf("no logo: %v", warns)
	}
	if s.BundleID != apps.DefaultBundleID(tn.Slug) || s.WebURL != "https://api.example.com/t/"+tn.Slug+"/" || s.AppKey == "" ||
		s.Features != (apps.Features{Cast: true}) || s.Name != "T" || s.ShortName != "T" {
		t.Fatalf("spec %+v", s)
	}
	again, _, _ := f.apps.Spec(ctx, tenant, apps.Roku)
	if again.AppKey != s.AppKey {
		t.Fatal("a second build made another app key")
	}
	f.apps.BaseDomain = "marquee.example"
	if u, _ := f.apps.WebURL(ctx, tenant); u != "https://"+tn.Slug+".marquee.example/" {
		t.Fatalf("web url %q", u)
	}
	// A short and a creator in the catalog turn their screens on.
	cat := &catalog.Service{DB: f.apps.DB}
	clip, err := cat.CreateTitle(ctx, tenant, catalog.TitleInput{Kind: catalog.KindShort,
		Localizations: []catalog.Localization{{Language: "en", Title: "Clip"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.CreateCreator(ctx, tenant, catalog.CreatorInput{Handle: "ann", Name: "Ann"}); err != nil {
		t.Fatal(err)
	}
	s, _, _ = f.apps.Spec(ctx, tenant, apps.Web)
	if s.Features != (apps.Features{Shorts: true, Creators: true, Cast: true}) {
		t.Fatalf("features %+v", s.Features)
	}
	// Something for sale (here a title offer, as billing stores it) turns billing on.
	err = f.apps.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO title_offers (tenant_id, id, title_id, kind, currency, amount, rental_hours, created_at, updated_at)
			VALUES ($1, $2, $3, 'rent', 'usd', 299, 48, now(), now())`, tenant, uuid.New(), clip.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if s, _, _ = f.apps.Spec(ctx, tenant, apps.Web); !s.Features.Billing {
		t.Fatalf("features with an offer %+v", s.Features)
	}
}

// A branding change rebuilds the platforms with auto-rebuild on that built
// well before, once per change.
func TestBrandingChangeRebuilds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	auto := []apps.Platform{apps.Web, apps.Tizen}
	if _, err := f.apps.UpdateSettings(ctx, editor(tenant), apps.SettingsUpdate{AutoRebuild: &auto}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []apps.Platform{apps.Web, apps.Roku} {
		b, _ := f.apps.RequestBuild(ctx, editor(tenant), p)
		f.run(t, tenant, b.ID)
	}
	if got, err := f.apps.RebuildForBranding(ctx, tenant); err != nil || len(got) != 0 {
		t.Fatalf("unchanged branding rebuilt %v %v", got, err)
	}
	f.brand(t, tenant, "New Name")
	consume := f.apps.Consumers()["tenant.updated"]
	if err := consume.Consume(ctx, tenant, outboxEvent("tenant.updated")); err != nil {
		t.Fatal(err)
	}
	list, _, _ := f.apps.List(ctx, tenant, apps.BuildPage{})
	if len(list) != 3 || list[0].Platform != apps.Web || list[0].Trigger != apps.TriggerBranding || list[0].BuildNumber != 2 {
		t.Fatalf("builds after the change %+v", list)
	}
	// Delivered again: nothing more (the queued rebuild has the new branding).
	if got, err := f.apps.RebuildForBranding(ctx, tenant); err != nil || len(got) != 0 {
		t.Fatalf("second delivery rebuilt %v %v", got, err)
	}
}

func outboxEvent(typ string) outbox.Event { return outbox.Event{Type: typ} }

// Editors saving different settings at the same time each keep theirs.
func TestConcurrentSettingsUpdatesKeepBothFields(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	for i := range 5 {
		major, desc := i+2, "Films"+strings.Repeat("!", i)
		var wg sync.WaitGroup
		errc := make(chan error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := f.apps.UpdateSettings(ctx, editor(tenant), apps.SettingsUpdate{Major: &major})
			errc <- err
		}()
		go func() {
			defer wg.Done()
			_, err := f.apps.UpdateSettings(ctx, editor(tenant), apps.SettingsUpdate{Description: &desc})
			errc <- err
		}()
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		s, _ := f.apps.Settings(ctx, tenant)
		if s.Version.Major != major || s.Description != desc {
			t.Fatalf("round %d: %+v", i, s)
		}
	}
}

// A finished build's log lines leave the database (the stored log serves
// them), and only the newest KeepBuilds builds of a platform keep their
// artifact and listing pack: older ones keep their record and log.
func TestOldBuildsArePrunedAndLogsMoveToStorage(t *testing.T) {
	f := newFixture(t)
	f.apps.KeepBuilds = 2
	f.apps.Listing = func(_ context.Context, s apps.Spec) (apps.Tree, error) {
		return apps.Tree{"texts/en/title.txt": []byte(s.Name)}, nil
	}
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	f.brand(t, tenant, "Acme Television")
	var built []apps.Build
	for i := 0; i < 3; i++ {
		b, err := f.apps.RequestBuild(ctx, editor(tenant), apps.Web)
		if err != nil {
			t.Fatal(err)
		}
		if done := f.run(t, tenant, b.ID); done.Status != apps.StatusSucceeded || !done.HasArtifact || !done.HasListing {
			t.Fatalf("build %d: %+v", i+1, done)
		}
		built = append(built, b)
		var rows int
		if err := f.apps.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
			return q.QueryRow(ctx, `SELECT count(*) FROM app_build_logs WHERE build_id = $1`, b.ID).Scan(&rows)
		}); err != nil || rows != 0 {
			t.Fatalf("build %d left %d log lines in the database (%v)", i+1, rows, err)
		}
	}
	// A failed build adds no artifact and prunes nothing.
	failed, _ := f.apps.RequestBuild(ctx, editor(tenant), apps.Web)
	if _, err := f.apps.Finish(ctx, tenant, failed.ID, apps.Outcome{Error: "packager crashed:\nout of memory"}); err != nil {
		t.Fatal(err)
	}
	first, err := f.apps.Get(ctx, tenant, built[0].ID)
	if err != nil || first.HasArtifact || first.HasListing || first.ArtifactSize != 0 || !first.HasLog {
		t.Fatalf("the oldest build: %+v %v", first, err)
	}
	if lines, err := f.apps.Log(ctx, tenant, first.ID, 2); err != nil || len(lines) < 3 || lines[0].No != 2 ||
		!strings.Contains(lines[len(lines)-1].Text, "SUCCEEDED") {
		t.Fatalf("the oldest build's log: %+v %v", lines, err)
	}
	prefix := "tenants/" + tenant.String() + "/apps/builds/"
	for _, b := range built {
		kept, _ := f.apps.Get(ctx, tenant, b.ID)
		var files []string
		it := f.blobs.List(&blob.ListOptions{Prefix: prefix + b.ID.String() + "/"})
		for {
			obj, err := it.Next(ctx)
			if err != nil {
				break
			}
			files = append(files, obj.Key[len(prefix+b.ID.String()+"/"):])
		}
		want := 3 // artifact, listing, log
		if b.ID == first.ID {
			want = 1 // the log
		}
		if len(files) != want || kept.HasArtifact != (b.ID != first.ID) {
			t.Errorf("build %d: files %v, artifact %v", kept.BuildNumber, files, kept.HasArtifact)
		}
	}
	if f.apps.DownloadURL(first, apps.DownloadArtifact) != "" || f.apps.DownloadURL(first, apps.DownloadLog) == "" {
		t.Error("links of a pruned build")
	}
	// A message of two lines is two numbered lines, while running and stored.
	if lines, err := f.apps.Log(ctx, tenant, failed.ID, 1); err != nil || len(lines) != 2 || lines[0].Text != "FAILED: packager crashed:" ||
		lines[1].No != 2 || lines[1].Text != "out of memory" {
		t.Errorf("the failed build's log: %+v %v", lines, err)
	}
}

// Over its storage quota (the operator's, operators.Service), a workspace
// cannot start a build, and a branding change rebuilds nothing (without an
// error, which the outbox would retry); within it again, it builds.
func TestStorageQuotaRefusesBuilds(t *testing.T) {
	f := newFixture(t)
	f.apps.Quotas = &operators.Service{DB: f.apps.DB, Blobs: f.blobs}
	ctx := context.Background()
	tenant := testenv.MustTenant(t, f.apps.DB)
	auto := []apps.Platform{apps.Web}
	if _, err := f.apps.UpdateSettings(ctx, editor(tenant), apps.SettingsUpdate{AutoRebuild: &auto}); err != nil {
		t.Fatal(err)
	}
	b, err := f.apps.RequestBuild(ctx, editor(tenant), apps.Web)
	if err != nil {
		t.Fatal(err)
	}
	f.run(t, tenant, b.ID) // its files now count against the quota
	quota := func(bytes int64) {
		t.Helper()
		if err := f.apps.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO tenant_quotas (tenant_id, storage_bytes, updated_at) VALUES ($1, $2, now())
				ON CONFLICT (tenant_id) DO UPDATE SET storage_bytes = EXCLUDED.storage_bytes`, tenant, bytes)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	quota(1)
	if _, err := f.apps.RequestBuild(ctx, editor(tenant), apps.Web); errs.KindOf(err) != errs.KindConflict || !strings.Contains(errs.MessageOf(err), "storage quota") {
		t.Fatalf("a build over the quota: %v", err)
	}
	f.brand(t, tenant, "New Name")
	if got, err := f.apps.RebuildForBranding(ctx, tenant); err != nil || len(got) != 0 {
		t.Fatalf("a branding rebuild over the quota: %v %v", got, err)
	}
	if list, _, _ := f.apps.List(ctx, tenant, apps.BuildPage{}); len(list) != 1 {
		t.Fatalf("refused builds were recorded: %+v", list)
	}
	quota(1 << 30)
	if got, err := f.apps.RebuildForBranding(ctx, tenant); err != nil || len(got) != 1 {
		t.Fatalf("a branding rebuild within the quota: %v %v", got, err)
	}
}
