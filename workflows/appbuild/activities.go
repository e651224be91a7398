package appbuild

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/errs"
)

// Activities holds the apps service the activities call.
type Activities struct {
	Apps *apps.Service
	// Heartbeat is how often Package heartbeats while a packager works
	// between log lines; default 10 s.
	Heartbeat time.Duration
}

// TurnInput names the build asking for its turn.
type TurnInput struct {
	Tenant uuid.UUID
	Build  uuid.UUID
}

// Turn reports whether no earlier build of the platform is unfinished.
func (a *Activities) Turn(ctx context.Context, in TurnInput) (bool, error) {
	ok, err := a.Apps.Turn(ctx, in.Tenant, in.Build)
	return ok, domainError(err)
}

// PrepareInput names the build to start.
type PrepareInput struct {
	Tenant uuid.UUID
	Build  uuid.UUID
}

// PrepareResult says whether the build was already finished, and its
// warnings.
type PrepareResult struct {
	Finished bool
	Status   apps.BuildStatus
	Warnings []string
}

// Prepare checks the Spec and marks the build RUNNING.
func (a *Activities) Prepare(ctx context.Context, in PrepareInput) (PrepareResult, error) {
	b, err := a.Apps.Prepare(ctx, in.Tenant, in.Build)
	if err != nil {
		return PrepareResult{}, domainError(err)
	}
	return PrepareResult{Finished: b.Status.Finished(), Status: b.Status, Warnings: b.Warnings}, nil
}

// PackageInput names the build to package.
type PackageInput struct {
	Tenant uuid.UUID
	Build  uuid.UUID
}

// Package runs the packager and stores the artifact, heartbeating; only
// the blob keys come back.
func (a *Activities) Package(ctx context.Context, in PackageInput) (apps.Output, error) {
	every := a.Heartbeat
	if every <= 0 {
		every = 10 * time.Second
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	out, err := a.Apps.Package(ctx, in.Tenant, in.Build, func() { activity.RecordHeartbeat(ctx) })
	return out, domainError(err)
}

// FinishInput is a build's outcome: Error empty means it succeeded with
// Output.
type FinishInput struct {
	Tenant uuid.UUID
	Build  uuid.UUID
	Error  string
	Output apps.Output
}

// FinishResult is the build's final status.
type FinishResult struct {
	Status apps.BuildStatus
	Error  string
}

// Finish records the outcome and stores the full log.
func (a *Activities) Finish(ctx context.Context, in FinishInput) (FinishResult, error) {
	b, err := a.Apps.Finish(ctx, in.Tenant, in.Build, apps.Outcome{Error: in.Error, Output: in.Output})
	if err != nil {
		return FinishResult{}, domainError(err)
	}
	return FinishResult{Status: b.Status, Error: b.Error}, nil
}

// domainError makes the errors a retry cannot fix (invalid, missing,
// conflicting, forbidden) non-retryable with their user-safe message; the
// rest are retried.
func domainError(err error) error {
	if err == nil {
		return nil
	}
	switch errs.KindOf(err) {
	case errs.KindInvalid, errs.KindNotFound, errs.KindConflict, errs.KindForbidden:
		return temporal.NewNonRetryableApplicationError(errs.MessageOf(err), ErrInvalid, err)
	}
	return err
}
