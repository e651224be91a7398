// The console's shell: the session, hash routing, the sidebar and top bar,
// and the live team subscription. Each page is a module under pages/ that
// renders into a container and may return a cleanup function.

import { gql, endSession, forgetToken, liveToken, STAFF, TENANT } from './api.js';
import { LiveClient } from './live.js';
import { clearError, showError, toast, roleLabel, setRoleHint } from './ui.js';
import * as auth from './pages/auth.js';
import * as overview from './pages/overview.js';
import * as branding from './pages/branding.js';
import * as team from './pages/team.js';
import * as keys from './pages/keys.js';
import * as audit from './pages/audit.js';
import * as mail from './pages/mail.js';
import * as domains from './pages/domains.js';
import * as security from './pages/security.js';
import * as webhooks from './pages/webhooks.js';
import * as operator from './pages/operator.js';
import * as library from './pages/library.js';
import * as series from './pages/series.js';
import * as rails from './pages/rails.js';
import * as creators from './pages/creators.js';
import * as player from './pages/player.js';
import * as money from './pages/money.js';
import * as bundles from './pages/bundles.js';
import * as events from './pages/events.js';
import * as support from './pages/support.js';
import * as plan from './pages/plan.js';
import * as apps from './pages/apps.js';

// What each role may do, as the console shows it. The server decides (Keto);
// this only hides or disables controls a role cannot use, and is kept in step
// with authz/namespaces.keto.ts by hand.
const PERMITS = {
  OWNER: ['read', 'edit', 'manage', 'audit', 'own'],
  ADMIN: ['read', 'edit', 'manage', 'audit'],
  EDITOR: ['read', 'edit'],
  ANALYST: ['read'],
};

// access: public pages use the plain layout; private ones need a session;
// "any" pages (the dev mailbox) work both ways.
const ROUTES = {
  signup: { title: 'Create your workspace', page: auth.signup, access: 'public' },
  login: { title: 'Sign in', page: auth.login, access: 'public' },
  accept: { title: 'Join your team', page: auth.accept, access: 'public' },
  forgot: { title: 'Reset your password', page: auth.forgot, access: 'public' },
  overview: { title: 'Overview', page: overview.render, access: 'private' },
  branding: { title: 'Branding', page: branding.render, access: 'private' },
  team: { title: 'Team', page: team.render, access: 'private' },
  keys: { title: 'API & app keys', page: keys.render, access: 'private' },
  audit: { title: 'Audit log', page: audit.render, access: 'private' },
  domains: { title: 'Custom domains', page: domains.render, access: 'private' },
  security: { title: 'Security', page: security.render, access: 'private' },
  webhooks: { title: 'Webhooks', page: webhooks.render, access: 'private' },
  library: { title: 'Library', page: library.render, access: 'private' },
  series: { title: 'Series', page: series.render, access: 'private' },
  rails: { title: 'Collections & rails', page: rails.render, access: 'private' },
  creators: { title: 'Creators', page: creators.render, access: 'private' },
  player: { title: 'Player', page: player.render, access: 'private' },
  money: { title: 'Money', page: money.render, access: 'private' },
  bundles: { title: 'Bundles', page: bundles.render, access: 'private' },
  events: { title: 'Live events', page: events.render, access: 'private' },
  support: { title: 'Viewer support', page: support.render, access: 'private' },
  plan: { title: 'Plan & usage', page: plan.render, access: 'private' },
  apps: { title: 'Apps', page: apps.render, access: 'private' },
  mail: { title: 'Dev mailbox', page: mail.render, access: 'any' },
  // The platform operator's pages (access 'operator': an operator session).
  'operator/login': { title: 'Operator sign-in', page: operator.login, access: 'public' },
  'operator/tenants': { title: 'Tenants', page: operator.tenants, access: 'operator' },
  'operator/tenant': { title: 'Tenant', page: operator.tenant, access: 'operator' },
  'operator/plans': { title: 'Platform plans', page: operator.plans, access: 'operator' },
};

const SESSION_QUERY = `query Session { me { ${STAFF} } tenant { ${TENANT} } }`;
const STAFF_CHANGED = `subscription StaffChanged { staffChanged { kind staff { ${STAFF} } } }`;

