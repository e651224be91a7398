package apps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/marquee-ott/marquee/apps/internal/appssql"
	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/authz"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/domains"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/tenants"
)

// Pipeline runs builds; workflows/appbuild implements it with Temporal.
type Pipeline interface {
	StartBuild(ctx context.Context, r BuildRequest) error
}

// BuildRequest names a build to run.
type BuildRequest struct {
	Tenant   tenants.ID
	Build    BuildID
	Platform Platform
}

// Permits checks a staff member's or key's permission (authz.Client).
type Permits interface {
	Check(ctx context.Context, tenant, subject uuid.UUID, p authz.Permission) error
}

// Hosts lists a workspace's custom domains (domains.Service).
type Hosts interface {
	List(ctx context.Context, tenant tenants.ID) ([]domains.Domain, error)
}

// Service is the apps domain: settings, build requests and their records,
// the Spec a build packages, and signed downloads.
type Service struct {
	DB      *db.DB
	Tenants *tenants.Service
	Domains Hosts // nil: no custom domains
	Blobs   *blob.Bucket
	// Quotas refuses a build when the workspace is over its storage quota
	// (a build stores its files); nil: no quota.
	Quotas tenants.Quotas
	// Pipeline runs requested builds (workflows/appbuild.Starter).
	Pipeline Pipeline
	// Permits checks edit_content for a build request; nil decides by the
	// principal's role (owner, admin and editor may build).
	Permits Permits
	// Packagers are the platforms this installation builds; a platform
	// without one is not available. Set it before use; Register adds one
	// safely while the service runs.
	Packagers   map[Platform]Packager
	packagersMu sync.RWMutex
	// Listing, when set, makes a build's store listing pack (screenshots'
	// frames, texts, icons), stored zipped beside the artifact.
	Listing func(ctx context.Context, s Spec) (Tree, error)
	// BaseURL is the API's public origin; BaseDomain, when set, gives each
	// workspace {slug}.BaseDomain (the hosted web app's address).
	BaseURL, BaseDomain string
	// SigningKey signs download links (see DownloadURL); LinkTTL is how long
	// a link works (default an hour).
	SigningKey []byte
	LinkTTL    time.Duration
	// Changes wakes followers of a build (Follow); nil: Follow is unavailable.
	Changes *Changes
	// KeepBuilds is how many builds of each platform keep their artifact
	// and store listing pack (default DefaultKeepBuilds); older ones keep
	// their record and log, and their files are deleted when a build ends.
	KeepBuilds int
	Now        func() time.Time
	Logger     *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// AppKeyName names the app key the built apps carry; the first build makes
// it, later ones reuse it (a rotated key needs a rebuild).
const AppKeyName = "Marquee apps"

func (s *Service) checkEdit(ctx context.Context, p tenants.Principal) error {
	if !p.IsStaff() {
		return errs.Forbidden("building apps needs the edit_content permission")
	}
	if s.Permits != nil {
		return s.Permits.Check(ctx, p.Tenant, p.Subject, authz.PermEditContent)
	}
	switch p.Role {
	case authz.RoleOwner, authz.RoleAdmin, authz.RoleEditor:
		return nil
	}
	return errs.Forbidden("building apps needs the edit_content permission")
}

// Register adds (or replaces) a platform's packager.
func (s *Service) Register(p Packager) {
	s.packagersMu.Lock()
	defer s.packagersMu.Unlock()
	if s.Packagers == nil {
		s.Packagers = map[Platform]Packager{}
	}
	s.Packagers[p.Platform()] = p
}

func (s *Service) packager(p Platform) Packager {
	s.packagersMu.RLock()
	defer s.packagersMu.RUnlock()
	return s.Packagers[p]
}

// Available lists the platforms this installation builds, in the console's order.
func (s *Service) Available() []Platform {
	var out []Platform
	for _, p := range Platforms {
		if s.packager(p) != nil {
			out = append(out, p)
		}
	}
	return out
}

// Settings returns the workspace's app settings (defaults until saved).
func (s *Service) Settings(ctx context.Context, tenant tenants.ID) (Settings, error) {
	var out Settings
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		row, err := appssql.New(q).GetSettings(ctx, tenant)
		if db.IsNoRows(err) {
			out = Settings{Version: Version{Major: 1}}
			return nil
		}
		out = settingsFromRow(row)
		return err
	})
	if err != nil {
		return Settings{}, fmt.Errorf("apps.Settings: %w", err)
	}
	return out, nil
}

