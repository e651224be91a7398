package apps

import (
	"log/slog"

	"github.com/marquee-ott/marquee/db"
)

// Changes wakes appBuildUpdated subscribers when a build changes (status, a
// log line): the app_builds and app_build_logs triggers announce it on
// app_build_changes.
type Changes = db.Changes

// NewChanges returns the build changes listener (Start it in the API process).
func NewChanges(d *db.DB, log *slog.Logger) *Changes {
	return &db.Changes{DB: d, Channel: "app_build_changes", Log: log}
}
