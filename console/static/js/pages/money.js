// Money: the workspace's Stripe connection (the owner connects), how titles
// are sold by default, subscription plans, promo and gift codes, and the
// sales figures. TVOD prices and support tools are in the GraphQL API
// (README "Money").

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow } from '../ui.js';

const CONNECTION = 'accountId chargesEnabled detailsSubmitted canSell reason';
const PLAN = 'id name trialDays ads prices { id interval currency amount }';
const PROMO = 'id code titleId kind rentalHours maxRedemptions redeemed expiresAt';
const MODELS = [['FREE', 'Free to everyone'], ['AVOD', 'Free with ads'], ['SVOD', 'Subscribers'], ['TVOD', 'Rent or buy only']];

function money(list) {
  if (!list.length) return '—';
  return list.map((m) => `${(m.amount / 100).toFixed(2)} ${m.currency.toUpperCase()}`).join(', ');
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
      status.replaceChildren(notice('Not connected: viewers cannot pay until the owner connects a Stripe account.', { id: 'stripe-none', kind: 'warning' }));
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
  parts.push(card('Default access', { id: 'access-card', description: 'Set a title\'s own model, rent and buy prices and plans through the API (README "Money").' }, model));

  // Subscription plans: made on the connected account (Stripe products and
  // prices), so they need the connection first.
  const planList = h('tbody', { id: 'plan-list' });
  const planForm = h('form', { id: 'plan-form', class: 'form form-inline' },
    h('fieldset', { class: 'fieldset fieldset-inline', disabled: !canManage },
      h('legend', { class: 'visually-hidden' }, 'Create a plan'),
      field({ id: 'plan-name', label: 'Name', attrs: { required: true, maxlength: 80, placeholder: 'Premium' } }),
      field({ id: 'plan-monthly', label: 'Monthly price', type: 'number', value: '9.99', attrs: { min: 0.5, step: 0.01, required: true } }),
      field({ id: 'plan-currency', label: 'Currency', value: 'usd', attrs: { required: true, pattern: '[a-zA-Z]{3}', maxlength: 3 } }),
      field({ id: 'plan-trial', label: 'Free trial days', type: 'number', value: '7', attrs: { min: 0, max: 730 } }),
      field({ id: 'plan-ads', label: 'With ads', type: 'select', value: 'false', options: [['false', 'Ad-free'], ['true', 'With ads']] }),
      h('button', { type: 'submit', id: 'plan-submit', class: 'btn btn-primary' }, 'Create plan')));
  planForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => planForm.querySelector(`#${id}`).value;
    const input = {
      name: v('plan-name'), trialDays: Number(v('plan-trial')), scope: 'LIBRARY', ads: v('plan-ads') === 'true',
      prices: [{ interval: 'MONTH', currency: v('plan-currency').toLowerCase(), amount: Math.round(Number(v('plan-monthly')) * 100) }],
    };
    const d = await run(planForm.querySelector('#plan-submit'), () =>
      gql(`mutation CreatePlan($input: CreatePlanInput!) { createPlan(input: $input) { ${PLAN} } }`, { input }), planForm);
    if (d) {
      planForm.querySelector('#plan-name').value = '';
      toast(`Plan "${d.createPlan.name}" created.`);
      await run(null, loadPlans);
    }
  });
  function planRow(p) {
    return h('tr', { id: `plan-${p.id}` },
      h('td', {}, p.name),
      h('td', {}, p.prices.map((x) => `${money([x])} a ${x.interval === 'MONTH' ? 'month' : 'year'}`).join(', ')),
      h('td', {}, p.trialDays ? `${p.trialDays} days` : 'none'),
      h('td', {}, p.ads ? 'with ads' : 'ad-free'));
  }
  async function loadPlans() {
    const d = await gql(`query Plans { plans { ${PLAN} } }`);
    planList.replaceChildren(...(d.plans.length ? d.plans.map(planRow) : [emptyRow(4, 'No plans yet.')]));
    planList.dataset.loaded = 'true';
  }
  if (canManage) {
    parts.push(card('Subscription plans', { id: 'plan-card', description: 'Monthly plans covering the whole library; annual prices and collection plans through the API.' },
      planForm,
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ...['Plan', 'Price', 'Trial', 'Ads'].map((c) => h('th', { scope: 'col' }, c)))),
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

  // Sales figures.
  const sales = h('dl', { id: 'sales', class: 'facts' });
  parts.push(card('Sales', { id: 'sales-card', description: 'From the entitlement ledger, now.' }, sales));

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
  if (canManage) {
    tasks.push(run(null, async () => showConnection((await gql(`query Stripe { stripeConnection { ${CONNECTION} } }`)).stripeConnection)));
    tasks.push(run(null, loadPromos));
    tasks.push(run(null, loadPlans));
  }
  await Promise.all(tasks);
}
