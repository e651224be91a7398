// Small DOM helpers shared by the pages. Everything the server sends is put
// into the page as text (textContent, attributes), never parsed as HTML.

/**
 * h builds an element: h('button', {id: 'save', onclick: fn}, 'Save').
 * Attributes that are false, null or undefined are left out; "on…" keys add
 * listeners; children are nodes, strings, or (nested) arrays of them.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'value') {
      el.value = v;
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * field renders a labelled input (or select, with options [[value, text]])
 * with an optional hint and a slot for its error; attrs go on the input.
 */
export function field({ id, label, hint, type = 'text', value, options = [], attrs = {} }) {
  const describedBy = [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  const input = type === 'select'
    ? h('select', { id, name: id, 'aria-describedby': describedBy, ...attrs },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)))
    : h('input', { id, name: id, type, 'aria-describedby': describedBy, value, ...attrs });
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
}

// Titles of the API's error codes, for people.
const CODE_TITLES = {
  BAD_USER_INPUT: 'Please check the form',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  UNAUTHENTICATED: 'Not signed in',
  FORBIDDEN: 'Not allowed',
  UNAVAILABLE: 'Service unavailable',
  RATE_LIMITED: 'Too many attempts',
  INTERNAL: 'Something went wrong',
  NETWORK: 'Offline',
  QUERY_TOO_COMPLEX: 'Request too large',
  TENANT_SUSPENDED: 'Workspace suspended',
};

let roleHint = () => '';

/** setRoleHint gives the banner a way to name the signed-in role on FORBIDDEN. */
export function setRoleHint(fn) { roleHint = fn; }

/**
 * showError puts an error in #error-banner: its code, a title and the
 * server's message, and marks the form's field the server named. The shell
 * hears of it too (an expired session, a changed role).
 */
export function showError(err, form) {
  const banner = document.getElementById('error-banner');
  const code = err?.code || 'INTERNAL';
  const msg = err?.message || String(err);
  let extra = '';
  if (code === 'FORBIDDEN' && !msg.startsWith('two-factor')) {
    const role = roleHint();
    extra = role ? ` Your role (${role}) cannot do this; an owner or admin can change your role.` : '';
  }
  banner.querySelector('#error-code').textContent = code;
  banner.querySelector('#error-title').textContent = `${CODE_TITLES[code] || 'Error'}:`;
  banner.querySelector('#error-message').textContent = msg + (msg.endsWith('.') ? '' : '.') + extra;
  banner.dataset.code = code;
  banner.hidden = false;
  if (form && err?.field) markField(form, err.field, msg);
  document.dispatchEvent(new CustomEvent('console:error', { detail: err }));
}

export function clearError() {
  const banner = document.getElementById('error-banner');
  banner.hidden = true;
  delete banner.dataset.code;
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of document.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
}

// The API names fields by their GraphQL input names; inputs say which they are.
function markField(form, name, msg) {
  const input = form.querySelector(`[data-field="${CSS.escape(name)}"]`)
    || (name === 'email' ? form.querySelector('[data-field$="mail"]') : null);
  if (!input) return;
  input.setAttribute('aria-invalid', 'true');
  const slot = document.getElementById(`${input.id}-error`);
  if (slot) { slot.textContent = msg; slot.hidden = false; }
  input.focus();
}

/** toast says briefly that something worked. */
export function toast(message) {
  const region = document.getElementById('toast');
  const item = h('div', { class: 'toast-item' }, message);
  region.append(item);
  setTimeout(() => item.remove(), 5000);
}

/**
 * run disables the button while fn runs, clears the last error first and shows
 * the new one if fn fails. It resolves to fn's result, or undefined on error.
 */
export async function run(button, fn, form) {
  clearError();
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); }
  try {
    return await fn();
  } catch (err) {
    showError(err, form);
    return undefined;
  } finally {
    if (button) { button.disabled = false; button.removeAttribute('aria-busy'); }
  }
}

