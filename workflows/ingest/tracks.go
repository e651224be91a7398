package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/uploads"
)

// Sidecar tracks and images: after Package, ActivityTracks packages the
// asset's extra audio tracks (transcoded to AAC, CMAF segments in
// track_{n}/) and its caption tracks (WebVTT in subs/) and patches the
// master playlist and the MPD to list them; ActivityImages makes the poster
// and the trick-play sprites in images/. Upload then copies them with the
// rest. A caption edit on a READY asset runs CaptionsWorkflow: new WebVTT
// files, the master playlist and the MPD rewritten in blob storage, no media
// work.
const (
	ActivityTracks          = "ingest.Tracks"
	ActivityImages          = "ingest.Images"
	CaptionsWorkflowName    = "ingest.Captions"
	ActivityPublishCaptions = "ingest.PublishCaptions"
)

// sidecarsVersion guards the steps added after Package: workflows started
// before them replay without them.
const sidecarsVersion = "sidecars-images"

// RegisterSidecars registers the sidecar activities and the captions
// workflow; Register calls it.
func RegisterSidecars(r Registry, a *Activities) {
	r.RegisterActivityWithOptions(a.Tracks, activity.RegisterOptions{Name: ActivityTracks})
	r.RegisterActivityWithOptions(a.Images, activity.RegisterOptions{Name: ActivityImages})
	r.RegisterActivityWithOptions(a.PublishCaptions, activity.RegisterOptions{Name: ActivityPublishCaptions})
	r.RegisterWorkflowWithOptions(CaptionsWorkflow, workflow.RegisterOptions{Name: CaptionsWorkflowName})
}

// sidecars runs the sidecar steps of an ingest, between Package and Upload.
func sidecars(ctx workflow.Context, host hostRoute, in Input, sourceKey string, l media.Ladder) error {
	if workflow.GetVersion(ctx, sidecarsVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	opts := workflow.ActivityOptions{
		StartToCloseTimeout: 30*time.Minute + 4*l.Source.Duration,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         ffmpegRetry,
	}
	// Both read the job folder: on its host.
	actx := workflow.WithActivityOptions(ctx, host.options(opts))
	tin := TracksInput{Tenant: in.Tenant, AssetID: in.AssetID, Ladder: l}
	if err := workflow.ExecuteActivity(actx, ActivityTracks, tin).Get(ctx, nil); err != nil {
		return err
	}
	iin := ImagesInput{Tenant: in.Tenant, AssetID: in.AssetID, SourceKey: sourceKey, Ladder: l}
	return workflow.ExecuteActivity(actx, ActivityImages, iin).Get(ctx, nil)
}

// TracksInput is ActivityTracks'.
type TracksInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
	Ladder  media.Ladder
}

