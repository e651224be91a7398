// Webhooks: the tenant's endpoints (URL, event filter, on/off, the signing
// secret shown once), and per endpoint its deliveries, which staff can send
// again one by one or all since a moment. The server decides who may do this
// (MANAGE); a refusal shows in the error banner like everywhere else.

import { gql } from '../api.js';
import {
  h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, copyButton, showError, roleLabel,
} from '../ui.js';

const ENDPOINT = 'id url eventTypes enabled secretHint createdAt';
const DELIVERY = 'id endpointId eventId eventType status attempts nextAttemptAt lastError deliveredAt createdAt';
const PAGE = 25;
const MAX_PAGE = 200; // the API's largest page
const POLL_MS = 1500; // while a shown delivery is pending

const DELIVERIES = `query WebhookDeliveries($endpointId: ID!, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, first: $first, after: $after) {
    edges { node { ${DELIVERY} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const STATUS_CLASS = { DELIVERED: 'status-active', PENDING: 'status-pending', FAILED: 'status-revoked' };

/** parseTypes reads a filter typed as "staff.*, tenant.updated" (commas or spaces). */
export function parseTypes(text) {
  return [...new Set(String(text).split(/[\s,]+/).map((t) => t.trim()).filter(Boolean))];
}

function typeChips(types, id) {
  return h('span', { class: 'chips', id },
    types.length ? types.map((t) => h('code', { class: 'tag chip' }, t)) : h('span', { class: 'muted' }, 'All events'));
}

/** localInput formats a time for a datetime-local input, in the browser's zone. */
function localInput(d) {
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

// How a receiver checks a request, shown with every secret.
function signatureHelp(id) {
  return h('details', { class: 'signature-help', id, open: true },
    h('summary', {}, 'How to verify a request'),
    h('p', {}, 'Every request is a JSON POST {id, type, created_at, data} with two headers:'),
    h('pre', {}, 'Marquee-Event-Id: 0190f7c2-…\nMarquee-Signature: t=1717171717,v1=5f0c…e2a9'),
    h('ol', {},
      h('li', {}, 'Read the raw request body, before any JSON parsing.'),
      h('li', {}, 'Split Marquee-Signature on commas: ', h('code', {}, 't'), ' is the send time in Unix seconds; each ', h('code', {}, 'v1'), ' is a signature.'),
      h('li', {}, 'Compute the hex HMAC-SHA256 of ', h('code', {}, '"<t>.<body>"'), ' keyed with this secret.'),
      h('li', {}, 'Accept the request if it equals one of the v1 values (compare in constant time) and t is within five minutes of your clock.'),
      h('li', {}, 'Deduplicate on Marquee-Event-Id: delivery is at least once, and a replay sends the same event again.')),
    h('p', {}, 'In Node.js, with createHmac and timingSafeEqual from node:crypto:'),
    h('pre', {}, [
      "const parts = header.split(',').map((p) => p.trim().split('='));",
      "const t = parts.find(([k]) => k === 't')?.[1] ?? '';",
      "const want = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');",
      "const ok = parts.some(([k, v]) => k === 'v1' && v.length === want.length",
      '    && timingSafeEqual(Buffer.from(v), Buffer.from(want)))',
      '  && Math.abs(Date.now() / 1000 - Number(t)) <= 300;',
    ].join('\n')));
}

export async function render(root, app, params) {
  const canManage = app.can('manage');
  const endpoints = new Map(); // id -> endpoint
  let timer = null;
  let deliveriesFor = null; // the endpoint whose deliveries are shown

  const readonly = notice(`Your role (${roleLabel(app.role())}) cannot see or manage webhooks; an owner or admin can.`,
    { id: 'webhooks-readonly', kind: 'warn' });
  readonly.hidden = canManage;

  // The secret, once, after creating an endpoint or rotating its secret.
  const secretValue = h('input', { id: 'webhook-secret', type: 'text', readonly: true, class: 'secret', spellcheck: 'false', 'aria-describedby': 'webhook-secret-warning' });
  const secretFor = h('code', { id: 'webhook-secret-for' });
  const secretPanel = h('div', { id: 'webhook-secret-panel', class: 'secret-panel', hidden: true, role: 'region', 'aria-label': 'New signing secret' },
    h('p', { id: 'webhook-secret-warning', class: 'secret-warning' },
      h('strong', {}, 'Copy this signing secret now. '), 'It is shown only once. Your receiver uses it to check that requests to ', secretFor, ' come from Marquee.'),
    h('label', { for: 'webhook-secret' }, 'Signing secret'),
    h('div', { class: 'secret-row' }, secretValue, copyButton('webhook-secret-copy', () => secretValue.value)),
    signatureHelp('webhook-secret-help'),
    h('button', {
      type: 'button', id: 'webhook-secret-done', class: 'btn btn-secondary',
      onclick: () => { secretValue.value = ''; secretPanel.hidden = true; },
    }, 'I have stored it'));

  function showSecret(endpoint, secret) {
    secretValue.value = secret;
    secretFor.textContent = endpoint.url;
    secretPanel.hidden = false;
    secretValue.focus();
    secretValue.select();
  }

  // Create.
  const typesPreview = h('div', { class: 'hint', id: 'webhook-types-preview', 'aria-live': 'polite' }, 'Sends: ', typeChips([]));
  const form = h('form', { id: 'webhook-form', class: 'form' },
    h('fieldset', { class: 'fieldset', id: 'webhook-fields', disabled: !canManage },
      h('legend', { class: 'visually-hidden' }, 'Add a webhook endpoint'),
      h('div', { class: 'form-inline' },
        field({ id: 'webhook-url', label: 'Endpoint URL', type: 'url', hint: 'Where Marquee POSTs events: https (http only in development).', attrs: { required: true, maxlength: 2048, placeholder: 'https://example.com/marquee/webhooks', autocomplete: 'off', 'data-field': 'url' } }),
        field({ id: 'webhook-types', label: 'Event types', hint: 'Comma-separated: exact types (tenant.updated) or prefixes (staff.*). Empty sends every event.', attrs: { placeholder: 'staff.*, tenant.updated', autocomplete: 'off', spellcheck: 'false', 'data-field': 'eventTypes' } })),
      typesPreview,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'webhook-create', class: 'btn btn-primary' }, 'Add endpoint'))));
  const typesInput = form.querySelector('#webhook-types');
  typesInput.addEventListener('input', () => typesPreview.replaceChildren('Sends: ', typeChips(parseTypes(typesInput.value))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = { url: form.querySelector('#webhook-url').value.trim(), eventTypes: parseTypes(typesInput.value) };
    const d = await run(form.querySelector('#webhook-create'), () =>
      gql(`mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT} } secret } }`, { input }), form);
    if (!d) return;
    const ep = d.createWebhookEndpoint.endpoint;
    form.reset();
    typesPreview.replaceChildren('Sends: ', typeChips([]));
    endpoints.set(ep.id, ep);
    paint();
    flash(ep.id);
    showSecret(ep, d.createWebhookEndpoint.secret);
    toast(`Webhook endpoint ${ep.url} added.`);
  });

  // The endpoints.
  const list = h('tbody', { id: 'webhook-list' });

  function flash(id) {
    const tr = document.getElementById(`webhook-${id}`);
    if (tr) { tr.classList.add('flash'); setTimeout(() => tr.classList.remove('flash'), 2000); }
  }

  function statusPill(ep) {
    return h('span', { class: `status ${ep.enabled ? 'status-active' : 'status-revoked'}`, id: `webhook-status-${ep.id}` }, ep.enabled ? 'enabled' : 'disabled');
  }

  function row(ep) {
    const button = (id, text, onclick, cls = 'btn btn-secondary btn-small') => h('button', { type: 'button', id, class: cls, onclick }, text);
    return h('tr', { id: `webhook-${ep.id}`, class: ep.enabled ? '' : 'revoked', dataset: { url: ep.url, enabled: String(ep.enabled) }, 'aria-current': deliveriesFor?.id === ep.id ? 'true' : null },
      h('td', { class: 'webhook-url' }, h('code', {}, ep.url)),
      h('td', {}, typeChips(ep.eventTypes, `webhook-types-${ep.id}`)),
      h('td', {}, statusPill(ep)),
      h('td', {}, h('code', { id: `webhook-hint-${ep.id}` }, `…${ep.secretHint}`)),
      h('td', {}, timeEl(ep.createdAt)),
      h('td', { class: 'actions' }, h('div', { class: 'row-actions' },
        h('a', {
          href: `#/webhooks?endpoint=${encodeURIComponent(ep.id)}`, id: `deliveries-${ep.id}`, class: 'btn btn-secondary btn-small',
          onclick: (e) => { e.preventDefault(); openDeliveries(ep.id, { push: true }); },
        }, 'Deliveries'),
        button(`edit-webhook-${ep.id}`, 'Edit', () => openEdit(ep.id)),
        button(`toggle-webhook-${ep.id}`, ep.enabled ? 'Disable' : 'Enable', (e) => update(e.target, ep.id, { enabled: !ep.enabled })),
        button(`rotate-webhook-${ep.id}`, 'Rotate secret', (e) => rotate(e.target, ep)),
        button(`delete-webhook-${ep.id}`, 'Delete', (e) => remove(e.target, ep), 'btn btn-danger-ghost btn-small'))));
  }

  function paint() {
    const sorted = [...endpoints.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    list.replaceChildren(...(sorted.length ? sorted.map(row) : [emptyRow(6, 'No endpoints yet.')]));
  }

  async function loadEndpoints() {
    const d = await gql(`query WebhookEndpoints { webhookEndpoints { ${ENDPOINT} } }`);
    endpoints.clear();
    for (const ep of d.webhookEndpoints) endpoints.set(ep.id, ep);
    paint();
    list.dataset.loaded = 'true';
  }

  async function update(button, id, input, form) {
    const d = await run(button, () =>
      gql(`mutation UpdateWebhookEndpoint($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { ${ENDPOINT} } }`, { id, input }), form);
    if (!d) return false;
    const ep = d.updateWebhookEndpoint;
    endpoints.set(ep.id, ep);
    paint();
    flash(ep.id);
    if (deliveriesFor?.id === ep.id) { deliveriesFor = ep; paintDeliveriesHead(); }
    toast(Object.keys(input).length === 1 && 'enabled' in input
      ? `${ep.url} is ${ep.enabled ? 'enabled' : 'disabled'}.` : `${ep.url} is saved.`);
    return true;
  }

  async function rotate(button, ep) {
    const ok = await confirmAction({
      title: 'Rotate the signing secret?', ok: 'Rotate secret', danger: false,
      body: `A new secret replaces the one for ${ep.url} at once: the next attempt of every delivery is signed with it. Update your receiver right away.`,
    });
    if (!ok) return;
    const d = await run(button, () =>
      gql(`mutation RotateWebhookEndpointSecret($id: ID!) { rotateWebhookEndpointSecret(id: $id) { endpoint { ${ENDPOINT} } secret } }`, { id: ep.id }));
    if (!d) return;
    const next = d.rotateWebhookEndpointSecret.endpoint;
    endpoints.set(next.id, next);
    paint();
    flash(next.id);
    showSecret(next, d.rotateWebhookEndpointSecret.secret);
    toast(`The signing secret of ${next.url} is rotated.`);
  }

  async function remove(button, ep) {
    const ok = await confirmAction({
      title: `Delete ${ep.url}?`, ok: 'Delete endpoint',
      body: 'Marquee stops sending events there at once, and its delivery history goes with it.',
    });
    if (!ok) return;
    if (!await run(button, () => gql('mutation DeleteWebhookEndpoint($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: ep.id }))) return;
    endpoints.delete(ep.id);
    if (deliveriesFor?.id === ep.id) closeDeliveries({ push: true });
    paint();
    toast(`${ep.url} is deleted.`);
  }

  // Editing one endpoint, in a row under it.
  function openEdit(id) {
    document.getElementById('webhook-edit-row')?.remove();
    const ep = endpoints.get(id);
    const tr = document.getElementById(`webhook-${id}`);
    if (!ep || !tr) return;
    const enabled = h('input', { type: 'checkbox', id: 'webhook-edit-enabled', checked: ep.enabled, 'data-field': 'enabled' });
    const edit = h('form', { id: 'webhook-edit-form', class: 'form', 'aria-label': `Edit ${ep.url}` },
      h('div', { class: 'form-inline' },
        field({ id: 'webhook-edit-url', label: 'Endpoint URL', type: 'url', value: ep.url, attrs: { required: true, maxlength: 2048, autocomplete: 'off', 'data-field': 'url' } }),
        field({ id: 'webhook-edit-types', label: 'Event types', value: ep.eventTypes.join(', '), hint: 'Empty sends every event.', attrs: { autocomplete: 'off', spellcheck: 'false', placeholder: 'staff.*, tenant.updated', 'data-field': 'eventTypes' } })),
      h('div', { class: 'checkbox-field' }, enabled, h('label', { for: 'webhook-edit-enabled' }, 'Enabled'),
        h('span', { class: 'hint' }, ' Re-enabling sends the deliveries that waited, in order.')),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', id: 'webhook-edit-save', class: 'btn btn-primary btn-small' }, 'Save'),
        h('button', { type: 'button', id: 'webhook-edit-cancel', class: 'btn btn-secondary btn-small', onclick: () => editRow.remove() }, 'Cancel')));
    const editRow = h('tr', { id: 'webhook-edit-row', class: 'edit-row' }, h('td', { colspan: 6 }, edit));
    edit.addEventListener('submit', async (e) => {
      e.preventDefault();
      const input = {
        url: edit.querySelector('#webhook-edit-url').value.trim(),
        eventTypes: parseTypes(edit.querySelector('#webhook-edit-types').value),
        enabled: enabled.checked,
      };
      // Saving repaints the list, which takes the edit row with it.
      await update(edit.querySelector('#webhook-edit-save'), id, input, edit);
    });
    tr.after(editRow);
    edit.querySelector('#webhook-edit-url').focus();
  }

  // Deliveries of one endpoint.
  const deliveriesTitle = h('span', { id: 'deliveries-url' });
  const deliveriesNote = h('p', { id: 'deliveries-disabled', class: 'notice notice-warn', hidden: true },
    'This endpoint is disabled: nothing is sent, and it cannot replay, until it is enabled.');
  const deliveryList = h('tbody', { id: 'delivery-list' });
  const more = h('button', { type: 'button', id: 'delivery-more', class: 'btn btn-secondary', hidden: true }, 'Load older deliveries');
  const refresh = h('button', { type: 'button', id: 'delivery-refresh', class: 'btn btn-secondary btn-small' }, 'Refresh');
  const close = h('button', { type: 'button', id: 'deliveries-close', class: 'btn btn-ghost btn-small', onclick: () => closeDeliveries({ push: true }) }, 'Close');
  const sinceResult = h('p', { id: 'replay-since-result', class: 'hint', 'aria-live': 'polite' });
  const sinceForm = h('form', { id: 'replay-since-form', class: 'form form-inline' },
    field({ id: 'replay-since', label: 'Send again every event since', type: 'datetime-local', hint: 'Your local time. Deliveries still pending are left as they are.', attrs: { required: true, step: 1 } }),
    h('button', { type: 'submit', id: 'replay-since-submit', class: 'btn btn-secondary' }, 'Replay since…'));
  const deliveriesCard = card('Deliveries', {
    id: 'deliveries-card', description: 'Newest first. A replay sends the same event, with the same id, again.',
    actions: h('div', { class: 'card-actions' }, refresh, close),
  },
  h('p', {}, 'To ', deliveriesTitle),
  deliveriesNote,
  sinceForm, sinceResult,
  h('div', { class: 'table-wrap' },
    h('table', { class: 'table', id: 'delivery-table' },
      h('thead', {}, h('tr', {}, ['Event', 'Status', 'Attempts', 'Last error', 'Delivered', 'Created', ''].map((t) => h('th', { scope: 'col' }, t || h('span', { class: 'visually-hidden' }, 'Actions'))))),
      deliveryList)),
  h('div', { class: 'load-more' }, more));
  deliveriesCard.hidden = true;

  let shown = []; // the deliveries listed, newest first
  let cursor = null;

  function deliveryRow(d) {
    const replayable = deliveriesFor?.enabled;
    return h('tr', { id: `delivery-${d.id}`, class: 'delivery-row', dataset: { status: d.status, eventId: d.eventId, eventType: d.eventType, attempts: String(d.attempts) } },
      h('td', {}, h('code', { class: 'action' }, d.eventType), h('div', { class: 'muted small mono', title: d.eventId }, d.eventId)),
      h('td', {}, h('span', { class: `status ${STATUS_CLASS[d.status] || ''}` }, d.status.toLowerCase())),
      h('td', {}, String(d.attempts)),
      h('td', { class: 'delivery-error' }, d.lastError ? h('span', { title: d.lastError }, d.lastError.length > 120 ? `${d.lastError.slice(0, 120)}…` : d.lastError) : h('span', { class: 'muted' }, '—')),
      h('td', {}, d.deliveredAt ? timeEl(d.deliveredAt)
        : d.status === 'PENDING' && d.nextAttemptAt ? h('span', { class: 'muted' }, 'next try ', timeEl(d.nextAttemptAt)) : h('span', { class: 'muted' }, '—')),
      h('td', {}, timeEl(d.createdAt)),
      h('td', { class: 'actions' }, h('button', {
        type: 'button', id: `replay-${d.id}`, class: 'btn btn-secondary btn-small', disabled: !replayable,
        title: replayable ? null : 'Enable the endpoint to replay',
        onclick: (e) => replayOne(e.target, d),
      }, 'Replay')));
  }

  function paintDeliveries() {
    deliveryList.replaceChildren(...(shown.length ? shown.map(deliveryRow) : [emptyRow(7, 'Nothing sent here yet.')]));
  }

  function paintDeliveriesHead() {
    deliveriesTitle.replaceChildren(h('code', {}, deliveriesFor.url));
    deliveriesNote.hidden = deliveriesFor.enabled;
    sinceForm.querySelector('#replay-since-submit').disabled = !deliveriesFor.enabled;
    paintDeliveries();
  }

  function stopPolling() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  // While a shown delivery is pending, the list follows it to its outcome.
  function schedulePoll() {
    stopPolling();
    if (!deliveriesFor || !shown.some((d) => d.status === 'PENDING')) return;
    timer = setTimeout(async () => {
      timer = null;
      if (!root.isConnected || !deliveriesFor) return;
      try {
        await loadDeliveries('refresh');
      } catch (err) {
        if (root.isConnected) showError(err);
      }
    }, POLL_MS);
  }

  // mode: 'reset' (the first page), 'more' (the next page) or 'refresh' (as
  // many as are shown, from the newest, to follow their status).
  async function loadDeliveries(mode) {
    const ep = deliveriesFor;
    if (!ep) return;
    const first = mode === 'refresh' ? Math.min(MAX_PAGE, Math.max(PAGE, shown.length)) : PAGE;
    const d = await gql(DELIVERIES, { endpointId: ep.id, first, after: mode === 'more' ? cursor : null });
    if (!root.isConnected || deliveriesFor?.id !== ep.id) return;
    const nodes = d.webhookDeliveries.edges.map((e) => e.node);
    const next = mode === 'more' ? [...shown, ...nodes] : nodes;
    const changed = JSON.stringify(next) !== JSON.stringify(shown) || deliveryList.dataset.loaded !== 'true';
    shown = next;
    cursor = d.webhookDeliveries.pageInfo.endCursor || cursor;
    more.hidden = !d.webhookDeliveries.pageInfo.hasNextPage;
    if (changed) paintDeliveries();
    deliveryList.dataset.loaded = 'true';
    schedulePoll();
  }

  async function openDeliveries(id, { push = false } = {}) {
    stopPolling();
    let ep = endpoints.get(id);
    if (!ep) {
      const d = await run(null, () => gql(`query WebhookEndpoint($id: ID!) { webhookEndpoint(id: $id) { ${ENDPOINT} } }`, { id }));
      if (!d || !root.isConnected) return;
      ep = d.webhookEndpoint;
    }
    if (push) history.pushState(null, '', `#/webhooks?endpoint=${encodeURIComponent(id)}`);
    deliveriesFor = ep;
    shown = [];
    cursor = null;
    delete deliveryList.dataset.loaded;
    sinceResult.textContent = '';
    const since = sinceForm.querySelector('#replay-since');
    if (!since.value) since.value = localInput(new Date(Date.now() - 24 * 3600 * 1000));
    paintDeliveriesHead();
    deliveriesCard.hidden = false;
    paint(); // marks the endpoint's row
    deliveriesCard.scrollIntoView({ block: 'nearest' });
    await run(refresh, () => loadDeliveries('reset'));
  }

  function closeDeliveries({ push = false } = {}) {
    stopPolling();
    deliveriesFor = null;
    deliveriesCard.hidden = true;
    if (push) history.pushState(null, '', '#/webhooks');
    paint();
  }

  async function replayOne(button, delivery) {
    const ep = deliveriesFor;
    const d = await run(button, () =>
      gql(`mutation ReplayWebhookEvent($endpointId: ID!, $eventId: ID!) { replayWebhookEvent(endpointId: $endpointId, eventId: $eventId) { ${DELIVERY} } }`,
        { endpointId: ep.id, eventId: delivery.eventId }));
    if (!d || !root.isConnected || deliveriesFor?.id !== ep.id) return;
    const next = d.replayWebhookEvent;
    const i = shown.findIndex((x) => x.id === next.id);
    if (i >= 0) shown[i] = next; else shown.unshift(next);
    paintDeliveries();
    const tr = document.getElementById(`delivery-${next.id}`);
    if (tr) tr.classList.add('flash');
    toast(`${next.eventType} is queued to be sent again.`);
    schedulePoll();
  }

  sinceForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ep = deliveriesFor;
    const value = sinceForm.querySelector('#replay-since').value;
    const since = new Date(value);
    if (!ep || Number.isNaN(since.getTime())) return;
    const ok = await confirmAction({
      title: 'Replay deliveries?', ok: 'Replay', danger: false,
      body: `Every event sent to ${ep.url} since ${since.toLocaleString()} that is not pending is sent again.`,
    });
    if (!ok) return;
    const d = await run(sinceForm.querySelector('#replay-since-submit'), () =>
      gql('mutation ReplayWebhookDeliveries($endpointId: ID!, $since: Time!) { replayWebhookDeliveries(endpointId: $endpointId, since: $since) }',
        { endpointId: ep.id, since: since.toISOString() }), sinceForm);
    if (d === undefined || !root.isConnected) return;
    const n = d.replayWebhookDeliveries;
    sinceResult.dataset.count = String(n);
    sinceResult.textContent = n === 0 ? 'Nothing to replay since then.' : `${n} ${n === 1 ? 'delivery' : 'deliveries'} queued to be sent again.`;
    toast(sinceResult.textContent);
    await run(refresh, () => loadDeliveries('refresh'));
  });
  more.addEventListener('click', () => run(more, () => loadDeliveries('more')));
  refresh.addEventListener('click', () => run(refresh, () => loadDeliveries('refresh')));

  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'webhook-table' },
    h('thead', {}, h('tr', {}, ['URL', 'Events', 'Status', 'Secret', 'Created', ''].map((t) => h('th', { scope: 'col' }, t || h('span', { class: 'visually-hidden' }, 'Actions'))))),
    list));
  const endpointsCard = card('Webhook endpoints', {
    id: 'webhooks-card',
    description: 'Marquee POSTs your workspace\'s events to these URLs, signed, in order, at least once; failing endpoints are retried for up to three days.',
  }, form, secretPanel, table);

  root.append(readonly, endpointsCard, deliveriesCard);

  // The server decides: an analyst's console asks too, and shows the refusal.
  try {
    await loadEndpoints();
    readonly.hidden = true;
    form.querySelector('#webhook-fields').disabled = false;
  } catch (err) {
    if (!root.isConnected) return stopPolling;
    showError(err);
    if (err.code === 'FORBIDDEN') {
      readonly.hidden = false;
      form.querySelector('#webhook-fields').disabled = true;
      endpointsCard.querySelector('.table-wrap').hidden = true;
    }
    return stopPolling;
  }
  const id = params?.get('endpoint');
  if (id && root.isConnected) await openDeliveries(id);
  return stopPolling;
}
