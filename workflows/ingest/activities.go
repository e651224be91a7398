package ingest

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	"github.com/grafov/m3u8"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"gocloud.dev/blob"
	"golang.org/x/sync/errgroup"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
)

// Titles is what the activities need of the catalog.
type Titles interface {
	SetTitleAsset(ctx context.Context, tenant catalog.TenantID, id catalog.TitleID, asset *catalog.AssetID) (catalog.Title, error)
}

// Activities holds the domain services the activities use.
type Activities struct {
	Assets *assets.Service
	Blobs  *blob.Bucket
	Runner *media.Runner
	Titles Titles      // nil: a request naming a title fails at the end
	Keys   ContentKeys // nil: an ingest that must encrypt fails at the Encrypt step
	// WorkDir holds one job folder per asset while it is ingested.
	WorkDir string
	// HostQueue is the task queue only this host's worker listens on;
	// Probe returns it so that the rest of the ingest runs where the job
	// folder is (hosts.go). Empty: one worker does everything.
	HostQueue string
}

// jobDir is the asset's job folder: source, transcode/ and package/.
func (a *Activities) jobDir(tenant, asset uuid.UUID) string {
	return filepath.Join(a.WorkDir, tenant.String(), asset.String())
}

// StartInput and StartResult are ActivityStart's.
type StartInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
}

// StartResult names the source.
type StartResult struct {
	SourceKey string
}

// Start marks the asset PROCESSING.
func (a *Activities) Start(ctx context.Context, in StartInput) (StartResult, error) {
	as, err := a.Assets.MarkProcessing(ctx, in.Tenant, in.AssetID)
	if err != nil {
		return StartResult{}, domainError(err)
	}
	return StartResult{SourceKey: as.SourceKey}, nil
}

// ProbeInput and ProbeResult are ActivityProbe's.
type ProbeInput struct {
	Tenant    uuid.UUID
	AssetID   uuid.UUID
	SourceKey string
}

// ProbeResult is what ffprobe found, and the queue of the host that now
// holds the source in its job folder.
type ProbeResult struct {
	Probe     media.Probe
	HostQueue string `json:",omitempty"`
}

// Probe downloads the source into the job folder and probes it.
func (a *Activities) Probe(ctx context.Context, in ProbeInput) (ProbeResult, error) {
	src, err := a.source(ctx, in.Tenant, in.AssetID, in.SourceKey)
	if err != nil {
		return ProbeResult{}, err
	}
	p, err := a.Runner.Probe(ctx, src)
	if err != nil {
		return ProbeResult{}, domainError(err)
	}
	return ProbeResult{Probe: p, HostQueue: a.HostQueue}, nil
}