// Tracks packages the asset's sidecar tracks into the job folder's package/
// and rewrites its master playlist and MPD to list them with the source's
// own audio (named after its language). An audio track that has no audio
// fails the asset (ErrInvalidSource) before anything is uploaded.
func (a *Activities) Tracks(ctx context.Context, in TracksInput) error {
	pkg := filepath.Join(a.jobDir(in.Tenant, in.AssetID), "package")
	masterPath, mpdPath := filepath.Join(pkg, media.HLSMaster), filepath.Join(pkg, media.DASHMPD)
	master, err := os.ReadFile(masterPath)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("the package is not in this worker's job folder", "MissingPackage", err)
	}
	manifest, err := os.ReadFile(mpdPath)
	if err != nil {
		return err
	}
	asset, err := a.Assets.Get(ctx, in.Tenant, in.AssetID)
	if err != nil {
		return domainError(err)
	}
	tracks, err := a.Assets.Tracks(ctx, in.Tenant, in.AssetID)
	if err != nil {
		return domainError(err)
	}
	// The source's own audio, as ffmpeg listed it, named after its language.
	all, err := media.MasterAudio(master)
	if err != nil {
		return err
	}
	var audio []media.AudioTrack
	for _, t := range all {
		// A retry finds the tracks of its first attempt listed: they are
		// listed again below.
		if !strings.HasPrefix(t.URI, media.AudioTrackPrefix) {
			audio = append(audio, t)
		}
	}
	for i := range audio {
		if i < len(in.Ladder.Audio) {
			ar := in.Ladder.Audio[i]
			audio[i].Language, audio[i].Channels = ar.Language, ar.Channels
			audio[i].Name = assets.TrackName(ar.Language, "")
			if ar.Language == "" {
				audio[i].Name = "Main"
			}
		}
		audio[i].Default = i == 0
	}
	if manifest, err = media.LabelMPDAudio(manifest, audio); err != nil {
		return err
	}
	n := 0
	for _, t := range tracks {
		if t.Kind != uploads.KindAudio {
			continue
		}
		dir := media.AudioTrackDir(n)
		sub, err := a.packageAudioTrack(ctx, in, t, n, filepath.Join(pkg, dir))
		if err != nil {
			return err
		}
		at := media.AudioTrack{URI: dir + "/media_0.m3u8", Language: t.Language, Name: t.Name, Descriptive: t.Descriptive(), Channels: 2}
		if manifest, err = media.AddMPDAudio(manifest, sub, dir, n, at); err != nil {
			return err
		}
		audio = append(audio, at)
		n++
	}
	if len(audio) > 0 {
		if master, err = media.SetMasterAudio(master, audio); err != nil {
			return err
		}
	}
	files, subs, err := a.captionFiles(ctx, tracks, in.Ladder.Source.Duration)
	if err != nil {
		return err
	}
	for name, data := range files {
		if err := writeFile(filepath.Join(pkg, filepath.FromSlash(name)), data); err != nil {
			return err
		}
	}
	if master, err = media.SetMasterSubtitles(master, subs); err != nil {
		return err
	}
	if manifest, err = media.SetMPDSubtitles(manifest, subs); err != nil {
		return err
	}
	if err := writeFile(mpdPath, manifest); err != nil {
		return err
	}
	if err := writeFile(masterPath, master); err != nil {
		return err
	}
	return domainError(a.Assets.MarkTracksPublished(ctx, in.Tenant, in.AssetID, asset.TracksVersion))
}

// packageAudioTrack downloads an audio track, checks it has sound, and
// packages it into dir; it returns the track's own MPD (then removed with
// the track's own master playlist: the package's list it).
func (a *Activities) packageAudioTrack(ctx context.Context, in TracksInput, t assets.Track, n int, dir string) ([]byte, error) {
	src := filepath.Join(a.jobDir(in.Tenant, in.AssetID), "tracks", t.ID.String())
	if err := a.download(ctx, t.SourceKey, src); err != nil {
		return nil, err
	}
	label := fmt.Sprintf("audio track %d (%s)", n+1, t.Name)
	p, err := a.Runner.Probe(ctx, src)
	if len(p.Audio) == 0 {
		reason := "the file has no audio"
		if err != nil && errs.KindOf(err) == errs.KindInvalid && p.Video == nil && p.Duration == 0 {
			reason = errs.MessageOf(err)
		}
		return nil, temporal.NewNonRetryableApplicationError(label+": "+reason, ErrInvalidSource, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if _, err := a.Runner.Run(ctx, media.PlanAudioTrack(in.Ladder, src, dir), func(media.Progress) {
		activity.RecordHeartbeat(ctx, n)
	}); err != nil {
		if errs.KindOf(err) == errs.KindInvalid {
			return nil, temporal.NewNonRetryableApplicationError(label+": "+errs.MessageOf(err), ErrInvalidSource, err)
		}
		return nil, err
	}
	sub, err := os.ReadFile(filepath.Join(dir, media.DASHMPD))
	if err != nil {
		return nil, err
	}
	for _, f := range []string{media.DASHMPD, media.HLSMaster} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			return nil, err
		}
	}
	return sub, nil
}

