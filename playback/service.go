package playback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/playback/internal/playbacksql"
	"github.com/marquee-ott/marquee/ratelimit"
	"github.com/marquee-ott/marquee/sealbox"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/ttl"
	"github.com/marquee-ott/marquee/uploads"
)

// Assets is what the Service needs of package assets.
type Assets interface {
	Get(ctx context.Context, tenant tenants.ID, id assets.ID) (assets.Asset, error)
}

// Tracks lists an asset's sidecar audio and caption tracks (package assets),
// the asset having just been read.
type Tracks interface {
	AssetTracks(ctx context.Context, tenant tenants.ID, asset assets.ID) ([]assets.Track, error)
}

// Defaults.
const (
	DefaultSessionTTL       = 6 * time.Hour
	DefaultPreviewTTL       = 30 * time.Minute
	DefaultHeartbeatTimeout = 2 * time.Minute
)

// Service starts and guards playback sessions.
type Service struct {
	DB           *db.DB
	Titles       Titles
	Assets       Assets
	Tracks       Tracks // nil: the player hears of the ladder's own audio only
	Entitlements Entitlements
	Keys         KeySource // nil: every key request is NotFound (clear assets only)
	Resumes      Resumes   // nil: sessions start at 0
	Tokens       *Tokens
	Secrets      *sealbox.Box // seals the CDN signers' secrets
	// BaseURL is the origin's public base URL (http://localhost:8080); a
	// tenant's CDN base URL replaces it in the URLs handed to players.
	BaseURL          string
	SessionTTL       time.Duration
	PreviewTTL       time.Duration
	HeartbeatTimeout time.Duration
	// KeyLimit bounds key hand-outs per session; nil: no limit.
	KeyLimit *ratelimit.Limiter
	Now      func() time.Time

	settings ttl.Cache[tenants.ID, settings]
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Start runs the checks in order and, when all pass, starts a session. A
// check that fails is a Refusal (no session, no error); a missing or
// unpublished title is NotFound.
func (s *Service) Start(ctx context.Context, req StartRequest) (Session, *Refusal, error) {
	now := s.now()
	t, err := s.Titles.GetTitle(ctx, req.Tenant, req.Title)
	if err != nil {
		return Session{}, nil, fmt.Errorf("playback.Start: %w", err)
	}
	if t.Status != catalog.StatusPublished {
		return Session{}, nil, errs.NotFound("no title %s", req.Title)
	}
	if t.AssetID == nil {
		return Session{}, &Refusal{NotAvailableYet, "the title has no playable media yet"}, nil
	}
	// The entitlement is asked while the asset is read (one round trip less
	// of latency); its answer is only looked at in its turn below.
	type decision struct {
		d   Decision
		err error
	}
	dc := make(chan decision, 1)
	go func() {
		d, err := s.Entitlements.Check(ctx, req.Tenant, req.Viewer.ID, req.Viewer.Profile, t)
		dc <- decision{d, err}
	}()
	a, err := s.Assets.Get(ctx, req.Tenant, *t.AssetID)
	ent := func() (Decision, error) { x := <-dc; return x.d, x.err } // dc is buffered: unread, the goroutine still ends
	if errs.Is(err, errs.KindNotFound) {
		return Session{}, &Refusal{NotAvailableYet, "the title has no playable media yet"}, nil
	} else if err != nil {
		return Session{}, nil, fmt.Errorf("playback.Start: %w", err)
	}
	if a.Status != assets.StatusReady {
		return Session{}, &Refusal{NotAvailableYet, "the title's media is not ready yet"}, nil
	}
	if r := checkWindow(t.Availability, now, req.Country); r != nil {
		return Session{}, r, nil
	}
	if r := checkRating(t.Rating, req.Viewer.RatingCeiling); r != nil {
		return Session{}, r, nil
	}
	d, err := ent()
	if err != nil {
		return Session{}, nil, fmt.Errorf("playback.Start: %w", err)
	}
	if !d.Allowed {
		reason := d.Reason
		if reason == "" {
			reason = "this title is not included in your plan or purchases"
		}
		return Session{}, &Refusal{NotEntitled, reason}, nil
	}
	var resume time.Duration
	if s.Resumes != nil {
		if resume, err = s.Resumes.ResumePosition(ctx, req.Tenant, req.Viewer.Profile, t.ID); err != nil {
			return Session{}, nil, fmt.Errorf("playback.Start: %w", err)
		}
	}
	set, err := s.settingsOf(ctx, req.Tenant)
	if err != nil {
		return Session{}, nil, fmt.Errorf("playback.Start: %w", err)
	}
	var row playbacksql.PlaybackSession
	var refusal *Refusal
	err = s.DB.InTenant(ctx, req.Tenant, func(tx db.Tx) error {
		q := playbacksql.New(tx)
		if set.streams.MaxStreams > 0 {
			if err := q.LockViewer(ctx, playbacksql.LockViewerParams{TenantID: req.Tenant, ViewerID: req.Viewer.ID}); err != nil {
				return err
			}
			live, err := q.LiveSessions(ctx, playbacksql.LiveSessionsParams{TenantID: req.Tenant, ViewerID: &req.Viewer.ID,
				AliveAfter: now.Add(-orDefault(s.HeartbeatTimeout, DefaultHeartbeatTimeout)), Now: now})
			if err != nil {
				return err
			}
			if over := len(live) - set.streams.MaxStreams + 1; over > 0 {
				if set.streams.OnLimit != LimitEndOldest {
					refusal = &Refusal{TooManyStreams, fmt.Sprintf("you are already watching on %d screens, the most your plan allows", len(live))}
					return nil
				}
				for _, old := range live[:over] {
					if _, err := q.EndSession(ctx, playbacksql.EndSessionParams{TenantID: req.Tenant, ID: old.ID, Now: now, Reason: "ended by a newer stream"}); err != nil {
						return err
					}
				}
			}
		}
		row, err = q.CreateSession(ctx, playbacksql.CreateSessionParams{
			TenantID: req.Tenant, ID: uuid.Must(uuid.NewV7()), AssetID: a.ID, TitleID: &t.ID,
			ViewerID: &req.Viewer.ID, ProfileID: nilIfZero(req.Viewer.Profile), DeviceID: nilIfZero(req.Viewer.Device),
			ClientIp: req.Client.IP, Country: req.Country, PositionSeconds: int32(resume / time.Second),
			StartedAt: now, ExpiresAt: now.Add(orDefault(s.SessionTTL, DefaultSessionTTL)),
		})
		return err
	})
	if err != nil {
		return Session{}, nil, fmt.Errorf("playback.Start: %w", err)
	}
	if refusal != nil {
		return Session{}, refusal, nil
	}
	out, err := s.present(ctx, row, a, set)
	if err != nil {
		return Session{}, nil, fmt.Errorf("playback.Start: %w", err)
	}
	out.Resume, out.Ads = resume, d.Ads
	return out, nil, nil
}

func nilIfZero(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func checkWindow(av catalog.Availability, now time.Time, country string) *Refusal {
	if av.Start != nil && now.Before(*av.Start) {
		return &Refusal{NotAvailableYet, "available from " + av.Start.UTC().Format(time.RFC3339)}
	}
	if av.End != nil && !now.Before(*av.End) {
		return &Refusal{Expired, "no longer available since " + av.End.UTC().Format(time.RFC3339)}
	}
	if len(av.Countries) > 0 {
		if country == "" {
			return &Refusal{GeoBlocked, "your country could not be determined, and this title is limited to some countries"}
		}
		if !slices.Contains(av.Countries, strings.ToUpper(country)) {
			return &Refusal{GeoBlocked, "not available in " + strings.ToUpper(country)}
		}
	}
	return nil
}

func checkRating(r *catalog.Rating, ceiling string) *Refusal {
	if ceiling == "" || r == nil {
		return nil
	}
	max, err := strconv.Atoi(ceiling)
	if err != nil || r.MinAge == nil || *r.MinAge > max {
		return &Refusal{RatingBlocked, fmt.Sprintf("rated %s %s: above this profile's limit", r.System, r.Value)}
	}
	return nil
}

// Preview starts a short session for staff on any READY asset of the
// tenant, without viewer checks; it is audited.
func (s *Service) Preview(ctx context.Context, tenant tenants.ID, staff uuid.UUID, asset assets.ID) (Session, error) {
	now := s.now()
	a, err := s.Assets.Get(ctx, tenant, asset)
	if err != nil {
		return Session{}, fmt.Errorf("playback.Preview: %w", err)
	}
	if a.Status != assets.StatusReady {
		return Session{}, errs.Conflict("the asset is %s, not READY", a.Status)
	}
	set, err := s.settingsOf(ctx, tenant)
	if err != nil {
		return Session{}, fmt.Errorf("playback.Preview: %w", err)
	}
	var row playbacksql.PlaybackSession
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		var err error
		row, err = playbacksql.New(tx).CreateSession(ctx, playbacksql.CreateSessionParams{
			TenantID: tenant, ID: uuid.Must(uuid.NewV7()), AssetID: a.ID, PreviewBy: nilIfZero(staff),
			ClientIp: tenants.ClientFrom(ctx).IP, StartedAt: now, ExpiresAt: now.Add(orDefault(s.PreviewTTL, DefaultPreviewTTL)),
		})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "playback.previewed", "asset", a.ID.String(), map[string]any{"session": row.ID})
	})
	if err != nil {
		return Session{}, fmt.Errorf("playback.Preview: %w", err)
	}
	// Previews play from the platform's own origin, not the CDN: the console
	// allows connections to itself only, and staff check the asset, not the edge.
	set.cdnBase, set.signer, set.cdn = "", NoSigner{}, CDNSettings{Kind: CDNNone}
	return s.present(ctx, row, a, set)
}

