-- Live progress of media assets: every change of an asset's status or percent
-- is announced on the asset_changes channel as 'tenant_id:id', delivered at
-- commit. The API's assets.Changes listens and wakes the asset's subscribers,
-- which read the asset again under their own tenant (RLS decides what they
-- see); the payload carries ids only, never the row.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION media_assets_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.percent = NEW.percent THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('asset_changes', NEW.tenant_id::text || ':' || NEW.id::text);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER media_assets_notify AFTER INSERT OR UPDATE OF status, percent ON media_assets
  FOR EACH ROW EXECUTE FUNCTION media_assets_notify();

-- +goose Down
SELECT 'forward-only';
