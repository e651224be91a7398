package platformbilling

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
)

// Consumers are platform billing's outbox consumers for the worker's relay:
// asset.ready counts the asset's encoded minutes (once per asset),
// app_build.finished one app build when it SUCCEEDED (once per build). Merge
// them with the other packages' consumers.
func (s *Service) Consumers() map[string]outbox.Consumer {
	return map[string]outbox.Consumer{assets.EventReady: outbox.ConsumerFunc(s.consumeAssetReady),
		EventAppBuildFinished: outbox.ConsumerFunc(s.consumeAppBuildFinished)}
}

// EventAppBuildFinished is what apps emits when a build ends (apps.Finish);
// its payload's status says how.
const EventAppBuildFinished = "app_build.finished"

func (s *Service) consumeAppBuildFinished(ctx context.Context, tenant uuid.UUID, e outbox.Event) error {
	var p struct {
		Status string `json:"status"`
	}
	raw, _ := e.Payload.(json.RawMessage)
	id, err := uuid.Parse(e.ObjectID)
	if err != nil || json.Unmarshal(raw, &p) != nil {
		s.log().Warn("platformbilling: app_build.finished unreadable; skipped", "event", e.ID, "object", e.ObjectID)
		return nil
	}
	if p.Status != "SUCCEEDED" { // a failed build is not billed
		return nil
	}
	if err := s.RecordAppBuild(ctx, tenant, id); err != nil {
		if k := errs.KindOf(err); k == errs.KindInvalid || k == errs.KindConflict {
			s.log().Warn("platformbilling: app build not metered", "tenant", tenant, "build", id, "err", err)
			return nil
		}
		return fmt.Errorf("platformbilling: app_build.finished %s: %w", id, err)
	}
	return nil
}

func (s *Service) consumeAssetReady(ctx context.Context, tenant uuid.UUID, e outbox.Event) error {
	id, err := uuid.Parse(e.ObjectID)
	if err != nil {
		s.log().Warn("platformbilling: asset.ready with a bad asset id; skipped", "event", e.ID, "object", e.ObjectID)
		return nil
	}
	err = s.RecordEncoding(ctx, tenant, id)
	if err == nil {
		return nil
	}
	switch errs.KindOf(err) {
	case errs.KindNotFound, errs.KindInvalid, errs.KindConflict:
		s.log().Warn("platformbilling: encoding not metered", "tenant", tenant, "asset", id, "err", err)
		return nil
	}
	return fmt.Errorf("platformbilling: asset.ready %s: %w", id, err)
}
