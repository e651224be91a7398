-- The platform operator: operator accounts, their sessions and the log of
-- their actions (platform tables, in no tenant), and per tenant a suspension
-- reason, quotas and usage counters (tenant tables, under RLS like the rest).
--
-- The application role gets no grant on the three platform tables, and they
-- are FORCE ROW LEVEL SECURITY without a policy, so even a later grant would
-- show nothing. The application reaches them only through the SECURITY
-- DEFINER functions below: each answers about one e-mail address or one
-- session, and the ones that read across tenants or write the operator log
-- answer only for a session whose secret hash matches and whose two-factor
-- step is done. Operators are created by the migrating role (the `marquee
-- operator` command), never by the application. See operators/types.go.
--
-- Why functions and not a separate operator database role: the API process
-- would hold that role's credentials beside the application's, so a
-- compromised process would have both; the functions give the same boundary
-- (no bulk read of password hashes, seeds or sessions; no operator made or
-- tenant listed without a live two-factor session's secret) with one pool,
-- and the application role still owns nothing and never bypasses RLS. Work
-- on a tenant's own rows goes through db.InTenant like any tenant work.

-- +goose Up
CREATE TABLE operators (
  id             uuid PRIMARY KEY,
  email          text NOT NULL UNIQUE,
  password_hash  text NOT NULL,
  -- The TOTP seed, sealed (sealbox, bound to the operator id); NULL until the
  -- first sign-in enrolled an authenticator.
  totp_sealed    bytea,
  -- The time step of the last accepted code: a code is accepted once.
  totp_last_step bigint NOT NULL DEFAULT 0,
  failed_logins  int NOT NULL DEFAULT 0,
  locked_until   timestamptz,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);

-- A session starts with the password (two_factor_at NULL: good for nothing
-- but the TOTP step, for ten minutes) and is replaced, with a new secret, by a
-- full session once a code checks out.
CREATE TABLE operator_sessions (
  id            uuid PRIMARY KEY,
  operator_id   uuid NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  secret_hash   bytea NOT NULL,
  -- A seed offered at first sign-in (sealed, bound to the operator id); it
  -- becomes the operator's when a code from it checks out.
  enroll_sealed bytea,
  two_factor_at timestamptz,
  totp_failures int NOT NULL DEFAULT 0,
  ip            text NOT NULL DEFAULT '',
  user_agent    text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX ON operator_sessions (operator_id);

-- What operators did, kept by the platform. Each action is also in the
-- tenant's own audit log; this copy outlives a deleted tenant, so the column
-- naming the tenant is deliberately not a tenant_id (no foreign key, no RLS):
-- it keeps the deleted tenant's id and slug and nothing else of it.
CREATE TABLE operator_actions (
  id             uuid PRIMARY KEY,
  at             timestamptz NOT NULL,
  operator_id    uuid REFERENCES operators(id) ON DELETE SET NULL,
  operator_email text NOT NULL,
  action         text NOT NULL,
  subject_tenant uuid,
  subject_slug   text NOT NULL DEFAULT '',
  details        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ON operator_actions (at DESC, id DESC);

ALTER TABLE operators ENABLE ROW LEVEL SECURITY;
ALTER TABLE operators FORCE ROW LEVEL SECURITY;
ALTER TABLE operator_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE operator_sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE operator_actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE operator_actions FORCE ROW LEVEL SECURITY;
REVOKE ALL ON operators, operator_sessions, operator_actions FROM PUBLIC;

-- Why a tenant is suspended, in the operator's words (mailed to its owners).
ALTER TABLE tenants ADD COLUMN status_reason text NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN status_changed_at timestamptz;

-- The operator's limits for a tenant; NULL is unlimited, and so is no row.
CREATE TABLE tenant_quotas (
  tenant_id     uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  storage_bytes bigint CHECK (storage_bytes >= 0),
  seats         int CHECK (seats >= 1),
  updated_at    timestamptz NOT NULL
);

-- Metered usage per tenant, metric and calendar month (period is the month's
-- first day, UTC). Later work adds to it in its own transactions
-- (operators.AddUsage); metrics are counted in whole units (seconds).
CREATE TABLE usage_counters (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  metric     text NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_]*$'),
  period     date NOT NULL CHECK (extract(day FROM period) = 1),
  value      bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, metric, period)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tenant_quotas', 'usage_counters'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_quotas TO marquee_app;
GRANT SELECT, INSERT, UPDATE ON usage_counters TO marquee_app;

-- The operator holding a live session with this secret hash (and, when
-- p_two_factor, one whose two-factor step is done), or NULL. Not granted to
-- the application: the functions below call it.
CREATE FUNCTION operator_session_holder(p_session uuid, p_hash bytea, p_two_factor boolean) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT s.operator_id FROM operator_sessions s
   WHERE s.id = p_session AND s.secret_hash = p_hash AND s.revoked_at IS NULL AND s.expires_at > now()
     AND (NOT p_two_factor OR s.two_factor_at IS NOT NULL) $$;

-- +goose StatementBegin
CREATE FUNCTION operator_require_session(p_session uuid, p_hash bytea) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE op uuid;
BEGIN
  op := operator_session_holder(p_session, p_hash, true);
  IF op IS NULL THEN
    RAISE EXCEPTION 'an operator session with two-factor done is required' USING ERRCODE = '42501';
  END IF;
  RETURN op;
END
$$;
-- +goose StatementEnd

-- Sign-in, step one: what the password check needs about one address.
CREATE FUNCTION operator_for_login(p_email text)
RETURNS TABLE (id uuid, password_hash text, locked_until timestamptz, enrolled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT o.id, o.password_hash, o.locked_until, o.totp_sealed IS NOT NULL FROM operators o WHERE o.email = p_email $$;

-- A wrong password: count it, and lock the account at p_max in a row.
CREATE FUNCTION operator_login_failed(p_operator uuid, p_max int, p_lock_until timestamptz) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS
$$ UPDATE operators SET
     locked_until = CASE WHEN failed_logins + 1 >= p_max THEN p_lock_until ELSE locked_until END,
     failed_logins = CASE WHEN failed_logins + 1 >= p_max THEN 0 ELSE failed_logins + 1 END
   WHERE id = p_operator $$;

-- A right password: a password-only session (two_factor_at NULL), and for an
-- operator without an authenticator the seed offered to enrol.
-- +goose StatementBegin
CREATE FUNCTION operator_open_session(p_operator uuid, p_session uuid, p_hash bytea, p_enroll_sealed bytea,
  p_ip text, p_user_agent text, p_now timestamptz, p_expires timestamptz) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS
$$ UPDATE operators SET failed_logins = 0, locked_until = NULL WHERE id = p_operator;
   INSERT INTO operator_sessions (id, operator_id, secret_hash, enroll_sealed, ip, user_agent, created_at, last_seen_at, expires_at)
   VALUES (p_session, p_operator, p_hash, p_enroll_sealed, p_ip, p_user_agent, p_now, p_now, p_expires) $$;
-- +goose StatementEnd

-- Sign-in, step two: the seed to check a code against, for a live
-- password-only session.
CREATE FUNCTION operator_totp_state(p_session uuid, p_hash bytea)
RETURNS TABLE (operator_id uuid, email text, totp_sealed bytea, enroll_sealed bytea, last_step bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT o.id, o.email, o.totp_sealed, s.enroll_sealed, o.totp_last_step
   FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
   WHERE s.id = p_session AND s.secret_hash = p_hash AND s.revoked_at IS NULL AND s.expires_at > now()
     AND s.two_factor_at IS NULL $$;

-- A wrong code: count it; at p_max the password-only session ends.
CREATE FUNCTION operator_totp_failed(p_session uuid, p_hash bytea, p_max int, p_now timestamptz) RETURNS int
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS
$$ UPDATE operator_sessions SET totp_failures = totp_failures + 1,
     revoked_at = CASE WHEN totp_failures + 1 >= p_max THEN p_now ELSE revoked_at END
   WHERE id = p_session AND secret_hash = p_hash AND two_factor_at IS NULL
   RETURNING totp_failures $$;

-- A right code at time step p_step: refused (false) when that step or a later
-- one was used already; otherwise the seed offered at enrolment becomes the
-- operator's, the password-only session ends and a full session starts.
-- +goose StatementBegin
CREATE FUNCTION operator_totp_passed(p_session uuid, p_hash bytea, p_step bigint,
  p_new_session uuid, p_new_hash bytea, p_now timestamptz, p_expires timestamptz) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  s operator_sessions%ROWTYPE;
  v_last bigint;
BEGIN
  SELECT * INTO s FROM operator_sessions
   WHERE id = p_session AND secret_hash = p_hash AND revoked_at IS NULL AND expires_at > now() AND two_factor_at IS NULL
   FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  SELECT totp_last_step INTO v_last FROM operators WHERE id = s.operator_id FOR UPDATE;
  IF p_step <= v_last THEN
    RETURN false;
  END IF;
  UPDATE operators SET totp_last_step = p_step, totp_sealed = coalesce(totp_sealed, s.enroll_sealed), updated_at = p_now
   WHERE id = s.operator_id;
  UPDATE operator_sessions SET revoked_at = p_now WHERE id = p_session;
  INSERT INTO operator_sessions (id, operator_id, secret_hash, two_factor_at, ip, user_agent, created_at, last_seen_at, expires_at)
  VALUES (p_new_session, s.operator_id, p_new_hash, p_now, s.ip, s.user_agent, p_now, p_now, p_expires);
  RETURN true;
END
$$;
-- +goose StatementEnd

-- Who holds a live session (either stage), for the API edge.
CREATE FUNCTION operator_session(p_session uuid, p_hash bytea)
RETURNS TABLE (operator_id uuid, email text, operator_created_at timestamptz, two_factor boolean,
  last_seen_at timestamptz, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT o.id, o.email, o.created_at, s.two_factor_at IS NOT NULL, s.last_seen_at, s.expires_at
   FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
   WHERE s.id = p_session AND s.secret_hash = p_hash AND s.revoked_at IS NULL AND s.expires_at > now() $$;

CREATE FUNCTION operator_touch_session(p_session uuid, p_hash bytea, p_now timestamptz) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS
$$ UPDATE operator_sessions SET last_seen_at = p_now WHERE id = p_session AND secret_hash = p_hash $$;

CREATE FUNCTION operator_end_session(p_session uuid, p_hash bytea, p_now timestamptz) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS
$$ UPDATE operator_sessions SET revoked_at = p_now WHERE id = p_session AND secret_hash = p_hash AND revoked_at IS NULL $$;

-- The tenant directory, newest first, a page after (p_after_at, p_after_id):
-- ids and names only; each tenant's details are read inside its own binding.
-- +goose StatementBegin
CREATE FUNCTION operator_tenants(p_session uuid, p_hash bytea, p_status text,
  p_after_at timestamptz, p_after_id uuid, p_limit int)
RETURNS TABLE (id uuid, slug text, name text, status text, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM operator_require_session(p_session, p_hash);
  RETURN QUERY SELECT t.id, t.slug, t.name, t.status, t.created_at FROM tenants t
    WHERE (p_status IS NULL OR t.status = p_status)
      AND (p_after_at IS NULL OR (t.created_at, t.id) < (p_after_at, p_after_id))
    ORDER BY t.created_at DESC, t.id DESC LIMIT p_limit;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION operator_tenant_count(p_session uuid, p_hash bytea, p_status text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM operator_require_session(p_session, p_hash);
  RETURN (SELECT count(*) FROM tenants t WHERE p_status IS NULL OR t.status = p_status);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION operator_record_action(p_session uuid, p_hash bytea, p_id uuid, p_now timestamptz,
  p_action text, p_tenant uuid, p_slug text, p_details jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $$
DECLARE op uuid;
BEGIN
  op := operator_require_session(p_session, p_hash);
  INSERT INTO operator_actions (id, at, operator_id, operator_email, action, subject_tenant, subject_slug, details)
  SELECT p_id, p_now, o.id, o.email, p_action, p_tenant, p_slug, coalesce(p_details, '{}') FROM operators o WHERE o.id = op;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION operator_actions_page(p_session uuid, p_hash bytea, p_before_at timestamptz, p_before_id uuid, p_limit int)
RETURNS TABLE (id uuid, at timestamptz, operator_email text, action text, subject_tenant uuid, subject_slug text, details jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM operator_require_session(p_session, p_hash);
  RETURN QUERY SELECT a.id, a.at, a.operator_email, a.action, a.subject_tenant, a.subject_slug, a.details FROM operator_actions a
    WHERE p_before_at IS NULL OR (a.at, a.id) < (p_before_at, p_before_id)
    ORDER BY a.at DESC, a.id DESC LIMIT p_limit;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION operator_session_holder(uuid, bytea, boolean), operator_require_session(uuid, bytea),
  operator_for_login(text), operator_login_failed(uuid, int, timestamptz),
  operator_open_session(uuid, uuid, bytea, bytea, text, text, timestamptz, timestamptz),
  operator_totp_state(uuid, bytea), operator_totp_failed(uuid, bytea, int, timestamptz),
  operator_totp_passed(uuid, bytea, bigint, uuid, bytea, timestamptz, timestamptz),
  operator_session(uuid, bytea), operator_touch_session(uuid, bytea, timestamptz),
  operator_end_session(uuid, bytea, timestamptz),
  operator_tenants(uuid, bytea, text, timestamptz, uuid, int), operator_tenant_count(uuid, bytea, text),
  operator_record_action(uuid, bytea, uuid, timestamptz, text, uuid, text, jsonb),
  operator_actions_page(uuid, bytea, timestamptz, uuid, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION operator_for_login(text), operator_login_failed(uuid, int, timestamptz),
  operator_open_session(uuid, uuid, bytea, bytea, text, text, timestamptz, timestamptz),
  operator_totp_state(uuid, bytea), operator_totp_failed(uuid, bytea, int, timestamptz),
  operator_totp_passed(uuid, bytea, bigint, uuid, bytea, timestamptz, timestamptz),
  operator_session(uuid, bytea), operator_touch_session(uuid, bytea, timestamptz),
  operator_end_session(uuid, bytea, timestamptz),
  operator_tenants(uuid, bytea, text, timestamptz, uuid, int), operator_tenant_count(uuid, bytea, text),
  operator_record_action(uuid, bytea, uuid, timestamptz, text, uuid, text, jsonb),
  operator_actions_page(uuid, bytea, timestamptz, uuid, int) TO marquee_app;

-- +goose Down
SELECT 'forward-only';
