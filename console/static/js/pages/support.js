// Viewer support: find a viewer by email, see what they hold (subscriptions,
// rentals, purchases, grants), refund a rental or purchase, end an
// entitlement, give free access for a number of days, and sign every device
// of theirs out. Managers only; every action is in the audit log.

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, formatMoney } from '../ui.js';

const ENT = 'id source kind scope titleId collectionIds status startsAt endsAt revokedAt revokeReason';
const KINDS = { svod: 'Subscription', tvod_rent: 'Rental', tvod_buy: 'Purchase', ppv: 'Pay-per-view', grant: 'Free access' };

export async function render(root, app) {
  if (!app.can('manage')) {
    root.replaceChildren(notice('Viewer support is for admins and the owner.', { id: 'support-denied', kind: 'warn' }));
    return;
  }
  const titles = new Map();

  // Find a viewer.
  const results = h('tbody', { id: 'support-results' });
  const search = h('form', { id: 'support-search-form', class: 'form form-inline', role: 'search' },
    field({ id: 'support-search', label: 'Email contains', type: 'search', attrs: { autocomplete: 'off', placeholder: 'name@example.com', maxlength: 254 } }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'support-find', class: 'btn btn-primary' }, 'Find')));
  search.addEventListener('submit', async (e) => {
    e.preventDefault();
    await run(search.querySelector('#support-find'), find, search);
  });
  async function find() {
    const term = search.querySelector('#support-search').value.trim();
    const d = await gql(`query FindViewers($s: String) { viewers(first: 20, search: $s) { totalCount edges { node { id email emailVerified createdAt deviceCount } } } }`,
      { s: term });
    const rows = d.viewers.edges.map(({ node: v }) => h('tr', { id: `support-viewer-${v.id}` },
      h('td', {}, v.email, v.emailVerified ? null : h('span', { class: 'muted' }, ' (unverified)')),
      h('td', {}, timeEl(v.createdAt)),
      h('td', {}, String(v.deviceCount)),
      h('td', { class: 'actions' }, h('button', { type: 'button', id: `support-open-${v.id}`, class: 'btn btn-secondary btn-small', onclick: (e) => run(e.currentTarget, () => open(v.id)) }, 'Open'))));
    results.replaceChildren(...(rows.length ? rows : [emptyRow(4, 'No viewer matches.')]));
    results.dataset.loaded = 'true';
    results.dataset.search = term; // which search the rows answer (tests wait on it)
  }

  // One viewer.
  const panel = h('div', { id: 'support-panel', hidden: true });
  let current = null;
  async function open(id) {
    const d = await gql(`query SupportViewer($id: ID!) { viewer(id: $id) { id email deviceCount devices { id name platform lastSeenAt } }
      viewerEntitlements(viewerId: $id) { ${ENT} }
      viewerInvoices(viewerId: $id, first: 24) { invoiceId currency amountPaid tax refunded paidAt } }`, { id });
    current = d.viewer;
    paint(d.viewer, d.viewerEntitlements, d.viewerInvoices);
  }
  async function reload() { if (current) await open(current.id); }

  function what(e) {
    if (e.scope === 'TITLE') return titles.get(e.titleId) || e.titleId;
    if (e.scope === 'COLLECTIONS') return `${e.collectionIds.length} collection(s)`;
    if (e.scope === 'EVENT') return 'a live event';
    return 'the whole library';
  }
  function state(e) {
    if (e.revokedAt) return `ended: ${e.revokeReason}`;
    if (e.endsAt && new Date(e.endsAt) <= new Date()) return 'over';
    return e.status || 'active';
  }
  function reason() { return panel.querySelector('#support-reason').value.trim(); }

  async function refund(button, e) {
    if (!reason()) { panel.querySelector('#support-reason').focus(); toast('Give a reason first.'); return; }
    if (!await confirmAction({ title: 'Refund in full?', body: 'The viewer gets their money back on your Stripe account and loses access at once.', ok: 'Refund' })) return;
    const d = await run(button, () => gql(`mutation Refund($id: ID!, $r: String!) { refundPurchase(entitlementId: $id, reason: $r) { id } }`, { id: e.id, r: reason() }));
    if (d) { toast('Refunded.'); await run(null, reload); }
  }
  async function revoke(button, e) {
    if (!reason()) { panel.querySelector('#support-reason').focus(); toast('Give a reason first.'); return; }
    if (!await confirmAction({ title: 'End this access now?', body: 'Nothing is refunded; the viewer loses access at once.', ok: 'End access' })) return;
    const d = await run(button, () => gql(`mutation Revoke($id: ID!, $r: String!) { revokeEntitlement(id: $id, reason: $r) { id } }`, { id: e.id, r: reason() }));
    if (d) { toast('Access ended.'); await run(null, reload); }
  }

  function paint(v, ents, invoices) {
    // What their subscription invoices collected (refunds are made in Stripe).
    const invRows = invoices.map((i) => h('tr', { id: `support-invoice-${i.invoiceId}` },
      h('td', {}, timeEl(i.paidAt)),
      h('td', {}, formatMoney(i.amountPaid, i.currency)),
      h('td', {}, formatMoney(i.tax, i.currency)),
      h('td', {}, i.refunded ? formatMoney(i.refunded, i.currency) : '—'),
      h('td', {}, h('code', {}, i.invoiceId))));

    const entRows = ents.map((e) => {
      const live = !e.revokedAt && (!e.endsAt || new Date(e.endsAt) > new Date());
      const refundable = !e.revokedAt && e.source === 'stripe' && (e.kind === 'tvod_rent' || e.kind === 'tvod_buy');
      return h('tr', { id: `support-ent-${e.id}`, dataset: { kind: e.kind, revoked: String(!!e.revokedAt) } },
        h('td', {}, KINDS[e.kind] || e.kind),
        h('td', {}, what(e)),
        h('td', {}, e.source),
        h('td', {}, state(e)),
        h('td', {}, timeEl(e.startsAt)),
        h('td', {}, e.endsAt ? timeEl(e.endsAt) : 'never'),
        h('td', { class: 'actions' },
          refundable ? h('button', { type: 'button', id: `support-refund-${e.id}`, class: 'btn btn-danger-ghost btn-small', onclick: (ev) => refund(ev.currentTarget, e) }, 'Refund') : null,
          live && !refundable ? h('button', { type: 'button', id: `support-revoke-${e.id}`, class: 'btn btn-danger-ghost btn-small', onclick: (ev) => revoke(ev.currentTarget, e) }, 'End access') : null));
    });

    const scope = field({ id: 'grant-scope', label: 'Access to', type: 'select', value: 'LIBRARY', options: [['LIBRARY', 'The whole library'], ['TITLE', 'One title']] });
    const title = field({ id: 'grant-title', label: 'Title', type: 'select', options: [...titles].map(([id, name]) => [id, name]) });
    title.hidden = true;
    scope.querySelector('select').addEventListener('change', (e) => { title.hidden = e.target.value !== 'TITLE'; });
    const grant = h('form', { id: 'grant-form', class: 'form' },
      h('div', { class: 'form-inline' },
        field({ id: 'grant-days', label: 'Days free', type: 'number', value: '30', attrs: { min: 1, max: 3650, required: true } }),
        scope, title,
        field({ id: 'grant-note', label: 'Note (in the audit log)', attrs: { maxlength: 500, placeholder: 'Goodwill after an outage' } })),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'grant-submit', class: 'btn btn-primary' }, 'Give free access')));
    grant.addEventListener('submit', async (e) => {
      e.preventDefault();
      const days = Number(grant.querySelector('#grant-days').value);
      const input = {
        viewerId: v.id, scope: grant.querySelector('#grant-scope').value,
        until: new Date(Date.now() + days * 86400000).toISOString(), note: grant.querySelector('#grant-note').value,
      };
      if (input.scope === 'TITLE') input.titleId = grant.querySelector('#grant-title').value;
      const d = await run(grant.querySelector('#grant-submit'), () => gql(`mutation Grant($input: GrantAccessInput!) { grantAccess(input: $input) { id } }`, { input }), grant);
      if (d) { toast(`Free access given for ${days} days.`); await run(null, reload); }
    });

    const signOut = h('button', { type: 'button', id: 'support-signout', class: 'btn btn-secondary' }, 'Sign out every device');
    signOut.addEventListener('click', async () => {
      if (!await confirmAction({ title: `Sign ${v.email} out everywhere?`, body: 'Every app of theirs asks them to sign in again; their devices stay registered.', ok: 'Sign out' })) return;
      const d = await run(signOut, () => gql('mutation SignOutViewer($id: ID!) { signOutViewer(viewerId: $id) }', { id: v.id }));
      if (d) { signOut.dataset.done = 'true'; toast('Signed out on every device.'); }
    });

    panel.replaceChildren(
      card(v.email, { id: 'support-viewer', description: `${v.deviceCount} device(s): ${v.devices.map((x) => `${x.name} (${x.platform.toLowerCase()})`).join(', ') || 'none'}` },
        h('div', { class: 'form-inline' },
          field({ id: 'support-reason', label: 'Reason for a refund or ending access', attrs: { maxlength: 500, placeholder: 'Asked for a refund' } }),
          h('div', { class: 'form-actions' }, signOut)),
        h('table', { class: 'table', 'aria-label': 'Entitlements' },
          h('thead', {}, h('tr', {}, ...['What', 'Covers', 'From', 'State', 'Since', 'Ends', ''].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', { id: 'support-entitlements', dataset: { loaded: 'true' } }, ...(entRows.length ? entRows : [emptyRow(7, 'Nothing: no subscription, rental, purchase or grant.')]))),
        h('table', { class: 'table', 'aria-label': 'Subscription payments' },
          h('caption', {}, 'Subscription payments (latest 24; refunds are made in Stripe)'),
          h('thead', {}, h('tr', {}, ...['Paid', 'Amount', 'Tax', 'Refunded', 'Stripe invoice'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', { id: 'support-invoices' }, ...(invRows.length ? invRows : [emptyRow(5, 'No subscription payment.')])))),
      card('Free access', { id: 'support-grant', description: 'Access without payment until the end of the period, then it ends by itself.' }, grant));
    panel.hidden = false;
  }

  root.replaceChildren(
    card('Find a viewer', { id: 'support-find-card', description: 'Search your apps\' accounts by email.' }, search,
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ...['Email', 'Signed up', 'Devices', ''].map((c) => h('th', { scope: 'col' }, c)))),
        results)),
    panel);
  await run(null, async () => {
    const d = await gql('query SupportTitles { titles(first: 100) { edges { node { id localizations { title } } } } }');
    for (const { node } of d.titles.edges) titles.set(node.id, node.localizations[0]?.title || node.id);
  });
  await run(null, find);
}
