package platform

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/playback"
	"github.com/marquee-ott/marquee/viewers"
)

// connectViewersToPlayback fills playback's hooks from package viewers and
// contentkeys: the signed-in viewer with the selected profile's rating
// ceiling, continue watching as the resume position, and the content keys.
// A viewer must have selected a profile to play: the profile carries the
// ceiling a kids profile must not escape.
func (m *Main) connectViewersToPlayback() {
	if m.ContentKeys != nil {
		m.Keys = m.ContentKeys
	}
	if m.Viewers == nil {
		return
	}
	svc := m.Viewers
	m.ViewerOf = func(ctx context.Context) (playback.Viewer, bool) {
		p, ok := viewers.FromContext(ctx)
		if !ok || p.Profile == uuid.Nil {
			return playback.Viewer{}, false
		}
		pr, err := svc.CurrentProfile(ctx, p)
		if err != nil {
			return playback.Viewer{}, false
		}
		v := playback.Viewer{ID: p.Viewer, Profile: p.Profile, Device: p.Device}
		if c := pr.RatingCeiling; c != nil && c.MinAge != nil {
			v.RatingCeiling = strconv.Itoa(*c.MinAge)
		}
		return v, true
	}
	m.Resumes = viewerResumes{svc}
}

// accountOf is the signed-in viewer account of a storefront request, for
// billing (checkout, portal, purchases): no profile needed.
func accountOf(ctx context.Context) (uuid.UUID, bool) {
	p, ok := viewers.FromContext(ctx)
	return p.Viewer, ok && p.Viewer != uuid.Nil
}

// viewerResumes is continue watching as playback's resume position: the
// latest position any of the profile's devices reported, 0 once finished.
type viewerResumes struct{ s *viewers.Service }

func (r viewerResumes) ResumePosition(ctx context.Context, tenant, profile uuid.UUID, title playback.TitleID) (time.Duration, error) {
	p, ok := viewers.FromContext(ctx)
	if !ok || p.Tenant != tenant || p.Profile != profile {
		return 0, nil
	}
	pr, found, err := r.s.Resume(ctx, p, title)
	if err != nil || !found || pr.Finished() {
		return 0, err
	}
	return time.Duration(pr.PositionSeconds) * time.Second, nil
}
