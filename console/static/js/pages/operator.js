// The platform operator's pages, under #/operator/…: sign-in (password, then
// always a TOTP code; the first sign-in enrols an authenticator), the tenant
// list with usage, and one tenant: quotas, suspend and resume, exports and
// deletion; and Marquee's own plans for tenants (define, retire). Operators
// are not a tenant's staff: their session (an mqo_ token in the same
// HttpOnly cookie) reaches these pages only, and the staff pages
// none of it. The server decides everything; these pages only ask.

import { gql, startSession, forgetToken } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, formatMoney, toMinor } from '../ui.js';

const OPERATOR = 'id email createdAt';
const QUOTAS = 'quotas { storageBytes seats }';
const USAGE = 'usage { period storageBytes seats pendingInvitations encodedMinutes streamedHours }';
const TENANT = `id slug name status statusReason statusChangedAt createdAt ${QUOTAS}`;
const EXPORT = 'name size createdAt downloadURL';
const PAGE = 25;
const MiB = 1024 * 1024;

/** ensureSession resolves true when an operator is signed in, loading who on first use. */
export async function ensureSession(app) {
  if (app.operator) return true;
  try {
    const d = await gql(`query OperatorMe { operatorMe { ${OPERATOR} } }`);
    app.operator = d.operatorMe;
    return true;
  } catch {
    app.operator = null;
    return false;
  }
}

/** endSession signs the operator out on the server (the caller drops the cookie). */
export async function endSession(app) {
  try { await gql('mutation OperatorLogout { operatorLogout }'); } catch { /* already gone */ }
  app.operator = null;
}

/** applyShell switches the sidebar and top bar between the staff and operator consoles. */
export function applyShell(app, on) {
  document.body.classList.toggle('operator-mode', on);
  for (const el of document.querySelectorAll('#nav > ul, #nav > .nav-section')) {
    el.hidden = el.id === 'operator-nav' ? !on : on;
  }
  if (!on) return;
  const op = app.operator;
  document.getElementById('tenant-name').textContent = 'Marquee platform';
  document.getElementById('tenant-slug').textContent = 'operator console';
  document.getElementById('tenant-logo').hidden = true;
  document.getElementById('whoami-name').textContent = op ? 'Platform operator' : '';
  document.getElementById('whoami-email').textContent = op ? op.email : '';
  const role = document.getElementById('whoami-role');
  role.textContent = op ? 'Operator' : '';
  role.dataset.role = op ? 'OPERATOR' : '';
  role.className = op ? 'role-badge role-operator' : 'role-badge';
}