var bundleRe = regexp.MustCompile(`^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)+$`)

// Validate reports the first bad field.
func (u SettingsUpdate) Validate() error {
	if u.BundleID != nil && *u.BundleID != "" && (!bundleRe.MatchString(*u.BundleID) || len(*u.BundleID) > 155) {
		return errs.InvalidField("bundleId", "a bundle id is reverse-DNS in lower case, like tv.marquee.acme")
	}
	for f, v := range map[string]*int{"major": u.Major, "minor": u.Minor, "patch": u.Patch} {
		if v != nil && (*v < 0 || *v > 999) {
			return errs.InvalidField(f, "version numbers are 0 to 999")
		}
	}
	if u.Description != nil && utf8.RuneCountInString(*u.Description) > 4000 {
		return errs.InvalidField("description", "the description is at most 4000 characters")
	}
	if u.Keywords != nil {
		if len(*u.Keywords) > 30 {
			return errs.InvalidField("keywords", "at most 30 keywords")
		}
		for _, k := range *u.Keywords {
			if strings.TrimSpace(k) == "" || utf8.RuneCountInString(k) > 50 {
				return errs.InvalidField("keywords", "a keyword is 1 to 50 characters")
			}
		}
	}
	if u.Name != nil && utf8.RuneCountInString(strings.TrimSpace(*u.Name)) > 60 {
		return errs.InvalidField("name", "the app name is at most 60 characters")
	}
	if u.ShortName != nil && utf8.RuneCountInString(strings.TrimSpace(*u.ShortName)) > ShortNameLimit {
		return errs.InvalidField("shortName", "the short name is at most %d characters", ShortNameLimit)
	}
	if u.AutoRebuild != nil {
		for _, p := range *u.AutoRebuild {
			if !p.Valid() {
				return errs.InvalidField("autoRebuild", "unknown platform %q", p)
			}
		}
	}
	return nil
}

// apply changes cur by u's given fields.
func (u SettingsUpdate) apply(cur *Settings) {
	setS := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	setI := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setS(&cur.BundleID, u.BundleID)
	setI(&cur.Version.Major, u.Major)
	setI(&cur.Version.Minor, u.Minor)
	setI(&cur.Version.Patch, u.Patch)
	setS(&cur.Description, u.Description)
	setS(&cur.Name, u.Name)
	setS(&cur.ShortName, u.ShortName)
	if u.Keywords != nil {
		cur.Keywords = nil
		for _, k := range *u.Keywords {
			cur.Keywords = append(cur.Keywords, strings.TrimSpace(k))
		}
	}
	if u.AutoRebuild != nil {
		cur.AutoRebuild = nil
		for _, pl := range Platforms {
			if slices.Contains(*u.AutoRebuild, pl) {
				cur.AutoRebuild = append(cur.AutoRebuild, pl)
			}
		}
	}
}

