// History-API routing under the app's base path.
import { config, hashRouting } from "./config";

/** A screen's cleanup may return a promise: the next screen waits for it (up to a second), so a player's last progress report lands before Continue watching is read. */
export type Cleanup = () => void | Promise<unknown>;
export type Screen = (root: HTMLElement, params: Record<string, string>, query: URLSearchParams) => void | Cleanup | Promise<void | Cleanup>;

interface Route {
  re: RegExp;
  keys: string[];
  screen: Screen;
}

const routes: Route[] = [];
let cleanup: Cleanup | null = null;
let generation = 0;
let root: HTMLElement;
let onChange: (path: string) => void = () => {};

export function route(pattern: string, screen: Screen): void {
  const keys: string[] = [];
  const re = new RegExp("^" + pattern.replace(/:(\w+)/g, (_, k: string) => { keys.push(k); return "([^/]+)"; }) + "/?$");
  routes.push({ re, keys, screen });
}

export function currentPath(): string {
  if (hashRouting) return location.hash.slice(1).split("?")[0] || "/";
  let p = location.pathname;
  if (config.base && p.indexOf(config.base) === 0) p = p.slice(config.base.length);
  return p || "/";
}

export function navigate(path: string, replace = false): void {
  const url = hashRouting ? "#" + path : config.base + path;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

export async function render(): Promise<void> {
  const mine = ++generation;
  if (cleanup) {
    const done = cleanup();
    cleanup = null;
    if (done) await Promise.race([done.then(() => {}, () => {}), new Promise((r) => setTimeout(r, 1000))]);
    if (mine !== generation) return;
  }
  const path = currentPath();
  onChange(path);
  const q = new URLSearchParams(hashRouting ? location.hash.split("?")[1] || "" : location.search);
  for (const r of routes) {
    const m = r.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
    root.innerHTML = "";
    root.scrollTop = 0;
    window.scrollTo(0, 0);
    const out = await r.screen(root, params, q);
    if (typeof out !== "function") return;
    // A screen left before it finished starting is cleaned up at once (a
    // player must not keep loading in a detached <video>).
    if (mine === generation) cleanup = out;
    else out();
    return;
  }
  root.innerHTML = "";
  root.appendChild(document.createTextNode("Page not found."));
}

export function start(el: HTMLElement, changed: (path: string) => void): void {
  root = el;
  onChange = changed;
  document.addEventListener("click", (e) => {
    const a = (e.target as Element).closest ? (e.target as Element).closest("a[data-link]") as HTMLAnchorElement | null : null;
    if (!a || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    const url = new URL(a.href);
    history.pushState(null, "", hashRouting ? url.hash : url.pathname + url.search);
    render();
  });
  window.addEventListener("popstate", () => { render(); });
  if (hashRouting) window.addEventListener("hashchange", () => { render(); });
  render();
}