export function bytesText(n) {
  if (n === null || n === undefined) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

function statusBadge(status, id) {
  const s = String(status).toLowerCase();
  return h('span', { class: `status status-${s}`, id, dataset: { status } }, s);
}

function authCard(title, subtitle, ...children) {
  return h('div', { class: 'auth-card' },
    h('div', { class: 'auth-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'M'), 'Marquee platform'),
    h('h2', { class: 'auth-title' }, title),
    subtitle ? h('p', { class: 'muted auth-subtitle' }, subtitle) : null,
    children);
}

export function login(root, app, params) {
  const password = h('form', { id: 'operator-login-form', class: 'form' },
    field({ id: 'operator-email', label: 'Email', type: 'email', attrs: { required: true, autocomplete: 'username', 'data-field': 'email' } }),
    field({ id: 'operator-password', label: 'Password', type: 'password', attrs: { required: true, autocomplete: 'current-password', 'data-field': 'password' } }),
    h('button', { type: 'submit', id: 'operator-login-submit', class: 'btn btn-primary btn-block' }, 'Continue'));

  const enrolment = h('div', { id: 'operator-enrol', hidden: true });
  const code = h('form', { id: 'operator-totp-form', class: 'form', hidden: true },
    enrolment,
    field({
      id: 'operator-code', label: 'Code from your authenticator app',
      hint: 'Six digits; a new one every 30 seconds.',
      attrs: { required: true, autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9 ]{6,7}', 'data-field': 'code' },
    }),
    h('button', { type: 'submit', id: 'operator-verify', class: 'btn btn-primary btn-block' }, 'Sign in'));

  let loginToken = '';
  password.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = await run(password.querySelector('#operator-login-submit'), () =>
      gql('mutation OperatorLogin($e: String!, $p: String!) { operatorLogin(email: $e, password: $p) { loginToken expiresAt enrollment { secret uri qrCode } } }',
        { e: password.querySelector('#operator-email').value.trim(), p: password.querySelector('#operator-password').value }), password);
    if (!d) return;
    loginToken = d.operatorLogin.loginToken;
    const en = d.operatorLogin.enrollment;
    if (en) {
      enrolment.replaceChildren(
        notice('Two-factor sign-in is required for operators. Set up an authenticator app now: scan the code, or type the secret.', { id: 'operator-enrol-note' }),
        h('div', { class: 'qr-row' },
          en.qrCode ? h('img', { class: 'qr', src: en.qrCode, alt: 'QR code of the authenticator secret', id: 'operator-qr' }) : null,
          h('div', { class: 'qr-text' },
            h('label', { for: 'operator-totp-secret' }, 'Secret'),
            h('input', { id: 'operator-totp-secret', class: 'secret', readonly: true, value: en.secret, spellcheck: 'false' }))));
      enrolment.hidden = false;
    }
    password.hidden = true;
    code.hidden = false;
    code.querySelector('#operator-code').focus();
  });

  code.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = await run(code.querySelector('#operator-verify'), async () => {
      const r = await gql(`mutation OperatorVerify($t: String!, $c: String!) { operatorVerifyTOTP(loginToken: $t, code: $c) { token operator { ${OPERATOR} } } }`,
        { t: loginToken, c: code.querySelector('#operator-code').value.trim() });
      await startSession(r.operatorVerifyTOTP.token);
      forgetToken(); // operators have no live updates: no script keeps the token
      return r.operatorVerifyTOTP;
    }, code);
    if (!d) {
      if (document.getElementById('error-code').textContent === 'UNAUTHENTICATED') {
        code.hidden = true; // the sign-in expired: start over
        password.hidden = false;
      }
      return;
    }
    app.session = null; // one cookie: any staff session in this browser is replaced
    app.operator = d.operator;
    const next = params.get('next');
    app.navigate(next && /^operator\/[a-z]+$/.test(next) ? `#/${next}` : '#/operator/tenants');
  });

  root.append(authCard('Operator sign-in', 'For the people who run this Marquee platform.',
    password, code,
    h('p', { class: 'auth-foot' }, 'Tenant staff: ', h('a', { href: '#/login' }, 'sign in to your workspace'), '.')));
  password.querySelector('#operator-email').focus();
}

function tenantRow(t) {
  const u = t.usage;
  return h('tr', { id: `op-tenant-${t.id}`, dataset: { slug: t.slug } },
    h('td', {}, h('a', { href: `#/operator/tenant?id=${t.id}`, id: `op-open-${t.slug}` }, t.name), h('div', { class: 'muted small mono' }, t.slug)),
    h('td', {}, statusBadge(t.status, `op-status-${t.slug}`)),
    h('td', {}, `${u.seats} + ${u.pendingInvitations} invited`, h('div', { class: 'muted small' }, t.quotas.seats === null ? 'no seat limit' : `of ${t.quotas.seats}`)),
    h('td', {}, bytesText(u.storageBytes), h('div', { class: 'muted small' }, t.quotas.storageBytes === null ? 'no limit' : `of ${bytesText(t.quotas.storageBytes)}`)),
    h('td', {}, u.encodedMinutes.toFixed(1)),
    h('td', {}, u.streamedHours.toFixed(1)),
    h('td', {}, timeEl(t.createdAt)));
}