class App {
  constructor() {
    this.session = null; // {me, tenant}
    this.operator = null; // {id, email} on the operator's pages
    this.events = new EventTarget();
    this.live = null;
    this.liveState = 'off';
    this.cleanup = null;
    this.rendered = false;
  }

  role() { return this.session?.me.role || ''; }

  can(permit) { return (PERMITS[this.role()] || []).includes(permit); }

  /** signedIn takes an AuthPayload (after the cookie is set) as the session. */
  signedIn(payload) {
    this.setSession({ me: payload.staff, tenant: payload.tenant });
  }

  setSession(s) {
    this.session = s;
    this.startLive();
    this.renderShell();
  }

  setTenant(tenant) {
    if (!this.session) return;
    this.session.tenant = tenant;
    this.renderShell();
  }

  /** refresh reloads who is signed in; it resolves false when nobody is. */
  async refresh() {
    try {
      const d = await gql(SESSION_QUERY);
      const roleBefore = this.role();
      if (this.session && this.session.me.id === d.me.id) {
        this.session.me = d.me;
        this.session.tenant = d.tenant;
        this.renderShell();
      } else {
        this.setSession({ me: d.me, tenant: d.tenant });
      }
      return roleBefore !== this.role() ? 'changed' : true;
    } catch (err) {
      if (err.code === 'UNAUTHENTICATED') {
        this.dropSession();
        return false;
      }
      throw err;
    }
  }

  dropSession() {
    this.session = null;
    forgetToken();
    this.stopLive();
    this.renderShell();
  }

  async signOut(message = 'You are signed out.') {
    const wasOperator = !!this.operator;
    if (wasOperator) await operator.endSession(this);
    await endSession();
    this.dropSession();
    this.navigate(wasOperator ? '#/operator/login' : '#/login');
    toast(message);
  }

  navigate(hash) {
    if (location.hash === hash) this.render();
    else location.hash = hash;
  }

  // The live subscription runs while signed in, whatever the page, so the
  // console also learns of changes to the signed-in member's own role.
  startLive() {
    this.stopLive();
    const token = liveToken();
    if (!this.session || !token) {
      this.setLiveState('off');
      return;
    }
    this.live = new LiveClient(token, (state) => this.setLiveState(state));
    this.live.subscribe(STAFF_CHANGED, {}, (data) => this.staffChanged(data.staffChanged),
      () => this.setLiveState('refused'));
  }

  stopLive() {
    if (this.live) this.live.close();
    this.live = null;
  }

  setLiveState(state) {
    this.liveState = state;
    const el = document.getElementById('live-status');
    if (el) {
      el.dataset.state = state;
      el.querySelector('.live-text').textContent = {
        live: 'Live updates on', connecting: 'Connecting…', offline: 'Reconnecting…',
        refused: 'Live updates refused', off: 'Live updates off',
      }[state] || state;
    }
    this.events.dispatchEvent(new CustomEvent('liveState', { detail: state }));
  }

  staffChanged(change) {
    this.events.dispatchEvent(new CustomEvent('staffChanged', { detail: change }));
    const me = this.session?.me;
    if (!me || change.staff.id !== me.id) return;
    if (change.kind === 'removed') {
      this.signOut('You were removed from the team.');
    } else if (change.kind === 'role_changed' && change.staff.role !== me.role) {
      this.session.me = { ...me, ...change.staff };
      this.renderShell();
      toast(`Your role is now ${roleLabel(change.staff.role)}.`);
      this.render({ keepError: true });
    }
  }

  renderShell() {
    const s = this.session;
    document.getElementById('tenant-name').textContent = s ? s.tenant.name : '';
    document.getElementById('tenant-slug').textContent = s ? s.tenant.slug : '';
    document.getElementById('whoami-name').textContent = s ? (s.me.name || s.me.email) : '';
    document.getElementById('whoami-email').textContent = s ? s.me.email : '';
    const role = document.getElementById('whoami-role');
    role.textContent = s ? roleLabel(s.me.role) : '';
    role.dataset.role = s ? s.me.role : '';
    role.className = s ? `role-badge role-${s.me.role.toLowerCase()}` : 'role-badge';
    for (const a of document.querySelectorAll('[data-needs]')) {
      a.closest('li').hidden = !!s && !this.can(a.dataset.needs);
    }
    const logo = document.getElementById('tenant-logo');
    const url = s?.tenant.branding.logoURL;
    logo.hidden = !url;
    if (url) logo.src = url;
  }

