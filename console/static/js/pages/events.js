// Live events: what is on when, and its pay-per-view tickets. Editors
// schedule and change events; managers set the ticket prices (one per
// currency; none: free) and cancel an event, refunding every ticket sold.
// Streaming itself comes with the live-streaming issue.

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, formatMoney, toMinor, fromMinor } from '../ui.js';

const EVENT = 'id name description startsAt endsAt status titleId ticketsSold offers { id currency amount }';
const STATUS = { SCHEDULED: 'scheduled', LIVE: 'live now', ENDED: 'ended', CANCELED: 'canceled' };

function price(o) { return formatMoney(o.amount, o.currency); }

// localInput formats a time for <input type="datetime-local"> in this browser's zone.
function localInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function isoOf(local) {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export async function render(root, app) {
  const canEdit = app.can('edit');
  const canManage = app.can('manage');
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  let events = [];
  let editing = null; // the event the form changes, or null for a new one

  // Ticket prices: one row per currency (managers only).
  const priceRows = h('div', { id: 'event-prices' });
  let rowCount = 0;
  const rid = (base, n) => `${base}-${n}`;
  function addPriceRow(currency = '', amount = '') {
    const n = rowCount;
    rowCount += 1;
    priceRows.append(h('div', { class: 'form-inline event-price-row' },
      field({ id: rid('event-currency', n), label: 'Currency', value: currency, attrs: { pattern: '[a-zA-Z]{3}', maxlength: 3 } }),
      field({ id: rid('event-amount', n), label: 'Ticket price', type: 'number', value: amount, attrs: { min: 0.5, step: 0.01 } })));
  }
  function resetPrices(offers) {
    priceRows.replaceChildren();
    rowCount = 0;
    for (const o of offers) addPriceRow(o.currency, fromMinor(o.amount, o.currency));
    if (!offers.length) addPriceRow('usd', '');
  }
  const ticketing = field({ id: 'event-ticketing', label: 'Tickets', type: 'select', value: 'PPV', options: [['PPV', 'Pay-per-view'], ['FREE', 'Free to watch']] });
  const ticketSelect = ticketing.querySelector('select');
  const addPrice = h('button', { type: 'button', id: 'event-add-price', class: 'btn btn-secondary', onclick: () => addPriceRow() }, 'Add a currency');
  const showPrices = () => { priceRows.hidden = ticketSelect.value !== 'PPV'; addPrice.hidden = priceRows.hidden; };
  ticketSelect.addEventListener('change', showPrices);
  resetPrices([]);

  const formTitle = h('h3', { id: 'event-form-title' }, 'New event');
  const submit = h('button', { type: 'submit', id: 'event-submit', class: 'btn btn-primary' }, 'Schedule event');
  const stopEditing = h('button', { type: 'button', id: 'event-new', class: 'btn btn-secondary', hidden: true, onclick: () => edit(null) }, 'New event instead');
  const form = h('form', { id: 'event-form', class: 'form' },
    formTitle,
    h('div', { class: 'form-inline' },
      field({ id: 'event-name', label: 'Name', attrs: { required: true, maxlength: 200, placeholder: 'Season final', 'data-field': 'name' } }),
      field({ id: 'event-starts', label: `Starts (${zone})`, type: 'datetime-local', attrs: { required: true, 'data-field': 'startsAt' } }),
      field({ id: 'event-ends', label: `Ends (${zone})`, type: 'datetime-local', attrs: { required: true, 'data-field': 'endsAt' } })),
    h('div', { class: 'field' },
      h('label', { for: 'event-description' }, 'Description (optional)'),
      h('textarea', { id: 'event-description', rows: 3, maxlength: 5000, 'data-field': 'description' })),
    canManage
      ? [ticketing, priceRows]
      : notice('An owner or admin sets the ticket prices; without one the event is free to watch.', { id: 'event-prices-note' }),
    h('div', { class: 'form-actions' }, canManage ? addPrice : null, submit, stopEditing));

  function edit(e) {
    editing = e;
    const f = (id) => form.querySelector(`#${id}`);
    f('event-name').value = e ? e.name : '';
    f('event-description').value = e ? e.description : '';
    f('event-starts').value = e ? localInput(e.startsAt) : '';
    f('event-ends').value = e ? localInput(e.endsAt) : '';
    if (canManage) {
      ticketSelect.value = e && !e.offers.length ? 'FREE' : 'PPV';
      resetPrices(e ? e.offers : []);
      showPrices();
    }
    formTitle.textContent = e ? `Change "${e.name}"` : 'New event';
    submit.textContent = e ? 'Save changes' : 'Schedule event';
    stopEditing.hidden = !e;
    form.dataset.editing = e ? e.id : '';
    if (e) f('event-name').focus();
  }

  // setPrices makes the event's ticket prices those of the form: each row
  // set, each currency no longer there (all of them when free) removed.
  async function setPrices(id, had) {
    const want = new Map();
    if (ticketSelect.value === 'PPV') {
      for (let n = 0; n < rowCount; n += 1) {
        const currency = form.querySelector(`#${rid('event-currency', n)}`).value.trim().toLowerCase();
        const amount = form.querySelector(`#${rid('event-amount', n)}`).value.trim();
        if (currency && amount !== '') want.set(currency, toMinor(amount, currency));
      }
    }
    for (const [currency, amount] of want) {
      if (had.some((o) => o.currency === currency && o.amount === amount)) continue;
      await gql('mutation SetEventOffer($e: ID!, $c: String!, $a: Int!) { setEventOffer(eventId: $e, currency: $c, amount: $a) { id } }', { e: id, c: currency, a: amount });
    }
    for (const o of had) {
      if (!want.has(o.currency)) await gql('mutation RemoveEventOffer($e: ID!, $c: String!) { removeEventOffer(eventId: $e, currency: $c) }', { e: id, c: o.currency });
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value;
    const input = { name: v('event-name').trim(), description: v('event-description'), startsAt: isoOf(v('event-starts')), endsAt: isoOf(v('event-ends')) };
    const was = editing;
    const d = await run(submit, async () => {
      let saved;
      if (was) {
        const up = {};
        for (const k of ['name', 'description']) if (input[k] !== was[k]) up[k] = input[k];
        for (const k of ['startsAt', 'endsAt']) if (input[k] && Math.floor(Date.parse(input[k]) / 60000) !== Math.floor(Date.parse(was[k]) / 60000)) up[k] = input[k];
        saved = (await gql(`mutation UpdateEvent($id: ID!, $in: UpdateLiveEventInput!) { updateLiveEvent(id: $id, input: $in) { ${EVENT} } }`, { id: was.id, in: up })).updateLiveEvent;
      } else {
        saved = (await gql(`mutation CreateEvent($in: CreateLiveEventInput!) { createLiveEvent(input: $in) { ${EVENT} } }`, { in: input })).createLiveEvent;
      }
      if (canManage) {
        try {
          await setPrices(saved.id, was ? was.offers : []);
        } catch (err) {
          err.message = `"${saved.name}" is saved, but its ticket prices are not: ${err.message}`;
          await run(null, load);
          edit(events.find((e) => e.id === saved.id) || null);
          throw err;
        }
      }
      return saved;
    }, form);
    if (!d) return;
    toast(was ? `"${d.name}" saved.` : `"${d.name}" scheduled.`);
    edit(null);
    await run(null, load);
  });

  async function cancel(button, e) {
    const sold = e.ticketsSold;
    const yes = await confirmAction({
      title: `Cancel "${e.name}"?`,
      body: sold
        ? `${sold} ${sold === 1 ? 'ticket is' : 'tickets are'} sold: each is refunded in full on your Stripe account (Marquee's fee with it) and stops admitting. This cannot be undone.`
        : 'No tickets are sold. The event leaves your apps; this cannot be undone.',
      ok: sold ? 'Cancel and refund' : 'Cancel event',
    });
    if (!yes) return;
    const d = await run(button, () => gql(`mutation CancelEvent($id: ID!, $r: Boolean!) { cancelLiveEvent(id: $id, refund: $r) { ${EVENT} } }`, { id: e.id, r: sold > 0 }));
    if (d) {
      toast(sold ? `"${e.name}" canceled; ${sold} tickets refunded.` : `"${e.name}" canceled.`);
      if (editing?.id === e.id) edit(null);
      await run(null, load);
    }
  }

  function row(e) {
    const open = e.status === 'SCHEDULED' || e.status === 'LIVE';
    return h('tr', { id: `event-${e.id}`, dataset: { status: e.status } },
      h('td', {}, e.name, e.description ? h('div', { class: 'muted small' }, e.description) : null),
      h('td', {}, timeEl(e.startsAt), ' – ', timeEl(e.endsAt)),
      h('td', {}, STATUS[e.status] || e.status),
      h('td', {}, e.offers.length ? e.offers.map(price).join(', ') : 'free'),
      h('td', { id: `event-sold-${e.id}` }, String(e.ticketsSold)),
      h('td', { class: 'actions' },
        open && canEdit ? h('button', { type: 'button', id: `edit-event-${e.id}`, class: 'btn btn-secondary btn-small', onclick: () => edit(e) }, 'Edit') : null,
        open && canManage ? h('button', { type: 'button', id: `cancel-event-${e.id}`, class: 'btn btn-danger-ghost btn-small', onclick: (ev) => cancel(ev.currentTarget, e) }, 'Cancel') : null));
  }

  const upcoming = h('tbody', { id: 'event-upcoming' });
  const past = h('tbody', { id: 'event-past' });
  let renders = 0;
  async function load() {
    const d = await gql(`query Events { liveEvents { ${EVENT} } }`);
    events = d.liveEvents;
    const now = Date.now();
    const isPast = (e) => e.status === 'ENDED' || e.status === 'CANCELED' || Date.parse(e.endsAt) < now;
    const next = events.filter((e) => !isPast(e));
    const gone = events.filter(isPast).reverse();
    upcoming.replaceChildren(...(next.length ? next.map(row) : [emptyRow(6, 'Nothing scheduled.')]));
    past.replaceChildren(...(gone.length ? gone.map(row) : [emptyRow(6, 'No past events.')]));
    renders += 1;
    upcoming.dataset.loaded = 'true';
    upcoming.dataset.render = String(renders);
  }

  const head = () => h('thead', {}, h('tr', {}, ...['Event', 'When', 'Status', 'Tickets', 'Sold', ''].map((c) => h('th', { scope: 'col' }, c))));
  root.replaceChildren(
    canEdit
      ? card('Schedule', { id: 'event-card', description: 'Viewers buy a pay-per-view ticket in your apps; subscriptions do not include events. Tickets sell until the event ends.' }, form)
      : notice(`Your role (${app.role().toLowerCase()}) can see the events; an editor schedules them and an owner or admin prices and cancels them.`, { id: 'event-readonly' }),
    card('Upcoming', { id: 'event-upcoming-card', description: 'Scheduled or live, soonest first.' },
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'aria-label': 'Upcoming events' }, head(), upcoming))),
    card('Past', { id: 'event-past-card', description: 'Ended or canceled, latest first.' },
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'aria-label': 'Past events' }, head(), past))));
  showPrices();
  await run(null, load);
}
