-- Custom domains: a tenant's own hostnames (watch.example.com), proved by a DNS
-- TXT record holding the row's token, then served with an ACME certificate.
-- Several tenants may claim a hostname while it is unproved; once one of them
-- verifies it, it is theirs alone (the partial unique index) until they remove
-- it. verified_at is what ownership means; status only reports progress.

-- +goose Up
CREATE TABLE domains (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid PRIMARY KEY,
  hostname        text NOT NULL CHECK (hostname = lower(hostname) AND length(hostname) BETWEEN 3 AND 253),
  token           text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'active', 'failed')),
  verified_at     timestamptz,
  last_checked_at timestamptz,
  last_error      text NOT NULL DEFAULT '',
  cert_not_after  timestamptz,
  created_at      timestamptz NOT NULL,
  UNIQUE (tenant_id, hostname)
);
CREATE UNIQUE INDEX domains_verified_hostname ON domains (hostname) WHERE verified_at IS NOT NULL;

ALTER TABLE domains ENABLE ROW LEVEL SECURITY;
ALTER TABLE domains FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON domains
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON domains TO marquee_app;

-- The tenant that verified a hostname, or NULL: the API maps a request's Host
-- to its tenant with it, before any tenant is bound.
CREATE FUNCTION tenant_id_by_domain(p_hostname text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT tenant_id FROM domains WHERE hostname = p_hostname AND verified_at IS NOT NULL $$;

-- Every verified hostname, for each API process's certificate manager: it
-- manages exactly these, whichever process verified them.
CREATE FUNCTION verified_domains() RETURNS TABLE (hostname text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT hostname FROM domains WHERE verified_at IS NOT NULL ORDER BY hostname $$;

REVOKE ALL ON FUNCTION tenant_id_by_domain(text), verified_domains() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_id_by_domain(text), verified_domains() TO marquee_app;

-- +goose Down
SELECT 'forward-only';