// UpdateSettings changes the app settings (edit_content).
func (s *Service) UpdateSettings(ctx context.Context, p tenants.Principal, u SettingsUpdate) (Settings, error) {
	if err := s.checkEdit(ctx, p); err != nil {
		return Settings{}, err
	}
	if err := u.Validate(); err != nil {
		return Settings{}, err
	}
	var cur Settings
	// Read, change and write in one transaction under the workspace's
	// settings lock (the row may not exist yet): two editors saving at once
	// each keep the other's fields.
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := appssql.New(tx)
		if err := q.LockLane(ctx, p.Tenant.String()+"/settings"); err != nil {
			return err
		}
		row, err := q.GetSettings(ctx, p.Tenant)
		switch {
		case db.IsNoRows(err):
			cur = Settings{Version: Version{Major: 1}}
		case err != nil:
			return err
		default:
			cur = settingsFromRow(row)
		}
		u.apply(&cur)
		now := s.now()
		auto := make([]string, len(cur.AutoRebuild))
		for i, pl := range cur.AutoRebuild {
			auto[i] = string(pl)
		}
		row, err = q.UpsertSettings(ctx, appssql.UpsertSettingsParams{TenantID: p.Tenant, BundleID: cur.BundleID,
			VersionMajor: int32(cur.Version.Major), VersionMinor: int32(cur.Version.Minor), VersionPatch: int32(cur.Version.Patch),
			Description: cur.Description, Keywords: nonNil(cur.Keywords), Name: cur.Name, ShortName: cur.ShortName, AutoRebuild: auto, UpdatedAt: now})
		if err != nil {
			return err
		}
		cur = settingsFromRow(row)
		return audit.Record(ctx, tx, p.Tenant, now, "app_settings.updated", "app_settings", p.Tenant.String(),
			map[string]any{"version": cur.Version.String(), "bundle_id": cur.BundleID, "auto_rebuild": auto})
	})
	if err != nil {
		return Settings{}, fmt.Errorf("apps.UpdateSettings: %w", err)
	}
	return cur, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RequestBuild queues a build of platform's app (edit_content). It starts
// at once unless another build of the platform is QUEUED or RUNNING: then
// it waits for them (one build per platform at a time, oldest first);
// builds of different platforms run side by side.
func (s *Service) RequestBuild(ctx context.Context, p tenants.Principal, platform Platform) (Build, error) {
	if err := s.checkEdit(ctx, p); err != nil {
		return Build{}, err
	}
	return s.request(ctx, p.Tenant, platform, TriggerManual, p.Label)
}

func (s *Service) request(ctx context.Context, tenant tenants.ID, platform Platform, trigger Trigger, by string) (Build, error) {
	if !platform.Valid() {
		return Build{}, errs.InvalidField("platform", "unknown platform %q", platform)
	}
	if s.packager(platform) == nil {
		return Build{}, errs.InvalidField("platform", "%s builds are not available on this installation", PlatformName(platform))
	}
	id := uuid.Must(uuid.NewV7())
	if err := s.roomFor(ctx, tenant, id); err != nil {
		return Build{}, err
	}
	set, err := s.Settings(ctx, tenant)
	if err != nil {
		return Build{}, err
	}
	hash, err := s.brandingHash(ctx, tenant, set)
	if err != nil {
		return Build{}, err
	}
	var b Build
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := appssql.New(tx)
		now := s.now()
		// Build numbers of a lane are taken one at a time.
		if err := q.LockLane(ctx, tenant.String()+"/"+string(platform)); err != nil {
			return err
		}
		n, err := q.NextBuildNumber(ctx, appssql.NextBuildNumberParams{TenantID: tenant, Platform: string(platform)})
		if err != nil {
			return err
		}
		row, err := q.CreateBuild(ctx, appssql.CreateBuildParams{TenantID: tenant, ID: id, Platform: string(platform),
			Version: set.Version.String(), BuildNumber: n, Trigger: string(trigger), RequestedBy: by, BrandingHash: hash, CreatedAt: now})
		if err != nil {
			return err
		}
		b = buildFromRow(row)
		details := map[string]any{"platform": platform, "build_number": b.BuildNumber, "version": b.Version, "trigger": trigger}
		if err := audit.Record(ctx, tx, tenant, now, "app_build.requested", "app_build", b.ID.String(), details); err != nil {
			return err
		}
		details["id"] = b.ID.String()
		return outbox.Emit(ctx, tx, tenant, now, outbox.Event{Type: "app_build.requested", ObjectType: "app_build", ObjectID: b.ID.String(), Payload: details})
	})
	if err != nil {
		return Build{}, fmt.Errorf("apps.RequestBuild %s: %w", platform, err)
	}
	if err := s.Pipeline.StartBuild(ctx, BuildRequest{Tenant: tenant, Build: b.ID, Platform: platform}); err != nil {
		// Nothing will run it: record why rather than leave it QUEUED.
		fb, ferr := s.Finish(context.WithoutCancel(ctx), tenant, b.ID, Outcome{Error: "the build could not be started; try again"})
		if ferr != nil {
			return Build{}, fmt.Errorf("apps.RequestBuild %s: %w", platform, ferr)
		}
		_ = fb
		return Build{}, fmt.Errorf("apps.RequestBuild %s: %w", platform, err)
	}
	return b, nil
}