export async function tenants(root) {
  const list = h('tbody', { id: 'op-tenant-list' });
  const total = h('span', { id: 'op-tenant-total', class: 'muted' });
  const filter = field({ id: 'op-filter', label: 'Status', type: 'select', value: '', options: [['', 'All'], ['ACTIVE', 'Active'], ['SUSPENDED', 'Suspended']] });
  const more = h('button', { type: 'button', id: 'op-more', class: 'btn btn-secondary', hidden: true }, 'Load more');
  let cursor = null;

  async function load(reset) {
    const status = filter.querySelector('select').value || null;
    const d = await gql(`query OperatorTenants($first: Int, $after: String, $status: TenantStatus) {
      operatorTenants(first: $first, after: $after, status: $status) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${TENANT} ${USAGE} } } } }`,
    { first: PAGE, after: reset ? null : cursor, status });
    if (!root.isConnected) return;
    const rows = d.operatorTenants.edges.map(({ node }) => tenantRow(node));
    if (reset) list.replaceChildren(...(rows.length ? rows : [emptyRow(7, 'No tenants.')]));
    else list.append(...rows);
    cursor = d.operatorTenants.pageInfo.endCursor;
    more.hidden = !d.operatorTenants.pageInfo.hasNextPage;
    total.textContent = `${d.operatorTenants.totalCount} in all`;
    list.dataset.loaded = 'true';
  }

  filter.querySelector('select').addEventListener('change', () => run(null, () => load(true)));
  more.addEventListener('click', () => run(more, () => load(false)));
  const month = new Date().toISOString().slice(0, 7);
  root.append(card('Tenants', { id: 'op-tenants', description: `Newest first. Storage is listed now; encoding and streaming are for ${month} (UTC).`,
    actions: h('div', {}, total, ' ', h('a', { href: '#/operator/plans', id: 'op-plans-link' }, 'Platform plans')) },
    h('div', { class: 'form form-inline' }, filter),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table', id: 'op-tenant-table' },
        h('thead', {}, h('tr', {}, ['Tenant', 'Status', 'Seats', 'Storage', 'Encoded min', 'Streamed h', 'Created'].map((t) => h('th', { scope: 'col' }, t)))),
        list)),
    h('div', { class: 'load-more' }, more)));
  await run(null, () => load(true));
}

