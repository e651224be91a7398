-- Webhook delivery: the relay marks outbox events it has fanned out, each
-- delivery carries its event's sequence number (deliveries go out in that order
-- per endpoint) and when it was queued (the give-up clock), and two SECURITY
-- DEFINER look-ups let the relay find work across tenants. Each returns only
-- ids; the relay then binds each tenant to read and write the rows themselves.

-- +goose Up
ALTER TABLE outbox_events ADD COLUMN dispatched_at timestamptz;
CREATE INDEX outbox_events_undispatched ON outbox_events (tenant_id, seq) WHERE dispatched_at IS NULL;

ALTER TABLE webhook_deliveries ADD COLUMN event_seq bigint;
ALTER TABLE webhook_deliveries ADD COLUMN queued_at timestamptz;
UPDATE webhook_deliveries d SET event_seq = e.seq, queued_at = d.created_at
  FROM outbox_events e WHERE e.id = d.event_id;
ALTER TABLE webhook_deliveries ALTER COLUMN event_seq SET NOT NULL;
ALTER TABLE webhook_deliveries ALTER COLUMN queued_at SET NOT NULL;
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_listing ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC, id DESC);
CREATE INDEX ON webhook_endpoints (tenant_id);

-- Wake the relay as soon as an event commits (NOTIFY is delivered at commit);
-- the relay still polls, so a lost notification only delays.
-- +goose StatementBegin
CREATE FUNCTION outbox_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_events', '');
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_events_notify();

-- Tenants with events not yet fanned out, oldest waiting first.
CREATE FUNCTION outbox_undispatched_tenants(p_limit int) RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT tenant_id FROM outbox_events WHERE dispatched_at IS NULL
   GROUP BY tenant_id ORDER BY min(seq) LIMIT p_limit $$;

-- Enabled endpoints whose next delivery (the pending one with the lowest event
-- sequence) should have been attempted before p_before: their workflow is
-- missing (a dispatch failed, or it ended), so the relay hands them over again.
CREATE FUNCTION stalled_webhook_endpoints(p_before timestamptz, p_limit int)
RETURNS TABLE (tenant_id uuid, endpoint_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT h.tenant_id, h.endpoint_id FROM (
     SELECT DISTINCT ON (d.endpoint_id) d.tenant_id, d.endpoint_id, d.next_attempt_at
     FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
     WHERE d.status = 'pending'
     ORDER BY d.endpoint_id, d.event_seq) h
   WHERE h.next_attempt_at < p_before
   ORDER BY h.next_attempt_at LIMIT p_limit $$;

REVOKE ALL ON FUNCTION outbox_undispatched_tenants(int), stalled_webhook_endpoints(timestamptz, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_undispatched_tenants(int), stalled_webhook_endpoints(timestamptz, int) TO marquee_app;

-- +goose Down
SELECT 'forward-only';
