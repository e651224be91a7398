// The console's only way to the server: GraphQL over HTTP at /graphql on this
// origin, authenticated by the HttpOnly session cookie that /auth/session sets.
// Every request carries X-Marquee-CSRF: the API refuses cookie-authenticated
// writes without it, and a cross-site page cannot add it.

const ENDPOINT = '/graphql';
const CSRF = { 'X-Marquee-CSRF': '1' };
const TOKEN_KEY = 'marquee.console.wsToken';

/** ApiError is one failed operation: the server's first error, with all of them kept. */
export class ApiError extends Error {
  constructor(message, code, field = '', all = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code || 'INTERNAL';
    this.field = field || '';
    this.all = all;
  }
}

function fromErrors(errors, status) {
  const first = errors[0] || {};
  const ext = first.extensions || {};
  let code = ext.code;
  if (!code) {
    code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 429 ? 'RATE_LIMITED' : 'INTERNAL';
  }
  return new ApiError(first.message || 'request failed', code, ext.field, errors);
}

async function send(init) {
  let res;
  try {
    res = await fetch(ENDPOINT, { method: 'POST', credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError('the server cannot be reached: check your connection', 'NETWORK');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`the server answered ${res.status} ${res.statusText}`.trim(), res.status === 413 ? 'BAD_USER_INPUT' : 'INTERNAL');
  }
  if (body.errors && body.errors.length) {
    throw fromErrors(body.errors, res.status);
  }
  if (!res.ok || !body.data) {
    throw new ApiError(`the server answered ${res.status}`, 'INTERNAL');
  }
  return body.data;
}

/** gql runs one operation and returns its data, or throws an ApiError. */
export function gql(query, variables = {}) {
  return send({
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...CSRF },
    body: JSON.stringify({ query, variables }),
  });
}

/**
 * upload runs an operation with one file, per the GraphQL multipart request
 * spec: the operation with the file variable null, a map from form field to
 * variable path, then the file itself.
 */
export function upload(query, variable, file, variables = {}) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { ...variables, [variable]: null } }));
  form.append('map', JSON.stringify({ 0: [`variables.${variable}`] }));
  form.append('0', file, file.name);
  return send({ headers: { ...CSRF }, body: form });
}

/**
 * startSession hands a fresh token to the server, which keeps it as the
 * HttpOnly cookie. The token stays in this tab's sessionStorage only for the
 * subscription's WebSocket, which authenticates in its first message.
 */
export async function startSession(token) {
  let res;
  try {
    res = await fetch('/auth/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...CSRF },
      body: JSON.stringify({ token }),
    });
  } catch {
    throw new ApiError('the server cannot be reached: check your connection', 'NETWORK');
  }
  if (!res.ok) {
    let body = {};
    try { body = await res.json(); } catch { /* not JSON */ }
    throw fromErrors(body.errors || [{ message: `could not start the session (${res.status})` }], res.status);
  }
  try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* storage off: no live updates */ }
}

/** endSession signs out on the server, then drops the cookie and the tab's token. */
export async function endSession() {
  try { await gql('mutation Logout { logout }'); } catch { /* already gone */ }
  try {
    await fetch('/auth/session', { method: 'DELETE', credentials: 'same-origin', headers: { ...CSRF } });
  } catch { /* the cookie expires anyway */ }
  forgetToken();
}

export function forgetToken() {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage off */ }
}

/** liveToken is the tab's token for the WebSocket, or '' when it has none. */
export function liveToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

// Selections the pages share.
export const STAFF = 'id email name role emailVerified createdAt';
export const TENANT = 'id slug name status hostedAppURL createdAt requireTwoFactor branding { appName primaryColor accentColor backgroundColor logoURL }';
export const AUTH = `token staff { ${STAFF} } tenant { ${TENANT} }`;