export async function tenant(root, app, params) {
  const id = params.get('id') || '';
  const d = await gql(`query OperatorTenant($id: ID!) { operatorTenant(id: $id) { ${TENANT} ${USAGE} exports { ${EXPORT} } } }`, { id });
  if (!root.isConnected) return;
  const t = d.operatorTenant;
  document.getElementById('page-title').textContent = t.name;
  const reload = () => app.render();

  const facts = card('Tenant', { id: 'op-tenant' },
    h('dl', { class: 'facts' },
      h('dt', {}, 'Name'), h('dd', { id: 'op-tenant-name' }, t.name),
      h('dt', {}, 'Slug'), h('dd', {}, h('code', { id: 'op-tenant-slug' }, t.slug)),
      h('dt', {}, 'Status'), h('dd', {}, statusBadge(t.status, 'op-tenant-status'),
        t.statusChangedAt ? h('span', { class: 'muted small' }, ' since ', timeEl(t.statusChangedAt)) : null),
      t.statusReason ? h('dt', {}, 'Reason') : null,
      t.statusReason ? h('dd', { id: 'op-tenant-reason' }, t.statusReason) : null,
      h('dt', {}, 'Created'), h('dd', {}, timeEl(t.createdAt))),
    h('p', {}, h('a', { href: '#/operator/tenants' }, '← All tenants')));

  const u = t.usage;
  const usage = card('Usage', { id: 'op-usage', description: `Storage now; metered figures for ${u.period} (UTC), zero until metering records them.` },
    h('dl', { class: 'facts' },
      h('dt', {}, 'Storage'), h('dd', { id: 'op-usage-storage' }, bytesText(u.storageBytes)),
      h('dt', {}, 'Seats'), h('dd', { id: 'op-usage-seats' }, `${u.seats} staff, ${u.pendingInvitations} invited`),
      h('dt', {}, 'Encoded'), h('dd', {}, `${u.encodedMinutes.toFixed(1)} minutes`),
      h('dt', {}, 'Streamed'), h('dd', {}, `${u.streamedHours.toFixed(1)} hours`)));

  const mib = t.quotas.storageBytes === null ? '' : String(Math.round((t.quotas.storageBytes / MiB) * 1000) / 1000);
  const quotas = h('form', { id: 'op-quotas-form', class: 'form form-inline' },
    field({ id: 'op-quota-storage', label: 'Storage (MiB)', type: 'number', value: mib, hint: 'Empty: unlimited.', attrs: { min: 0, step: 'any', 'data-field': 'storageBytes' } }),
    field({ id: 'op-quota-seats', label: 'Seats', type: 'number', value: t.quotas.seats === null ? '' : String(t.quotas.seats), hint: 'Staff plus pending invitations. Empty: unlimited.', attrs: { min: 1, step: 1, 'data-field': 'seats' } }),
    h('button', { type: 'submit', id: 'op-quotas-save', class: 'btn btn-primary' }, 'Save quotas'));
  quotas.addEventListener('submit', async (e) => {
    e.preventDefault();
    const s = quotas.querySelector('#op-quota-storage').value.trim();
    const n = quotas.querySelector('#op-quota-seats').value.trim();
    const ok = await run(quotas.querySelector('#op-quotas-save'), () =>
      gql('mutation SetQuotas($id: ID!, $in: TenantQuotasInput!) { setTenantQuotas(id: $id, input: $in) { id } }',
        { id, in: { storageBytes: s === '' ? null : Math.round(Number(s) * MiB), seats: n === '' ? null : Number(n) } }), quotas);
    if (ok) { toast(`Quotas of ${t.slug} saved.`); reload(); }
  });

  let state;
  if (t.status === 'SUSPENDED') {
    const resume = h('button', { type: 'button', id: 'op-resume', class: 'btn btn-primary' }, 'Resume tenant');
    resume.addEventListener('click', async () => {
      const ok = await run(resume, () => gql('mutation Resume($id: ID!) { resumeTenant(id: $id) { id } }', { id }));
      if (ok) { toast(`${t.slug} is active again.`); reload(); }
    });
    state = card('Suspended', { id: 'op-state', description: 'Its console, API keys, apps and hosts answer TENANT_SUSPENDED. Nothing is deleted.' }, resume);
  } else {
    const form = h('form', { id: 'op-suspend-form', class: 'form form-inline' },
      field({ id: 'op-suspend-reason', label: 'Reason', hint: 'Mailed to the tenant\'s owners.', attrs: { required: true, maxlength: 500, 'data-field': 'reason' } }),
      h('button', { type: 'submit', id: 'op-suspend', class: 'btn btn-danger' }, 'Suspend tenant'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const yes = await confirmAction({ title: `Suspend ${t.slug}?`, body: 'Every request with its sessions, keys, apps or hosts is refused until you resume it. Nothing is deleted.', ok: 'Suspend' });
      if (!yes) return;
      const ok = await run(form.querySelector('#op-suspend'), () =>
        gql('mutation Suspend($id: ID!, $r: String!) { suspendTenant(id: $id, reason: $r) { id } }', { id, r: form.querySelector('#op-suspend-reason').value }), form);
      if (ok) { toast(`${t.slug} is suspended.`); reload(); }
    });
    state = card('Suspend', { id: 'op-state', description: 'Stops the tenant at once, for non-payment or abuse; resume it any time.' }, form);
  }

  const exportList = h('ul', { id: 'op-export-list', class: 'plain-list' },
    t.exports.length ? t.exports.map((x) => h('li', {}, h('a', { href: x.downloadURL, download: x.name }, x.name), ' ', h('span', { class: 'muted small' }, bytesText(x.size))))
      : h('li', { class: 'muted' }, 'No exports yet.'));
  const exportNow = h('button', { type: 'button', id: 'op-export', class: 'btn btn-secondary' }, 'Export now');
  exportNow.addEventListener('click', async () => {
    const ok = await run(exportNow, () => gql(`mutation Export($id: ID!) { operatorExport(id: $id) { ${EXPORT} } }`, { id }));
    if (ok) { toast(`Exported ${ok.operatorExport.name}.`); reload(); }
  });
  const exports = card('Exports', { id: 'op-exports', description: 'Every row of the tenant as JSON; kept after a deletion.', actions: exportNow }, exportList);

  const del = h('form', { id: 'op-delete-form', class: 'form form-inline' },
    field({ id: 'op-delete-slug', label: `Type ${t.slug} to confirm`, attrs: { required: true, autocomplete: 'off', spellcheck: 'false', 'data-field': 'confirmSlug' } }),
    h('button', { type: 'submit', id: 'op-delete', class: 'btn btn-danger' }, 'Delete tenant'));
  del.addEventListener('submit', async (e) => {
    e.preventDefault();
    const yes = await confirmAction({ title: `Delete ${t.slug} for good?`, body: 'It is exported first; then its rows, permissions and files are deleted. This cannot be undone.', ok: 'Delete' });
    if (!yes) return;
    const r = await run(del.querySelector('#op-delete'), () =>
      gql(`mutation Delete($id: ID!, $s: String!) { deleteTenant(id: $id, confirmSlug: $s) { slug export { ${EXPORT} } } }`,
        { id, s: del.querySelector('#op-delete-slug').value.trim() }), del);
    if (r) {
      toast(`${r.deleteTenant.slug} is deleted; its export is ${r.deleteTenant.export.name}.`);
      app.navigate('#/operator/tenants');
    }
  });
  const danger = card('Delete', { id: 'op-danger', description: 'Exports the tenant, then deletes everything it has: rows, permissions, files.' }, del);

  root.append(h('div', { class: 'grid-2' }, facts, usage, card('Quotas', { id: 'op-quotas' }, quotas), state, exports, danger));
}

