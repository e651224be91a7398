package graph_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// Invariant: staff with MANAGE manage their tenant's webhook endpoints; another
// tenant's endpoint or event is NOT_FOUND to every webhook field, like a
// missing one, and an editor may not touch webhooks at all.
func TestWebhookEndpointsThroughGraphQL(t *testing.T) {
	m := pt.Start(t, nil)
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	d := a.Owner.Must(t, `mutation { createWebhookEndpoint(input: {url: "https://example.com/hook", eventTypes: ["staff.*"]}) {
		secret endpoint { id url eventTypes enabled secretHint } } }`, nil)
	id, secret := pt.Str(d, "createWebhookEndpoint", "endpoint", "id"), pt.Str(d, "createWebhookEndpoint", "secret")
	if pt.Str(d, "createWebhookEndpoint", "endpoint", "secretHint") != secret[len(secret)-4:] {
		t.Fatalf("created %v", d)
	}
	d = a.Owner.Must(t, `mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: false, eventTypes: []}) { enabled eventTypes } }`, map[string]any{"id": id})
	if pt.Get(d, "updateWebhookEndpoint", "enabled") != false || len(pt.Get(d, "updateWebhookEndpoint", "eventTypes").([]any)) != 0 {
		t.Fatalf("updated %v", d)
	}
	a.Owner.Must(t, `mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: true}) { id } }`, map[string]any{"id": id})
	d = a.Owner.Must(t, `query($id: ID!) { webhookEndpoints { id } webhookDeliveries(endpointId: $id, first: 10) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"id": id})
	t.Logf("%v", d)
	r := a.Owner.Do(t, `mutation { createWebhookEndpoint(input: {url: "ftp://x"}) { secret } }`, nil)
	t.Logf("bad url: %v %v", r.Codes(), r.Errors)
	probes := []string{
		`query($id: ID!) { webhookEndpoint(id: $id) { id } }`,
		`query($id: ID!) { webhookDeliveries(endpointId: $id) { edges { cursor } } }`,
		`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: false}) { id } }`,
		`mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }`,
		`mutation($id: ID!) { replayWebhookEvent(endpointId: $id, eventId: $id) { id } }`,
		`mutation($id: ID!) { replayWebhookDeliveries(endpointId: $id, since: "2020-01-01T00:00:00Z") }`,
		`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`,
	}
	for _, q := range probes {
		other := b.Owner.Do(t, q, map[string]any{"id": id})
		missing := b.Owner.Do(t, q, map[string]any{"id": uuid.NewString()})
		if other.Code() != "NOT_FOUND" || missing.Code() != "NOT_FOUND" {
			t.Errorf("%s: other %v missing %v", q, other.Codes(), missing.Codes())
		}
	}
	if l := pt.Get(b.Owner.Must(t, `{ webhookEndpoints { id } }`, nil), "webhookEndpoints").([]any); len(l) != 0 {
		t.Fatalf("B lists %v", l)
	}
	_ = time.Now
	a.Owner.Must(t, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, map[string]any{"id": id})
}
