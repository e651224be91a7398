package assets

import (
	"log/slog"

	"github.com/marquee-ott/marquee/db"
)

// Changes wakes assetProgress subscribers when an asset's status or percent
// changes: the media_assets trigger announces it on asset_changes.
type Changes = db.Changes

// NewChanges returns the asset changes listener (Start it in the API process).
func NewChanges(d *db.DB, log *slog.Logger) *Changes {
	return &db.Changes{DB: d, Channel: "asset_changes", Log: log}
}