// roomFor refuses a build (Conflict) when the workspace is already over its
// storage quota: the files a build stores are only known once it has run,
// so the quota is checked for what is stored now, under the build's own
// (still empty) folder.
func (s *Service) roomFor(ctx context.Context, tenant tenants.ID, id BuildID) error {
	if s.Quotas == nil {
		return nil
	}
	err := s.Quotas.AllowStorage(ctx, tenant, buildPrefix(tenant, id)+"build.log", 0)
	if errs.Is(err, errs.KindConflict) {
		return errs.Conflict("the workspace is over its storage quota, and a build stores files: free some space or ask the platform operator for more")
	}
	return err
}

// Get returns a build; another workspace's is NotFound.
func (s *Service) Get(ctx context.Context, tenant tenants.ID, id BuildID) (Build, error) {
	var b Build
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		row, err := appssql.New(q).GetBuild(ctx, appssql.GetBuildParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no app build %s", id)
		}
		b = buildFromRow(row)
		return err
	})
	if err != nil {
		return Build{}, fmt.Errorf("apps.Get %s: %w", id, err)
	}
	return b, nil
}

// List returns a page of builds, newest first, and whether more follow.
func (s *Service) List(ctx context.Context, tenant tenants.ID, page BuildPage) ([]Build, bool, error) {
	if page.First == 0 {
		page.First = 20
	}
	if page.First < 1 || page.First > 100 {
		return nil, false, errs.InvalidField("first", "first must be between 1 and 100")
	}
	c, err := page.cursor()
	if err != nil {
		return nil, false, err
	}
	arg := appssql.ListBuildsParams{TenantID: tenant, MaxBuilds: int32(page.First + 1)}
	if page.Platform != nil {
		pl := string(*page.Platform)
		arg.Platform = &pl
	}
	if c != nil {
		arg.BeforeAt, arg.BeforeID = &c.At, &c.ID
	}
	var out []Build
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := appssql.New(q).ListBuilds(ctx, arg)
		for _, r := range rows {
			out = append(out, buildFromRow(r))
		}
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("apps.List: %w", err)
	}
	more := len(out) > page.First
	return out[:min(len(out), page.First)], more, nil
}

// DefaultKeepBuilds is KeepBuilds when unset: enough to roll back a few
// releases in every store, few enough that artifacts do not pile up.
const DefaultKeepBuilds = 10

func (s *Service) keepBuilds() int {
	if s.KeepBuilds > 0 {
		return s.KeepBuilds
	}
	return DefaultKeepBuilds
}

// Log returns a build's log lines from line number from (1 is the first):
// a running build's from the database, as they are written; a finished
// one's from its full log in blob storage.
func (s *Service) Log(ctx context.Context, tenant tenants.ID, id BuildID, from int) ([]LogLine, error) {
	from = max(from, 1)
	b, err := s.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if b.Status.Finished() && b.logKey != "" {
		return s.storedLog(ctx, b, from)
	}
	var out []LogLine
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := appssql.New(q).ListLog(ctx, appssql.ListLogParams{TenantID: tenant, BuildID: id, LineNo: int32(from)})
		for _, r := range rows {
			out = append(out, LogLine{No: int(r.LineNo), Text: r.Line})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apps.Log %s: %w", id, err)
	}
	return out, nil
}

