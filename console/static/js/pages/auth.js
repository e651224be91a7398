// The pages before a session: sign up, log in, accept an invitation, reset a
// password. Each ends by handing the new token to /auth/session, which keeps
// it as an HttpOnly cookie.

import { gql, startSession, AUTH } from '../api.js';
import { h, field, run, toast, notice, roleLabel } from '../ui.js';

const LAST_SLUG = 'marquee.console.lastSlug';

function rememberSlug(slug) {
  try { localStorage.setItem(LAST_SLUG, slug); } catch { /* storage off */ }
}

function lastSlug() {
  try { return localStorage.getItem(LAST_SLUG) || ''; } catch { return ''; }
}

function authCard(title, subtitle, ...children) {
  return h('div', { class: 'auth-card' },
    h('div', { class: 'auth-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'M'), 'Marquee'),
    h('h2', { class: 'auth-title' }, title),
    subtitle ? h('p', { class: 'muted auth-subtitle' }, subtitle) : null,
    children);
}

// A signed-in visitor to a public page is told so, with a way back.
function signedInNote(app) {
  if (!app.session) return null;
  const { me, tenant } = app.session;
  return h('p', { class: 'notice notice-info' },
    `You are signed in as ${me.email} in ${tenant.name}. `,
    h('a', { href: '#/overview' }, 'Back to the console'), '. Continuing here signs you in with another account.');
}

function submitButton(id, text) {
  return h('button', { type: 'submit', id, class: 'btn btn-primary btn-block' }, text);
}

async function signIn(app, payload, next) {
  app.signedIn(payload);
  rememberSlug(payload.tenant.slug);
  // A workspace that requires two-factor lets a member without it do nothing
  // but set it up: go straight there.
  if (payload.tenant.requireTwoFactor) {
    try {
      const d = await gql('query TwoFactorDue { twoFactor { enabled } }');
      if (!d.twoFactor.enabled) next = 'security';
    } catch { /* the security page will say */ }
  }
  app.navigate(next && /^[a-z]+$/.test(next) ? `#/${next}` : '#/overview');
}

/** slugify suggests a workspace slug from a company name. */
export function slugify(name) {
  let s = name.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').replace(/^[0-9-]+/, '');
  s = s.slice(0, 40).replace(/-+$/, '');
  return s;
}

export function signup(root, app) {
  const form = h('form', { id: 'signup-form', class: 'form' },
    field({ id: 'signup-company', label: 'Company name', attrs: { required: true, maxlength: 100, autocomplete: 'organization', 'data-field': 'companyName' } }),
    field({
      id: 'signup-slug', label: 'Workspace address',
      hint: 'Lowercase letters, digits and hyphens; 3 to 40 characters, starting with a letter.',
      attrs: { required: true, minlength: 3, maxlength: 40, pattern: '[a-z][a-z0-9\\-]{1,38}[a-z0-9]', autocapitalize: 'off', spellcheck: 'false', 'data-field': 'slug' },
    }),
    h('p', { class: 'hint', id: 'signup-app-url' }),
    field({ id: 'signup-name', label: 'Your name', attrs: { required: true, autocomplete: 'name', 'data-field': 'ownerName' } }),
    field({ id: 'signup-email', label: 'Work email', type: 'email', attrs: { required: true, autocomplete: 'email', 'data-field': 'ownerEmail' } }),
    field({
      id: 'signup-password', label: 'Password', type: 'password',
      hint: 'At least 10 characters; mix letters with digits or symbols.',
      attrs: { required: true, minlength: 10, autocomplete: 'new-password', 'data-field': 'password' },
    }),
    submitButton('signup-submit', 'Create workspace'));

  const company = form.querySelector('#signup-company');
  const slug = form.querySelector('#signup-slug');
  const appURL = form.querySelector('#signup-app-url');
  const showURL = () => {
    appURL.textContent = slug.value ? `Your web app will be at ${location.origin}/t/${slug.value}/` : '';
  };
  company.addEventListener('input', () => {
    if (!slug.dataset.touched) { slug.value = slugify(company.value); showURL(); }
  });
  slug.addEventListener('input', () => { slug.dataset.touched = '1'; showURL(); });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(id).value;
    const payload = await run(form.querySelector('#signup-submit'), async () => {
      const d = await gql(`mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ${AUTH} } }`, {
        input: {
          companyName: v('#signup-company'), slug: v('#signup-slug'), ownerName: v('#signup-name'),
          ownerEmail: v('#signup-email'), password: v('#signup-password'),
        },
      });
      await startSession(d.signUp.token);
      return d.signUp;
    }, form);
    if (payload) {
      toast(`Welcome to Marquee, ${payload.staff.name}. We emailed you a code to verify your address.`);
      await signIn(app, payload);
    }
  });

  root.append(authCard('Create your workspace', 'Start your streaming service: sign up your company and become its owner.',
    signedInNote(app), form,
    h('p', { class: 'auth-foot' }, 'Already on Marquee? ', h('a', { href: '#/login', id: 'to-login' }, 'Sign in'))));
}