// source returns the path of the source in the job folder, downloading it
// when it is not there: written beside and renamed, so a file at the path
// is whole.
func (a *Activities) source(ctx context.Context, tenant, asset uuid.UUID, key string) (string, error) {
	dir := a.jobDir(tenant, asset)
	path := filepath.Join(dir, "source")
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	r, err := a.Blobs.NewReader(ctx, key, nil)
	if err != nil {
		return "", fmt.Errorf("ingest: open the source %s: %w", key, err)
	}
	defer r.Close()
	tmp, err := os.CreateTemp(dir, "source-*.part")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, &heartbeatReader{ctx: ctx, r: r}); err != nil {
		_ = tmp.Close()
		return "", fmt.Errorf("ingest: download the source: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	return path, nil
}

// heartbeatReader heartbeats at most every few seconds while it is read.
type heartbeatReader struct {
	ctx  context.Context
	r    io.Reader
	n    int64
	last time.Time
}

func (h *heartbeatReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	if time.Since(h.last) > 5*time.Second {
		h.last = time.Now()
		activity.RecordHeartbeat(h.ctx, h.n)
	}
	return n, err
}

// PlanInput and PlanResult are ActivityPlan's.
type PlanInput struct {
	Tenant          uuid.UUID
	AssetID         uuid.UUID
	Probe           media.Probe
	SegmentDuration time.Duration // zero: the default
}

// PlanResult is the ladder.
type PlanResult struct {
	Ladder media.Ladder
}

// Plan plans the ladder and stores it, with the probe, on the asset.
func (a *Activities) Plan(ctx context.Context, in PlanInput) (PlanResult, error) {
	l, err := media.PlanLadder(in.Probe)
	if err != nil {
		return PlanResult{}, domainError(err)
	}
	if in.SegmentDuration > 0 {
		l = l.WithSegmentDuration(in.SegmentDuration)
	}
	var w, h int
	if in.Probe.Video != nil {
		w, h = in.Probe.Video.DisplaySize()
	}
	if err := a.Assets.SetPlan(ctx, in.Tenant, in.AssetID, in.Probe, l, in.Probe.Duration, w, h); err != nil {
		return PlanResult{}, domainError(err)
	}
	return PlanResult{Ladder: l}, nil
}

// TranscodeInput is ActivityTranscode's.
type TranscodeInput struct {
	Tenant    uuid.UUID
	AssetID   uuid.UUID
	SourceKey string
	Ladder    media.Ladder
}

// TranscodeProgress is the heartbeat of a transcode: how far it is, and
// whether its outputs are complete (a retry then skips the run).
type TranscodeProgress struct {
	Percent int
	Done    bool
}

// doneMark is written in the transcode folder once every output is
// complete: a retried or resumed transcode that finds it with every
// output present does not run again.
const doneMark = ".complete"

// Transcode runs the single-decode plan, heartbeating its progress and
// recording it on the asset.
func (a *Activities) Transcode(ctx context.Context, in TranscodeInput) error {
	out := filepath.Join(a.jobDir(in.Tenant, in.AssetID), "transcode")
	cmd := media.PlanTranscode(in.Ladder, "", out) // for the output names
	var last TranscodeProgress
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &last)
	}
	if complete(out, cmd.Outputs) {
		activity.RecordHeartbeat(ctx, TranscodeProgress{Percent: 100, Done: true})
		return nil
	}
	src, err := a.source(ctx, in.Tenant, in.AssetID, in.SourceKey)
	if err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(out, doneMark))
	cmd = media.PlanTranscode(in.Ladder, src, out)
	activity.RecordHeartbeat(ctx, last)
	stop := keepAlive(ctx) // also while it waits for one of the Runner's slots
	defer stop()
	var saved time.Time
	_, err = a.Runner.Run(ctx, cmd, func(p media.Progress) {
		pr := TranscodeProgress{Percent: int(p.Fraction * 100)}
		activity.RecordHeartbeat(ctx, pr)
		if pr.Percent != last.Percent && time.Since(saved) >= time.Second {
			saved = time.Now()
			last = pr
			_ = a.Assets.SetProgress(ctx, in.Tenant, in.AssetID, pr.Percent)
		}
	})
	if err != nil {
		return domainError(err)
	}
	if err := os.WriteFile(filepath.Join(out, doneMark), nil, 0o640); err != nil {
		return err
	}
	activity.RecordHeartbeat(ctx, TranscodeProgress{Percent: 100, Done: true})
	return a.Assets.SetProgress(ctx, in.Tenant, in.AssetID, 100)
}

// complete says whether dir has the done mark and every output, non-empty.
func complete(dir string, outputs []string) bool {
	if _, err := os.Stat(filepath.Join(dir, doneMark)); err != nil {
		return false
	}
	for _, o := range outputs {
		if fi, err := os.Stat(o); err != nil || fi.Size() == 0 {
			return false
		}
	}
	return true
}

// PackageInput is ActivityPackage's.
type PackageInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
	Ladder  media.Ladder
}

// Package cuts the transcode into CMAF segments with HLS and DASH manifests
// in the job folder's package/, and checks that the master playlist parses
// and names every rendition.
func (a *Activities) Package(ctx context.Context, in PackageInput) error {
	job := a.jobDir(in.Tenant, in.AssetID)
	trans := filepath.Join(job, "transcode")
	if !complete(trans, media.PlanTranscode(in.Ladder, "", trans).Outputs) {
		// Another host transcoded, or the job folder was cleaned.
		return temporal.NewNonRetryableApplicationError("the transcode is not in this worker's job folder", errMissingTranscode, nil)
	}
	out := filepath.Join(job, "package")
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if _, err := a.Runner.Run(ctx, media.PlanPackage(in.Ladder, trans, out), func(media.Progress) {
		activity.RecordHeartbeat(ctx)
	}); err != nil {
		return domainError(err)
	}
	return checkMaster(filepath.Join(out, media.HLSMaster), in.Ladder)
}

// checkMaster parses the master playlist and checks it has a variant per
// rendition, each with the audio group when there is audio.
func checkMaster(path string, l media.Ladder) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pl, kind, err := m3u8.DecodeFrom(f, true)
	if err != nil || kind != m3u8.MASTER {
		return fmt.Errorf("ingest: the master playlist does not parse (kind %v): %w", kind, err)
	}
	master := pl.(*m3u8.MasterPlaylist)
	if len(master.Variants) != len(l.Renditions) {
		return fmt.Errorf("ingest: the master playlist has %d variants for %d renditions", len(master.Variants), len(l.Renditions))
	}
	for _, v := range master.Variants {
		if len(l.Audio) > 0 && v.Audio == "" {
			return fmt.Errorf("ingest: variant %s has no audio group", v.URI)
		}
	}
	return nil
}

// UploadInput and UploadResult are ActivityUpload's.
type UploadInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
}

// UploadResult names the manifests' blob keys.
type UploadResult struct {
	HLSKey  string
	DASHKey string
}