// storedLog reads a finished build's lines from its stored log.
func (s *Service) storedLog(ctx context.Context, b Build, from int) ([]LogLine, error) {
	data, err := s.Blobs.ReadAll(ctx, b.logKey)
	if err != nil {
		return nil, errs.Unavailable(fmt.Errorf("apps.Log %s: %w", b.ID, err), "could not read the build log")
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	out := []LogLine{}
	for i := from - 1; i < len(lines) && len(out) < 10000; i++ {
		out = append(out, LogLine{No: i + 1, Text: lines[i]})
	}
	return out, nil
}

func (s *Service) logLength(ctx context.Context, tenant tenants.ID, id BuildID) (int, error) {
	var n int32
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		n, err = appssql.New(q).LogLength(ctx, appssql.LogLengthParams{TenantID: tenant, BuildID: id})
		return err
	})
	return int(n), err
}

// Follow streams a build: its current state, then each change (status, a
// new log line); the channel closes after the build finishes.
func (s *Service) Follow(ctx context.Context, tenant tenants.ID, id BuildID) (<-chan Build, error) {
	if s.Changes == nil {
		return nil, errs.Unavailable(fmt.Errorf("apps.Follow: no change listener"), "following a build is unavailable")
	}
	wake, stop := s.Changes.Subscribe(tenant, id) // before the first read: no change falls between
	cur, err := s.Get(ctx, tenant, id)
	if err != nil {
		stop()
		return nil, err
	}
	lines, _ := s.logLength(ctx, tenant, id)
	out := make(chan Build, 1)
	out <- cur
	go func() {
		defer close(out)
		defer stop()
		for !cur.Status.Finished() {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			}
			b, err := s.Get(ctx, tenant, id)
			if err != nil {
				return
			}
			n, err := s.logLength(ctx, tenant, id)
			if err != nil {
				return
			}
			if b.Status == cur.Status && n == lines && b.HasLog == cur.HasLog {
				continue
			}
			cur, lines = b, n
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// A lane never waits forever on a build whose workflow is gone (terminated
// by hand): an earlier build RUNNING for longer than StaleRunning, or
// QUEUED for longer than StaleQueued, is FAILED when a later build asks for
// its turn. A build's own workflow gives up well before (its activities'
// timeouts and retries end within about 2 hours).
const (
	StaleRunning = 3 * time.Hour
	StaleQueued  = 24 * time.Hour
)

// Turn reports whether the build may run: no earlier build of its
// platform is QUEUED or RUNNING (stale ones are failed first).
func (s *Service) Turn(ctx context.Context, tenant tenants.ID, id BuildID) (bool, error) {
	b, err := s.Get(ctx, tenant, id)
	if err != nil {
		return false, err
	}
	if b.Status.Finished() {
		return true, nil
	}
	var n int64
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := appssql.New(tx)
		now := s.now()
		running := now.Add(-StaleRunning)
		gone, err := q.AbandonStale(ctx, appssql.AbandonStaleParams{TenantID: tenant, Platform: string(b.Platform), BuildNumber: int32(b.BuildNumber),
			Reason: "the build did not finish (its run was stopped); build again", Now: &now, RunningBefore: &running, QueuedBefore: now.Add(-StaleQueued)})
		if err != nil {
			return err
		}
		for _, g := range gone {
			s.log().Warn("apps: stale build failed", "tenant", tenant, "build", g)
		}
		n, err = q.EarlierUnfinished(ctx, appssql.EarlierUnfinishedParams{TenantID: tenant, Platform: string(b.Platform), BuildNumber: int32(b.BuildNumber)})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("apps.Turn %s: %w", id, err)
	}
	return n == 0, nil
}

// Prepare starts a build: it makes the Spec (checking the logo, the
// colours and the name: bad input is Invalid and the build fails with the
// reason), records the warnings and marks the build RUNNING. A build
// already finished is returned as it is.
func (s *Service) Prepare(ctx context.Context, tenant tenants.ID, id BuildID) (Build, error) {
	b, err := s.Get(ctx, tenant, id)
	if err != nil || b.Status.Finished() {
		return b, err
	}
	lg := s.newLog(ctx, tenant, id)
	lg.Printf("build %d of %s requested (%s)", b.BuildNumber, PlatformName(b.Platform), strings.ToLower(string(b.Trigger)))
	ps, err := s.spec(ctx, tenant, b)
	if err != nil {
		lg.Printf("the build cannot start: %s", errs.MessageOf(err))
		return b, err
	}
	for _, w := range ps.warnings {
		lg.Printf("warning: %s", w)
	}
	warns := make([]string, len(ps.warnings))
	for i, w := range ps.warnings {
		warns[i] = string(w)
	}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		row, err := appssql.New(tx).StartBuild(ctx, appssql.StartBuildParams{TenantID: tenant, ID: id, StartedAt: &now,
			Version: ps.spec.Version.String(), BrandingHash: ps.hash, Warnings: warns})
		if db.IsNoRows(err) {
			return errs.Conflict("app build %s has finished", id)
		}
		b = buildFromRow(row)
		return err
	})
	if err != nil {
		return b, fmt.Errorf("apps.Prepare %s: %w", id, err)
	}
	lg.Printf("%s %s (%d), bundle %s", ps.spec.Name, ps.spec.Version, ps.spec.Version.Build, ps.spec.BundleID)
	return b, nil
}