// present builds the player's view of a session: URLs with the token and
// the CDN signer's parameters, tracks.
func (s *Service) present(ctx context.Context, row playbacksql.PlaybackSession, a assets.Asset, set settings) (Session, error) {
	out := sessionFromRow(row)
	out.Token = s.Tokens.Make(Claims{Tenant: row.TenantID, Asset: row.AssetID, Session: row.ID, Expires: row.ExpiresAt})
	base := s.BaseURL
	if set.cdnBase != "" {
		base = set.cdnBase
	}
	prefix := strings.TrimSuffix(base, "/") + OriginPath(row.TenantID, row.AssetID)
	acc, err := set.signer.Sign(prefix+"*", row.ExpiresAt)
	if err != nil {
		return Session{}, err
	}
	q := url.Values{"token": {out.Token}}
	for k, v := range acc.Query {
		q[k] = v
	}
	query := Query(q)
	out.HLSURL = prefix + "master.m3u8?" + query
	if a.DASHKey != "" {
		out.DASHURL = prefix + "manifest.mpd?" + query
	}
	out.Cookies = acc.Cookies
	var l struct {
		Audio []struct {
			Language string `json:"language"`
			Channels int    `json:"channels"`
		} `json:"audio"`
	}
	if len(a.Ladder) > 0 {
		if err := json.Unmarshal(a.Ladder, &l); err != nil {
			return Session{}, fmt.Errorf("the asset's ladder: %w", err)
		}
	}
	out.AudioTracks = []AudioTrack{}
	for _, au := range l.Audio {
		out.AudioTracks = append(out.AudioTracks, AudioTrack{Language: au.Language, Channels: au.Channels})
	}
	out.Subtitles = []Subtitle{}
	if s.Tracks != nil {
		tracks, err := s.Tracks.AssetTracks(ctx, row.TenantID, a.ID)
		if err != nil {
			return Session{}, fmt.Errorf("the asset's tracks: %w", err)
		}
		for _, t := range tracks {
			switch t.Kind {
			case uploads.KindAudio:
				out.AudioTracks = append(out.AudioTracks, AudioTrack{Language: t.Language, Channels: 2, Name: t.Name, Descriptive: t.Descriptive()})
			case uploads.KindCaption:
				vtt, _ := media.SubtitleFiles(t.ID.String(), t.Revision)
				out.Subtitles = append(out.Subtitles, Subtitle{Language: t.Language, Name: t.Name, SDH: t.SDH(), URL: prefix + vtt + "?" + query})
			}
		}
	}
	if strings.HasPrefix(a.ThumbnailsKey, assets.Prefix(row.TenantID, a.ID)) {
		out.Thumbnails = prefix + strings.TrimPrefix(a.ThumbnailsKey, assets.Prefix(row.TenantID, a.ID)) + "?" + query
	}
	return out, nil
}

