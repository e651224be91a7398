-- name: InsertEvent :exec
INSERT INTO outbox_events (tenant_id, id, type, object_type, object_id, payload, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);


-- name: CreateEndpoint :one
INSERT INTO webhook_endpoints (tenant_id, id, url, secret, event_types, enabled, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *;

-- name: GetEndpoint :one
SELECT * FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2;

-- name: ListEndpoints :many
SELECT * FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id;

-- name: LockEndpoint :one
SELECT * FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: UpdateEndpoint :one
UPDATE webhook_endpoints SET url = $3, event_types = $4, enabled = $5
WHERE tenant_id = $1 AND id = $2 RETURNING *;

-- name: SetEndpointSecret :one
UPDATE webhook_endpoints SET secret = $3 WHERE tenant_id = $1 AND id = $2 RETURNING *;

-- name: DeleteEndpoint :execrows
DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2;


-- name: UndispatchedTenants :many
SELECT t.tenant_id::uuid AS tenant_id FROM outbox_undispatched_tenants(@max_tenants::int) AS t;

-- One relay per tenant at a time, so deliveries are created in event order
-- even when several workers run a relay.
-- name: TryLockTenantRelay :one
SELECT pg_try_advisory_xact_lock(hashtext('outbox.relay'), hashtext(@tenant_key::text))::bool;

-- name: UndispatchedEvents :many
SELECT id, seq, type, object_type, object_id, payload, created_at FROM outbox_events
WHERE tenant_id = $1 AND dispatched_at IS NULL ORDER BY seq LIMIT $2;

-- name: EnabledEndpoints :many
SELECT * FROM webhook_endpoints WHERE tenant_id = $1 AND enabled ORDER BY id;

-- name: InsertDeliveries :many
INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_seq, next_attempt_at, queued_at, created_at)
SELECT @tenant_id::uuid, unnest(@ids::uuid[]), unnest(@endpoint_ids::uuid[]), unnest(@event_ids::uuid[]),
  unnest(@event_seqs::bigint[]), @now::timestamptz, @now::timestamptz, @now::timestamptz
ON CONFLICT (endpoint_id, event_id) DO NOTHING
RETURNING endpoint_id;

-- name: MarkDispatched :exec
UPDATE outbox_events SET dispatched_at = @now::timestamptz
WHERE tenant_id = @tenant_id::uuid AND id = ANY(@ids::uuid[]);

-- name: StalledEndpoints :many
SELECT s.tenant_id::uuid AS tenant_id, s.endpoint_id::uuid AS endpoint_id FROM stalled_webhook_endpoints(@before::timestamptz, @max_endpoints::int) AS s;


-- name: PendingDeliveries :many
SELECT d.id, d.event_seq, d.queued_at FROM webhook_deliveries d
WHERE d.tenant_id = @tenant_id AND d.endpoint_id = @endpoint_id AND d.status = 'pending'
  AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.tenant_id = @tenant_id AND w.id = @endpoint_id AND w.enabled)
ORDER BY d.event_seq LIMIT @max_deliveries;

-- name: GetOutbound :one
SELECT d.status, w.url, w.secret, w.enabled, e.id AS event_id, e.type, e.payload, e.created_at
FROM webhook_deliveries d
JOIN webhook_endpoints w ON w.id = d.endpoint_id
JOIN outbox_events e ON e.id = d.event_id
WHERE d.tenant_id = $1 AND d.id = $2;

-- name: RecordDelivered :execrows
UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = @at, last_error = ''
WHERE tenant_id = @tenant_id AND id = @id AND status = 'pending';

-- name: RecordFailedAttempt :execrows
UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = @last_error, next_attempt_at = @next_attempt_at
WHERE tenant_id = @tenant_id AND id = @id AND status = 'pending';

-- name: MarkDeliveryFailed :execrows
UPDATE webhook_deliveries SET status = 'failed',
  last_error = CASE WHEN last_error = '' THEN @reason::text ELSE last_error END
WHERE tenant_id = @tenant_id AND id = @id AND status = 'pending';


-- name: ListDeliveries :many
SELECT sqlc.embed(d), e.type AS event_type FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
WHERE d.tenant_id = @tenant_id AND d.endpoint_id = @endpoint_id
  AND (sqlc.narg('before_at')::timestamptz IS NULL
       OR (d.created_at, d.id) < (sqlc.narg('before_at')::timestamptz, sqlc.narg('before_id')::uuid))
ORDER BY d.created_at DESC, d.id DESC LIMIT @max_deliveries;

-- name: GetDelivery :one
SELECT sqlc.embed(d), e.type AS event_type FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
WHERE d.tenant_id = $1 AND d.id = $2;

-- name: GetEventSeq :one
SELECT seq FROM outbox_events WHERE tenant_id = $1 AND id = $2;

-- name: RequeueDelivery :one
INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_seq, next_attempt_at, queued_at, created_at)
VALUES (@tenant_id, @id, @endpoint_id, @event_id, @event_seq, @now, @now, @now)
ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = 'pending', next_attempt_at = EXCLUDED.next_attempt_at,
  queued_at = EXCLUDED.queued_at, last_error = '', delivered_at = NULL
RETURNING id;

-- name: RequeueSince :execrows
UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = @now, queued_at = @now, last_error = '', delivered_at = NULL
WHERE d.tenant_id = @tenant_id AND d.endpoint_id = @endpoint_id AND d.status <> 'pending'
  AND d.event_id IN (SELECT e.id FROM outbox_events e WHERE e.tenant_id = @tenant_id AND e.created_at >= @since::timestamptz);