  parse() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [name, query = ''] = raw.split('?');
    return { name, params: new URLSearchParams(query) };
  }

  async render({ keepError = false } = {}) {
    let { name, params } = this.parse();
    if (!ROUTES[name]) {
      const home = this.session ? '#/overview' : '#/login';
      history.replaceState(null, '', home);
      ({ name, params } = this.parse());
    }
    const route = ROUTES[name];
    if (route.access === 'private' && !this.session) {
      history.replaceState(null, '', `#/login?next=${encodeURIComponent(name)}`);
      return this.render({ keepError });
    }
    if (route.access === 'operator' && !(await operator.ensureSession(this))) {
      history.replaceState(null, '', `#/operator/login?next=${encodeURIComponent(name)}`);
      return this.render({ keepError });
    }
    if (this.cleanup) { try { this.cleanup(); } catch { /* page gone */ } }
    this.cleanup = null;
    if (!keepError) clearError();

    const shell = route.access === 'operator' || (!!this.session && route.access !== 'public');
    document.body.classList.toggle('signed-in', shell);
    document.body.classList.toggle('signed-out', !shell);
    operator.applyShell(this, route.access === 'operator');
    document.body.dataset.page = name;
    document.title = `${route.title} · Marquee`;
    document.getElementById('page-title').textContent = route.title;
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }

    const view = document.getElementById('view');
    const root = document.createElement('div');
    root.className = `page page-${name}`;
    view.replaceChildren(root);
    if (this.rendered) view.focus({ preventScroll: true });
    this.rendered = true;
    try {
      const cleanup = await route.page(root, this, params);
      if (typeof cleanup === 'function') {
        if (root.isConnected) this.cleanup = cleanup;
        else cleanup();
      }
    } catch (err) {
      if (root.isConnected) showError(err);
    }
    return undefined;
  }
}

const app = new App();
setRoleHint(() => roleLabel(app.role()));

// Every shown error passes here: an expired session sends the user to sign
// in; a refusal re-reads the role, which may have changed under the page.
document.addEventListener('console:error', async (e) => {
  const code = e.detail?.code;
  const { name } = app.parse();
  const page = ROUTES[name]?.access;
  // On a public page (a failed sign-in) the refusal is about the form.
  if (code === 'UNAUTHENTICATED' && page === 'operator') {
    app.operator = null;
    history.replaceState(null, '', `#/operator/login?next=${encodeURIComponent(name)}`);
    await app.render({ keepError: true });
  } else if (code === 'UNAUTHENTICATED' && app.session && page !== 'public') {
    app.dropSession();
    if (page === 'private') {
      history.replaceState(null, '', `#/login?next=${encodeURIComponent(name)}`);
      await app.render({ keepError: true });
    }
  } else if (code === 'FORBIDDEN' && app.session && /^two-factor authentication is required/.test(e.detail?.message || '')) {
    // The workspace requires two-factor and this member has none: only the
    // security page, where they set it up, works.
    if (name !== 'security') {
      history.replaceState(null, '', '#/security');
      await app.render({ keepError: true });
    }
  } else if (code === 'FORBIDDEN' && app.session) {
    try {
      if (await app.refresh() === 'changed') await app.render({ keepError: true });
    } catch { /* the banner already shows the refusal */ }
  }
});

document.getElementById('logout').addEventListener('click', () => app.signOut());
document.getElementById('error-dismiss').addEventListener('click', () => clearError());
document.getElementById('confirm-dialog').addEventListener('cancel', (e) => {
  e.target.returnValue = '';
});

async function boot() {
  try {
    await app.refresh();
  } catch (err) {
    showError(err);
  }
  window.addEventListener('hashchange', () => app.render());
  await app.render({ keepError: true });
  document.body.dataset.ready = 'true';
}

boot();
