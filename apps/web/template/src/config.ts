// The app's configuration, baked into index.html (script#marquee-config) by
// the server that hosts it or by the self-hosting bundle.

export interface Features {
  billing: boolean;
  shorts: boolean;
  creators: boolean;
  cast: boolean;
}

export interface Config {
  name: string;
  shortName: string;
  slug: string;
  /** Path prefix of every route: "" on the tenant's host, "/t/{slug}" by path. */
  base: string;
  graphql: string;
  /** Sent as X-Marquee-App-Key; empty when the host or path names the tenant. */
  appKey: string;
  logo: string;
  hls: string;
  features: Features;
  /** Production loads the Cast sender from Google at run time. */
  production: boolean;
}

declare const __LAYOUT__: string;
export const layout: string = __LAYOUT__;

function read(): Config {
  const el = document.getElementById("marquee-config");
  return JSON.parse(el ? el.textContent || "{}" : "{}") as Config;
}

export const config: Config = read();

/** Hash routes (#/title/…) where paths cannot be routed: files on a TV, the TV layout. */
export const hashRouting: boolean = location.protocol === "file:" || layout === "tv";

/** here is the current route and query, for "next" links after sign-in. */
export function here(): string {
  return hashRouting ? location.hash.slice(1) || "/" : location.pathname.slice(config.base.length) + location.search;
}
