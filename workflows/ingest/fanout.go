package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/marquee-ott/marquee/media"
)

// Fan-out. A title longer than Input.FanOutAbove is cut by time into chunks
// (media.PlanChunks: whole GOPs, so every chunk starts on a keyframe of every
// rendition), transcoded as parallel activities (each one decode for every
// rendition of its range), while the audio is encoded once for the whole
// title (AAC cut at chunk borders would click and drift); then each
// rendition's chunks are joined without re-encoding (media.PlanJoin) into
// the same files a single run makes, which Package reads as usual. Every
// step leaves a done mark beside its outputs, so a worker killed mid-run
// redoes only the chunks that were not finished.

// Names of the fan-out activities (part of recorded histories).
const (
	ActivityTranscodeChunk = "ingest.TranscodeChunk"
	ActivityTranscodeAudio = "ingest.TranscodeAudio"
	ActivityJoin           = "ingest.Join"
)

// Fan-out defaults.
const (
	DefaultFanOutAbove   = 10 * time.Minute
	DefaultChunkDuration = 2 * time.Minute
)

func registerFanOut(r Registry, a *Activities) {
	r.RegisterActivityWithOptions(a.TranscodeChunk, activity.RegisterOptions{Name: ActivityTranscodeChunk})
	r.RegisterActivityWithOptions(a.TranscodeAudio, activity.RegisterOptions{Name: ActivityTranscodeAudio})
	r.RegisterActivityWithOptions(a.Join, activity.RegisterOptions{Name: ActivityJoin})
	r.RegisterActivityWithOptions(a.Cleanup, activity.RegisterOptions{Name: ActivityCleanup})
}

func (in Input) fanOut() (above, every time.Duration) {
	above, every = in.FanOutAbove, in.ChunkDuration
	if above <= 0 {
		above = DefaultFanOutAbove
	}
	if every <= 0 {
		every = DefaultChunkDuration
	}
	return above, every
}

// transcode is the workflow's transcode step: one run, or the fan-out.
func transcode(ctx workflow.Context, host hostRoute, in Input, sourceKey string, l media.Ladder) error {
	// The planners are pure: the workflow may call them for the deadlines.
	whole := ffmpegOptions(media.PlanTranscode(l, "", ""))
	above, every := in.fanOut()
	chunks := media.PlanChunks(l, "", "", every)
	if l.Source.Duration <= above || len(chunks) < 2 {
		tin := TranscodeInput{Tenant: in.Tenant, AssetID: in.AssetID, SourceKey: sourceKey, Ladder: l}
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, host.options(whole)), ActivityTranscode, tin).Get(ctx, nil)
	}

	// Every chunk gets the whole title's deadline: the host runs a few
	// ffmpegs at a time (media.RunnerConfig.Concurrency) and the rest wait,
	// heartbeating, for a slot.
	cctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	opts := workflow.WithActivityOptions(cctx, host.options(whole))
	var futures []workflow.Future
	for _, c := range chunks {
		futures = append(futures, workflow.ExecuteActivity(opts, ActivityTranscodeChunk, ChunkInput{
			Tenant: in.Tenant, AssetID: in.AssetID, SourceKey: sourceKey, Ladder: l, Every: every, Index: c.Index}))
	}
	if len(l.Audio) > 0 {
		audio := workflow.WithActivityOptions(cctx, host.options(ffmpegOptions(media.PlanAudio(l, "", ""))))
		futures = append(futures, workflow.ExecuteActivity(audio, ActivityTranscodeAudio, TranscodeInput{
			Tenant: in.Tenant, AssetID: in.AssetID, SourceKey: sourceKey, Ladder: l}))
	}
	// The first failure cancels the rest.
	var first error
	sel := workflow.NewSelector(ctx)
	for _, f := range futures {
		sel.AddFuture(f, func(f workflow.Future) {
			if err := f.Get(ctx, nil); err != nil && first == nil {
				first = err
				cancel()
			}
		})
	}
	for range futures {
		sel.Select(ctx)
	}
	if first != nil {
		return first
	}
	join := ffmpegOptions(media.PlanJoin(l, chunks, "")[0].Command)
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, host.options(join)), ActivityJoin,
		ChunkInput{Tenant: in.Tenant, AssetID: in.AssetID, SourceKey: sourceKey, Ladder: l, Every: every}).Get(ctx, nil)
}

// ChunkInput is ActivityTranscodeChunk's and ActivityJoin's: the chunks are
// media.PlanChunks(Ladder, …, Every); Index names one (the join reads all).
type ChunkInput struct {
	Tenant    uuid.UUID
	AssetID   uuid.UUID
	SourceKey string
	Ladder    media.Ladder
	Every     time.Duration
	Index     int
}

// audioDoneMark is written beside the audio outputs once they are complete.
const audioDoneMark = ".audio-complete"

