// Audit log: who did what, newest first, a page at a time.

import { gql } from '../api.js';
import { h, run, card, notice, timeEl, emptyRow, roleLabel } from '../ui.js';

const PAGE = 25;
const QUERY = `query Audit($first: Int, $after: String) {
  auditLog(first: $first, after: $after) {
    edges { node { id at actor { type label ip userAgent } action targetType targetID details } }
    pageInfo { hasNextPage endCursor }
  }
}`;

function summary(details) {
  let obj;
  try { obj = JSON.parse(details); } catch { return details; }
  if (!obj || typeof obj !== 'object') return '';
  return Object.entries(obj)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`)
    .join(', ');
}

function pretty(details) {
  try { return JSON.stringify(JSON.parse(details), null, 2); } catch { return details; }
}

function row(e) {
  const sum = summary(e.details);
  return h('tr', { class: 'audit-row', id: `audit-${e.id}`, dataset: { action: e.action } },
    h('td', {}, timeEl(e.at)),
    h('td', {},
      h('div', {}, e.actor.label || e.actor.type),
      h('div', { class: 'muted small', title: e.actor.userAgent }, [e.actor.type, e.actor.ip].filter(Boolean).join(' · '))),
    h('td', {}, h('code', { class: 'action' }, e.action)),
    h('td', {}, h('div', {}, e.targetType), h('div', { class: 'muted small mono', title: e.targetID }, e.targetID.slice(0, 13) + (e.targetID.length > 13 ? '…' : ''))),
    h('td', { class: 'details-cell' },
      sum && sum !== '{}'
        ? h('details', {}, h('summary', {}, sum.length > 80 ? `${sum.slice(0, 80)}…` : sum), h('pre', {}, pretty(e.details)))
        : h('span', { class: 'muted' }, '—')));
}

export async function render(root, app) {
  if (!app.can('audit')) {
    root.append(notice(`Your role (${roleLabel(app.role())}) cannot read the audit log; owners and admins can.`, { id: 'audit-readonly', kind: 'warn' }));
    return;
  }
  const list = h('tbody', { id: 'audit-list' });
  const more = h('button', { type: 'button', id: 'audit-more', class: 'btn btn-secondary', hidden: true }, 'Load older entries');
  const refresh = h('button', { type: 'button', id: 'audit-refresh', class: 'btn btn-secondary btn-small' }, 'Refresh');
  let cursor = null;

  async function load(reset) {
    const d = await gql(QUERY, { first: PAGE, after: reset ? null : cursor });
    if (!root.isConnected) return;
    const rows = d.auditLog.edges.map(({ node }) => row(node));
    if (reset) list.replaceChildren(...(rows.length ? rows : [emptyRow(5, 'Nothing has happened yet.')]));
    else list.append(...rows);
    cursor = d.auditLog.pageInfo.endCursor;
    more.hidden = !d.auditLog.pageInfo.hasNextPage;
    list.dataset.loaded = 'true';
  }

  more.addEventListener('click', () => run(more, () => load(false)));
  refresh.addEventListener('click', () => run(refresh, () => load(true)));

  root.append(card('Audit log', { id: 'audit-card', description: 'Every change by your staff and keys, newest first.', actions: refresh },
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table', id: 'audit-table' },
        h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Target', 'Details'].map((t) => h('th', { scope: 'col' }, t)))),
        list)),
    h('div', { class: 'load-more' }, more)));
  await run(null, () => load(true));
}
