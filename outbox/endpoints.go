package outbox

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox/internal/outboxsql"
)

// EndpointID identifies a tenant's webhook endpoint.
type EndpointID = uuid.UUID

// Endpoint is a URL of the tenant's to which Marquee POSTs its events.
type Endpoint struct {
	ID  EndpointID
	URL string
	// EventTypes filters what is sent: an exact type ("staff.invited") or a
	// prefix ("staff.*"). Empty sends every type.
	EventTypes []string
	Enabled    bool
	SecretHint string // the signing secret's last four characters
	CreatedAt  time.Time
}

// Wants reports whether the endpoint receives events of type t.
func (e Endpoint) Wants(t string) bool {
	if len(e.EventTypes) == 0 {
		return true
	}
	for _, f := range e.EventTypes {
		if f == t {
			return true
		}
		if prefix, ok := strings.CutSuffix(f, "*"); ok && strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}

// EndpointInput is a new endpoint.
type EndpointInput struct {
	URL        string
	EventTypes []string
	Enabled    *bool // nil: enabled
}

// EndpointUpdate changes an endpoint; nil fields stay as they are. EventTypes
// set to an empty list means every type.
type EndpointUpdate struct {
	URL        *string
	EventTypes []string
	Enabled    *bool
}

// Service manages webhook endpoints and their deliveries. The relay (Relay)
// creates deliveries; a Dispatcher sends them.
type Service struct {
	DB *db.DB
	// Dispatcher hands re-enqueued deliveries (replays, a re-enabled endpoint)
	// to delivery at once. Nil leaves them to the relay's sweep.
	Dispatcher Dispatcher
	// HTTPSOnly (production) refuses http:// URLs and hosts that name this
	// machine or a private network, so staff cannot aim signed requests inward.
	HTTPSOnly bool
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

const (
	maxURLLength  = 2048
	maxEventTypes = 50
)

// An event type filter: dot-separated lowercase words, optionally ending in ".*".
var eventTypeRe = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$`)

func (s *Service) checkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || len(raw) > maxURLLength:
		return "", errs.InvalidField("url", "url must be an absolute http(s) URL of at most %d characters", maxURLLength)
	case s.HTTPSOnly && u.Scheme != "https":
		return "", errs.InvalidField("url", "url must use https")
	case u.User != nil:
		return "", errs.InvalidField("url", "url must not carry credentials: authenticate requests by their signature")
	case u.Fragment != "":
		return "", errs.InvalidField("url", "url must not have a #fragment")
	case s.HTTPSOnly && internalHost(u.Hostname()):
		return "", errs.InvalidField("url", "url must name a public host")
	}
	return u.String(), nil
}

// internalHost reports whether a host names this machine or a private network.
// It sees only the name; the sender checks the address it actually dials.
func internalHost(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".internal") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && !PublicAddr(ip)
}

// PublicAddr reports whether ip is a public unicast address, the only kind a
// production webhook may reach.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(ip) // carrier-grade NAT, often a cloud's internal range
}

// normalizeEventTypes validates a filter and returns it sorted and without
// repeats; "*" alone, like an empty filter, means every type.
func normalizeEventTypes(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "*" {
			return []string{}, nil
		}
		if len(t) > 100 || !eventTypeRe.MatchString(t) {
			return nil, errs.InvalidField("eventTypes", "%q is not an event type (like staff.invited) or a prefix (like staff.*)", t)
		}
		out = append(out, t)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > maxEventTypes {
		return nil, errs.InvalidField("eventTypes", "at most %d event types", maxEventTypes)
	}
	return out, nil
}

// CreateEndpoint adds an endpoint and returns it with its signing secret,
// which is shown this once.
func (s *Service) CreateEndpoint(ctx context.Context, tenant uuid.UUID, in EndpointInput) (Endpoint, string, error) {
	u, err := s.checkURL(in.URL)
	if err != nil {
		return Endpoint{}, "", err
	}
	types, err := normalizeEventTypes(in.EventTypes)
	if err != nil {
		return Endpoint{}, "", err
	}
	secret := newSecret()
	var e Endpoint
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		row, err := outboxsql.New(tx).CreateEndpoint(ctx, outboxsql.CreateEndpointParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			Url: u, Secret: secret, EventTypes: types, Enabled: in.Enabled == nil || *in.Enabled, CreatedAt: now})
		if err != nil {
			return err
		}
		e = endpointFromRow(row)
		return audit.Record(ctx, tx, tenant, now, "webhook_endpoint.created", "webhook_endpoint", e.ID.String(),
			map[string]any{"url": e.URL, "event_types": e.EventTypes, "enabled": e.Enabled})
	})
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("outbox.CreateEndpoint: %w", err)
	}
	return e, secret, nil
}

// ListEndpoints returns the tenant's endpoints, oldest first.
func (s *Service) ListEndpoints(ctx context.Context, tenant uuid.UUID) ([]Endpoint, error) {
	var out []Endpoint
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		rows, err := outboxsql.New(tx).ListEndpoints(ctx, tenant)
		for _, r := range rows {
			out = append(out, endpointFromRow(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox.ListEndpoints: %w", err)
	}
	return out, nil
}

// GetEndpoint returns one endpoint; another tenant's is NotFound.
func (s *Service) GetEndpoint(ctx context.Context, tenant uuid.UUID, id EndpointID) (Endpoint, error) {
	var e Endpoint
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		row, err := outboxsql.New(tx).GetEndpoint(ctx, outboxsql.GetEndpointParams{TenantID: tenant, ID: id})
		e = endpointFromRow(row)
		return endpointErr(err, id)
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("outbox.GetEndpoint: %w", err)
	}
	return e, nil
}

// UpdateEndpoint changes an endpoint. Re-enabling it resumes the deliveries
// that waited while it was disabled, in order.
func (s *Service) UpdateEndpoint(ctx context.Context, tenant uuid.UUID, id EndpointID, upd EndpointUpdate) (Endpoint, error) {
	var e Endpoint
	resumed := false
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := outboxsql.New(tx)
		row, err := q.LockEndpoint(ctx, outboxsql.LockEndpointParams{TenantID: tenant, ID: id})
		if err != nil {
			return endpointErr(err, id)
		}
		p, err := s.applyUpdate(row, upd)
		if err != nil {
			return err
		}
		resumed = p.Enabled && !row.Enabled
		if row, err = q.UpdateEndpoint(ctx, p); err != nil {
			return err
		}
		e = endpointFromRow(row)
		return audit.Record(ctx, tx, tenant, s.now(), "webhook_endpoint.updated", "webhook_endpoint", id.String(),
			map[string]any{"url": e.URL, "event_types": e.EventTypes, "enabled": e.Enabled})
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("outbox.UpdateEndpoint %s: %w", id, err)
	}
	if resumed {
		s.dispatch(ctx, tenant, id)
	}
	return e, nil
}

func (s *Service) applyUpdate(row outboxsql.WebhookEndpoint, upd EndpointUpdate) (outboxsql.UpdateEndpointParams, error) {
	p := outboxsql.UpdateEndpointParams{TenantID: row.TenantID, ID: row.ID, Url: row.Url, EventTypes: row.EventTypes, Enabled: row.Enabled}
	var err error
	if upd.URL != nil {
		if p.Url, err = s.checkURL(*upd.URL); err != nil {
			return p, err
		}
	}
	if upd.EventTypes != nil {
		if p.EventTypes, err = normalizeEventTypes(upd.EventTypes); err != nil {
			return p, err
		}
	}
	if upd.Enabled != nil {
		p.Enabled = *upd.Enabled
	}
	return p, nil
}

// DeleteEndpoint removes an endpoint with its deliveries; its workflow finds
// nothing left to send and ends.
func (s *Service) DeleteEndpoint(ctx context.Context, tenant uuid.UUID, id EndpointID) error {
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		n, err := outboxsql.New(tx).DeleteEndpoint(ctx, outboxsql.DeleteEndpointParams{TenantID: tenant, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFound("no webhook endpoint %s", id)
		}
		return audit.Record(ctx, tx, tenant, s.now(), "webhook_endpoint.deleted", "webhook_endpoint", id.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("outbox.DeleteEndpoint %s: %w", id, err)
	}
	return nil
}

// RotateSecret gives an endpoint a new signing secret, shown this once. The
// next attempt of every delivery is signed with it.
func (s *Service) RotateSecret(ctx context.Context, tenant uuid.UUID, id EndpointID) (Endpoint, string, error) {
	secret := newSecret()
	var e Endpoint
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		row, err := outboxsql.New(tx).SetEndpointSecret(ctx, outboxsql.SetEndpointSecretParams{TenantID: tenant, ID: id, Secret: secret})
		if err != nil {
			return endpointErr(err, id)
		}
		e = endpointFromRow(row)
		return audit.Record(ctx, tx, tenant, s.now(), "webhook_endpoint.secret_rotated", "webhook_endpoint", id.String(), nil)
	})
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("outbox.RotateSecret %s: %w", id, err)
	}
	return e, secret, nil
}

// dispatch hands an endpoint's queue to delivery now. Its failure is not the
// caller's: the rows are committed, and the relay's sweep hands over every
// endpoint whose next delivery is overdue.
func (s *Service) dispatch(ctx context.Context, tenant uuid.UUID, id EndpointID) {
	if s.Dispatcher != nil {
		_ = s.Dispatcher.Dispatch(ctx, tenant, id)
	}
}

func endpointErr(err error, id EndpointID) error {
	if db.IsNoRows(err) {
		return errs.NotFound("no webhook endpoint %s", id)
	}
	return err
}
