// A title's rent and buy prices (TVOD), opened from its row in the Library:
// the prices in each currency with the rental's viewing window and the
// purchase window, set or removed by a manager (audited).

import { gql } from '../api.js';
import { h, field, run, toast, emptyRow, formatMoney, toMinor } from '../ui.js';

const OFFER = 'id kind currency amount rentalHours purchaseWindowDays';

function price(o) { return formatMoney(o.amount, o.currency); }

/** openPrices puts the prices panel for title t in a row after tr, spanning cols. */
export function openPrices(t, tr, cols) {
  document.getElementById('title-edit-row')?.remove();
  const list = h('tbody', { id: 'offer-list' });
  const kind = field({ id: 'offer-kind', label: 'Sell as', type: 'select', value: 'RENT', options: [['RENT', 'A rental'], ['BUY', 'A purchase to keep']] });
  const hours = field({ id: 'offer-hours', label: 'Viewing window (hours from first play)', type: 'number', value: '48', attrs: { min: 1, max: 8760 } });
  kind.querySelector('select').addEventListener('change', (e) => { hours.hidden = e.target.value !== 'RENT'; });
  const form = h('form', { id: 'offer-form', class: 'form', 'aria-label': `Prices of ${t.title}` },
    h('p', { class: 'hint' }, 'Viewers rent or buy the title in your apps at these prices. One price per kind and currency: setting it again replaces it. To sell it only this way, make it TVOD.'),
    h('div', { class: 'form-inline' },
      kind,
      field({ id: 'offer-currency', label: 'Currency', value: 'usd', attrs: { required: true, pattern: '[a-zA-Z]{3}', maxlength: 3 } }),
      field({ id: 'offer-amount', label: 'Price', type: 'number', value: '3.99', attrs: { min: 0.5, step: 0.01, required: true } }),
      hours,
      field({ id: 'offer-window', label: 'Purchase window (days to start watching)', type: 'number', value: '30', attrs: { min: 1, max: 3650, required: true } })),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', id: 'offer-submit', class: 'btn btn-primary btn-small' }, 'Set price'),
      h('button', { type: 'button', id: 'offer-tvod', class: 'btn btn-secondary btn-small' }, 'Sell only by rent or buy (TVOD)'),
      h('button', { type: 'button', id: 'offer-close', class: 'btn btn-secondary btn-small', onclick: () => row.remove() }, 'Close')),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ...['Kind', 'Price', 'Viewing window', 'Purchase window', ''].map((c) => h('th', { scope: 'col' }, c)))),
      list));
  const row = h('tr', { id: 'title-edit-row', class: 'edit-row' }, h('td', { colspan: cols }, form));
  tr.after(row);

  async function load() {
    const d = await gql(`query Offers($t: ID!) { titleOffers(titleId: $t) { ${OFFER} } }`, { t: t.id });
    list.replaceChildren(...(d.titleOffers.length ? d.titleOffers.map((o) => h('tr', { id: `offer-${o.id}` },
      h('td', {}, o.kind === 'RENT' ? 'rental' : 'purchase'),
      h('td', {}, price(o)),
      h('td', {}, o.kind === 'RENT' ? `${o.rentalHours} h` : 'to keep'),
      h('td', {}, `${o.purchaseWindowDays} days`),
      h('td', { class: 'actions' }, h('button', { type: 'button', id: `remove-offer-${o.id}`, class: 'btn btn-danger-ghost btn-small', onclick: (e) => remove(e.currentTarget, o) }, 'Remove'))))
      : [emptyRow(5, 'Not for rent or sale.')]));
    list.dataset.loaded = 'true';
  }
  async function remove(button, o) {
    const d = await run(button, () => gql(`mutation RemoveOffer($id: ID!) { removeTitleOffer(id: $id) { id } }`, { id: o.id }));
    if (d) { toast(`The ${o.kind === 'RENT' ? 'rental' : 'purchase'} price in ${o.currency.toUpperCase()} is removed.`); await run(null, load); }
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value;
    const currency = v('offer-currency').trim().toLowerCase();
    const input = {
      titleId: t.id, kind: v('offer-kind'), currency,
      amount: toMinor(v('offer-amount'), currency), purchaseWindowDays: Number(v('offer-window')),
    };
    if (input.kind === 'RENT') input.rentalHours = Number(v('offer-hours'));
    const d = await run(form.querySelector('#offer-submit'), () => gql(`mutation SetOffer($input: TitleOfferInput!) { setTitleOffer(input: $input) { ${OFFER} } }`, { input }), form);
    if (d) { toast(`Price set: ${price(d.setTitleOffer)}.`); await run(null, load); }
  });
  const tvod = form.querySelector('#offer-tvod');
  tvod.addEventListener('click', async () => {
    const d = await run(tvod, () => gql('mutation SetAccess($t: ID!) { setTitleAccess(titleId: $t, model: TVOD) }', { t: t.id }));
    if (d) { tvod.dataset.done = 'true'; toast(`${t.title} is now sold only by rent or buy.`); }
  });
  run(null, load);
}
