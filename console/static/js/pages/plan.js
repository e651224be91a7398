// Plan & usage: Marquee's own plan for the workspace (the owner chooses or
// changes it), this month's usage per metric against the plan's included
// units, and Marquee's invoices to the workspace (from Stripe).

import { gql } from '../api.js';
import { h, run, toast, card, notice, timeEl, emptyRow, formatMoney } from '../ui.js';

const PLAN = 'id name currency monthlyAmount metrics { metric unit included overagePerUnit }';
const METRIC_NAMES = { ENCODED_MINUTES: 'Encoded minutes', STREAMED_HOURS: 'Streamed hours', STORED_GB: 'Stored GB', APP_BUILDS: 'App builds' };

function price(minor, currency) {
  return formatMoney(minor, currency);
}

// unitPrice shows a per-unit price in minor units with the precision it has (1.5 → 0.015 USD).
function unitPrice(minor, currency) {
  return `${Number((minor / 100).toFixed(6))} ${currency.toUpperCase()}`;
}

function number(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

export async function render(root, app) {
  const canOwn = app.can('own');
  const canManage = app.can('manage');
  const parts = [];

  const current = h('div', { id: 'platform-plan' });
  const choices = h('div', { id: 'platform-plan-choices', class: 'plan-choices' });
  parts.push(card('Your plan', { id: 'platform-plan-card', description: canOwn ? 'Choose the plan that fits; a change is prorated on your next invoice.' : 'The workspace owner chooses the plan.' },
    current, choices));

  const usageBody = h('tbody', { id: 'usage-list' });
  const usageTotal = h('p', { id: 'usage-total' });
  parts.push(card('Usage this month', { id: 'usage-card', description: 'Metered as it happens; reported to billing within minutes.' },
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ...['Metric', 'Used', 'Of included', 'Overage', 'Estimated'].map((c) => h('th', { scope: 'col' }, c)))),
      usageBody),
    usageTotal));

  const invoiceBody = h('tbody', { id: 'invoice-list' });
  if (canManage) {
    parts.push(card('Invoices', { id: 'invoice-card', description: 'Marquee\'s invoices to this workspace; open one to view, pay or download it.' },
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ...['Invoice', 'Date', 'Status', 'Total', ''].map((c) => h('th', { scope: 'col' }, c)))),
        invoiceBody)));
  }
  root.replaceChildren(...parts);

  let plans = [];
  let mine = null;
  function showPlan() {
    current.dataset.loaded = 'true';
    if (!mine) {
      current.replaceChildren(notice('No plan chosen yet.', { id: 'platform-plan-none', kind: 'warn' }));
    } else {
      current.replaceChildren(h('dl', { class: 'facts' },
        h('dt', {}, 'Plan'), h('dd', { id: 'platform-plan-name' }, mine.plan.name),
        h('dt', {}, 'Status'), h('dd', { id: 'platform-plan-status' }, mine.status),
        h('dt', {}, 'Price'), h('dd', {}, `${price(mine.plan.monthlyAmount, mine.plan.currency)} a month`),
        h('dt', {}, 'Period'), h('dd', {}, timeEl(mine.periodStart), ' – ', timeEl(mine.periodEnd))));
    }
    choices.replaceChildren(...plans.map((p) => {
      const chosen = mine && mine.plan.id === p.id;
      const btn = canOwn && !chosen ? h('button', { type: 'button', id: `choose-${p.id}`, class: 'btn btn-primary' }, mine ? `Switch to ${p.name}` : `Choose ${p.name}`) : null;
      if (btn) {
        btn.addEventListener('click', async () => {
          const d = await run(btn, () => gql(`mutation ChoosePlatformPlan($id: ID!) { choosePlatformPlan(planId: $id) { status periodStart periodEnd plan { ${PLAN} } } }`, { id: p.id }));
          if (!d) return;
          mine = d.choosePlatformPlan;
          showPlan();
          toast(`You are on ${mine.plan.name}.`);
          await Promise.all([run(null, loadUsage), canManage ? run(null, loadInvoices) : null]);
        });
      }
      return h('div', { class: 'plan-choice', id: `plan-choice-${p.id}` },
        h('h3', {}, p.name, chosen ? ' (current)' : ''),
        h('p', {}, `${price(p.monthlyAmount, p.currency)} a month`),
        h('ul', {}, ...p.metrics.map((m) => h('li', {}, `${m.included} ${m.unit} included, then ${unitPrice(m.overagePerUnit, p.currency)} each`))),
        btn);
    }));
  }

  async function loadUsage() {
    const d = await gql(`query Usage { workspaceUsage { period estimatedTotal plan { currency } metrics { metric unit quantity included overage estimatedCost } } }`);
    const u = d.workspaceUsage;
    const cur = u.plan?.currency || 'usd';
    usageBody.replaceChildren(...u.metrics.map((m) => {
      const max = Math.max(m.included, m.quantity, 1);
      return h('tr', { id: `usage-${m.metric}` },
        h('th', { scope: 'row' }, METRIC_NAMES[m.metric] || m.metric),
        h('td', {}, h('progress', { max: String(max), value: String(m.quantity), 'aria-label': `${METRIC_NAMES[m.metric]} used` }), ' ', `${number(m.quantity)} ${m.unit}`),
        h('td', {}, m.included ? number(m.included) : '—'),
        h('td', {}, number(m.overage)),
        h('td', {}, price(m.estimatedCost, cur)));
    }));
    usageTotal.textContent = u.plan ? `Estimated for ${u.period}: ${price(u.estimatedTotal, cur)}` : 'Choose a plan to be billed.';
    usageBody.dataset.loaded = 'true';
  }

  async function loadInvoices() {
    const d = await gql('query Invoices { workspaceInvoices { id number status currency total created hostedInvoiceUrl invoicePdf } }');
    const list = d.workspaceInvoices;
    invoiceBody.replaceChildren(...(list.length ? list.map((i) => h('tr', { id: `invoice-${i.id}` },
      h('td', {}, i.number || i.id),
      h('td', {}, timeEl(i.created)),
      h('td', {}, i.status),
      h('td', {}, price(i.total, i.currency)),
      h('td', {}, i.hostedInvoiceUrl ? h('a', { href: i.hostedInvoiceUrl, target: '_blank', rel: 'noopener', class: 'invoice-link' }, 'View') : '',
        i.invoicePdf ? [' ', h('a', { href: i.invoicePdf, target: '_blank', rel: 'noopener' }, 'PDF')] : ''))) : [emptyRow(5, 'No invoices yet.')]));
    invoiceBody.dataset.loaded = 'true';
  }

  const tasks = [
    run(null, async () => {
      const d = await gql(`query PlatformPlan { platformPlans { ${PLAN} } workspacePlatformPlan { status periodStart periodEnd plan { ${PLAN} } } }`);
      plans = d.platformPlans;
      mine = d.workspacePlatformPlan;
      showPlan();
    }),
    run(null, loadUsage),
  ];
  if (canManage) tasks.push(run(null, loadInvoices));
  await Promise.all(tasks);
}