// Output is what Package stored.
type Output struct {
	ArtifactKey, ArtifactName string
	ArtifactSize              int64
	ListingKey                string
}

// Package runs the platform's packager on the build's Spec and stores the
// artifact (and the listing pack, when Listing is set) in blob storage;
// progress calls after each log line (an activity's heartbeat). Run again,
// it builds and stores again under the same keys.
func (s *Service) Package(ctx context.Context, tenant tenants.ID, id BuildID, progress func()) (Output, error) {
	b, err := s.Get(ctx, tenant, id)
	if err != nil {
		return Output{}, err
	}
	if b.Status.Finished() {
		return Output{ArtifactKey: b.artifactKey, ArtifactName: b.ArtifactName, ArtifactSize: b.ArtifactSize, ListingKey: b.listingKey}, nil
	}
	pk := s.packager(b.Platform)
	if pk == nil {
		return Output{}, errs.Invalid("%s builds are not available on this installation", PlatformName(b.Platform))
	}
	ps, err := s.spec(ctx, tenant, b)
	if err != nil {
		return Output{}, err
	}
	lg := s.newLog(ctx, tenant, id)
	lg.progress = progress
	start := time.Now()
	art, err := pk.Package(ctx, ps.spec, lg)
	lg.flush()
	if err != nil {
		lg.Printf("packaging failed: %s", errs.MessageOf(err))
		return Output{}, fmt.Errorf("apps.Package %s: %w", id, err)
	}
	if art.FileName == "" || len(art.Data) == 0 {
		return Output{}, errs.Internal(fmt.Errorf("apps.Package %s: the %s packager made no artifact", id, b.Platform))
	}
	out := Output{ArtifactKey: buildPrefix(tenant, id) + art.FileName, ArtifactName: art.FileName, ArtifactSize: int64(len(art.Data))}
	if err := s.Blobs.WriteAll(ctx, out.ArtifactKey, art.Data, &blob.WriterOptions{ContentType: art.ContentType}); err != nil {
		return Output{}, errs.Unavailable(fmt.Errorf("apps.Package %s: %w", id, err), "could not store the build")
	}
	lg.Printf("packaged %s (%d bytes) in %s", art.FileName, len(art.Data), time.Since(start).Round(time.Millisecond))
	if s.Listing != nil {
		tree, err := s.Listing(ctx, ps.spec)
		if err != nil {
			lg.Printf("the store listing pack failed: %s", errs.MessageOf(err))
			return Output{}, fmt.Errorf("apps.Package %s: listing: %w", id, err)
		}
		z, err := tree.Zip()
		if err != nil {
			return Output{}, err
		}
		out.ListingKey = buildPrefix(tenant, id) + "listing.zip"
		if err := s.Blobs.WriteAll(ctx, out.ListingKey, z, &blob.WriterOptions{ContentType: "application/zip"}); err != nil {
			return Output{}, errs.Unavailable(fmt.Errorf("apps.Package %s: %w", id, err), "could not store the listing pack")
		}
		lg.Printf("store listing pack: %d files", len(tree))
	}
	return out, nil
}

