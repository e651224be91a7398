// Keys: API keys (secret, for the tenant's servers; the secret is shown once)
// and app keys (public, embedded in the tenant's apps; rotated, not shown once).

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, roleBadge, roleLabel, timeEl, emptyRow, confirmAction, copyButton } from '../ui.js';

const API_KEY = 'id name role hint createdAt lastUsedAt revokedAt';
const APP_KEY = 'id key name createdAt revokedAt';
const ROLES = [['ADMIN', 'Admin'], ['EDITOR', 'Editor'], ['ANALYST', 'Analyst']];

function state(revokedAt) {
  return revokedAt
    ? h('span', { class: 'status status-revoked' }, 'revoked ', timeEl(revokedAt))
    : h('span', { class: 'status status-active' }, 'active');
}

export async function render(root, app) {
  const canManage = app.can('manage');

  // API keys.
  const apiList = h('tbody', { id: 'apikey-list' });
  const secretValue = h('input', { id: 'apikey-secret', type: 'text', readonly: true, class: 'secret', spellcheck: 'false', 'aria-describedby': 'apikey-secret-warning' });
  const secretPanel = h('div', { id: 'apikey-secret-panel', class: 'secret-panel', hidden: true, role: 'region', 'aria-label': 'New API key secret' },
    h('p', { id: 'apikey-secret-warning', class: 'secret-warning' },
      h('strong', {}, 'Copy this secret now. '), 'It is shown only once; Marquee keeps only a hash of it. Send it as Authorization: Bearer <secret>.'),
    h('label', { for: 'apikey-secret' }, 'Secret'),
    h('div', { class: 'secret-row' }, secretValue, copyButton('apikey-copy', () => secretValue.value)),
    h('button', {
      type: 'button', id: 'apikey-secret-done', class: 'btn btn-secondary',
      onclick: () => { secretValue.value = ''; secretPanel.hidden = true; },
    }, 'I have stored it'));

  const apiForm = h('form', { id: 'apikey-form', class: 'form form-inline' },
    h('fieldset', { class: 'fieldset fieldset-inline', id: 'apikey-fields', disabled: !canManage },
      h('legend', { class: 'visually-hidden' }, 'Create an API key'),
      field({ id: 'apikey-name', label: 'Name', attrs: { required: true, maxlength: 80, placeholder: 'CMS sync', 'data-field': 'name' } }),
      field({ id: 'apikey-role', label: 'Role', type: 'select', value: 'EDITOR', options: ROLES, attrs: { 'data-field': 'role' } }),
      h('button', { type: 'submit', id: 'apikey-submit', class: 'btn btn-primary' }, 'Create API key')));

  function apiRow(k) {
    return h('tr', { id: `apikey-${k.id}`, class: k.revokedAt ? 'revoked' : '' },
      h('td', {}, k.name),
      h('td', {}, roleBadge(k.role)),
      h('td', {}, h('code', {}, `…${k.hint}`)),
      h('td', {}, timeEl(k.createdAt)),
      h('td', {}, k.lastUsedAt ? timeEl(k.lastUsedAt) : 'never'),
      h('td', {}, state(k.revokedAt)),
      h('td', { class: 'actions' }, k.revokedAt || !canManage ? null : h('button', {
        type: 'button', id: `revoke-apikey-${k.id}`, class: 'btn btn-danger-ghost btn-small',
        onclick: async (e) => {
          const ok = await confirmAction({ title: `Revoke "${k.name}"?`, body: 'Anything using this key stops working at once.', ok: 'Revoke key' });
          if (!ok) return;
          if (await run(e.target, () => gql('mutation RevokeAPIKey($id: ID!) { revokeAPIKey(id: $id) }', { id: k.id }))) {
            toast(`API key "${k.name}" is revoked.`);
            await run(null, loadAPIKeys);
          }
        },
      }, 'Revoke')));
  }

  async function loadAPIKeys() {
    const d = await gql(`query APIKeys { apiKeys { ${API_KEY} } }`);
    const keys = [...d.apiKeys].sort((a, b) => (!!a.revokedAt - !!b.revokedAt) || b.createdAt.localeCompare(a.createdAt));
    apiList.replaceChildren(...(keys.length ? keys.map(apiRow) : [emptyRow(7, 'No API keys yet.')]));
  }

  apiForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = apiForm.querySelector('#apikey-name').value;
    const role = apiForm.querySelector('#apikey-role').value;
    const d = await run(apiForm.querySelector('#apikey-submit'), () =>
      gql(`mutation CreateAPIKey($input: APIKeyInput!) { createAPIKey(input: $input) { key { ${API_KEY} } secret } }`, { input: { name, role } }), apiForm);
    if (d) {
      apiForm.querySelector('#apikey-name').value = '';
      secretValue.value = d.createAPIKey.secret;
      secretPanel.hidden = false;
      secretValue.focus();
      secretValue.select();
      toast(`API key "${d.createAPIKey.key.name}" created with the ${roleLabel(d.createAPIKey.key.role)} role.`);
      await run(null, loadAPIKeys);
    }
  });

  // App keys.
  const appList = h('tbody', { id: 'appkey-list' });
  const appForm = h('form', { id: 'appkey-form', class: 'form form-inline' },
    h('fieldset', { class: 'fieldset fieldset-inline', id: 'appkey-fields', disabled: !canManage },
      h('legend', { class: 'visually-hidden' }, 'Create an app key'),
      field({ id: 'appkey-name', label: 'Name', attrs: { required: true, maxlength: 80, placeholder: 'Roku app', 'data-field': 'name' } }),
      h('button', { type: 'submit', id: 'appkey-submit', class: 'btn btn-primary' }, 'Create app key')));

  function appRow(k) {
    return h('tr', { id: `appkey-${k.id}`, class: k.revokedAt ? 'revoked' : '' },
      h('td', {}, k.name),
      h('td', {}, h('div', { class: 'key-cell' }, h('code', { class: 'app-key' }, k.key),
        k.revokedAt ? null : copyButton(`copy-appkey-${k.id}`, () => k.key))),
      h('td', {}, timeEl(k.createdAt)),
      h('td', {}, state(k.revokedAt)),
      h('td', { class: 'actions' }, k.revokedAt || !canManage ? null : h('button', {
        type: 'button', id: `rotate-appkey-${k.id}`, class: 'btn btn-secondary btn-small',
        onclick: async (e) => {
          const ok = await confirmAction({
            title: `Rotate "${k.name}"?`, ok: 'Rotate key', danger: false,
            body: 'A new key replaces this one, which stops working at once: ship the new key in your apps first.',
          });
          if (!ok) return;
          const d = await run(e.target, () => gql(`mutation RotateAppKey($id: ID!) { rotateAppKey(id: $id) { ${APP_KEY} } }`, { id: k.id }));
          if (d) {
            toast(`App key "${k.name}" rotated.`);
            await run(null, loadAppKeys);
            document.getElementById(`appkey-${d.rotateAppKey.id}`)?.classList.add('flash');
          }
        },
      }, 'Rotate')));
  }

  async function loadAppKeys() {
    const d = await gql(`query AppKeys { appKeys { ${APP_KEY} } }`);
    const keys = [...d.appKeys].sort((a, b) => (!!a.revokedAt - !!b.revokedAt) || b.createdAt.localeCompare(a.createdAt));
    appList.replaceChildren(...(keys.length ? keys.map(appRow) : [emptyRow(5, 'No app keys yet.')]));
  }

  appForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = await run(appForm.querySelector('#appkey-submit'), () =>
      gql(`mutation CreateAppKey($name: String!) { createAppKey(name: $name) { ${APP_KEY} } }`, { name: appForm.querySelector('#appkey-name').value }), appForm);
    if (d) {
      appForm.querySelector('#appkey-name').value = '';
      toast(`App key "${d.createAppKey.name}" created.`);
      await run(null, loadAppKeys);
      document.getElementById(`appkey-${d.createAppKey.id}`)?.classList.add('flash');
    }
  });

  const readonly = canManage ? null
    : notice(`Your role (${roleLabel(app.role())}) cannot see or manage keys; an owner or admin can.`, { id: 'keys-readonly', kind: 'warn' });
  const table = (id, heads, body) => h('div', { class: 'table-wrap' }, h('table', { class: 'table', id },
    h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t || h('span', { class: 'visually-hidden' }, 'Actions'))))), body));

  root.append(...[
    readonly,
    card('API keys', { id: 'apikeys-card', description: 'For your servers and scripts. Each key acts with its own role.' },
      apiForm, secretPanel,
      canManage ? table('apikey-table', ['Name', 'Role', 'Key', 'Created', 'Last used', 'Status', ''], apiList) : null),
    card('App keys', { id: 'appkeys-card', description: 'Public identifiers your apps send as X-Marquee-App-Key. They reach the storefront only.' },
      appForm,
      canManage ? table('appkey-table', ['Name', 'Key', 'Created', 'Status', ''], appList) : null),
  ].filter(Boolean));

  if (canManage) {
    await run(null, loadAPIKeys);
    if (root.isConnected) await run(null, loadAppKeys);
  }
}
