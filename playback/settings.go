package playback

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/playback/internal/playbacksql"
	"github.com/marquee-ott/marquee/tenants"
)

// CDNKind is which signer a tenant uses.
type CDNKind string

// The signers.
const (
	CDNNone       CDNKind = "NONE"
	CDNCloudFront CDNKind = "CLOUDFRONT"
	CDNHMAC       CDNKind = "HMAC"
)

// CDNSettings is a tenant's CDN as staff see it: never the secret.
type CDNSettings struct {
	Kind CDNKind
	// BaseURL is the CDN's origin-facing URL players get (https://cdn.example);
	// "" serves from the platform's own URL.
	BaseURL   string
	KeyPairID string // CloudFront
	Cookies   bool   // CloudFront signed cookies instead of signed URLs
	HasSecret bool
}

// CDNInput sets a tenant's CDN signer. Secret is the CloudFront PEM private
// key or the HMAC key (hex); it is sealed at rest.
type CDNInput struct {
	Kind      CDNKind
	BaseURL   string
	KeyPairID string
	Cookies   bool
	Secret    string
}

// Settings is a tenant's playback settings.
type Settings struct {
	Streams StreamSettings
	CDN     CDNSettings
}

type settings struct {
	streams StreamSettings
	cdn     CDNSettings
	cdnBase string
	signer  Signer
}

const settingsTTL = 30 * time.Second

func (s *Service) settingsOf(ctx context.Context, tenant tenants.ID) (settings, error) {
	if s.settings.TTL == 0 {
		s.settings.TTL = settingsTTL
	}
	if v, ok := s.settings.Get(tenant); ok {
		return v, nil
	}
	var row playbacksql.PlaybackSetting
	found := true
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		row, err = playbacksql.New(q).GetSettings(ctx, tenant)
		if db.IsNoRows(err) {
			found = false
			return nil
		}
		return err
	})
	if err != nil {
		return settings{}, err
	}
	set := settings{streams: StreamSettings{OnLimit: LimitRefuse}, cdn: CDNSettings{Kind: CDNNone}, signer: NoSigner{}}
	if found {
		if set, err = s.fromRow(row); err != nil {
			return settings{}, err
		}
	}
	s.settings.Set(tenant, set)
	return set, nil
}

func (s *Service) fromRow(r playbacksql.PlaybackSetting) (settings, error) {
	set := settings{
		streams: StreamSettings{MaxStreams: int(r.MaxStreams), OnLimit: Limit(r.OnLimit)},
		cdn: CDNSettings{Kind: CDNKind(r.CdnKind), BaseURL: r.CdnBaseUrl, KeyPairID: r.CdnKeyID, Cookies: r.CdnCookies,
			HasSecret: len(r.CdnSecret) > 0},
		cdnBase: r.CdnBaseUrl,
		signer:  NoSigner{},
	}
	if set.cdn.Kind == CDNNone {
		return set, nil
	}
	if s.Secrets == nil {
		return settings{}, errNoSecrets
	}
	secret, err := s.Secrets.Open(r.CdnSecret, []byte("cdn|"+r.TenantID.String()))
	if err != nil {
		return settings{}, fmt.Errorf("playback: opening the CDN secret: %w", err)
	}
	set.signer, err = signerOf(set.cdn.Kind, set.cdn.KeyPairID, set.cdn.Cookies, secret)
	return set, err
}

func signerOf(kind CDNKind, keyPairID string, cookies bool, secret []byte) (Signer, error) {
	switch kind {
	case CDNCloudFront:
		k, err := ParseRSAKey(secret)
		if err != nil {
			return nil, errs.InvalidField("secret", "the CloudFront private key: %v", err)
		}
		return CloudFront{KeyPairID: keyPairID, Key: k, Cookies: cookies}, nil
	case CDNHMAC:
		return EdgeHMAC{Key: secret}, nil
	}
	return NoSigner{}, nil
}