func buildPrefix(tenant tenants.ID, id BuildID) string {
	return fmt.Sprintf("tenants/%s/apps/builds/%s/", tenant, id)
}

// Outcome is how a build ended: Error empty means it SUCCEEDED with Output.
type Outcome struct {
	Error  string
	Output Output
}

// Finish ends a build, SUCCEEDED or FAILED, and stores its full log in
// blob storage. A build already finished is returned as it is.
func (s *Service) Finish(ctx context.Context, tenant tenants.ID, id BuildID, o Outcome) (Build, error) {
	b, err := s.Get(ctx, tenant, id)
	if err != nil || b.Status.Finished() {
		return b, err
	}
	lg := s.newLog(ctx, tenant, id)
	status := StatusSucceeded
	if o.Error != "" {
		status = StatusFailed
		lg.Printf("FAILED: %s", o.Error)
	} else {
		lg.Printf("SUCCEEDED")
	}
	lines, err := s.Log(ctx, tenant, id, 1)
	if err != nil {
		return Build{}, err
	}
	var buf bytes.Buffer
	for _, l := range lines {
		buf.WriteString(l.Text)
		buf.WriteByte('\n')
	}
	logKey := buildPrefix(tenant, id) + "build.log"
	if err := s.Blobs.WriteAll(ctx, logKey, buf.Bytes(), &blob.WriterOptions{ContentType: "text/plain; charset=utf-8"}); err != nil {
		return Build{}, errs.Unavailable(fmt.Errorf("apps.Finish %s: %w", id, err), "could not store the build log")
	}
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		row, err := appssql.New(tx).FinishBuild(ctx, appssql.FinishBuildParams{TenantID: tenant, ID: id, Status: string(status),
			Error: o.Error, ArtifactKey: o.Output.ArtifactKey, ArtifactName: o.Output.ArtifactName, ArtifactSize: o.Output.ArtifactSize,
			ListingKey: o.Output.ListingKey, LogKey: logKey, FinishedAt: &now})
		if db.IsNoRows(err) {
			return nil // finished meanwhile
		}
		if err != nil {
			return err
		}
		b = buildFromRow(row)
		if err := appssql.New(tx).DeleteLog(ctx, appssql.DeleteLogParams{TenantID: tenant, BuildID: id}); err != nil {
			return err // the lines are in the stored log now
		}
		details := map[string]any{"id": id.String(), "platform": b.Platform, "build_number": b.BuildNumber, "status": status}
		if o.Error != "" {
			details["error"] = o.Error
		}
		return outbox.Emit(ctx, tx, tenant, now, outbox.Event{Type: "app_build.finished", ObjectType: "app_build", ObjectID: id.String(), Payload: details})
	})
	if err != nil {
		return Build{}, fmt.Errorf("apps.Finish %s: %w", id, err)
	}
	if status == StatusSucceeded {
		s.prune(ctx, tenant, b.Platform)
	}
	return s.Get(ctx, tenant, id)
}