// OriginPath is the path of an asset's package at the origin, with a
// trailing slash: /play/{tenant}/{asset}/.
func OriginPath(tenant tenants.ID, asset AssetID) string {
	return "/play/" + tenant.String() + "/" + asset.String() + "/"
}

func sessionFromRow(r playbacksql.PlaybackSession) Session {
	out := Session{ID: r.ID, Tenant: r.TenantID, Asset: r.AssetID, Title: r.TitleID, Viewer: r.ViewerID,
		Preview: r.PreviewBy != nil, ExpiresAt: r.ExpiresAt.UTC(), StartedAt: r.StartedAt.UTC(),
		EndReason: r.EndReason, Position: time.Duration(r.PositionSeconds) * time.Second}
	if r.EndedAt != nil {
		e := r.EndedAt.UTC()
		out.EndedAt = &e
	}
	return out
}

func (s *Service) session(ctx context.Context, tenant tenants.ID, id SessionID) (playbacksql.PlaybackSession, error) {
	var row playbacksql.PlaybackSession
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		row, err = playbacksql.New(q).GetSession(ctx, playbacksql.GetSessionParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no playback session %s", id)
		}
		return err
	})
	return row, err
}

// Heartbeat keeps a viewer's session alive and records the position. Another
// viewer's or tenant's session is NotFound; an ended one a Conflict (the
// player should stop: the stream was ended by a newer one).
func (s *Service) Heartbeat(ctx context.Context, tenant tenants.ID, viewer ViewerID, id SessionID, position time.Duration) (Session, error) {
	if position < 0 {
		return Session{}, errs.InvalidField("positionSeconds", "the position cannot be negative")
	}
	now := s.now()
	var row playbacksql.PlaybackSession
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := playbacksql.New(tx)
		cur, err := q.GetSession(ctx, playbacksql.GetSessionParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) || (err == nil && (cur.ViewerID == nil || *cur.ViewerID != viewer)) {
			return errs.NotFound("no playback session %s", id)
		} else if err != nil {
			return err
		}
		if cur.EndedAt != nil {
			return errs.Conflict("the session has ended: %s", cur.EndReason)
		}
		if !now.Before(cur.ExpiresAt) || cur.HeartbeatAt.Before(now.Add(-orDefault(s.HeartbeatTimeout, DefaultHeartbeatTimeout))) {
			return errs.Conflict("the session has expired: start a new one")
		}
		row, err = q.Heartbeat(ctx, playbacksql.HeartbeatParams{TenantID: tenant, ID: id, Now: now, PositionSeconds: int32(position / time.Second)})
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("playback.Heartbeat %s: %w", id, err)
	}
	return sessionFromRow(row), nil
}