// captionFiles reads the caption tracks' WebVTT texts and returns the files
// of their renditions, by path inside the package, and their entries for the
// master playlist and the MPD.
func (a *Activities) captionFiles(ctx context.Context, tracks []assets.Track, d time.Duration) (map[string][]byte, []media.SubtitleTrack, error) {
	files := map[string][]byte{}
	var subs []media.SubtitleTrack
	for _, t := range tracks {
		if t.Kind != uploads.KindCaption {
			continue
		}
		text, err := a.Blobs.ReadAll(ctx, t.SourceKey)
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: read caption track %s: %w", t.ID, err)
		}
		vtt, err := media.PackageVTT(text)
		if err != nil {
			return nil, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("caption track %s: %s", t.Name, errs.MessageOf(err)), ErrInvalidSource, err)
		}
		vttName, plName := media.SubtitleFiles(t.ID.String(), t.Revision)
		files[vttName] = vtt
		files[plName] = media.SubtitlePlaylist(filepath.Base(vttName), d)
		subs = append(subs, media.SubtitleTrack{URI: plName, VTT: vttName, Language: t.Language, Name: t.Name, SDH: t.SDH()})
	}
	return files, subs, nil
}

// ImagesInput is ActivityImages'.
type ImagesInput struct {
	Tenant    uuid.UUID
	AssetID   uuid.UUID
	SourceKey string
	Ladder    media.Ladder
}

// imagesDir is the folder of the images inside a package.
const imagesDir = "images"

// Images makes the poster and the trick-play sprites and thumbnails track
// in the job folder's package/images/ and records their blob keys (where
// Upload puts them) on the asset.
func (a *Activities) Images(ctx context.Context, in ImagesInput) error {
	src, err := a.source(ctx, in.Tenant, in.AssetID, in.SourceKey)
	if err != nil {
		return err
	}
	out := filepath.Join(a.jobDir(in.Tenant, in.AssetID), "package", imagesDir)
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	cmd, tp := media.PlanImages(in.Ladder, src, out)
	if _, err := a.Runner.Run(ctx, cmd, func(media.Progress) { activity.RecordHeartbeat(ctx) }); err != nil {
		return domainError(err)
	}
	for _, o := range cmd.Outputs {
		if fi, err := os.Stat(o); err != nil || fi.Size() == 0 {
			return fmt.Errorf("ingest: ffmpeg did not write %s", filepath.Base(o))
		}
	}
	if err := writeFile(filepath.Join(out, media.ThumbnailsFile), media.ThumbnailsVTT(tp, in.Ladder.Source.Duration)); err != nil {
		return err
	}
	prefix := assets.Prefix(in.Tenant, in.AssetID) + imagesDir + "/"
	im := assets.Images{PosterKey: prefix + media.PosterFile, ThumbnailsKey: prefix + media.ThumbnailsFile,
		TrickPlay: assets.TrickPlay{Interval: tp.Interval, Count: tp.Count, TileWidth: tp.TileWidth, TileHeight: tp.TileHeight,
			Columns: tp.Columns, Rows: tp.Rows}}
	for i := range tp.Sheets {
		im.TrickPlay.SpriteKeys = append(im.TrickPlay.SpriteKeys, prefix+media.SpriteFile(i))
	}
	return domainError(a.Assets.SetImages(ctx, in.Tenant, in.AssetID, im))
}

// download copies a blob to path (written beside and renamed: a file at the
// path is whole), unless it is there.
func (a *Activities) download(ctx context.Context, key, path string) error {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	r, err := a.Blobs.NewReader(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("ingest: open %s: %w", key, err)
	}
	defer r.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), "download-*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, &heartbeatReader{ctx: ctx, r: r}); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("ingest: download %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o640)
}

// CaptionsInput starts CaptionsWorkflow and is ActivityPublishCaptions'.
type CaptionsInput struct {
	Tenant  uuid.UUID
	AssetID uuid.UUID
}

// CaptionsResult is what a republish published.
type CaptionsResult struct {
	Version int  // the asset's caption version now in its package
	Behind  bool // the captions changed again meanwhile: publish again
}

// CaptionsWorkflowID is an asset's caption republishing workflow: one at a
// time per asset.
func CaptionsWorkflowID(tenant, asset uuid.UUID) string {
	return tenant.String() + "/captions/" + asset.String()
}

// SignalCaptionsChanged tells a running CaptionsWorkflow that the captions
// changed again (PublishTracks sends it with the start).
const SignalCaptionsChanged = "captions-changed"

