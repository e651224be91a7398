package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/playback"
)

var errNoViewer = errs.Unauthorized("sign in as a viewer to play")

// viewer is the signed-in viewer of a storefront request, through the
// ViewerOf hook the wiring connects to package viewers.
func (r *Resolver) viewer(ctx context.Context) (playback.Viewer, error) {
	if r.ViewerOf == nil {
		return playback.Viewer{}, errNoViewer
	}
	v, ok := r.ViewerOf(ctx)
	if !ok {
		return playback.Viewer{}, errNoViewer
	}
	return v, nil
}

// playbackCountry is the viewer's country for enforcement (never the app's
// X-Marquee-Country header: see playback.Countries).
func (r *Resolver) playbackCountry(ctx context.Context) string {
	var header func(string) string
	if graphql.HasOperationContext(ctx) {
		if h := graphql.GetOperationContext(ctx).Headers; h != nil {
			header = h.Get
		}
	}
	return r.Countries.Resolve(header, clientFrom(ctx).IP)
}