// End ends a viewer's session (the player stopped).
func (s *Service) End(ctx context.Context, tenant tenants.ID, viewer ViewerID, id SessionID) error {
	now := s.now()
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := playbacksql.New(tx)
		cur, err := q.GetSession(ctx, playbacksql.GetSessionParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) || (err == nil && (cur.ViewerID == nil || *cur.ViewerID != viewer)) {
			return errs.NotFound("no playback session %s", id)
		} else if err != nil {
			return err
		}
		_, err = q.EndSession(ctx, playbacksql.EndSessionParams{TenantID: tenant, ID: id, Now: now, Reason: "stopped"})
		return err
	})
	if err != nil {
		return fmt.Errorf("playback.End %s: %w", id, err)
	}
	return nil
}

// Authorize checks a request of the origin for tenant's asset: the token
// (MAC, expiry, tenant and asset) and, when live is set (manifests and
// keys), that its session has not ended. Every failure is Forbidden.
func (s *Service) Authorize(ctx context.Context, tenant tenants.ID, asset AssetID, token string, live bool) (Claims, error) {
	c, err := s.Tokens.Verify(token, tenant, asset, s.now())
	if err != nil {
		return Claims{}, errs.Forbidden("%s", err.Error())
	}
	if !live {
		return c, nil
	}
	if _, err := s.liveSession(ctx, c); err != nil {
		return Claims{}, err
	}
	return c, nil
}

