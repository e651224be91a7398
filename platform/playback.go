package platform

import (
	"context"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/graph"
	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/ratelimit"
	"github.com/marquee-ott/marquee/sealbox"
)

// buildPlayback wires package playback: the token key derived from
// MARQUEE_SECRET_KEY, the interim entitlement model (Grants), the country
// resolver, and the viewer, content-key and resume hooks (read at call time, so a
// test or the integrator may set m.ViewerOf and m.Keys after Open).
func (m *Main) buildPlayback(resolver *graph.Resolver) {
	c := m.Config
	secret, _ := sealbox.ParseKey(c.SecretKey) // Validate checked the key
	tokens, _ := playback.NewTokens(secret)    // 32 bytes: never short
	grants := &playback.Grants{DB: m.DB, Titles: resolver.Catalog}
	m.Playback = &playback.Service{DB: m.DB, Titles: resolver.Catalog, Assets: resolver.Assets, Tracks: resolver.Assets, Entitlements: bothEntitlements{grants: grants, billing: m.Billing},
		Keys: keyHook{m}, Resumes: resumeHook{m}, Tokens: tokens, Secrets: m.Tenants.Secrets, BaseURL: c.BaseURL,
		SessionTTL: c.PlaybackSessionTTL, PreviewTTL: c.PlaybackPreviewTTL,
		KeyLimit: ratelimit.New(c.PlaybackKeyRate, c.PlaybackKeyBurst)}
	resolver.Playback = m.Playback
	resolver.Grants = grants
	resolver.Countries = &playback.Countries{Header: c.PlaybackCountryHeader}
	if m.Geo != nil {
		resolver.Countries.Geo = m.Geo
	}
	resolver.ViewerOf = func(ctx context.Context) (playback.Viewer, bool) {
		if m.ViewerOf == nil {
			return playback.Viewer{}, false
		}
		return m.ViewerOf(ctx)
	}
}

// keyHook forwards to m.Keys when it is set; without it every asset is clear.
type keyHook struct{ m *Main }

func (k keyHook) AssetKey(ctx context.Context, tenant, asset uuid.UUID) ([]byte, error) {
	if k.m.Keys == nil {
		return nil, errs.NotFound("the asset is not encrypted")
	}
	return k.m.Keys.AssetKey(ctx, tenant, asset)
}

// resumeHook forwards to m.Resumes when it is set; without it, 0.
type resumeHook struct{ m *Main }

func (h resumeHook) ResumePosition(ctx context.Context, tenant uuid.UUID, profile uuid.UUID, title playback.TitleID) (time.Duration, error) {
	if h.m.Resumes == nil {
		return 0, nil
	}
	return h.m.Resumes.ResumePosition(ctx, tenant, profile, title)
}

// playbackOrigins are the origins CORS allows for every tenant: the
// configured ones and the platform's own (the console's player).
func (m *Main) playbackOrigins() []string {
	out := append([]string{}, m.Config.PlaybackOrigins...)
	if u, err := url.Parse(m.Config.BaseURL); err == nil && u.Host != "" {
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out
}

// bothEntitlements is what playback asks: billing's model (free, AVOD, SVOD,
// TVOD: plans, rentals, purchases and support grants) and the title's
// "requires entitlement" flag with its grants (access outside sales:
// screeners, press) are independent gates and both must pass; ads are
// billing's to decide. Neither can widen what the other refuses.
type bothEntitlements struct {
	grants  *playback.Grants
	billing *billing.Service // nil: the flag and grants alone
}

func (e bothEntitlements) Check(ctx context.Context, tenant uuid.UUID, viewer playback.ViewerID, profile uuid.UUID, title catalog.Title) (playback.Decision, error) {
	g, err := e.grants.Check(ctx, tenant, viewer, profile, title)
	if err != nil || !g.Allowed || e.billing == nil {
		return g, err
	}
	b, err := e.billing.Check(ctx, tenant, viewer, profile, title)
	if err != nil {
		return playback.Decision{}, err
	}
	return playback.Decision{Allowed: b.Allowed, Ads: b.Ads, Reason: b.Reason}, nil
}
