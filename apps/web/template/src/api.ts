// GraphQL over fetch, and the viewer's tokens (kept in localStorage).
import { config } from "./config";

export interface GqlError {
  message: string;
  extensions?: { code?: string };
}

export class ApiError extends Error {
  code: string;
  constructor(e: GqlError) {
    super(e.message);
    this.code = (e.extensions && e.extensions.code) || "ERROR";
  }
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  deviceId: string;
  profileId: string | null;
}

export const TOKEN_FIELDS = "{ accessToken refreshToken expiresIn tokenType deviceId profileId }";

const KEY = "marquee." + config.slug + ".tokens";
const DEVICE = "marquee." + config.slug + ".device";

interface Stored extends Tokens {
  /** When the access token expires (ms since the epoch), less a margin. */
  expiresAt?: number;
}

let tokens: Stored | null = load();
let expiresAt = tokens && tokens.expiresAt ? tokens.expiresAt : 0;

function load(): Stored | null {
  try {
    const s = localStorage.getItem(KEY);
    return s ? (JSON.parse(s) as Stored) : null;
  } catch (_) {
    return null;
  }
}

export function signedIn(): boolean {
  return tokens !== null;
}

export function hasProfile(): boolean {
  return !!(tokens && tokens.profileId);
}

export function deviceId(): string | null {
  return localStorage.getItem(DEVICE);
}

export function setTokens(t: Tokens | null): void {
  expiresAt = t ? Date.now() + (t.expiresIn - 30) * 1000 : 0;
  tokens = t ? Object.assign({}, t, { expiresAt }) : null;
  if (t) {
    localStorage.setItem(KEY, JSON.stringify(tokens));
    localStorage.setItem(DEVICE, t.deviceId);
  } else {
    localStorage.removeItem(KEY);
  }
}

async function post(query: string, variables: Record<string, unknown>, auth: boolean): Promise<any> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (config.appKey) headers["X-Marquee-App-Key"] = config.appKey;
  if (auth && tokens) headers["Authorization"] = "Bearer " + tokens.accessToken;
  const res = await fetch(config.graphql, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  let body: { data?: any; errors?: GqlError[] };
  try {
    body = await res.json();
  } catch (_) {
    throw new ApiError({ message: "The service answered " + res.status, extensions: { code: "UNAVAILABLE" } });
  }
  if (body.errors && body.errors.length) throw new ApiError(body.errors[0]);
  return body.data;
}

let refreshing: Promise<void> | null = null;

async function refresh(): Promise<void> {
  if (!tokens) return;
  const rt = tokens.refreshToken;
  try {
    const d = await post("mutation($r: String!) { viewerRefresh(refreshToken: $r) " + TOKEN_FIELDS + " }", { r: rt }, false);
    setTokens(d.viewerRefresh);
  } catch (e) {
    setTokens(null);
    throw e;
  }
}

/** gql sends a query; a signed-in viewer's expired access token is refreshed once. */
export async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  if (tokens && (expiresAt === 0 || Date.now() > expiresAt)) {
    if (!refreshing) refreshing = refresh().then(() => { refreshing = null; }, (e) => { refreshing = null; throw e; });
    try {
      await refreshing;
    } catch (_) {
      /* signed out: carry on anonymously */
    }
  }
  try {
    return await post(query, variables, true);
  } catch (e) {
    if (e instanceof ApiError && e.code === "UNAUTHENTICATED" && tokens) {
      await refresh();
      return post(query, variables, true);
    }
    throw e;
  }
}
