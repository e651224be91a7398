// Security: the signed-in member's two-factor authentication (enroll with an
// authenticator app, recovery codes shown once, regenerate, turn off), the
// workspace's two-factor requirement (owners), their sessions (revoke one,
// sign out everywhere) and their password.

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, copyButton } from '../ui.js';
import { encryptionCard } from './encryption.js';

const STATUS = 'twoFactor { enabled enabledAt recoveryCodesLeft requiredByWorkspace }';
const SESSION = 'id device userAgent ip country createdAt lastSeenAt current';
const CODE_HINT = 'The 6-digit code from your authenticator app, or one of your recovery codes.';

export async function render(root, app) {
  const d = await gql(`query Security { ${STATUS} }`);
  if (!root.isConnected) return undefined;
  let status = d.twoFactor;
  const mustEnroll = () => status.requiredByWorkspace && !status.enabled;

  // Recovery codes, shown once after enrolling or regenerating.
  const codeList = h('ol', { id: 'recovery-codes', class: 'recovery-codes' });
  const recoveryPanel = h('div', { id: 'recovery-panel', class: 'secret-panel', hidden: true, role: 'region', 'aria-label': 'Recovery codes' },
    h('p', { class: 'secret-warning', id: 'recovery-warning' },
      h('strong', {}, 'Store these recovery codes now. '),
      'They are shown only once. Each signs you in once if you lose your authenticator app.'),
    codeList,
    h('div', { class: 'secret-row' },
      copyButton('recovery-copy', () => [...codeList.querySelectorAll('code')].map((c) => c.textContent).join('\n'), 'Copy codes'),
      h('button', {
        type: 'button', id: 'recovery-done', class: 'btn btn-secondary',
        onclick: () => { codeList.replaceChildren(); recoveryPanel.hidden = true; },
      }, 'I have stored them')));

  function showCodes(codes) {
    codeList.replaceChildren(...codes.map((c) => h('li', {}, h('code', {}, c))));
    recoveryPanel.hidden = false;
    recoveryPanel.scrollIntoView({ block: 'nearest' });
    document.getElementById('recovery-done')?.focus();
  }

  // Two-factor authentication.
  const tfBody = h('div', { id: 'twofactor-body' });
  const tfCard = card('Two-factor authentication', {
    id: 'twofactor-card',
    description: 'Sign in with your password and a code from an authenticator app (such as 1Password, Google Authenticator or Authy).',
  }, recoveryPanel, tfBody);

  function paintTwoFactor() {
    tfBody.replaceChildren();
    tfBody.dataset.enabled = String(status.enabled);
    if (mustEnroll()) {
      tfBody.append(notice('Your workspace requires two-factor authentication: set it up to use the console.', { id: 'twofactor-required', kind: 'warn' }));
    }
    if (status.enabled) {
      tfBody.append(h('dl', { class: 'facts' },
        h('dt', {}, 'Status'), h('dd', {}, h('span', { class: 'status status-active', id: 'twofactor-status' }, 'on'), ' since ', timeEl(status.enabledAt)),
        h('dt', {}, 'Recovery codes'), h('dd', { id: 'recovery-left' }, `${status.recoveryCodesLeft} unused`)));
      tfBody.append(regenForm(), disableForm());
    } else {
      tfBody.append(h('dl', { class: 'facts' },
        h('dt', {}, 'Status'), h('dd', {}, h('span', { class: 'status status-pending', id: 'twofactor-status' }, 'off'))));
      tfBody.append(enrollForm());
    }
  }

  async function reloadStatus() {
    const s = await gql(`query TwoFactor { ${STATUS} }`);
    status = s.twoFactor;
    paintTwoFactor();
  }

  function enrollForm() {
    const form = h('form', { id: 'twofactor-enroll-form', class: 'form form-inline' },
      field({ id: 'twofactor-password', label: 'Your password', type: 'password', attrs: { required: true, autocomplete: 'current-password', 'data-field': 'password' } }),
      h('button', { type: 'submit', id: 'twofactor-enroll', class: 'btn btn-primary' }, 'Set up authenticator app'));
    const setup = h('div', { id: 'twofactor-setup', class: 'twofactor-setup', hidden: true });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await run(form.querySelector('#twofactor-enroll'), () =>
        gql('mutation Enroll($password: String!) { enrollTwoFactor(password: $password) { secret otpauthURL qrCode } }',
          { password: form.querySelector('#twofactor-password').value }), form);
      if (!r) return;
      form.querySelector('#twofactor-password').value = '';
      form.hidden = true;
      setup.replaceChildren(...setupSteps(r.enrollTwoFactor));
      setup.hidden = false;
      setup.querySelector('#twofactor-code').focus();
    });
    return h('div', {}, form, setup);
  }

  function setupSteps(enrollment) {
    const secret = h('input', { id: 'twofactor-secret', type: 'text', readonly: true, class: 'secret', spellcheck: 'false', value: enrollment.secret });
    const confirm = h('form', { id: 'twofactor-confirm-form', class: 'form form-inline' },
      field({
        id: 'twofactor-code', label: 'Code from the app', hint: 'Six digits; a new one every 30 seconds.',
        attrs: { required: true, autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 7, 'data-field': 'code' },
      }),
      h('button', { type: 'submit', id: 'twofactor-confirm', class: 'btn btn-primary' }, 'Turn on'));
    confirm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const wasBlocked = mustEnroll();
      const r = await run(confirm.querySelector('#twofactor-confirm'), () =>
        gql('mutation Confirm($code: String!) { confirmTwoFactor(code: $code) }', { code: confirm.querySelector('#twofactor-code').value.trim() }), confirm);
      if (!r) return;
      toast('Two-factor authentication is on.');
      await run(null, reloadStatus);
      showCodes(r.confirmTwoFactor);
      if (wasBlocked) {
        app.startLive();
        await run(null, loadSessions);
        paintPassword();
      }
    });
    return [
      h('ol', { class: 'steps' },
        h('li', {}, 'Scan this QR code with your authenticator app, or type the secret key into it.'),
        h('li', {}, 'Enter the code the app shows to finish.')),
      h('div', { class: 'qr-row' },
        h('img', { id: 'twofactor-qr', class: 'qr', src: enrollment.qrCode, alt: 'QR code of your authenticator secret', width: 180, height: 180 }),
        h('div', { class: 'qr-text' },
          h('label', { for: 'twofactor-secret' }, 'Secret key'),
          h('div', { class: 'secret-row' }, secret, copyButton('twofactor-secret-copy', () => secret.value)),
          h('p', { class: 'hint' }, 'On a phone: ', h('a', { href: enrollment.otpauthURL, id: 'twofactor-otpauth' }, 'open in your authenticator app'), '.'))),
      confirm,
    ];
  }

  function regenForm() {
    const form = h('form', { id: 'regen-form', class: 'form form-inline' },
      field({ id: 'regen-code', label: 'Code to make new recovery codes', hint: CODE_HINT, attrs: { required: true, autocomplete: 'one-time-code', 'data-field': 'code' } }),
      h('button', { type: 'submit', id: 'regen-submit', class: 'btn btn-secondary' }, 'New recovery codes'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await run(form.querySelector('#regen-submit'), () =>
        gql('mutation Regenerate($code: String!) { regenerateRecoveryCodes(code: $code) }', { code: form.querySelector('#regen-code').value.trim() }), form);
      if (!r) return;
      toast('New recovery codes: the old ones no longer work.');
      await run(null, reloadStatus);
      showCodes(r.regenerateRecoveryCodes);
    });
    return form;
  }

  function disableForm() {
    const form = h('form', { id: 'disable-form', class: 'form form-inline' },
      h('fieldset', { class: 'fieldset fieldset-inline' },
        h('legend', { class: 'visually-hidden' }, 'Turn off two-factor authentication'),
        field({ id: 'disable-password', label: 'Your password', type: 'password', attrs: { required: true, autocomplete: 'current-password', 'data-field': 'password' } }),
        field({ id: 'disable-code', label: 'Authentication or recovery code', attrs: { required: true, autocomplete: 'one-time-code', 'data-field': 'code' } }),
        h('button', { type: 'submit', id: 'disable-submit', class: 'btn btn-danger' }, 'Turn off two-factor')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = status.requiredByWorkspace
        ? 'Your workspace requires it: until you set it up again, you can do nothing but that.'
        : 'Signing in will need only your password.';
      if (!await confirmAction({ title: 'Turn off two-factor authentication?', body, ok: 'Turn off' })) return;
      const r = await run(form.querySelector('#disable-submit'), () =>
        gql('mutation Disable($password: String!, $code: String!) { disableTwoFactor(password: $password, code: $code) }',
          { password: form.querySelector('#disable-password').value, code: form.querySelector('#disable-code').value.trim() }), form);
      if (!r) return;
      toast('Two-factor authentication is off.');
      await run(null, reloadStatus);
    });
    return form;
  }

  // The workspace's requirement: owners change it.
  let requireCard = null;
  if (app.can('own')) {
    const box = h('input', { type: 'checkbox', id: 'require-twofactor', checked: !!app.session.tenant.requireTwoFactor, 'aria-describedby': 'require-twofactor-hint' });
    box.addEventListener('change', async () => {
      const want = box.checked;
      const r = await run(box, () =>
        gql('mutation Require($required: Boolean!) { setRequireTwoFactor(required: $required) { requireTwoFactor } }', { required: want }));
      if (!r) { box.checked = !want; return; }
      app.session.tenant.requireTwoFactor = r.setRequireTwoFactor.requireTwoFactor;
      status.requiredByWorkspace = r.setRequireTwoFactor.requireTwoFactor;
      paintTwoFactor();
      toast(want ? 'Everyone in the workspace now needs two-factor authentication.' : 'Two-factor authentication is now optional.');
    });
    requireCard = card('Workspace requirement', { id: 'require-card' },
      h('div', { class: 'checkbox-field' }, box, h('label', { for: 'require-twofactor' }, 'Require two-factor authentication for everyone')),
      h('p', { class: 'hint', id: 'require-twofactor-hint' },
        'Members without it can sign in but do nothing until they set it up. Turn it on for yourself first. API keys are not affected.'));
  } else if (status.requiredByWorkspace) {
    requireCard = card('Workspace requirement', { id: 'require-card' },
      notice('Your workspace requires two-factor authentication of everyone.', { id: 'require-info' }));
  }

  // Sessions.
  const sessionList = h('tbody', { id: 'session-list' });
  const sessionsBody = h('div', { id: 'sessions-body' });
  const sessionsCard = card('Sessions', { id: 'sessions-card', description: 'Where you are signed in. Sign out any you do not recognise.' }, sessionsBody);

  function sessionRow(s) {
    return h('tr', { id: `session-${s.id}`, dataset: { current: String(s.current), device: s.device } },
      h('td', {}, h('div', { title: s.userAgent }, s.device, s.current ? h('span', { class: 'tag', id: 'session-current' }, 'this session') : null)),
      h('td', {}, [s.ip, s.country].filter(Boolean).join(' · ') || '—'),
      h('td', {}, timeEl(s.createdAt)),
      h('td', {}, timeEl(s.lastSeenAt)),
      h('td', { class: 'actions' }, s.current ? null : h('button', {
        type: 'button', id: `revoke-session-${s.id}`, class: 'btn btn-danger-ghost btn-small',
        onclick: async (e) => {
          if (await run(e.target, () => gql('mutation RevokeSession($id: ID!) { revokeSession(id: $id) }', { id: s.id }))) {
            toast(`Signed out ${s.device}.`);
            await run(null, loadSessions);
          }
        },
      }, 'Sign out')));
  }

  async function loadSessions() {
    const r = await gql(`query Sessions { mySessions { ${SESSION} } }`);
    if (!root.isConnected) return;
    sessionList.replaceChildren(...(r.mySessions.length ? r.mySessions.map(sessionRow) : [emptyRow(5, 'No sessions.')]));
    sessionList.dataset.loaded = 'true';
    paintSessions();
  }

  function paintSessions() {
    if (mustEnroll()) {
      sessionsBody.replaceChildren(notice('Set up two-factor authentication to see your sessions.', { id: 'sessions-blocked' }));
      return;
    }
    const others = h('button', {
      type: 'button', id: 'signout-others', class: 'btn btn-secondary',
      onclick: async (e) => {
        const r = await run(e.target, () => gql('mutation SignOutOthers { signOutEverywhere(keepCurrent: true) }'));
        if (r) {
          toast(`Signed out ${r.signOutEverywhere} other ${r.signOutEverywhere === 1 ? 'session' : 'sessions'}.`);
          await run(null, loadSessions);
        }
      },
    }, 'Sign out other sessions');
    const everywhere = h('button', {
      type: 'button', id: 'signout-all', class: 'btn btn-danger',
      onclick: async (e) => {
        if (!await confirmAction({ title: 'Sign out everywhere?', body: 'Every session ends, this one too.', ok: 'Sign out everywhere' })) return;
        if (await run(e.target, () => gql('mutation SignOutAll { signOutEverywhere(keepCurrent: false) }')) !== undefined) {
          await app.signOut('You are signed out everywhere.');
        }
      },
    }, 'Sign out everywhere');
    sessionsBody.replaceChildren(
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'sessions-table' },
        h('thead', {}, h('tr', {}, ['Device', 'Place', 'Signed in', 'Last active', ''].map((t) =>
          h('th', { scope: 'col' }, t || h('span', { class: 'visually-hidden' }, 'Actions'))))),
        sessionList)),
      h('div', { class: 'card-actions session-actions' }, others, everywhere));
  }

  // Password.
  const passwordBody = h('div', { id: 'password-body' });
  const passwordCard = card('Password', { id: 'password-card', description: 'Changing it signs you out everywhere else.' }, passwordBody);

  function paintPassword() {
    if (mustEnroll()) {
      passwordBody.replaceChildren(notice('Set up two-factor authentication to change your password.', { id: 'password-blocked' }));
      return;
    }
    const form = h('form', { id: 'password-form', class: 'form' },
      field({ id: 'password-current', label: 'Current password', type: 'password', attrs: { required: true, autocomplete: 'current-password', 'data-field': 'current' } }),
      field({
        id: 'password-new', label: 'New password', type: 'password', hint: 'At least 10 characters; mix letters with digits or symbols.',
        attrs: { required: true, minlength: 10, autocomplete: 'new-password', 'data-field': 'new' },
      }),
      h('button', { type: 'submit', id: 'password-submit', class: 'btn btn-primary' }, 'Change password'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await run(form.querySelector('#password-submit'), () =>
        gql('mutation ChangePassword($current: String!, $new: String!) { changePassword(current: $current, new: $new) }',
          { current: form.querySelector('#password-current').value, new: form.querySelector('#password-new').value }), form);
      if (!r) return;
      form.reset();
      toast('Your password is changed; your other sessions are signed out.');
      await run(null, loadSessions);
    });
    passwordBody.replaceChildren(form);
  }

  paintTwoFactor();
  paintSessions();
  paintPassword();
  // Not while the member must first enroll: the API refuses them everything else.
  const protectionCard = mustEnroll() ? null : await encryptionCard(app).catch(() => null);
  if (!root.isConnected) return undefined;
  root.append(tfCard, ...(requireCard ? [requireCard] : []), ...(protectionCard ? [protectionCard] : []), sessionsCard, passwordCard);
  if (!mustEnroll()) await run(null, loadSessions);
  return undefined;
}
