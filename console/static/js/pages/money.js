// Money: the workspace's Stripe connection (the owner connects), how titles
// are sold by default, subscription plans, promo and gift codes, coupons, and the
// sales figures: subscribers and revenue by model. A title's rent and buy
// prices are on the Library page, support tools on the Support page.

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, formatMoney, toMinor } from '../ui.js';

const CONNECTION = 'accountId chargesEnabled detailsSubmitted canSell reason';
const PLAN = 'id name trialDays ads scope collectionIds active prices { id interval currency amount }';
const PROMO = 'id code titleId kind rentalHours maxRedemptions redeemed expiresAt';
const COUPON = 'id code name percentOff amountOff currency duration durationMonths maxRedemptions redeemed redeemBy active';
const MODELS = [['FREE', 'Free to everyone'], ['AVOD', 'Free with ads'], ['SVOD', 'Subscribers'], ['TVOD', 'Rent or buy only']];

function money(list) {
  if (!list.length) return '—';
  return list.map((m) => formatMoney(m.amount, m.currency)).join(', ');
}

export async function render(root, app) {
  const canManage = app.can('manage');
  const parts = [];

  // The Stripe connection: anyone managing sees it; only the owner connects.
  const status = h('div', { id: 'stripe-status' });
  const connect = app.can('own') ? h('button', { type: 'button', id: 'stripe-connect', class: 'btn btn-primary' }, 'Connect Stripe') : null;
  const onboarding = h('p', { id: 'stripe-onboarding', hidden: true });
  function showConnection(c) {
    status.dataset.loaded = 'true';
    if (!c) {
      status.replaceChildren(notice('Not connected: viewers cannot pay until the owner connects a Stripe account.', { id: 'stripe-none', kind: 'warn' }));
      return;
    }
    status.replaceChildren(h('dl', { class: 'facts' },
      h('dt', {}, 'Account'), h('dd', { id: 'stripe-account' }, c.accountId),
      h('dt', {}, 'Can sell'), h('dd', { id: 'stripe-can-sell' }, c.canSell ? 'yes' : `no: ${c.reason || 'onboarding unfinished'}`)));
  }
  if (connect) {
    connect.addEventListener('click', async () => {
      const d = await run(connect, () => gql(`mutation ConnectStripe { connectStripe { url connection { ${CONNECTION} } } }`));
      if (!d) return;
      showConnection(d.connectStripe.connection);
      onboarding.replaceChildren('Finish onboarding at Stripe: ', h('a', { id: 'stripe-onboarding-link', href: d.connectStripe.url, target: '_blank', rel: 'noopener' }, 'continue at Stripe'));
      onboarding.hidden = false;
      toast('Stripe account created: finish its onboarding at Stripe.');
    });
  }
  if (canManage) {
    parts.push(card('Stripe', { id: 'stripe-card', description: 'Viewers pay on your own Stripe account; Marquee takes its fee from each charge.' },
      status, onboarding, connect));
  }

  // How titles without their own model are sold.
  const model = field({ id: 'default-access', label: 'Titles without their own model are', type: 'select', options: MODELS, attrs: { disabled: !canManage } });
  const select = model.querySelector('select');
  select.addEventListener('change', async () => {
    const d = await run(select, () => gql('mutation SetDefaultAccess($m: TitleAccessModel!) { setDefaultTitleAccess(model: $m) }', { m: select.value }));
    if (d) {
      select.dataset.saved = d.setDefaultTitleAccess;
      toast('Saved: new sessions follow it at once.');
    }
  });
  parts.push(card('Default access', { id: 'access-card', description: 'Set a title\'s own rent and buy prices from its Prices button in the Library.' }, model));

  // Subscription plans: made on the connected account (Stripe products and
  // prices), so they need the connection first. A plan has monthly and/or
  // annual prices in one or more currencies, covers the whole library or
  // chosen collections, with ads or ad-free; retiring takes it off sale.
  const planList = h('tbody', { id: 'plan-list' });
  const collections = new Map();
  const priceRows = h('div', { id: 'plan-prices' });
  let priceCount = 0;
  const pid = (base, n) => (n ? `${base}-${n}` : base);
  function addPriceRow(currency) {
    const n = priceCount;
    priceCount += 1;
    priceRows.append(h('div', { class: 'form-inline plan-price-row', dataset: { row: String(n) } },
      field({ id: pid('plan-currency', n), label: 'Currency', value: currency, attrs: { required: true, pattern: '[a-zA-Z]{3}', maxlength: 3 } }),
      field({ id: pid('plan-monthly', n), label: 'Monthly price', type: 'number', value: n ? '' : '9.99', attrs: { min: 0.5, step: 0.01 } }),
      field({ id: pid('plan-annual', n), label: 'Annual price (optional)', type: 'number', value: '', attrs: { min: 0.5, step: 0.01 } })));
  }
  addPriceRow('usd');
  const scopeField = field({ id: 'plan-scope', label: 'Covers', type: 'select', value: 'LIBRARY', options: [['LIBRARY', 'The whole library'], ['COLLECTIONS', 'Chosen collections']] });
  const collectionPicker = h('fieldset', { id: 'plan-collections', class: 'fieldset', hidden: true },
    h('legend', {}, 'Collections in the plan'));
  scopeField.querySelector('select').addEventListener('change', (e) => { collectionPicker.hidden = e.target.value !== 'COLLECTIONS'; });
  const planForm = h('form', { id: 'plan-form', class: 'form' },
    h('fieldset', { class: 'fieldset', disabled: !canManage },
      h('legend', { class: 'visually-hidden' }, 'Create a plan'),
      h('div', { class: 'form-inline' },
        field({ id: 'plan-name', label: 'Name', attrs: { required: true, maxlength: 80, placeholder: 'Premium' } }),
        field({ id: 'plan-trial', label: 'Free trial days', type: 'number', value: '7', attrs: { min: 0, max: 730 } }),
        field({ id: 'plan-ads', label: 'With ads', type: 'select', value: 'false', options: [['false', 'Ad-free'], ['true', 'With ads (AVOD tier)']] }),
        scopeField),
      collectionPicker,
      priceRows,
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', id: 'plan-add-currency', class: 'btn btn-secondary', onclick: () => addPriceRow('') }, 'Add a currency'),
        h('button', { type: 'submit', id: 'plan-submit', class: 'btn btn-primary' }, 'Create plan'))));
  planForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => planForm.querySelector(`#${id}`).value;
    const prices = [];
    for (let n = 0; n < priceCount; n += 1) {
      const currency = v(pid('plan-currency', n)).trim().toLowerCase();
      for (const [interval, id] of [['MONTH', 'plan-monthly'], ['YEAR', 'plan-annual']]) {
        const amount = v(pid(id, n));
        if (currency && amount !== '') prices.push({ interval, currency, amount: toMinor(amount, currency) });
      }
    }
    const scope = v('plan-scope');
    const input = {
      name: v('plan-name'), trialDays: Number(v('plan-trial')), scope, ads: v('plan-ads') === 'true', prices,
      collectionIds: scope === 'COLLECTIONS' ? [...collectionPicker.querySelectorAll('input:checked')].map((c) => c.value) : [],
    };
    const d = await run(planForm.querySelector('#plan-submit'), () =>
      gql(`mutation CreatePlan($input: CreatePlanInput!) { createPlan(input: $input) { ${PLAN} } }`, { input }), planForm);
    if (d) {
      planForm.querySelector('#plan-name').value = '';
      toast(`Plan "${d.createPlan.name}" created.`);
      await run(null, loadPlans);
    }
  });
  async function retire(button, p) {
    if (!await confirmAction({ title: `Retire "${p.name}"?`, body: 'It leaves the apps and Checkout at once and its prices are archived in Stripe; its subscribers keep their subscriptions until they cancel.', ok: 'Retire plan' })) return;
    const d = await run(button, () => gql(`mutation RetirePlan($id: ID!) { retirePlan(id: $id) { ${PLAN} } }`, { id: p.id }));
    if (d) {
      toast(`Plan "${p.name}" retired.`);
      await run(null, loadPlans);
    }
  }
  // Add a price to a plan on sale (an annual price, another currency): a
  // new Stripe price on the plan's product; a price of the same interval
  // and currency is refused (Stripe prices never change: make a new plan).
  function addPriceForm(p) {
    const id = (name) => `add-price-${name}-${p.id}`;
    const form = h('form', { id: `add-price-${p.id}`, class: 'form-inline', 'aria-label': `Add a price to ${p.name}` },
      field({ id: id('interval'), label: 'Renews', type: 'select', value: 'YEAR', options: [['MONTH', 'Monthly'], ['YEAR', 'Annually']] }),
      field({ id: id('currency'), label: 'Currency', value: p.prices[0]?.currency || 'usd', attrs: { required: true, pattern: '[a-zA-Z]{3}', maxlength: 3, size: 4 } }),
      field({ id: id('amount'), label: 'Price', type: 'number', attrs: { required: true, min: 0.01, step: 0.01 } }),
      h('button', { type: 'submit', id: id('submit'), class: 'btn btn-secondary btn-small' }, 'Add price'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = (name) => form.querySelector(`#${id(name)}`).value;
      const currency = v('currency').trim().toLowerCase();
      const input = { interval: v('interval'), currency, amount: toMinor(v('amount'), currency) };
      const d = await run(form.querySelector(`#${id('submit')}`), () =>
        gql(`mutation AddPlanPrice($plan: ID!, $input: PlanPriceInput!) { addPlanPrice(planId: $plan, input: $input) { ${PLAN} } }`, { plan: p.id, input }), form);
      if (d) {
        toast(`Price added to "${p.name}".`);
        await run(null, loadPlans);
      }
    });
    return h('details', { class: 'add-price' }, h('summary', { id: `add-price-open-${p.id}` }, 'Add a price'), form);
  }
  function planRow(p) {
    const covers = p.scope === 'LIBRARY' ? 'whole library' : p.collectionIds.map((id) => collections.get(id) || id).join(', ');
    return h('tr', { id: `plan-${p.id}`, dataset: { active: String(p.active) } },
      h('td', {}, p.name),
      h('td', { id: `plan-prices-${p.id}`, dataset: { count: String(p.prices.length) } },
        p.prices.map((x) => `${money([x])} a ${x.interval === 'MONTH' ? 'month' : 'year'}`).join(', '),
        p.active && canManage ? addPriceForm(p) : null),
      h('td', {}, p.trialDays ? `${p.trialDays} days` : 'none'),
      h('td', {}, covers),
      h('td', {}, p.ads ? 'with ads' : 'ad-free'),
      h('td', {}, p.active ? 'on sale' : 'retired'),
      h('td', { class: 'actions' }, p.active && canManage
        ? h('button', { type: 'button', id: `retire-plan-${p.id}`, class: 'btn btn-danger-ghost btn-small', onclick: (e) => retire(e.currentTarget, p) }, 'Retire')
        : null));
  }
  async function loadPlans() {
    const d = await gql(`query Plans { plans { ${PLAN} } collections(first: 100) { edges { node { id name } } } }`);
    for (const { node } of d.collections.edges) collections.set(node.id, node.name);
    collectionPicker.replaceChildren(h('legend', {}, 'Collections in the plan'),
      ...(collections.size ? [...collections].map(([id, name]) => h('div', { class: 'checkbox-field' },
        h('input', { type: 'checkbox', id: `plan-collection-${id}`, value: id }),
        h('label', { for: `plan-collection-${id}` }, name)))
        : [h('p', { class: 'hint' }, 'No collections yet: make them under Collections & rails.')]));
    planList.replaceChildren(...(d.plans.length ? d.plans.map(planRow) : [emptyRow(7, 'No plans yet.')]));
    planList.dataset.loaded = 'true';
  }
  if (canManage) {
    parts.push(card('Subscription plans', { id: 'plan-card', description: 'Monthly and annual prices in as many currencies as you sell in; a viewer pays in one currency.' },
      planForm,
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ...['Plan', 'Prices', 'Trial', 'Covers', 'Ads', 'Status', ''].map((c) => h('th', { scope: 'col' }, c)))),
        planList)));
  }

  // Promo and gift codes.
  const promoList = h('tbody', { id: 'promo-list' });
  const titleSelect = field({ id: 'promo-title', label: 'Title', type: 'select', options: [], attrs: { required: true } });
  const promoForm = h('form', { id: 'promo-form', class: 'form form-inline' },
    h('fieldset', { class: 'fieldset fieldset-inline', disabled: !canManage },
      h('legend', { class: 'visually-hidden' }, 'Create a promo code'),
      titleSelect,
      field({ id: 'promo-code', label: 'Code (empty: generated)', attrs: { maxlength: 32, placeholder: 'PRESS-2026' } }),
      field({ id: 'promo-kind', label: 'Gives', type: 'select', value: 'RENT', options: [['RENT', 'A 48-hour rental'], ['BUY', 'The title to keep']] }),
      field({ id: 'promo-max', label: 'Viewers', type: 'number', value: '100', attrs: { min: 1, required: true } }),
      field({ id: 'promo-days', label: 'Valid for days', type: 'number', value: '30', attrs: { min: 1, required: true } }),
      h('button', { type: 'submit', id: 'promo-submit', class: 'btn btn-primary' }, 'Create code')));
  promoForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const kind = promoForm.querySelector('#promo-kind').value;
    const input = {
      titleId: promoForm.querySelector('#promo-title').value,
      kind,
      rentalHours: kind === 'RENT' ? 48 : null,
      maxRedemptions: Number(promoForm.querySelector('#promo-max').value),
      expiresAt: new Date(Date.now() + Number(promoForm.querySelector('#promo-days').value) * 86400000).toISOString(),
    };
    const code = promoForm.querySelector('#promo-code').value.trim();
    if (code) input.code = code;
    const d = await run(promoForm.querySelector('#promo-submit'), () =>
      gql(`mutation CreatePromo($input: CreatePromoCodeInput!) { createPromoCode(input: $input) { ${PROMO} } }`, { input }), promoForm);
    if (d) {
      promoForm.querySelector('#promo-code').value = '';
      toast(`Code ${d.createPromoCode.code} created.`);
      await run(null, loadPromos);
    }
  });
  const titles = new Map();
  function promoRow(p) {
    return h('tr', { id: `promo-${p.id}` },
      h('td', {}, h('code', {}, p.code)),
      h('td', {}, titles.get(p.titleId) || p.titleId),
      h('td', {}, p.kind === 'RENT' ? `rental, ${p.rentalHours} h` : 'to keep'),
      h('td', {}, `${p.redeemed} / ${p.maxRedemptions}`),
      h('td', {}, timeEl(p.expiresAt)));
  }
  async function loadPromos() {
    const d = await gql(`query Promos { promoCodes { ${PROMO} } titles(first: 100) { edges { node { id localizations { title } } } } }`);
    for (const { node } of d.titles.edges) titles.set(node.id, node.localizations[0]?.title || node.id);
    titleSelect.querySelector('select').replaceChildren(...[...titles].map(([id, name]) => h('option', { value: id }, name)));
    promoList.replaceChildren(...(d.promoCodes.length ? d.promoCodes.map(promoRow) : [emptyRow(5, 'No codes yet.')]));
    promoList.dataset.loaded = 'true';
  }
  if (canManage) {
    parts.push(card('Promo and gift codes', { id: 'promo-card', description: 'A code gives one title free to each viewer who redeems it in your apps, until its limit or expiry.' },
      promoForm,
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ...['Code', 'Title', 'Gives', 'Redeemed', 'Expires'].map((c) => h('th', { scope: 'col' }, c)))),
        promoList)));
  }

  // Subscription coupons: a discount viewers enter at checkout.
  const couponList = h('tbody', { id: 'coupon-list' });
  const couponForm = h('form', { id: 'coupon-form', class: 'form form-inline' },
    h('fieldset', { class: 'fieldset fieldset-inline', disabled: !canManage },
      h('legend', { class: 'visually-hidden' }, 'Create a coupon'),
      field({ id: 'coupon-code', label: 'Code', attrs: { maxlength: 32, required: true, placeholder: 'SPRING-10' } }),
      field({ id: 'coupon-name', label: 'Name on invoices', attrs: { maxlength: 40, required: true } }),
      field({ id: 'coupon-off', label: 'Off', type: 'number', value: '10', attrs: { min: 0.01, step: 0.01, required: true } }),
      field({ id: 'coupon-unit', label: 'As', type: 'select', value: '%', options: [['%', 'percent'], ['usd', 'USD'], ['eur', 'EUR'], ['gbp', 'GBP']] }),
      field({ id: 'coupon-duration', label: 'For', type: 'select', value: 'ONCE', options: [['ONCE', 'the first payment'], ['REPEATING', 'some months'], ['FOREVER', 'every payment']] }),
      field({ id: 'coupon-months', label: 'Months', type: 'number', value: '3', attrs: { min: 1, max: 36 } }),
      field({ id: 'coupon-max', label: 'Uses (empty: no limit)', type: 'number', attrs: { min: 1 } }),
      h('button', { type: 'submit', id: 'coupon-submit', class: 'btn btn-primary' }, 'Create coupon')));
  couponForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const val = (id) => couponForm.querySelector(`#${id}`).value.trim();
    const unit = val('coupon-unit');
    const input = { code: val('coupon-code'), name: val('coupon-name'), duration: val('coupon-duration') };
    if (unit === '%') input.percentOff = Number(val('coupon-off'));
    else Object.assign(input, { amountOff: toMinor(val('coupon-off'), unit), currency: unit });
    if (input.duration === 'REPEATING') input.durationMonths = Number(val('coupon-months'));
    if (val('coupon-max')) input.maxRedemptions = Number(val('coupon-max'));
    const d = await run(couponForm.querySelector('#coupon-submit'), () =>
      gql(`mutation CreateCoupon($input: CreateCouponInput!) { createCoupon(input: $input) { ${COUPON} } }`, { input }), couponForm);
    if (d) {
      couponForm.querySelector('#coupon-code').value = '';
      toast(`Coupon ${d.createCoupon.code} created.`);
      await run(null, loadCoupons);
    }
  });
  function couponRow(c) {
    const off = c.percentOff != null ? `${c.percentOff}%` : formatMoney(c.amountOff, c.currency);
    const span = { ONCE: 'first payment', REPEATING: `${c.durationMonths} months`, FOREVER: 'every payment' }[c.duration];
    const stop = c.active ? h('button', { type: 'button', id: `coupon-deactivate-${c.id}`, class: 'btn btn-secondary btn-small' }, 'Deactivate') : null;
    if (stop) {
      stop.addEventListener('click', async () => {
        if (!(await confirmAction({ title: `Stop accepting ${c.code}?`, body: 'Subscriptions it already discounts keep their discount.', ok: 'Deactivate' }))) return;
        const d = await run(stop, () => gql(`mutation DeactivateCoupon($id: ID!) { deactivateCoupon(id: $id) { ${COUPON} } }`, { id: c.id }));
        if (d) await run(null, loadCoupons);
      });
    }
    return h('tr', { id: `coupon-${c.id}`, dataset: { active: String(c.active) } },
      h('td', {}, h('code', {}, c.code)),
      h('td', {}, c.name),
      h('td', {}, `${off}, ${span}`),
      h('td', {}, c.maxRedemptions ? `${c.redeemed} / ${c.maxRedemptions}` : String(c.redeemed)),
      h('td', {}, c.active ? 'accepted' : 'deactivated'),
      h('td', {}, stop));
  }
  async function loadCoupons() {
    const d = await gql(`query Coupons { coupons { ${COUPON} } }`);
    couponList.replaceChildren(...(d.coupons.length ? d.coupons.map(couponRow) : [emptyRow(6, 'No coupons yet.')]));
    couponList.dataset.loaded = 'true';
  }
  if (canManage) {
    parts.push(card('Subscription coupons', { id: 'coupon-card', description: 'A code viewers enter when they subscribe: a percentage or an amount off, once, for some months or for ever. Stripe must be connected.' },
      couponForm,
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ...['Code', 'Name', 'Discount', 'Redeemed', 'Status', ''].map((c) => h('th', { scope: 'col' }, c)))),
        couponList)));
  }

  // Sales figures.
  const sales = h('dl', { id: 'sales', class: 'facts' });
  parts.push(card('Sales', { id: 'sales-card', description: 'From the entitlement ledger, now.' }, sales));

  // Subscribers: every SVOD subscription, newest first, by status.
  const STATUSES = [['', 'Any status'], ['ACTIVE', 'Active'], ['TRIALING', 'In a free trial'], ['PAST_DUE', 'Past due'],
    ['CANCELING', 'Canceled at period end'], ['ENDED', 'Ended']];
  const statusText = Object.fromEntries(STATUSES);
  const subList = h('tbody', { id: 'subscriber-list' });
  const subCount = h('span', { id: 'subscriber-count', class: 'muted' });
  const subFilter = field({ id: 'subscriber-status', label: 'Status', type: 'select', value: '', options: STATUSES });
  const subMore = h('button', { type: 'button', id: 'subscriber-more', class: 'btn btn-secondary', hidden: true }, 'More');
  let subAfter = null;
  const subRow = (x) => h('tr', { id: `subscriber-${x.id}`, dataset: { status: x.status } },
    h('td', {}, x.email || '(deleted account)'),
    h('td', {}, x.planName || '—'),
    h('td', {}, statusText[x.status] || x.status),
    h('td', {}, timeEl(x.since)),
    h('td', {}, x.currentPeriodEnd ? timeEl(x.currentPeriodEnd) : '—'));
  async function loadSubscribers(more) {
    if (!more) subAfter = null;
    const status = subFilter.querySelector('select').value || null;
    const d = await gql(`query Subscribers($after: String, $status: SubscriberStatus) { subscribers(first: 25, after: $after, status: $status) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id email planName status since currentPeriodEnd } } } }`, { after: subAfter, status });
    const c = d.subscribers;
    const rows = c.edges.map((e) => subRow(e.node));
    if (more) subList.append(...rows);
    else subList.replaceChildren(...(rows.length ? rows : [emptyRow(5, 'No subscribers.')]));
    subAfter = c.pageInfo.endCursor;
    subMore.hidden = !c.pageInfo.hasNextPage;
    subCount.textContent = `${c.totalCount} in all`;
    subList.dataset.loaded = 'true';
  }
  subFilter.querySelector('select').addEventListener('change', () => run(null, () => loadSubscribers(false)));
  subMore.addEventListener('click', () => run(subMore, () => loadSubscribers(true)));
  parts.push(card('Subscribers', { id: 'subscriber-card', description: 'Every subscription, newest first.', actions: subCount },
    h('div', { class: 'form-inline' }, subFilter),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ...['Viewer', 'Plan', 'Status', 'Since', 'Period ends'].map((c) => h('th', { scope: 'col' }, c)))),
      subList),
    subMore));

  // Revenue by model: subscriptions, rentals, purchases and pay-per-view.
  const MODELS_TEXT = { SVOD: 'Subscriptions', RENT: 'Rentals', BUY: 'Purchases', PPV: 'Pay-per-view' };
  const revTotals = h('tbody', { id: 'revenue-totals' });
  const revMonths = h('tbody', { id: 'revenue-months' });
  const revSpan = field({ id: 'revenue-span', label: 'Period', type: 'select', value: '30', options: [['30', 'Last 30 days'], ['365', 'Last 12 months']] });
  const revRow = (r, withMonth) => h('tr', { dataset: { model: r.model, currency: r.currency } },
    withMonth ? h('td', {}, new Date(r.month).toLocaleDateString(undefined, { year: 'numeric', month: 'long', timeZone: 'UTC' })) : null,
    h('td', {}, MODELS_TEXT[r.model] || r.model),
    h('td', {}, money([r])),
    h('td', {}, r.model === 'SVOD' ? '—' : String(r.sales)));
  async function loadRevenue() {
    const to = new Date();
    const from = new Date(to.getTime() - Number(revSpan.querySelector('select').value) * 86400000);
    const d = await gql(`query Revenue($from: Time!, $to: Time!) { revenueByModel(from: $from, to: $to) {
      totals { model currency amount sales } months { month model currency amount sales } } }`, { from: from.toISOString(), to: to.toISOString() });
    const r = d.revenueByModel;
    revTotals.replaceChildren(...(r.totals.length ? r.totals.map((x) => revRow(x, false)) : [emptyRow(3, 'No revenue in this period.')]));
    revMonths.replaceChildren(...(r.months.length ? r.months.map((x) => revRow(x, true)) : [emptyRow(4, 'No revenue in this period.')]));
    revTotals.dataset.loaded = 'true';
  }
  revSpan.querySelector('select').addEventListener('change', () => run(null, loadRevenue));
  parts.push(card('Revenue by model', { id: 'revenue-card', description: 'Before fees. Rentals, purchases and pay-per-view as paid, refunds left out; subscriptions as Stripe collected them: each paid invoice less its tax and any refund, in the month it was paid.' },
    h('div', { class: 'form-inline' }, revSpan),
    h('table', { class: 'table', 'aria-label': 'Revenue in the period' },
      h('thead', {}, h('tr', {}, ...['Model', 'Revenue', 'Sales'].map((c) => h('th', { scope: 'col' }, c)))),
      revTotals),
    h('h3', {}, 'By month'),
    h('table', { class: 'table', 'aria-label': 'Revenue by month' },
      h('thead', {}, h('tr', {}, ...['Month', 'Model', 'Revenue', 'Sales'].map((c) => h('th', { scope: 'col' }, c)))),
      revMonths)));

  root.replaceChildren(...parts);

  const tasks = [run(null, async () => {
    const d = await gql('query Sales { defaultTitleAccess salesSummary { payingSubscribers trialingSubscribers mrr { currency amount } churnedLast30Days tvodRevenueLast30Days { currency amount } tvodSalesLast30Days } }');
    select.value = d.defaultTitleAccess;
    select.dataset.saved = d.defaultTitleAccess;
    const s = d.salesSummary;
    sales.replaceChildren(
      h('dt', {}, 'Paying subscribers'), h('dd', { id: 'sales-paying' }, String(s.payingSubscribers)),
      h('dt', {}, 'In a free trial'), h('dd', {}, String(s.trialingSubscribers)),
      h('dt', {}, 'Monthly recurring revenue'), h('dd', { id: 'sales-mrr' }, money(s.mrr)),
      h('dt', {}, 'Churned in 30 days'), h('dd', {}, String(s.churnedLast30Days)),
      h('dt', {}, 'Rentals and purchases in 30 days'), h('dd', {}, `${s.tvodSalesLast30Days} (${money(s.tvodRevenueLast30Days)})`));
    sales.dataset.loaded = 'true';
  })];
  tasks.push(run(null, () => loadSubscribers(false)));
  tasks.push(run(null, loadRevenue));
  if (canManage) {
    tasks.push(run(null, async () => showConnection((await gql(`query Stripe { stripeConnection { ${CONNECTION} } }`)).stripeConnection)));
    tasks.push(run(null, loadPromos));
    tasks.push(run(null, loadCoupons));
    tasks.push(run(null, loadPlans));
  }
  await Promise.all(tasks);
}
