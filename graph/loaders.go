package graph

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/tenants"
)

// loaders batch the relations a list resolves, per request, so a list of N
// objects costs one query per relation instead of N. Each is made on first
// use: most requests resolve no relation, and making every loader for each
// of them was a measurable part of a small query's cost.
type loaders struct {
	r      *Resolver
	tenant uuid.UUID

	staffOnce sync.Once
	staff     *dataloadgen.Loader[uuid.UUID, *tenants.Staff]
	// catalog is the catalog's loaders (graph/catalog.go); nil without a catalog.
	catalogOnce sync.Once
	catalog     *catalogLoaders
	// assets and replacements are a title's video and its latest source
	// replacement (graph/lifecycle.go).
	assetsOnce       sync.Once
	assets           *dataloadgen.Loader[uuid.UUID, *assets.Asset]
	replacementsOnce sync.Once
	replacements     *dataloadgen.Loader[uuid.UUID, *lifecycle.Replacement]
}

type loadersKey struct{}

func (r *Resolver) newLoaders(ctx context.Context) *loaders {
	return &loaders{r: r, tenant: principal(ctx).Tenant}
}

func (l *loaders) staffLoader() *dataloadgen.Loader[uuid.UUID, *tenants.Staff] {
	l.staffOnce.Do(func() {
		r, tenant := l.r, l.tenant
		l.staff = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*tenants.Staff, error) {
			m, err := r.Tenants.StaffByIDs(ctx, tenant, ids)
			out := make(map[uuid.UUID]*tenants.Staff, len(m))
			for id, s := range m {
				out[id] = &s
			}
			return out, err
		}, dataloadgen.WithWait(time.Millisecond))
	})
	return l.staff
}

func (l *loaders) catalogLoaders() *catalogLoaders {
	l.catalogOnce.Do(func() { l.catalog = l.r.newCatalogLoaders(l.tenant) })
	return l.catalog
}

func (l *loaders) assetsLoader() *dataloadgen.Loader[uuid.UUID, *assets.Asset] {
	l.assetsOnce.Do(func() { l.assets = l.r.newAssetLoader(l.tenant) })
	return l.assets
}

func (l *loaders) replacementsLoader() *dataloadgen.Loader[uuid.UUID, *lifecycle.Replacement] {
	l.replacementsOnce.Do(func() { l.replacements = l.r.newReplacementLoader(l.tenant) })
	return l.replacements
}

func loadersFrom(ctx context.Context) *loaders {
	l, ok := ctx.Value(loadersKey{}).(*loaders)
	if !ok {
		panic(errs.Internal(nil)) // wired by NewHandler; a missing one is a bug
	}
	return l
}