// prune deletes the artifact and listing pack of the builds of platform past
// the newest KeepBuilds that have them, and then clears them from the
// builds' records (which stay, with their logs, as history). Files first: a
// record cleared before its file is deleted would leave the file unfound
// forever. A failure is logged and retried at the next build's end; the
// build that ended is not failed by it.
func (s *Service) prune(ctx context.Context, tenant tenants.ID, platform Platform) {
	var old []appssql.AppBuild
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		old, err = appssql.New(q).PrunableBuilds(ctx, appssql.PrunableBuildsParams{TenantID: tenant, Platform: string(platform),
			Keep: int32(s.keepBuilds())})
		return err
	})
	for i := 0; err == nil && i < len(old); i++ {
		err = s.pruneBuild(ctx, tenant, old[i])
	}
	if err != nil {
		s.log().WarnContext(ctx, "apps: pruning old builds", "tenant", tenant, "platform", platform, "error", err)
	}
}

// pruneBuild deletes one build's artifact and listing pack, then clears them
// from its record.
func (s *Service) pruneBuild(ctx context.Context, tenant tenants.ID, b appssql.AppBuild) error {
	for _, key := range []string{b.ArtifactKey, b.ListingKey} {
		if key == "" {
			continue
		}
		if err := s.Blobs.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return err
		}
	}
	return s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		return appssql.New(tx).ClearArtifacts(ctx, appssql.ClearArtifactsParams{TenantID: tenant, ID: b.ID})
	})
}

// brandingHash fingerprints what a branding rebuild reacts to: the app
// name, colours and logo.
func (s *Service) brandingHash(ctx context.Context, tenant tenants.ID, set Settings) (string, error) {
	t, err := s.Tenants.Get(ctx, tenant)
	if err != nil {
		return "", err
	}
	br := t.Branding
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00%s\x00%s", br.AppName, br.PrimaryColor, br.AccentColor,
		br.BackgroundColor, br.LogoKey, br.LogoType, br.LogoVersion, set.Name, set.ShortName))
	return hex.EncodeToString(h[:8]), nil
}

// RebuildForBranding requests a BRANDING build of each platform that has
// auto-rebuild on, built well at least once, and whose latest build was
// made with other branding. Run again for the same change, it requests
// nothing more.
func (s *Service) RebuildForBranding(ctx context.Context, tenant tenants.ID) ([]Build, error) {
	set, err := s.Settings(ctx, tenant)
	if err != nil || len(set.AutoRebuild) == 0 {
		return nil, err
	}
	hash, err := s.brandingHash(ctx, tenant, set)
	if err != nil {
		return nil, err
	}
	var heads []appssql.LaneHeadsRow
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		heads, err = appssql.New(q).LaneHeads(ctx, tenant)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apps.RebuildForBranding: %w", err)
	}
	var out []Build
	for _, h := range heads {
		p := Platform(h.Platform)
		if !slices.Contains(set.AutoRebuild, p) || !h.SucceededOnce || h.BrandingHash == hash || s.packager(p) == nil {
			continue
		}
		b, err := s.request(ctx, tenant, p, TriggerBranding, "")
		if errs.Is(err, errs.KindConflict) { // over the storage quota: retrying would not help
			s.log().WarnContext(ctx, "apps: branding rebuild refused", "tenant", tenant, "platform", p, "error", err)
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Consumers are the outbox relay's consumers of the apps: a branding
// change (tenant.updated, tenant.logo_changed) requests rebuilds
// (RebuildForBranding).
func (s *Service) Consumers() map[string]outbox.Consumer {
	c := outbox.ConsumerFunc(func(ctx context.Context, tenant uuid.UUID, e outbox.Event) error {
		_, err := s.RebuildForBranding(ctx, tenant)
		switch errs.KindOf(err) {
		case errs.KindInvalid, errs.KindNotFound, errs.KindConflict, errs.KindForbidden:
			s.log().Warn("apps: branding rebuild skipped", "event", e.Type, "tenant", tenant, "err", err)
			return nil
		}
		return err
	})
	return map[string]outbox.Consumer{"tenant.updated": c, "tenant.logo_changed": c}
}
