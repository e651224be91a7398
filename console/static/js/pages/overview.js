// Overview: the workspace, the signed-in member, email verification and what
// the member's role allows.

import { gql, STAFF } from '../api.js';
import { h, field, run, toast, card, roleBadge, roleLabel, formatTime, notice } from '../ui.js';

const ABILITIES = [
  ['read', 'See everything in the workspace: content, settings, the team'],
  ['edit', 'Change content, branding, channels, live events and app builds'],
  ['manage', 'Run the team, API and app keys, and money settings'],
  ['audit', 'Read the audit log'],
  ['own', 'Transfer ownership, the platform plan, delete the workspace'],
];

export function render(root, app) {
  const { me, tenant } = app.session;

  const workspace = card('Workspace', { id: 'overview-workspace' },
    h('dl', { class: 'facts' },
      h('dt', {}, 'Name'), h('dd', { id: 'overview-name' }, tenant.name),
      h('dt', {}, 'Address'), h('dd', {}, h('code', { id: 'overview-slug' }, tenant.slug)),
      h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `status status-${tenant.status.toLowerCase()}` }, tenant.status.toLowerCase())),
      h('dt', {}, 'Web app'), h('dd', {}, h('a', { href: tenant.hostedAppURL, id: 'overview-hosted-url', target: '_blank', rel: 'noopener' }, tenant.hostedAppURL)),
      h('dt', {}, 'Created'), h('dd', {}, formatTime(tenant.createdAt))));

  const verify = h('form', { id: 'verify-form', class: 'form form-inline' },
    field({ id: 'verify-code', label: 'Verification code', attrs: { required: true, autocomplete: 'one-time-code', inputmode: 'numeric', 'data-field': 'code' } }),
    h('button', { type: 'submit', id: 'verify-submit', class: 'btn btn-primary' }, 'Verify email'));
  verify.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = await run(verify.querySelector('#verify-submit'), () =>
      gql(`mutation Verify($code: String!) { verifyEmail(code: $code) { ${STAFF} } }`, { code: verify.querySelector('#verify-code').value.trim() }), verify);
    if (d) {
      app.session.me = d.verifyEmail;
      toast('Your email is verified.');
      app.render();
    }
  });

  const you = card('You', { id: 'overview-you' },
    h('dl', { class: 'facts' },
      h('dt', {}, 'Name'), h('dd', {}, me.name),
      h('dt', {}, 'Email'), h('dd', {}, me.email, ' ',
        me.emailVerified
          ? h('span', { class: 'status status-active', id: 'overview-verified' }, 'verified')
          : h('span', { class: 'status status-pending', id: 'overview-verified' }, 'not verified')),
      h('dt', {}, 'Role'), h('dd', {}, roleBadge(me.role))),
    me.emailVerified ? null : h('p', { class: 'hint' }, `We emailed a code to ${me.email} when your account was made.`),
    me.emailVerified ? null : verify,
    me.emailVerified ? null : h('p', { class: 'hint' }, 'In development, the code is in the ', h('a', { href: '#/mail' }, 'dev mailbox'), '.'));

  const abilities = card(`What ${roleLabel(me.role).toLowerCase()}s can do`, { id: 'overview-role', description: 'The server checks every action; this is a summary.' },
    h('ul', { class: 'abilities' }, ABILITIES.map(([permit, text]) =>
      h('li', { class: app.can(permit) ? 'yes' : 'no' },
        h('span', { class: 'ability-mark', 'aria-hidden': 'true' }, app.can(permit) ? '✓' : '–'),
        h('span', { class: 'visually-hidden' }, app.can(permit) ? 'Allowed: ' : 'Not allowed: '),
        text))));

  const next = card('Next steps', { id: 'overview-next' },
    h('ul', { class: 'next-steps' },
      h('li', {}, h('a', { href: '#/branding' }, 'Brand your apps'), ': name, colours and logo.'),
      h('li', {}, h('a', { href: '#/team' }, 'Invite your team'), ': admins, editors and analysts.'),
      h('li', {}, h('a', { href: '#/keys' }, 'Create keys'), ': API keys for your servers, app keys for your apps.')),
    app.can('edit') ? null : notice('Your role can look at everything but change nothing.'));

  root.append(h('div', { class: 'grid-2' }, workspace, you, abilities, next));
}
