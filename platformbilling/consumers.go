package platformbilling

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
)

// Consumers are platform billing's outbox consumers for the worker's relay:
// asset.ready counts the asset's encoded minutes (once per asset). Merge
// them with the other packages' consumers.
func (s *Service) Consumers() map[string]outbox.Consumer {
	return map[string]outbox.Consumer{assets.EventReady: outbox.ConsumerFunc(s.consumeAssetReady)}
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
