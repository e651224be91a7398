package outbox

import (
	"github.com/marquee-ott/marquee/outbox/internal/outboxsql"
)

func endpointFromRow(r outboxsql.WebhookEndpoint) Endpoint {
	types := r.EventTypes
	if types == nil {
		types = []string{}
	}
	return Endpoint{ID: r.ID, URL: r.Url, EventTypes: types, Enabled: r.Enabled, SecretHint: secretHint(r.Secret), CreatedAt: r.CreatedAt}
}

func deliveryFromRow(r outboxsql.WebhookDelivery, eventType string) Delivery {
	d := Delivery{ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, EventType: eventType, Status: DeliveryStatus(r.Status),
		Attempts: int(r.Attempts), LastError: r.LastError, DeliveredAt: r.DeliveredAt, CreatedAt: r.CreatedAt}
	if d.Status == DeliveryPending {
		next := r.NextAttemptAt
		d.NextAttemptAt = &next
	}
	return d
}
