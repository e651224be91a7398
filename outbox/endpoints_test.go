package outbox_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/testenv"
)

func TestCreateEndpointValidatesItsInput(t *testing.T) {
	dev, _ := newService(t)
	prod := &outbox.Service{DB: dev.DB, HTTPSOnly: true}
	tenant := testenv.MustTenant(t, dev.DB)
	cases := []struct {
		name  string
		s     *outbox.Service
		in    outbox.EndpointInput
		field string // "" = accepted
	}{
		{"http in development", dev, outbox.EndpointInput{URL: "http://127.0.0.1:9000/hook"}, ""},
		{"http in production", prod, outbox.EndpointInput{URL: "http://example.com/hook"}, "url"},
		{"https in production", prod, outbox.EndpointInput{URL: "https://example.com/hook"}, ""},
		{"loopback in production", prod, outbox.EndpointInput{URL: "https://127.0.0.1/hook"}, "url"},
		{"private network in production", prod, outbox.EndpointInput{URL: "https://10.1.2.3/hook"}, "url"},
		{"localhost in production", prod, outbox.EndpointInput{URL: "https://api.localhost/hook"}, "url"},
		{"relative", dev, outbox.EndpointInput{URL: "/hook"}, "url"},
		{"other scheme", dev, outbox.EndpointInput{URL: "ftp://example.com/"}, "url"},
		{"credentials", dev, outbox.EndpointInput{URL: "https://u:p@example.com/"}, "url"},
		{"bad event type", dev, outbox.EndpointInput{URL: "https://example.com/", EventTypes: []string{"Staff Invited"}}, "eventTypes"},
		{"prefix filter", dev, outbox.EndpointInput{URL: "https://example.com/", EventTypes: []string{"staff.*", "tenant.updated"}}, ""},
	}
	for _, c := range cases {
		_, _, err := c.s.CreateEndpoint(context.Background(), tenant, c.in)
		if c.field == "" && err != nil {
			t.Errorf("%s: refused: %v", c.name, err)
		}
		if c.field != "" && (!errs.Is(err, errs.KindInvalid) || errs.FieldOf(err) != c.field) {
			t.Errorf("%s: got %v, want INVALID on %s", c.name, err, c.field)
		}
	}
}

func TestEventTypeFilterIsNormalized(t *testing.T) {
	s, _ := newService(t)
	tenant := testenv.MustTenant(t, s.DB)
	e := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/", EventTypes: []string{" staff.* ", "api_key.created", "staff.*"}})
	if want := []string{"api_key.created", "staff.*"}; !slices.Equal(e.EventTypes, want) {
		t.Fatalf("event types %v, want %v", e.EventTypes, want)
	}
	all := MustEndpoint(t, s, tenant, outbox.EndpointInput{URL: "https://example.com/", EventTypes: []string{"staff.invited", "*"}})
	if len(all.EventTypes) != 0 || !all.Wants("anything.at_all") {
		t.Fatalf(`"*" should mean every type, got %v`, all.EventTypes)
	}
	if !e.Wants("staff.role_changed") || !e.Wants("api_key.created") || e.Wants("api_key.revoked") || e.Wants("staffer.x") {
		t.Fatal("Wants does not follow the filter")
	}
}