// CaptionsWorkflow republishes an asset's captions until its package
// carries the latest change: a change signalled while it publishes makes it
// publish again (a signal arriving as it completes reopens it: Temporal
// rejects the completion and replays with the signal).
func CaptionsWorkflow(ctx workflow.Context, in CaptionsInput) (CaptionsResult, error) {
	actx := workflow.WithActivityOptions(ctx, transfer)
	changed := workflow.GetSignalChannel(ctx, SignalCaptionsChanged)
	drain := func() bool {
		got := false
		for changed.ReceiveAsync(nil) {
			got = true
		}
		return got
	}
	var res CaptionsResult
	for range 20 {
		drain()
		if err := workflow.ExecuteActivity(actx, ActivityPublishCaptions, in).Get(ctx, &res); err != nil {
			return res, err
		}
		if again := drain(); !again && !res.Behind {
			return res, nil
		}
	}
	return res, workflow.NewContinueAsNewError(ctx, CaptionsWorkflowName, in)
}

// PublishCaptions writes the asset's caption files (new names for new
// revisions), rewrites the master playlist's SUBTITLES group and the MPD's
// text adaptation sets in blob storage, removes subtitle files no longer
// listed, and records the version published. Segments, media playlists and
// every other file of the package are left as they are.
func (a *Activities) PublishCaptions(ctx context.Context, in CaptionsInput) (CaptionsResult, error) {
	asset, err := a.Assets.Get(ctx, in.Tenant, in.AssetID)
	if err != nil {
		return CaptionsResult{}, domainError(err)
	}
	if asset.Status != assets.StatusReady || asset.HLSKey == "" {
		return CaptionsResult{}, temporal.NewNonRetryableApplicationError("the asset is not READY", "NotReady", nil)
	}
	tracks, err := a.Assets.Tracks(ctx, in.Tenant, in.AssetID)
	if err != nil {
		return CaptionsResult{}, domainError(err)
	}
	files, subs, err := a.captionFiles(ctx, tracks, asset.Duration)
	if err != nil {
		return CaptionsResult{}, err
	}
	prefix := assets.Prefix(in.Tenant, in.AssetID)
	for name, data := range files {
		// A revision's files never change: the ones there stay untouched.
		if ok, err := a.Blobs.Exists(ctx, prefix+name); err != nil {
			return CaptionsResult{}, err
		} else if ok {
			continue
		}
		if err := a.Blobs.WriteAll(ctx, prefix+name, data, &blob.WriterOptions{ContentType: contentType(name)}); err != nil {
			return CaptionsResult{}, err
		}
	}
	// Manifests after the files they name; the MPD first: the master is
	// what the players of most devices read.
	if asset.DASHKey != "" {
		if err := a.rewrite(ctx, asset.DASHKey, func(b []byte) ([]byte, error) { return media.SetMPDSubtitles(b, subs) }); err != nil {
			return CaptionsResult{}, err
		}
	}
	if err := a.rewrite(ctx, asset.HLSKey, func(b []byte) ([]byte, error) { return media.SetMasterSubtitles(b, subs) }); err != nil {
		return CaptionsResult{}, err
	}
	// Files of older revisions and removed tracks go.
	it := a.Blobs.List(&blob.ListOptions{Prefix: prefix + "subs/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return CaptionsResult{}, err
		}
		if _, keep := files[strings.TrimPrefix(obj.Key, prefix)]; !keep {
			if err := a.Blobs.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				return CaptionsResult{}, err
			}
		}
	}
	if err := a.Assets.MarkTracksPublished(ctx, in.Tenant, in.AssetID, asset.TracksVersion); err != nil {
		return CaptionsResult{}, domainError(err)
	}
	now, err := a.Assets.Get(ctx, in.Tenant, in.AssetID)
	if err != nil {
		return CaptionsResult{}, domainError(err)
	}
	return CaptionsResult{Version: asset.TracksVersion, Behind: now.TracksVersion > asset.TracksVersion}, nil
}

// rewrite reads a blob, changes it and writes it back with its content type.
func (a *Activities) rewrite(ctx context.Context, key string, change func([]byte) ([]byte, error)) error {
	b, err := a.Blobs.ReadAll(ctx, key)
	if err != nil {
		return fmt.Errorf("ingest: read %s: %w", key, err)
	}
	out, err := change(b)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("the manifest %s cannot be patched: %v", filepath.Base(key), err), "BadManifest", err)
	}
	return a.Blobs.WriteAll(ctx, key, out, &blob.WriterOptions{ContentType: contentType(key)})
}
