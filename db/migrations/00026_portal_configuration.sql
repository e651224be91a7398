-- The Stripe customer portal configuration Marquee manages on each
-- workspace's connected account (package billing): plan switching among the
-- active plans' prices with prorations, cancellation at the period's end,
-- payment methods, invoices, email. Every portal session names it.
--
-- stripe_accounts.portal_configuration_id: the bpc_… made on the account;
-- '' until the first portal session (or plan change) makes it.
-- stripe_accounts.portal_plans_version counts changes of the plan set
-- (plan made, price added, plan retired), bumped in the transaction that
-- records the change; portal_synced_version is the version the
-- configuration on Stripe was last written from. The configuration is
-- stale while synced < plans: a plan change made while Stripe was
-- unreachable is caught up at the next portal session, and a sync that
-- read the plans before a newer change never marks itself current.
-- stripe_accounts already has RLS (00016).

-- +goose Up
ALTER TABLE stripe_accounts
  ADD COLUMN portal_configuration_id text NOT NULL DEFAULT ''
    CHECK (portal_configuration_id = '' OR portal_configuration_id LIKE 'bpc\_%'),
  ADD COLUMN portal_plans_version bigint NOT NULL DEFAULT 1,
  ADD COLUMN portal_synced_version bigint NOT NULL DEFAULT 0;

-- +goose Down
SELECT 'forward-only';