const PLATFORM_PLAN = 'id name currency monthlyAmount active metrics { metric unit included overagePerUnit }';
const METRICS = [
  ['ENCODED_MINUTES', 'Encoded minutes', 'minutes'],
  ['STREAMED_HOURS', 'Streamed hours', 'hours'],
  ['STORED_GB', 'Stored GB', 'GB-months'],
  ['APP_BUILDS', 'App builds', 'builds'],
];

function planPrice(minor, currency) {
  return formatMoney(minor, currency);
}

// A per-unit price in minor units keeps its precision (1.5 → 0.015 USD).
function unitPrice(minor, currency) {
  return `${Number((minor / 100).toFixed(6))} ${currency.toUpperCase()}`;
}

/**
 * plans is Marquee's own plans for tenants: a monthly base price and, per
 * metric, units included and a price for each unit beyond. Defining one
 * makes its Stripe product and prices on the platform account; retiring one
 * takes it off the tenants' choices (tenants on it stay on it).
 */
export async function plans(root) {
  const list = h('tbody', { id: 'op-plan-list' });
  let renders = 0;

  const metricRows = METRICS.map(([metric, name, unit]) => h('tr', {},
    h('th', { scope: 'row' }, name),
    h('td', {}, field({ id: `op-plan-included-${metric}`, label: [h('span', { class: 'visually-hidden' }, `${name}: `), `${unit} included a month`], type: 'number', value: '0', attrs: { min: 0, step: 1 } })),
    h('td', {}, field({ id: `op-plan-overage-${metric}`, label: [h('span', { class: 'visually-hidden' }, `${name}: `), `price per ${unit.replace(/s$/, '')} beyond (empty: not billed)`], type: 'number', attrs: { min: 0, step: 'any' } }))));
  const form = h('form', { id: 'op-plan-form', class: 'form' },
    h('div', { class: 'form-inline' },
      field({ id: 'op-plan-name', label: 'Name', attrs: { required: true, maxlength: 60, placeholder: 'Growth', 'data-field': 'name' } }),
      field({ id: 'op-plan-currency', label: 'Currency', value: 'usd', attrs: { required: true, pattern: '[a-zA-Z]{3}', maxlength: 3, 'data-field': 'currency' } }),
      field({ id: 'op-plan-base', label: 'Base price a month', type: 'number', value: '49', attrs: { required: true, min: 0, step: 0.01, 'data-field': 'monthlyAmount' } }),
      field({ id: 'op-plan-position', label: 'Position in lists', type: 'number', value: '0', attrs: { min: 0, step: 1, 'data-field': 'position' } })),
    h('table', { class: 'table', 'aria-label': 'Metered prices' },
      h('thead', {}, h('tr', {}, ...['Metric', 'Included', 'Overage'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, metricRows)),
    h('p', { class: 'field-error', id: 'op-plan-metrics-error', hidden: true }),
    h('input', { type: 'hidden', id: 'op-plan-metrics', 'data-field': 'metrics' }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'op-plan-submit', class: 'btn btn-primary' }, 'Define plan')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value.trim();
    const metrics = [];
    for (const [metric] of METRICS) {
      const overage = v(`op-plan-overage-${metric}`);
      if (overage === '') continue;
      metrics.push({ metric, included: Number(v(`op-plan-included-${metric}`) || 0), overagePerUnit: Math.round(Number(overage) * 1e8) / 1e6 });
    }
    const input = {
      name: v('op-plan-name'), currency: v('op-plan-currency').toLowerCase(),
      monthlyAmount: toMinor(v('op-plan-base'), v('op-plan-currency')), position: Number(v('op-plan-position') || 0), metrics,
    };
    const d = await run(form.querySelector('#op-plan-submit'), () =>
      gql(`mutation DefinePlatformPlan($in: PlatformPlanInput!) { definePlatformPlan(input: $in) { ${PLATFORM_PLAN} } }`, { in: input }), form);
    if (d) {
      form.querySelector('#op-plan-name').value = '';
      toast(`Plan "${d.definePlatformPlan.name}" defined: tenants can choose it now.`);
      await run(null, load);
    }
  });

  async function retire(button, p) {
    if (!await confirmAction({ title: `Retire "${p.name}"?`, body: 'Tenants can no longer choose it. Tenants on it stay on it and are billed as before until they switch.', ok: 'Retire plan' })) return;
    const d = await run(button, () => gql(`mutation RetirePlatformPlan($id: ID!) { retirePlatformPlan(id: $id) { ${PLATFORM_PLAN} } }`, { id: p.id }));
    if (d) {
      toast(`Plan "${p.name}" retired.`);
      await run(null, load);
    }
  }

  function row(p) {
    return h('tr', { id: `op-plan-${p.id}`, dataset: { active: String(p.active) } },
      h('td', {}, p.name),
      h('td', {}, `${planPrice(p.monthlyAmount, p.currency)} a month`),
      h('td', {}, p.metrics.length
        ? h('ul', { class: 'plain-list' }, p.metrics.map((m) => h('li', {}, `${m.included} ${m.unit} included, then ${unitPrice(m.overagePerUnit, p.currency)} each`)))
        : 'nothing metered'),
      h('td', {}, p.active ? 'offered' : 'retired'),
      h('td', { class: 'actions' }, p.active
        ? h('button', { type: 'button', id: `op-retire-plan-${p.id}`, class: 'btn btn-danger-ghost btn-small', onclick: (e) => retire(e.currentTarget, p) }, 'Retire')
        : null));
  }

  async function load() {
    const d = await gql(`query OperatorPlatformPlans { operatorPlatformPlans { ${PLATFORM_PLAN} } }`);
    if (!root.isConnected) return;
    const ps = d.operatorPlatformPlans;
    list.replaceChildren(...(ps.length ? ps.map(row) : [emptyRow(5, 'No plans yet: tenants have nothing to choose.')]));
    renders += 1;
    list.dataset.loaded = 'true';
    list.dataset.render = String(renders);
  }

  root.append(
    card('New plan', { id: 'op-plan-card', description: 'Prices in the currency\'s major units: a per-unit price may have more decimals (0.015). Stripe gets a product, a base price and one metered price per billed metric.' }, form),
    card('Platform plans', { id: 'op-plans', description: 'What tenants choose from on their Plan & usage page.', actions: h('a', { href: '#/operator/tenants', id: 'op-plans-back' }, '← Tenants') },
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table' },
          h('thead', {}, h('tr', {}, ...['Plan', 'Base', 'Metered', 'Status', ''].map((c) => h('th', { scope: 'col' }, c)))),
          list))));
  await run(null, load);
}