// Upload copies the package to tenants/{tenant}/assets/{asset}/, manifests
// last so that a reader never finds a manifest naming a missing segment.
// Writing a key again replaces it: a retried upload is harmless.
func (a *Activities) Upload(ctx context.Context, in UploadInput) (UploadResult, error) {
	dir := filepath.Join(a.jobDir(in.Tenant, in.AssetID), "package")
	if _, err := os.Stat(filepath.Join(dir, media.HLSMaster)); err != nil {
		return UploadResult{}, temporal.NewNonRetryableApplicationError("the package is not in this worker's job folder", errMissingPackage, err)
	}
	var files, manifests []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext == ".m3u8" || ext == ".mpd" {
			manifests = append(manifests, path)
		} else {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return UploadResult{}, err
	}
	prefix := assets.Prefix(in.Tenant, in.AssetID)
	// Segments several at a time (object stores answer each PUT with a round
	// trip), then the manifests.
	for _, batch := range [][]string{files, manifests} {
		if err := a.putAll(ctx, dir, prefix, batch); err != nil {
			return UploadResult{}, err
		}
	}
	return UploadResult{HLSKey: prefix + media.HLSMaster, DASHKey: prefix + media.DASHMPD}, nil
}

// uploadConcurrency bounds the files Upload sends at once.
const uploadConcurrency = 8

// putAll uploads the files under dir to prefix + their relative paths,
// uploadConcurrency at a time, heartbeating as they complete.
func (a *Activities) putAll(ctx context.Context, dir, prefix string, paths []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(uploadConcurrency)
	for _, path := range paths {
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		g.Go(func() error {
			if err := a.put(gctx, prefix+filepath.ToSlash(rel), path); err != nil {
				return err
			}
			activity.RecordHeartbeat(ctx, rel)
			return nil
		})
	}
	return g.Wait()
}

func (a *Activities) put(ctx context.Context, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := a.Blobs.NewWriter(wctx, key, &blob.WriterOptions{ContentType: contentType(path)})
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, f); err != nil {
		cancel() // aborts the write
		_ = w.Close()
		return fmt.Errorf("ingest: upload %s: %w", key, err)
	}
	return w.Close()
}

func contentType(path string) string {
	switch ext := filepath.Ext(path); ext {
	case ".m3u8":
		return "application/vnd.apple.mpegurl"
	case ".mpd":
		return "application/dash+xml"
	case ".m4s":
		return "video/iso.segment"
	case ".mp4":
		return "video/mp4"
	case ".vtt":
		return "text/vtt"
	case ".jpg":
		return "image/jpeg"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

// FinishInput is ActivityFinish's.
type FinishInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
	HLSKey  string
	DASHKey string
	Title   *uuid.UUID
}

// Finish marks the asset READY, attaches it to the title when one was
// named, and removes the job folder.
func (a *Activities) Finish(ctx context.Context, in FinishInput) error {
	if _, err := a.Assets.MarkReady(ctx, in.Tenant, in.AssetID, in.HLSKey, in.DASHKey); err != nil {
		return domainError(err)
	}
	if in.Title != nil {
		if a.Titles == nil {
			return temporal.NewNonRetryableApplicationError("no catalog to attach the asset to", "NoCatalog", nil)
		}
		id := in.AssetID
		if _, err := a.Titles.SetTitleAsset(ctx, in.Tenant, *in.Title, &id); err != nil {
			return domainError(err)
		}
	}
	return a.cleanup(in.Tenant, in.AssetID)
}

// MarkFailedInput is ActivityMarkFailed's.
type MarkFailedInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
	Reason  string
}

// MarkFailed marks the asset FAILED with the reason and removes the job folder.
func (a *Activities) MarkFailed(ctx context.Context, in MarkFailedInput) error {
	if _, err := a.Assets.MarkFailed(ctx, in.Tenant, in.AssetID, in.Reason); err != nil && !errs.Is(err, errs.KindConflict) {
		return domainError(err)
	}
	return a.cleanup(in.Tenant, in.AssetID)
}

func (a *Activities) cleanup(tenant, asset uuid.UUID) error {
	if a.WorkDir == "" {
		return nil
	}
	return os.RemoveAll(a.jobDir(tenant, asset))
}

// domainError turns the domain's errors into Temporal's: bad input (an
// unusable source) and Conflict, NotFound (the asset moved on or is gone)
// are not retried; the rest are. The message of an invalid source is its
// reason for the editor.
func domainError(err error) error {
	switch errs.KindOf(err) {
	case errs.KindInvalid:
		return temporal.NewNonRetryableApplicationError(errs.MessageOf(err), ErrInvalidSource, err)
	case errs.KindConflict, errs.KindNotFound:
		return temporal.NewNonRetryableApplicationError(errs.MessageOf(err), string(errs.KindOf(err)), err)
	}
	return err
}
