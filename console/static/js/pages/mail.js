// Dev mailbox: the emails the development mailer wrote (invitations,
// verification and reset codes), so a developer can follow their links
// without an SMTP server. In production the list is always empty.

import { gql } from '../api.js';
import { h, run, card, notice, timeEl, linkify, field } from '../ui.js';

const QUERY = 'query Mailbox($to: String) { devMailbox(to: $to) { id to subject text at } }';

export async function render(root, app) {
  const list = h('ul', { id: 'mail-list', class: 'mail-list' });
  const filter = h('form', { id: 'mail-filter', class: 'form form-inline' },
    field({ id: 'mail-to', label: 'Recipient', type: 'email', attrs: { placeholder: 'Everyone', autocomplete: 'off' } }),
    h('button', { type: 'submit', id: 'mail-refresh', class: 'btn btn-secondary' }, 'Refresh'));

  let shown = '';
  async function load() {
    const to = filter.querySelector('#mail-to').value.trim();
    const d = await gql(QUERY, { to: to || null });
    if (!root.isConnected) return;
    const key = JSON.stringify(d.devMailbox.map((m) => m.id)) + to;
    if (key === shown) return; // keep open messages open
    shown = key;
    list.replaceChildren(...(d.devMailbox.length
      ? d.devMailbox.map((m, i) => h('li', { class: 'mail-item', id: `mail-${m.id}`, dataset: { to: m.to } },
        h('details', { open: i === 0 },
          h('summary', {},
            h('span', { class: 'mail-subject' }, m.subject),
            h('span', { class: 'mail-meta muted' }, 'to ', h('span', { class: 'mail-to' }, m.to), ' · ', timeEl(m.at))),
          h('pre', { class: 'mail-text' }, linkify(m.text)))))
      : [h('li', { class: 'mail-empty muted' }, 'No emails. In production emails go out by SMTP and none are kept here.')]));
    list.dataset.loaded = 'true';
  }

  filter.addEventListener('submit', (e) => { e.preventDefault(); shown = ''; run(filter.querySelector('#mail-refresh'), load); });
  root.append(...[
    notice('Development only: every email the platform sent, newest first. Links in them work here.', { id: 'mail-note' }),
    card('Dev mailbox', { id: 'mail-card' }, filter, list),
    app.session ? null : h('p', { class: 'auth-foot' }, h('a', { href: '#/login' }, 'Sign in'), ' · ', h('a', { href: '#/signup' }, 'Create a workspace')),
  ].filter(Boolean));
  await run(null, load);
  // New mail shows up on its own while the page is open.
  const timer = setInterval(() => { if (!document.hidden) load().catch(() => {}); }, 5000);
  return () => clearInterval(timer);
}