// Invariant: the secret is returned once, on create or rotate, and never
// appears in what is listed; every change is in the audit log.
func TestEndpointLifecycleShowsTheSecretOnceAndIsAudited(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	tenant := testenv.MustTenant(t, s.DB)
	e, secret, err := s.CreateEndpoint(ctx, tenant, outbox.EndpointInput{URL: "https://example.com/a"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 || e.SecretHint != secret[len(secret)-4:] || !e.Enabled {
		t.Fatalf("created %+v with secret %q", e, secret)
	}
	e, err = s.UpdateEndpoint(ctx, tenant, e.ID, outbox.EndpointUpdate{URL: ptr("https://example.com/b"), EventTypes: []string{"staff.*"}, Enabled: ptr(false)})
	if err != nil || e.URL != "https://example.com/b" || e.Enabled || !slices.Equal(e.EventTypes, []string{"staff.*"}) {
		t.Fatalf("update: %+v, %v", e, err)
	}
	e, err = s.UpdateEndpoint(ctx, tenant, e.ID, outbox.EndpointUpdate{EventTypes: []string{}})
	if err != nil || len(e.EventTypes) != 0 || e.URL != "https://example.com/b" {
		t.Fatalf("clearing the filter: %+v, %v", e, err)
	}
	rotated, next, err := s.RotateSecret(ctx, tenant, e.ID)
	if err != nil || next == secret || rotated.SecretHint != next[len(next)-4:] {
		t.Fatalf("rotate: %+v %q, %v", rotated, next, err)
	}
	list, err := s.ListEndpoints(ctx, tenant)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v, %v", list, err)
	}
	if err := s.DeleteEndpoint(ctx, tenant, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetEndpoint(ctx, tenant, e.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("deleted endpoint: %v", err)
	}
	want := []string{"webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.updated",
		"webhook_endpoint.secret_rotated", "webhook_endpoint.deleted"}
	if got := auditActions(t, s.DB, tenant); !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
}

func auditActions(t *testing.T, d *db.DB, tenant uuid.UUID) []string {
	t.Helper()
	var out []string
	err := d.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		entries, err := audit.List(context.Background(), tx, tenant, nil, 100)
		for i := len(entries) - 1; i >= 0; i-- {
			out = append(out, entries[i].Action)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Invariant: another tenant's endpoint, delivery or event is NOT_FOUND to
// every call, exactly like one that does not exist, and changes nothing.
func TestAnotherTenantsEndpointsAndDeliveriesAreNotFound(t *testing.T) {
	s, disp := newService(t)
	ctx := context.Background()
	a, b := testenv.MustTenant(t, s.DB), testenv.MustTenant(t, s.DB)
	ea := MustEndpoint(t, s, a, outbox.EndpointInput{URL: "https://example.com/a"})
	eb := MustEndpoint(t, s, b, outbox.EndpointInput{URL: "https://example.com/b"})
	eventA := MustEmit(t, s.DB, a, "staff.invited")
	relay := &outbox.Relay{DB: s.DB, Dispatcher: disp}
	if _, err := relay.RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	da := MustDeliveries(t, s, a, ea.ID)
	if len(da) != 1 {
		t.Fatalf("A has %d deliveries", len(da))
	}

	list, err := s.ListEndpoints(ctx, b)
	if err != nil || len(list) != 1 || list[0].ID != eb.ID {
		t.Fatalf("B lists %v, %v", list, err)
	}
	notFound := map[string]error{}
	_, notFound["get"] = s.GetEndpoint(ctx, b, ea.ID)
	_, notFound["update"] = s.UpdateEndpoint(ctx, b, ea.ID, outbox.EndpointUpdate{Enabled: ptr(false)})
	_, _, notFound["rotate"] = s.RotateSecret(ctx, b, ea.ID)
	notFound["delete"] = s.DeleteEndpoint(ctx, b, ea.ID)
	_, _, notFound["deliveries"] = s.ListDeliveries(ctx, b, ea.ID, outbox.DeliveryPage{})
	_, notFound["replay A's event to A's endpoint"] = s.ReplayEvent(ctx, b, ea.ID, eventA)
	_, notFound["replay A's event to B's endpoint"] = s.ReplayEvent(ctx, b, eb.ID, eventA)
	_, notFound["replay since"] = s.ReplaySince(ctx, b, ea.ID, da[0].CreatedAt.Add(-1))
	_, notFound["outbound"] = s.Outbound(ctx, b, da[0].ID, da[0].CreatedAt)
	for name, err := range notFound {
		if !errs.Is(err, errs.KindNotFound) {
			t.Errorf("%s: got %v, want NOT_FOUND", name, err)
		}
	}
	if q, err := s.PendingDeliveries(ctx, b, ea.ID, 10); err != nil || len(q) != 0 {
		t.Errorf("B sees A's queue: %v, %v", q, err)
	}
	if err := s.MarkFailed(ctx, b, da[0].ID, "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, b, da[0].ID, outbox.Attempt{At: da[0].CreatedAt}); err != nil {
		t.Fatal(err)
	}
	after, err := s.GetEndpoint(ctx, a, ea.ID)
	if err != nil || !after.Enabled || after.SecretHint != ea.SecretHint {
		t.Fatalf("A's endpoint changed: %+v, %v", after, err)
	}
	if d := MustDeliveries(t, s, a, ea.ID); d[0].Status != outbox.DeliveryPending || d[0].Attempts != 0 {
		t.Fatalf("B changed A's delivery: %+v", d[0])
	}
}
