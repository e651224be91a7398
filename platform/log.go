package platform

import (
	"log/slog"

	"go.temporal.io/sdk/log"
)

// newTemporalLogger gives the Temporal SDK our slog handler, so its lines carry
// the same format and attributes as ours.
func newTemporalLogger(l *slog.Logger) log.Logger {
	return log.NewStructuredLogger(l.With("component", "temporal"))
}
