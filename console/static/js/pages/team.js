// Team: the members and their roles, invitations, role changes and removal.
// The list follows the staffChanged subscription, so a colleague who accepts
// an invitation appears without a reload.

import { gql, STAFF } from '../api.js';
import { h, field, run, toast, card, notice, roleBadge, roleLabel, timeEl, emptyRow, confirmAction } from '../ui.js';

const ASSIGNABLE = [['ADMIN', 'Admin'], ['EDITOR', 'Editor'], ['ANALYST', 'Analyst']];
const ROLE_HELP = 'Admins run the team and keys; editors change content and branding; analysts look and change nothing.';
const INVITATION = 'id email role createdAt expiresAt invitedBy { id name email }';

export async function render(root, app) {
  const canManage = app.can('manage');
  const me = app.session.me;
  const members = new Map(); // id -> staff

  // Members.
  const list = h('tbody', { id: 'team-list' });
  const count = h('span', { id: 'team-count', class: 'muted' });
  const liveBadge = h('span', { id: 'team-live', class: 'live-pill' });
  const showLive = (state) => {
    liveBadge.dataset.state = state;
    liveBadge.textContent = state === 'live' ? 'Live' : state === 'connecting' || state === 'offline' ? 'Connecting…' : 'Not live';
    liveBadge.title = state === 'live' ? 'Changes by your colleagues appear here as they happen.'
      : 'Live updates are off in this tab; reload to see changes.';
  };
  showLive(app.liveState);

  function row(s) {
    const isMe = s.id === me.id;
    const editable = canManage && s.role !== 'OWNER' && !isMe;
    let roleCell;
    if (editable) {
      const select = h('select', { id: `role-${s.id}`, class: 'role-select' },
        ASSIGNABLE.map(([v, text]) => h('option', { value: v, selected: v === s.role }, text)));
      select.addEventListener('change', async () => {
        const d = await run(select, () => gql(`mutation ChangeRole($id: ID!, $role: Role!) { changeStaffRole(id: $id, role: $role) { ${STAFF} } }`,
          { id: s.id, role: select.value }));
        if (d) {
          upsert(d.changeStaffRole);
          toast(`${d.changeStaffRole.email} is now ${roleLabel(d.changeStaffRole.role)}.`);
        } else {
          select.value = members.get(s.id)?.role || s.role;
        }
      });
      roleCell = [h('label', { for: select.id, class: 'visually-hidden' }, `Role of ${s.email}`), select];
    } else {
      roleCell = roleBadge(s.role);
    }
    const remove = editable
      ? h('button', {
        type: 'button', class: 'btn btn-danger-ghost btn-small', id: `remove-${s.id}`,
        onclick: async (e) => {
          const ok = await confirmAction({ title: `Remove ${s.name || s.email}?`, body: `${s.email} loses access to the workspace at once.`, ok: 'Remove' });
          if (!ok) return;
          const done = await run(e.target, () => gql('mutation Remove($id: ID!) { removeStaff(id: $id) }', { id: s.id }));
          if (done) { drop(s.id); toast(`${s.email} was removed.`); }
        },
      }, 'Remove')
      : null;
    return h('tr', { id: `staff-${s.id}`, dataset: { email: s.email, role: s.role } },
      h('td', {},
        h('div', { class: 'person' },
          h('span', { class: 'avatar', 'aria-hidden': 'true' }, (s.name || s.email).slice(0, 1).toUpperCase()),
          h('div', {},
            h('div', { class: 'person-name' }, s.name || '—', isMe ? h('span', { class: 'tag' }, 'you') : null),
            h('div', { class: 'person-email muted' }, s.email)))),
      h('td', {}, roleCell),
      h('td', {}, s.emailVerified ? h('span', { class: 'status status-active' }, 'verified') : h('span', { class: 'status status-pending' }, 'unverified')),
      h('td', {}, timeEl(s.createdAt)),
      h('td', { class: 'actions' }, remove));
  }

  function paint() {
    const sorted = [...members.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    list.replaceChildren(...(sorted.length ? sorted.map(row) : [emptyRow(5, 'Nobody yet.')]));
    count.textContent = `${sorted.length} ${sorted.length === 1 ? 'member' : 'members'}`;
  }

  function flash(id) {
    const tr = document.getElementById(`staff-${id}`);
    if (tr) { tr.classList.add('flash'); setTimeout(() => tr.classList.remove('flash'), 2000); }
  }

  function upsert(s) { members.set(s.id, s); paint(); flash(s.id); }
  function drop(id) { members.delete(id); paint(); }

  const teamCard = card('Members', { id: 'team-card', actions: h('div', { class: 'card-actions' }, count, liveBadge) },
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table', id: 'team-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Member'), h('th', { scope: 'col' }, 'Role'),
          h('th', { scope: 'col' }, 'Email status'), h('th', { scope: 'col' }, 'Joined'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
        list)),
    h('p', { class: 'hint' }, ROLE_HELP));

  // Invitations.
  const invite = h('form', { id: 'invite-form', class: 'form form-inline' },
    h('fieldset', { id: 'invite-fields', class: 'fieldset fieldset-inline', disabled: !canManage },
      h('legend', { class: 'visually-hidden' }, 'Invite a member'),
      field({ id: 'invite-email', label: 'Email', type: 'email', attrs: { required: true, autocomplete: 'off', placeholder: 'name@company.com', 'data-field': 'email' } }),
      field({ id: 'invite-role', label: 'Role', type: 'select', value: 'EDITOR', options: ASSIGNABLE, attrs: { 'data-field': 'role' } }),
      h('button', { type: 'submit', id: 'invite-submit', class: 'btn btn-primary' }, 'Send invitation')));
  const pending = h('tbody', { id: 'invitation-list' });

  async function loadInvitations() {
    const d = await gql(`query Invitations { invitations { ${INVITATION} } }`);
    pending.replaceChildren(...(d.invitations.length ? d.invitations.map(invRow) : [emptyRow(5, 'No pending invitations.')]));
  }

  function invRow(inv) {
    return h('tr', { id: `inv-${inv.id}`, dataset: { email: inv.email } },
      h('td', {}, inv.email),
      h('td', {}, roleBadge(inv.role)),
      h('td', {}, inv.invitedBy ? inv.invitedBy.name || inv.invitedBy.email : '—'),
      h('td', {}, timeEl(inv.expiresAt)),
      h('td', { class: 'actions' }, h('button', {
        type: 'button', class: 'btn btn-danger-ghost btn-small', id: `revoke-inv-${inv.id}`,
        onclick: async (e) => {
          const ok = await confirmAction({ title: `Revoke the invitation to ${inv.email}?`, body: 'The link in their email stops working.', ok: 'Revoke' });
          if (!ok) return;
          const done = await run(e.target, () => gql('mutation Revoke($id: ID!) { revokeInvitation(id: $id) }', { id: inv.id }));
          if (done) { await run(null, loadInvitations); toast(`The invitation to ${inv.email} is revoked.`); }
        },
      }, 'Revoke')));
  }

  invite.addEventListener('submit', async (e) => {
    e.preventDefault();
    const email = invite.querySelector('#invite-email').value.trim();
    const role = invite.querySelector('#invite-role').value;
    const d = await run(invite.querySelector('#invite-submit'), () =>
      gql(`mutation Invite($input: InviteInput!) { inviteStaff(input: $input) { ${INVITATION} } }`, { input: { email, role } }), invite);
    if (d) {
      invite.querySelector('#invite-email').value = '';
      toast(`Invitation sent to ${d.inviteStaff.email} as ${roleLabel(d.inviteStaff.role)}.`);
      if (canManage) await run(null, loadInvitations);
    }
  });

  const inviteCard = card('Invite a member', { id: 'invite-card', description: 'They get an email with a link to join; it works for 7 days.' },
    canManage ? null : notice(`Your role (${roleLabel(app.role())}) cannot invite members; an owner or admin can.`, { id: 'invite-readonly', kind: 'warn' }),
    invite,
    h('p', { class: 'hint' }, 'In development, invitations land in the ', h('a', { href: '#/mail' }, 'dev mailbox'), '.'));

  const pendingCard = card('Pending invitations', { id: 'invitations-card' },
    canManage
      ? h('div', { class: 'table-wrap' },
        h('table', { class: 'table', id: 'invitation-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Invited by'),
            h('th', { scope: 'col' }, 'Expires'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          pending))
      : notice('Only owners and admins see pending invitations.', { id: 'invitations-hidden' }));

  root.append(teamCard, h('div', { class: 'grid-2' }, inviteCard, pendingCard));

  // Live changes; subscribe before loading so nothing falls in between.
  const onChange = (e) => {
    const { kind, staff } = e.detail;
    if (kind === 'removed') drop(staff.id);
    else upsert(staff);
    if (kind === 'joined' && canManage) run(null, loadInvitations);
  };
  const onLive = (e) => showLive(e.detail);
  app.events.addEventListener('staffChanged', onChange);
  app.events.addEventListener('liveState', onLive);
  const cleanup = () => {
    app.events.removeEventListener('staffChanged', onChange);
    app.events.removeEventListener('liveState', onLive);
  };

  paint();
  await run(null, async () => {
    let after = null;
    do {
      const d = await gql(`query Team($after: String) { team(first: 100, after: $after) { edges { node { ${STAFF} } } pageInfo { hasNextPage endCursor } } }`, { after });
      if (!root.isConnected) return;
      for (const { node } of d.team.edges) members.set(node.id, node);
      after = d.team.pageInfo.hasNextPage ? d.team.pageInfo.endCursor : null;
    } while (after);
    paint();
    list.dataset.loaded = 'true';
  });
  if (canManage && root.isConnected) {
    await run(null, loadInvitations);
    pending.dataset.loaded = 'true';
  }
  return cleanup;
}
