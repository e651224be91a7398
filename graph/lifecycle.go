package graph

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/tenants"
)

// newAssetLoader batches Title.asset: a list of titles reads their assets in
// one statement. Missing ids load as nil.
func (r *Resolver) newAssetLoader(tenant tenants.ID) *dataloadgen.Loader[uuid.UUID, *assets.Asset] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*assets.Asset, error) {
		m, err := r.Assets.ByIDs(ctx, tenant, ids)
		out := make(map[uuid.UUID]*assets.Asset, len(m))
		for id, a := range m {
			out[id] = &a
		}
		return out, err
	}, dataloadgen.WithWait(time.Millisecond))
}

// newReplacementLoader batches Title.sourceReplacement.
func (r *Resolver) newReplacementLoader(tenant tenants.ID) *dataloadgen.Loader[uuid.UUID, *lifecycle.Replacement] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*lifecycle.Replacement, error) {
		m, err := r.Lifecycle.LatestReplacements(ctx, tenant, ids)
		out := make(map[uuid.UUID]*lifecycle.Replacement, len(m))
		for id, rep := range m {
			out[id] = &rep
		}
		return out, err
	}, dataloadgen.WithWait(time.Millisecond))
}

// loadOptional is a loader's value, nil when the key is missing.
func loadOptional[T any](ctx context.Context, l *dataloadgen.Loader[uuid.UUID, *T], id uuid.UUID) (*T, error) {
	v, err := l.Load(ctx, id)
	if err != nil {
		if errors.Is(err, dataloadgen.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return v, nil
}
