// Custom domains: the tenant's own hostnames. Add one, create the TXT record
// shown (and point the hostname at the platform), verify, watch the
// certificate arrive, remove. The server decides who may do this (MANAGE)
// and whether a hostname is proved; this page only shows and asks.

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, copyButton, roleLabel } from '../ui.js';

const DOMAIN = 'id hostname status txtRecordName txtRecordValue target lastError lastCheckedAt verifiedAt certificateExpiresAt createdAt';
const POLL_MS = 3000; // while a certificate is on its way…
const POLL_FOR_MS = 3 * 60 * 1000; // …for this long after the page or an action (without TLS it never comes)

const STATUS = {
  PENDING_VERIFICATION: ['Waiting for DNS', 'status-pending'],
  VERIFIED: ['Verified · certificate on its way', 'status-pending'],
  ACTIVE: ['Active · HTTPS', 'status-active'],
  FAILED: ['Failed', 'status-revoked'],
};

function statusBadge(d) {
  const [text, cls] = STATUS[d.status] || [d.status, 'status-pending'];
  return h('span', { class: `status ${cls}`, id: `domain-status-${d.id}`, dataset: { status: d.status } }, text);
}

// The records to create, with copy buttons: the TXT record proves ownership,
// the CNAME sends viewers and the certificate authority to the platform.
function records(d) {
  const row = (type, name, value, id) => h('tr', {},
    h('td', {}, h('code', {}, type)),
    h('td', {}, h('div', { class: 'key-cell' }, h('code', { id: `${id}-name` }, name), copyButton(`${id}-copy-name`, () => name))),
    h('td', {}, h('div', { class: 'key-cell' }, h('code', { id: `${id}-value` }, value), copyButton(`${id}-copy-value`, () => value))));
  return h('table', { class: 'table table-compact', id: `domain-records-${d.id}` },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Value'))),
    h('tbody', {},
      d.verifiedAt ? null : row('TXT', d.txtRecordName, d.txtRecordValue, `domain-txt-${d.id}`),
      d.target ? row('CNAME', d.hostname, d.target, `domain-cname-${d.id}`) : null));
}

export async function render(root, app) {
  const canManage = app.can('manage');
  if (!canManage) {
    root.append(notice(`Your role (${roleLabel(app.role())}) cannot see or manage custom domains; an owner or admin can.`,
      { id: 'domains-readonly', kind: 'warn' }));
    return undefined;
  }

  const list = h('div', { id: 'domain-list', class: 'domain-list' });
  const form = h('form', { id: 'domain-form', class: 'form form-inline' },
    h('fieldset', { class: 'fieldset fieldset-inline' },
      h('legend', { class: 'visually-hidden' }, 'Add a custom domain'),
      field({
        id: 'domain-hostname', label: 'Hostname', hint: 'A hostname you control, like watch.example.com.',
        attrs: { required: true, maxlength: 253, placeholder: 'watch.example.com', spellcheck: 'false', autocomplete: 'off', 'data-field': 'hostname' },
      }),
      h('button', { type: 'submit', id: 'domain-submit', class: 'btn btn-primary' }, 'Add domain')));

  let timer = null;
  let pollUntil = Date.now() + POLL_FOR_MS;
  const stopPolling = () => { if (timer) clearTimeout(timer); timer = null; };

  function domainCard(d) {
    const actions = h('div', { class: 'actions' },
      d.status === 'ACTIVE' ? null : h('button', {
        type: 'button', id: `verify-domain-${d.id}`, class: 'btn btn-secondary btn-small',
        onclick: async (e) => {
          const r = await run(e.target, () => gql(`mutation VerifyDomain($id: ID!) { verifyDomain(id: $id) { ${DOMAIN} } }`, { id: d.id }));
          if (!r) return;
          const v = r.verifyDomain;
          if (v.status === 'FAILED') toast(`${v.hostname} is not verified yet: see why below.`);
          else toast(`${v.hostname} is verified.`);
          pollUntil = Date.now() + POLL_FOR_MS;
          await run(null, load);
        },
      }, d.verifiedAt ? 'Retry certificate' : 'Verify'),
      h('button', {
        type: 'button', id: `remove-domain-${d.id}`, class: 'btn btn-danger-ghost btn-small',
        onclick: async (e) => {
          const ok = await confirmAction({
            title: `Remove ${d.hostname}?`, ok: 'Remove domain',
            body: 'Your apps stop answering on it at once, and its certificate is deleted. Another account could then claim it.',
          });
          if (!ok) return;
          if (await run(e.target, () => gql('mutation RemoveDomain($id: ID!) { removeDomain(id: $id) }', { id: d.id }))) {
            toast(`${d.hostname} is removed.`);
            await run(null, load);
          }
        },
      }, 'Remove'));

    const facts = h('dl', { class: 'facts' },
      h('dt', {}, 'Added'), h('dd', {}, timeEl(d.createdAt)),
      d.lastCheckedAt ? [h('dt', {}, 'Last checked'), h('dd', {}, timeEl(d.lastCheckedAt))] : null,
      d.verifiedAt ? [h('dt', {}, 'Verified'), h('dd', {}, timeEl(d.verifiedAt))] : null,
      d.certificateExpiresAt ? [h('dt', {}, 'Certificate renews before'), h('dd', {}, timeEl(d.certificateExpiresAt))] : null);

    const steps = d.verifiedAt
      ? h('p', { class: 'muted' }, 'Keep the CNAME record: viewers and certificate renewals reach the platform through it.')
      : h('p', { class: 'muted' }, 'Create these DNS records at your DNS provider, wait a few minutes, then verify. The TXT record proves the hostname is yours.');

    return h('section', { class: 'card domain', id: `domain-${d.id}`, 'aria-labelledby': `domain-${d.id}-title` },
      h('div', { class: 'card-head' },
        h('div', {}, h('h2', { id: `domain-${d.id}-title` }, d.hostname), statusBadge(d)),
        actions),
      d.lastError ? h('p', { class: 'notice notice-warn', id: `domain-error-${d.id}`, role: 'status' }, d.lastError) : null,
      steps,
      h('div', { class: 'table-wrap' }, records(d)),
      facts);
  }

  async function load() {
    stopPolling();
    const d = await gql(`query Domains { domains { ${DOMAIN} } }`);
    if (!root.isConnected) return;
    list.replaceChildren(...(d.domains.length
      ? d.domains.map(domainCard)
      : [h('table', { class: 'table' }, h('tbody', {}, emptyRow(1, 'No custom domains yet: your apps answer on their Marquee address.')))]));
    // A verified domain's certificate arrives in the background: watch for it.
    if (d.domains.some((x) => x.status === 'VERIFIED') && Date.now() < pollUntil) {
      timer = setTimeout(() => run(null, load), POLL_MS);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = form.querySelector('#domain-hostname');
    const d = await run(form.querySelector('#domain-submit'), () =>
      gql(`mutation AddDomain($hostname: String!) { addDomain(hostname: $hostname) { ${DOMAIN} } }`, { hostname: input.value }), form);
    if (d) {
      input.value = '';
      toast(`${d.addDomain.hostname} added: create its DNS records, then verify.`);
      await run(null, load);
      document.getElementById(`domain-${d.addDomain.id}`)?.classList.add('flash');
    }
  });

  root.append(
    card('Custom domains', {
      id: 'domains-card',
      description: 'Serve your apps on hostnames of your own. Each is yours once its TXT record verifies it; Marquee then obtains and renews its HTTPS certificate.',
    }, form),
    list);
  await run(null, load);
  return stopPolling;
}