/** confirmAction asks in a modal dialog; it resolves true when confirmed. */
export function confirmAction({ title, body, ok = 'Confirm', danger = true }) {
  const dialog = document.getElementById('confirm-dialog');
  dialog.querySelector('#confirm-title').textContent = title;
  dialog.querySelector('#confirm-body').textContent = body;
  const okButton = dialog.querySelector('#confirm-ok');
  okButton.textContent = ok;
  okButton.className = danger ? 'btn btn-danger' : 'btn btn-primary';
  return new Promise((resolve) => {
    const done = () => {
      dialog.removeEventListener('close', done);
      resolve(dialog.returnValue === 'ok');
    };
    dialog.returnValue = '';
    dialog.addEventListener('close', done);
    dialog.showModal();
    dialog.querySelector('#confirm-cancel').focus();
  });
}

const ROLE_LABELS = { OWNER: 'Owner', ADMIN: 'Admin', EDITOR: 'Editor', ANALYST: 'Analyst' };
export function roleLabel(role) { return ROLE_LABELS[role] || role || ''; }

export function roleBadge(role, id) {
  return h('span', { class: `role-badge role-${String(role).toLowerCase()}`, id }, roleLabel(role));
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

export function timeEl(iso) {
  return h('time', { datetime: iso || '' }, formatTime(iso));
}

// Amounts travel in a currency's minor units, as Stripe counts them: 1099 is
// 10.99 USD, but 500 is 500 JPY (yen, won and a few others have no minor
// unit). The number of decimals comes from the browser's currency data.
function decimals(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: String(currency).toUpperCase() }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2; // not an ISO code: the API refuses it anyway
  }
}

/** formatMoney shows minor units as "10.99 USD" or "500 JPY". */
export function formatMoney(minor, currency) {
  const d = decimals(currency);
  return `${(Number(minor) / 10 ** d).toFixed(d)} ${String(currency).toUpperCase()}`;
}

/** toMinor reads "10.99" typed for a currency as its minor units (1099; "500" yen is 500). */
export function toMinor(amount, currency) {
  return Math.round(Number(amount) * 10 ** decimals(currency));
}

/** fromMinor is the amount to put back in an input: 1099 USD is "10.99". */
export function fromMinor(minor, currency) {
  const d = decimals(currency);
  return (Number(minor) / 10 ** d).toFixed(d);
}

/** copyButton copies text to the clipboard, falling back to selecting it. */
export function copyButton(id, getText, label = 'Copy') {
  const b = h('button', {
    type: 'button', class: 'btn btn-secondary btn-small', id,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(getText());
        b.textContent = 'Copied';
      } catch {
        b.textContent = 'Select and copy';
      }
      setTimeout(() => { b.textContent = label; }, 2000);
    },
  }, label);
  return b;
}

/** section is a titled card. */
export function card(title, { id, description, actions } = {}, ...children) {
  return h('section', { class: 'card', id, 'aria-labelledby': id ? `${id}-title` : null },
    h('div', { class: 'card-head' },
      h('div', {},
        h('h2', { id: id ? `${id}-title` : null }, title),
        description ? h('p', { class: 'muted' }, description) : null),
      actions || null),
    children);
}

/** notice is an inline, non-error message (role hints, empty states). */
export function notice(text, { id, kind = 'info' } = {}) {
  return h('p', { class: `notice notice-${kind}`, id }, text);
}

/** emptyRow is a table row that spans the table and says it is empty. */
export function emptyRow(cols, text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: cols }, text));
}

/** linkify turns http(s) URLs in text into links, everything else stays text. */
export function linkify(text) {
  const out = [];
  const re = /https?:\/\/[^\s<>"']+/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    out.push(text.slice(last, m.index));
    const url = m[0].replace(/[.,;:)]+$/, '');
    out.push(h('a', { href: url }, url));
    last = m.index + url.length;
  }
  out.push(text.slice(last));
  return out;
}