// Settings returns the tenant's playback settings.
func (s *Service) Settings(ctx context.Context, tenant tenants.ID) (Settings, error) {
	set, err := s.settingsOf(ctx, tenant)
	if err != nil {
		return Settings{}, fmt.Errorf("playback.Settings: %w", err)
	}
	return Settings{Streams: set.streams, CDN: set.cdn}, nil
}

// SetStreams sets the concurrent-stream limit (audited).
func (s *Service) SetStreams(ctx context.Context, tenant tenants.ID, in StreamSettings) (Settings, error) {
	if in.MaxStreams < 0 || in.MaxStreams > 100 {
		return Settings{}, errs.InvalidField("maxStreams", "between 0 (no limit) and 100")
	}
	if in.OnLimit != LimitRefuse && in.OnLimit != LimitEndOldest {
		return Settings{}, errs.InvalidField("onLimit", "REFUSE or END_OLDEST")
	}
	now := s.now()
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		if _, err := playbacksql.New(tx).UpsertLimits(ctx, playbacksql.UpsertLimitsParams{TenantID: tenant,
			MaxStreams: int32(in.MaxStreams), OnLimit: string(in.OnLimit), UpdatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "playback.streams_set", "tenant", tenant.String(),
			map[string]any{"maxStreams": in.MaxStreams, "onLimit": in.OnLimit})
	})
	if err != nil {
		return Settings{}, fmt.Errorf("playback.SetStreams: %w", err)
	}
	s.settings.DeleteFunc(func(k tenants.ID, _ settings) bool { return k == tenant })
	return s.Settings(ctx, tenant)
}

// SetCDN sets the tenant's CDN signer (audited; the secret sealed).
func (s *Service) SetCDN(ctx context.Context, tenant tenants.ID, in CDNInput) (Settings, error) {
	in.BaseURL = strings.TrimSuffix(strings.TrimSpace(in.BaseURL), "/")
	if in.BaseURL != "" {
		u, err := url.Parse(in.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return Settings{}, errs.InvalidField("baseURL", "an http(s) URL without query, e.g. https://cdn.example.com")
		}
	}
	var secret []byte
	switch in.Kind {
	case CDNNone:
	case CDNCloudFront:
		if in.KeyPairID == "" || in.BaseURL == "" {
			return Settings{}, errs.InvalidField("keyPairId", "CloudFront needs a key pair id and the distribution's base URL")
		}
		secret = []byte(in.Secret)
	case CDNHMAC:
		k, err := hex.DecodeString(strings.TrimSpace(in.Secret))
		if err != nil || len(k) < 16 {
			return Settings{}, errs.InvalidField("secret", "the HMAC key is at least 16 bytes, in hex")
		}
		secret = k
	default:
		return Settings{}, errs.InvalidField("kind", "NONE, CLOUDFRONT or HMAC")
	}
	if _, err := signerOf(in.Kind, in.KeyPairID, in.Cookies, secret); err != nil {
		return Settings{}, err
	}
	var sealed []byte
	if len(secret) > 0 {
		if s.Secrets == nil {
			return Settings{}, errs.Unavailable(errNoSecrets, "CDN signing is unavailable")
		}
		sealed = s.Secrets.Seal(secret, []byte("cdn|"+tenant.String()))
	}
	now := s.now()
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		if _, err := playbacksql.New(tx).UpsertCDN(ctx, playbacksql.UpsertCDNParams{TenantID: tenant, CdnKind: string(in.Kind),
			CdnBaseUrl: in.BaseURL, CdnKeyID: in.KeyPairID, CdnCookies: in.Cookies, CdnSecret: sealed, UpdatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "playback.cdn_set", "tenant", tenant.String(),
			map[string]any{"kind": in.Kind, "baseURL": in.BaseURL, "keyPairId": in.KeyPairID, "cookies": in.Cookies})
	})
	if err != nil {
		return Settings{}, fmt.Errorf("playback.SetCDN: %w", err)
	}
	s.settings.DeleteFunc(func(k tenants.ID, _ settings) bool { return k == tenant })
	return s.Settings(ctx, tenant)
}