export function login(root, app, params) {
  const form = h('form', { id: 'login-form', class: 'form' },
    field({
      id: 'login-slug', label: 'Workspace', value: params.get('slug') || lastSlug(),
      hint: 'The workspace address your company signed up with.',
      attrs: { required: true, autocapitalize: 'off', spellcheck: 'false', autocomplete: 'organization', 'data-field': 'slug' },
    }),
    field({ id: 'login-email', label: 'Email', type: 'email', attrs: { required: true, autocomplete: 'username', 'data-field': 'email' } }),
    field({ id: 'login-password', label: 'Password', type: 'password', attrs: { required: true, autocomplete: 'current-password', 'data-field': 'password' } }),
    submitButton('login-submit', 'Sign in'));

  // The second step, when the account has two-factor authentication on.
  let challenge = '';
  const who = h('p', { class: 'notice notice-info', id: 'login-2fa-who' });
  const second = h('form', { id: 'login-2fa-form', class: 'form', hidden: true },
    who,
    field({
      id: 'login-code', label: 'Authentication code',
      hint: 'The 6-digit code from your authenticator app, or one of your recovery codes.',
      attrs: { required: true, autocomplete: 'one-time-code', autocapitalize: 'off', spellcheck: 'false', 'data-field': 'code' },
    }),
    submitButton('login-code-submit', 'Verify and sign in'),
    h('button', { type: 'button', id: 'login-restart', class: 'btn btn-ghost btn-block' }, 'Start over'));

  const restart = () => {
    challenge = '';
    second.hidden = true;
    second.querySelector('#login-code').value = '';
    form.hidden = false;
    form.querySelector('#login-password').value = '';
    form.querySelector('#login-password').focus();
  };
  second.querySelector('#login-restart').addEventListener('click', restart);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(id).value.trim();
    const payload = await run(form.querySelector('#login-submit'), async () => {
      const d = await gql(`mutation Login($input: LoginInput!) { login(input: $input) { ${AUTH} secondFactor { token expiresAt } } }`, {
        input: { slug: v('#login-slug').toLowerCase(), email: v('#login-email'), password: form.querySelector('#login-password').value },
      });
      if (!d.login.token) {
        challenge = d.login.secondFactor.token;
        who.textContent = `Signing in as ${d.login.staff.email} to ${d.login.tenant.name}. Your account has two-factor authentication on.`;
        form.hidden = true;
        second.hidden = false;
        second.querySelector('#login-code').focus();
        return null;
      }
      await startSession(d.login.token);
      return d.login;
    }, form);
    if (payload) await signIn(app, payload, params.get('next'));
  });

  second.addEventListener('submit', async (e) => {
    e.preventDefault();
    const payload = await run(second.querySelector('#login-code-submit'), async () => {
      let d;
      try {
        d = await gql(`mutation SecondFactor($challenge: String!, $code: String!) { loginSecondFactor(challenge: $challenge, code: $code) { ${AUTH} } }`,
          { challenge, code: second.querySelector('#login-code').value.trim() });
      } catch (err) {
        if (err.code === 'UNAUTHENTICATED') restart(); // the five minutes ran out
        throw err;
      }
      await startSession(d.loginSecondFactor.token);
      return d.loginSecondFactor;
    }, second);
    if (payload) await signIn(app, payload, params.get('next'));
  });

  root.append(authCard('Sign in', 'Sign in to your workspace.', signedInNote(app), form, second,
    h('p', { class: 'auth-foot' },
      h('a', { href: '#/forgot', id: 'to-forgot' }, 'Forgot your password?'), ' · ',
      'New here? ', h('a', { href: '#/signup', id: 'to-signup' }, 'Create a workspace'), ' · ',
      h('a', { href: '#/mail' }, 'Dev mailbox'))));
  form.querySelector(params.get('slug') || lastSlug() ? '#login-email' : '#login-slug').focus();
}

