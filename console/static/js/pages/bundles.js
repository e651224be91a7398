// Bundles: a catalog collection (hand-picked or rule-based) sold as one,
// rented or bought, with a price per kind and currency like a title's. The
// page lists the bundles with how many titles each covers now, makes one
// (a manager) and retires one (what viewers bought stands). Viewers pay on
// the workspace's Stripe account: until it can sell, the page says why.

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, formatMoney, toMinor } from '../ui.js';

const OFFER = 'id kind currency amount rentalHours purchaseWindowDays';
const BUNDLE = `id name description collectionId retiredAt titleCount createdAt offers { ${OFFER} }`;

function price(o) { return formatMoney(o.amount, o.currency); }

function offerText(o) {
  return o.kind === 'RENT'
    ? `rent ${price(o)} (${o.rentalHours} h to watch, ${o.purchaseWindowDays} days to start)`
    : `buy ${price(o)}`;
}

export async function render(root, app) {
  const canManage = app.can('manage');
  const parts = [];
  const collections = new Map(); // id → {name, kind}

  // Whether viewers can pay: only managers may read the connection.
  const selling = h('div', { id: 'bundle-selling' });
  if (canManage) parts.push(selling);

  // The form: a name, the collection, and one row per price.
  const priceRows = h('div', { id: 'bundle-prices' });
  let rowCount = 0;
  const rid = (base, n) => `${base}-${n}`;
  function addPriceRow(kind, currency, amount) {
    const n = rowCount;
    rowCount += 1;
    const kindField = field({ id: rid('bundle-kind', n), label: 'Sell as', type: 'select', value: kind, options: [['RENT', 'A rental'], ['BUY', 'A purchase to keep'], ['', 'Not this row']] });
    const hours = field({ id: rid('bundle-hours', n), label: 'Viewing window (hours from first play)', type: 'number', value: '48', attrs: { min: 1, max: 8760 } });
    const days = field({ id: rid('bundle-window', n), label: 'Purchase window (days to start watching)', type: 'number', value: '30', attrs: { min: 1, max: 3650 } });
    const showWindows = (k) => { hours.hidden = k !== 'RENT'; days.hidden = k !== 'RENT'; };
    kindField.querySelector('select').addEventListener('change', (e) => showWindows(e.target.value));
    showWindows(kind);
    priceRows.append(h('div', { class: 'form-inline bundle-price-row', dataset: { row: String(n) } },
      kindField,
      field({ id: rid('bundle-currency', n), label: 'Currency', value: currency, attrs: { pattern: '[a-zA-Z]{3}', maxlength: 3, 'data-field': 'currency' } }),
      field({ id: rid('bundle-amount', n), label: 'Price', type: 'number', value: amount, attrs: { min: 0.5, step: 0.01 } }),
      hours, days));
  }
  addPriceRow('RENT', 'usd', '5.99');
  addPriceRow('BUY', 'usd', '19.99');

  const collectionField = field({
    id: 'bundle-collection', label: 'Collection', type: 'select', options: [],
    hint: 'Hand-picked: the titles you put in it. Rule-based: every title its rule matches when a viewer plays, so the bundle grows with the catalogue.',
    attrs: { required: true, 'data-field': 'collectionId' },
  });
  const form = h('form', { id: 'bundle-form', class: 'form' },
    h('fieldset', { class: 'fieldset' },
      h('legend', { class: 'visually-hidden' }, 'Create a bundle'),
      h('div', { class: 'form-inline' },
        field({ id: 'bundle-name', label: 'Name', attrs: { required: true, maxlength: 100, placeholder: 'Noir box set', 'data-field': 'name' } }),
        collectionField),
      field({ id: 'bundle-description', label: 'Description (optional)', attrs: { maxlength: 2000, 'data-field': 'description' } }),
      priceRows,
      h('p', { class: 'field-error', id: 'bundle-offers-error', hidden: true }),
      h('input', { type: 'hidden', id: 'bundle-offers', 'data-field': 'offers' }),
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', id: 'bundle-add-price', class: 'btn btn-secondary', onclick: () => addPriceRow('RENT', '', '') }, 'Add a price'),
        h('button', { type: 'submit', id: 'bundle-submit', class: 'btn btn-primary' }, 'Create bundle'))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value.trim();
    const offers = [];
    for (let n = 0; n < rowCount; n += 1) {
      const kind = v(rid('bundle-kind', n));
      const currency = v(rid('bundle-currency', n)).toLowerCase();
      const amount = v(rid('bundle-amount', n));
      if (!kind || !currency || amount === '') continue;
      const o = { kind, currency, amount: toMinor(amount, currency) };
      if (kind === 'RENT') {
        o.rentalHours = Number(v(rid('bundle-hours', n)));
        o.purchaseWindowDays = Number(v(rid('bundle-window', n)));
      }
      offers.push(o);
    }
    const input = { name: v('bundle-name'), description: v('bundle-description'), collectionId: v('bundle-collection'), offers };
    const d = await run(form.querySelector('#bundle-submit'), () =>
      gql(`mutation CreateBundle($input: CreateBundleInput!) { createBundle(input: $input) { ${BUNDLE} } }`, { input }), form);
    if (d) {
      form.querySelector('#bundle-name').value = '';
      form.querySelector('#bundle-description').value = '';
      const n = d.createBundle.titleCount;
      toast(`Bundle "${d.createBundle.name}" created: ${n} ${n === 1 ? 'title' : 'titles'}.`);
      await run(null, load);
    }
  });

  const list = h('tbody', { id: 'bundle-list' });
  let renders = 0;
  async function retire(button, b) {
    if (!await confirmAction({
      title: `Retire "${b.name}"?`,
      body: 'It stops selling at once and leaves your apps. Viewers who rented or bought it keep what they paid for.',
      ok: 'Retire bundle',
    })) return;
    const d = await run(button, () => gql(`mutation RetireBundle($id: ID!) { retireBundle(id: $id) { ${BUNDLE} } }`, { id: b.id }));
    if (d) {
      toast(`Bundle "${b.name}" retired.`);
      await run(null, load);
    }
  }
  function row(b) {
    const c = collections.get(b.collectionId);
    return h('tr', { id: `bundle-${b.id}`, dataset: { retired: String(!!b.retiredAt) } },
      h('td', {}, b.name, b.description ? h('div', { class: 'muted small' }, b.description) : null),
      h('td', {}, c ? c.name : '(collection gone)', c ? h('div', { class: 'muted small' }, c.kind === 'RULE' ? 'rule-based' : 'hand-picked') : null),
      h('td', { id: `bundle-count-${b.id}` }, b.titleCount === 1 ? '1 title' : `${b.titleCount} titles`),
      h('td', {}, b.offers.length ? b.offers.map(offerText).join('; ') : '—'),
      h('td', {}, b.retiredAt ? ['retired ', timeEl(b.retiredAt)] : 'on sale'),
      h('td', { class: 'actions' }, canManage && !b.retiredAt
        ? h('button', { type: 'button', id: `retire-bundle-${b.id}`, class: 'btn btn-danger-ghost btn-small', onclick: (e) => retire(e.currentTarget, b) }, 'Retire')
        : null));
  }
  async function load() {
    const d = await gql(`query Bundles { bundles { ${BUNDLE} } collections(first: 100) { edges { node { id name kind } } } }`);
    collections.clear();
    for (const { node } of d.collections.edges) collections.set(node.id, node);
    const select = collectionField.querySelector('select');
    const chosen = select.value;
    select.replaceChildren(...[...collections.values()].map((c) =>
      h('option', { value: c.id, selected: c.id === chosen }, `${c.name} (${c.kind === 'RULE' ? 'rule-based' : 'hand-picked'})`)));
    select.disabled = !collections.size;
    form.querySelector('#bundle-submit').disabled = !collections.size;
    document.getElementById('bundle-no-collections')?.remove();
    if (!collections.size) {
      form.prepend(notice('No collections yet: make one under Collections & rails, then sell it here.', { id: 'bundle-no-collections', kind: 'warn' }));
    }
    list.replaceChildren(...(d.bundles.length ? d.bundles.map(row) : [emptyRow(6, 'No bundles yet.')]));
    list.dataset.loaded = 'true';
    renders += 1;
    list.dataset.render = String(renders);
  }

  if (canManage) {
    parts.push(card('New bundle', { id: 'bundle-card', description: 'One purchase covers every title of the collection; the rental\'s viewing window starts at the first play of any of them.' }, form));
  } else {
    parts.push(notice(`Your role (${app.role().toLowerCase()}) can see the bundles; an owner or admin makes and retires them.`, { id: 'bundle-readonly' }));
  }
  parts.push(card('Bundles', { id: 'bundle-list-card', description: 'Titles are counted now; a rule-based bundle\'s count follows its rule.' },
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ...['Bundle', 'Collection', 'Covers', 'Prices', 'Status', ''].map((c) => h('th', { scope: 'col' }, c)))),
        list))));
  root.replaceChildren(...parts);

  const tasks = [run(null, load)];
  if (canManage) {
    tasks.push(run(null, async () => {
      const c = (await gql('query Selling { stripeConnection { canSell reason } }')).stripeConnection;
      selling.dataset.loaded = 'true';
      if (c?.canSell) return;
      const why = c ? (c.reason || 'Stripe onboarding is unfinished') : 'no Stripe account is connected';
      selling.replaceChildren(h('p', { class: 'notice notice-warn', id: 'bundle-cannot-sell' },
        `Viewers cannot buy bundles yet: ${why}. You can make bundles now; they sell once the owner connects Stripe on the `,
        h('a', { href: '#/money', id: 'bundle-connect-link' }, 'Money page'), '.'));
    }));
  }
  await Promise.all(tasks);
}
