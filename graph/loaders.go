package graph

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/tenants"
)

// loaders batch the relations a list resolves, per request, so a list of N
// objects costs one query per relation instead of N.
type loaders struct {
	staff *dataloadgen.Loader[uuid.UUID, *tenants.Staff]
	// catalog is the catalog's loaders (graph/catalog.go); nil without a catalog.
	catalog *catalogLoaders
	// assets and replacements are a title's video and its latest source
	// replacement (graph/lifecycle.go).
	assets       *dataloadgen.Loader[uuid.UUID, *assets.Asset]
	replacements *dataloadgen.Loader[uuid.UUID, *lifecycle.Replacement]
}

type loadersKey struct{}

func (r *Resolver) newLoaders(ctx context.Context) *loaders {
	tenant := principal(ctx).Tenant
	return &loaders{
		staff: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*tenants.Staff, error) {
			m, err := r.Tenants.StaffByIDs(ctx, tenant, ids)
			out := make(map[uuid.UUID]*tenants.Staff, len(m))
			for id, s := range m {
				out[id] = &s
			}
			return out, err
		}, dataloadgen.WithWait(time.Millisecond)),
		catalog:      r.newCatalogLoaders(tenant),
		assets:       r.newAssetLoader(tenant),
		replacements: r.newReplacementLoader(tenant),
	}
}

func loadersFrom(ctx context.Context) *loaders {
	l, ok := ctx.Value(loadersKey{}).(*loaders)
	if !ok {
		panic(errs.Internal(nil)) // wired by NewHandler; a missing one is a bug
	}
	return l
}