// TranscodeChunk encodes one chunk of the title, every rendition in one
// decode, into its chunk folder; a chunk found complete is not run again.
// When it is done the asset's progress is the share of chunks done.
func (a *Activities) TranscodeChunk(ctx context.Context, in ChunkInput) error {
	out := a.transcodeDir(in.Tenant, in.AssetID)
	chunks := media.PlanChunks(in.Ladder, "", out, in.Every)
	if in.Index < 0 || in.Index >= len(chunks) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("chunk %d of %d", in.Index, len(chunks)), "BadChunk", nil)
	}
	dir := media.ChunkDir(out, in.Index)
	if !complete(dir, chunks[in.Index].Command.Outputs) {
		src, err := a.source(ctx, in.Tenant, in.AssetID, in.SourceKey)
		if err != nil {
			return err
		}
		_ = os.Remove(filepath.Join(dir, doneMark))
		cmd := media.PlanChunks(in.Ladder, src, out, in.Every)[in.Index].Command
		if err := a.runHeartbeating(ctx, cmd); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, doneMark), nil, 0o640); err != nil {
			return err
		}
	}
	activity.RecordHeartbeat(ctx, TranscodeProgress{Percent: 100, Done: true})
	done := 0
	for _, c := range chunks {
		if complete(media.ChunkDir(out, c.Index), c.Command.Outputs) {
			done++
		}
	}
	// The join and the packaging are quick: the chunks are most of the work.
	return a.Assets.SetProgress(ctx, in.Tenant, in.AssetID, done*99/len(chunks))
}

// TranscodeAudio encodes every audio stream of the whole title into the
// transcode folder, where a single run would have put them.
func (a *Activities) TranscodeAudio(ctx context.Context, in TranscodeInput) error {
	out := a.transcodeDir(in.Tenant, in.AssetID)
	if completeWith(out, audioDoneMark, media.PlanAudio(in.Ladder, "", out).Outputs) {
		return nil
	}
	src, err := a.source(ctx, in.Tenant, in.AssetID, in.SourceKey)
	if err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(out, audioDoneMark))
	if err := a.runHeartbeating(ctx, media.PlanAudio(in.Ladder, src, out)); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, audioDoneMark), nil, 0o640)
}

// Join joins each rendition's chunks into the transcode folder and marks it
// complete, as a single run would have; a complete folder is left as it is.
func (a *Activities) Join(ctx context.Context, in ChunkInput) error {
	out := a.transcodeDir(in.Tenant, in.AssetID)
	if complete(out, media.PlanTranscode(in.Ladder, "", out).Outputs) {
		return nil
	}
	chunks := media.PlanChunks(in.Ladder, "", out, in.Every)
	for _, c := range chunks {
		if !complete(media.ChunkDir(out, c.Index), c.Command.Outputs) {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("chunk %d is not in this worker's job folder", c.Index), errMissingChunks, nil)
		}
	}
	if len(in.Ladder.Audio) > 0 && !completeWith(out, audioDoneMark, media.PlanAudio(in.Ladder, "", out).Outputs) {
		return temporal.NewNonRetryableApplicationError("the audio is not in this worker's job folder", errMissingChunks, nil)
	}
	_ = os.Remove(filepath.Join(out, doneMark))
	for _, j := range media.PlanJoin(in.Ladder, chunks, out) {
		if err := os.WriteFile(j.ListPath, []byte(j.List), 0o640); err != nil {
			return err
		}
		if err := a.runHeartbeating(ctx, j.Command); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(out, doneMark), nil, 0o640); err != nil {
		return err
	}
	// The chunks are no longer needed: the joined files hold them.
	for _, c := range chunks {
		_ = os.RemoveAll(media.ChunkDir(out, c.Index))
	}
	activity.RecordHeartbeat(ctx, TranscodeProgress{Percent: 100, Done: true})
	return a.Assets.SetProgress(ctx, in.Tenant, in.AssetID, 100)
}

func (a *Activities) transcodeDir(tenant, asset uuid.UUID) string {
	return filepath.Join(a.jobDir(tenant, asset), "transcode")
}

// completeWith is complete with another done mark.
func completeWith(dir, mark string, outputs []string) bool {
	if _, err := os.Stat(filepath.Join(dir, mark)); err != nil {
		return false
	}
	for _, o := range outputs {
		if fi, err := os.Stat(o); err != nil || fi.Size() == 0 {
			return false
		}
	}
	return true
}

// runHeartbeating runs cmd, heartbeating its progress and, while it waits
// for one of the Runner's slots or ffmpeg is quiet, at least every
// keepAlive: a run queued behind others on a busy host is not a dead one.
func (a *Activities) runHeartbeating(ctx context.Context, cmd media.Command) error {
	stop := keepAlive(ctx)
	defer stop()
	_, err := a.Runner.Run(ctx, cmd, func(p media.Progress) {
		activity.RecordHeartbeat(ctx, TranscodeProgress{Percent: int(p.Fraction * 100)})
	})
	if err != nil {
		return domainError(err)
	}
	return nil
}

// keepAlive is the interval of keepAlive's heartbeats: well inside the
// activities' one-minute heartbeat timeout. The SDK batches heartbeats, so
// frequent ones cost nothing on the wire.
const keepAliveEvery = 10 * time.Second

func keepAlive(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(keepAliveEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