func (s *Service) liveSession(ctx context.Context, c Claims) (playbacksql.PlaybackSession, error) {
	row, err := s.session(ctx, c.Tenant, c.Session)
	if errs.Is(err, errs.KindNotFound) {
		return row, errs.Forbidden("the playback session is gone")
	} else if err != nil {
		return row, fmt.Errorf("playback.Authorize: %w", err)
	}
	if row.AssetID != c.Asset {
		return row, errs.Forbidden("the playback session is for another asset")
	}
	if row.EndedAt != nil {
		return row, errs.Forbidden("the playback session has ended")
	}
	return row, nil
}

// Key hands out the asset's content key to a live session entitled to the
// asset (re-checked: a grant revoked mid-session stops the next key), rate-
// limited per session, and logs the hand-out with the client's address.
func (s *Service) Key(ctx context.Context, tenant tenants.ID, asset AssetID, token string) ([]byte, error) {
	c, err := s.Tokens.Verify(token, tenant, asset, s.now())
	if err != nil {
		return nil, errs.Forbidden("%s", err.Error())
	}
	if s.KeyLimit != nil && !s.KeyLimit.Allow(c.Session.String()) {
		return nil, errs.RateLimited("too many key requests for this session")
	}
	row, err := s.liveSession(ctx, c)
	if err != nil {
		return nil, err
	}
	if row.ViewerID != nil {
		if row.TitleID == nil {
			return nil, errs.Forbidden("the session has no title")
		}
		t, err := s.Titles.GetTitle(ctx, tenant, *row.TitleID)
		if errs.Is(err, errs.KindNotFound) {
			return nil, errs.Forbidden("the title is gone")
		} else if err != nil {
			return nil, fmt.Errorf("playback.Key: %w", err)
		}
		if t.AssetID == nil || *t.AssetID != asset {
			return nil, errs.Forbidden("the title no longer plays this asset")
		}
		var profile uuid.UUID
		if row.ProfileID != nil {
			profile = *row.ProfileID
		}
		d, err := s.Entitlements.Check(ctx, tenant, *row.ViewerID, profile, t)
		if err != nil {
			return nil, fmt.Errorf("playback.Key: %w", err)
		}
		if !d.Allowed {
			return nil, errs.Forbidden("not entitled to this title")
		}
	}
	if s.Keys == nil {
		return nil, errs.NotFound("no key")
	}
	key, err := s.Keys.AssetKey(ctx, tenant, asset)
	if err != nil {
		return nil, fmt.Errorf("playback.Key: %w", err)
	}
	if len(key) != 16 {
		return nil, errs.Internal(fmt.Errorf("playback.Key: the key of asset %s is %d bytes, not 16", asset, len(key)))
	}
	cl := tenants.ClientFrom(ctx)
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		return playbacksql.New(tx).LogKeyHandout(ctx, playbacksql.LogKeyHandoutParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			SessionID: row.ID, AssetID: asset, ViewerID: row.ViewerID, PreviewBy: row.PreviewBy,
			ClientIp: cl.IP, UserAgent: cl.UserAgent, At: s.now()})
	})
	if err != nil {
		return nil, fmt.Errorf("playback.Key: logging the hand-out: %w", err)
	}
	return key, nil
}

// KeyHandouts counts the logged key hand-outs of a session.
func (s *Service) KeyHandouts(ctx context.Context, tenant tenants.ID, session SessionID) (int, error) {
	var n int64
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		n, err = playbacksql.New(q).CountKeyHandouts(ctx, playbacksql.CountKeyHandoutsParams{TenantID: tenant, SessionID: session})
		return err
	})
	return int(n), err
}

var errNoSecrets = errors.New("playback: no sealbox for the CDN secrets")