export function accept(root, app, params) {
  const token = params.get('token') || '';
  const form = h('form', { id: 'accept-form', class: 'form' },
    token
      ? h('input', { type: 'hidden', id: 'accept-token', value: token })
      : field({
        id: 'accept-token', label: 'Invitation token', hint: 'The mqi_… token from your invitation email.',
        attrs: { required: true, autocapitalize: 'off', spellcheck: 'false', 'data-field': 'token' },
      }),
    token ? notice('Your invitation link is ready. Choose how you appear to your team and a password.', { id: 'accept-token-note' }) : null,
    field({ id: 'accept-name', label: 'Your name', attrs: { required: true, autocomplete: 'name', 'data-field': 'name' } }),
    field({
      id: 'accept-password', label: 'Choose a password', type: 'password',
      hint: 'At least 10 characters; mix letters with digits or symbols.',
      attrs: { required: true, minlength: 10, autocomplete: 'new-password', 'data-field': 'password' },
    }),
    submitButton('accept-submit', 'Join the team'));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const payload = await run(form.querySelector('#accept-submit'), async () => {
      const d = await gql(`mutation Accept($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { ${AUTH} } }`, {
        input: {
          token: form.querySelector('#accept-token').value.trim(),
          name: form.querySelector('#accept-name').value,
          password: form.querySelector('#accept-password').value,
        },
      });
      await startSession(d.acceptInvitation.token);
      return d.acceptInvitation;
    }, form);
    if (payload) {
      toast(`Welcome to ${payload.tenant.name}: you joined as ${roleLabel(payload.staff.role)}.`);
      await signIn(app, payload);
    }
  });

  root.append(authCard('Join your team', 'You were invited to a Marquee workspace.', signedInNote(app), form,
    h('p', { class: 'auth-foot' }, 'Already joined? ', h('a', { href: '#/login' }, 'Sign in'))));
}

export function forgot(root, app, params) {
  const request = h('form', { id: 'reset-request-form', class: 'form' },
    field({
      id: 'reset-slug', label: 'Workspace', value: params.get('slug') || lastSlug(),
      attrs: { required: true, autocapitalize: 'off', spellcheck: 'false', 'data-field': 'slug' },
    }),
    field({ id: 'reset-email', label: 'Email', type: 'email', attrs: { required: true, autocomplete: 'username', 'data-field': 'email' } }),
    submitButton('reset-request', 'Email me a code'));

  const reset = h('form', { id: 'reset-form', class: 'form', hidden: true },
    notice('If the account exists, we emailed it a code. It expires in 30 minutes.', { id: 'reset-sent' }),
    field({ id: 'reset-code', label: 'Code from the email', attrs: { required: true, autocomplete: 'one-time-code', inputmode: 'numeric', 'data-field': 'code' } }),
    field({
      id: 'reset-password', label: 'New password', type: 'password',
      hint: 'At least 10 characters; mix letters with digits or symbols.',
      attrs: { required: true, minlength: 10, autocomplete: 'new-password', 'data-field': 'password' },
    }),
    submitButton('reset-submit', 'Set new password'));

  const slug = () => request.querySelector('#reset-slug').value.trim().toLowerCase();
  const email = () => request.querySelector('#reset-email').value.trim();

  request.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = await run(request.querySelector('#reset-request'), () =>
      gql('mutation Request($slug: String!, $email: String!) { requestPasswordReset(slug: $slug, email: $email) }',
        { slug: slug(), email: email() }), request);
    if (ok) {
      reset.hidden = false;
      reset.querySelector('#reset-code').focus();
    }
  });

  reset.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = await run(reset.querySelector('#reset-submit'), () =>
      gql('mutation Reset($input: ResetPasswordInput!) { resetPassword(input: $input) }', {
        input: { slug: slug(), email: email(), code: reset.querySelector('#reset-code').value.trim(), password: reset.querySelector('#reset-password').value },
      }), reset);
    if (ok) {
      rememberSlug(slug());
      toast('Your password is changed. Sign in with it.');
      app.navigate(`#/login?slug=${encodeURIComponent(slug())}`);
    }
  });

  root.append(authCard('Reset your password', 'We email a one-time code to the address on your account.', request, reset,
    h('p', { class: 'auth-foot' }, h('a', { href: '#/login' }, 'Back to sign in'), ' · ', h('a', { href: '#/mail' }, 'Dev mailbox'))));
}
