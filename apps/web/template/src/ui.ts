// Small DOM helpers and the shared pieces (cards, rails, messages).
import { config, hashRouting } from "./config";

type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;
type Child = Node | string | null | undefined | false;

/** h makes an element: attributes starting with "on" are listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    if (v === undefined || v === null || v === false) continue;
    if (k.slice(0, 2) === "on" && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** href is a route's address under the app's base path. */
export function href(route: string): string {
  return hashRouting ? "#" + route : config.base + route;
}

/** link is an in-app link (the router intercepts it). */
export function link(route: string, attrs: Attrs, ...children: Child[]): HTMLAnchorElement {
  attrs.href = href(route);
  attrs["data-link"] = true;
  return h("a", attrs, ...children);
}

export interface TitleCard {
  id: string;
  kind?: string;
  title: string;
  durationSeconds?: number | null;
  releaseYear?: number | null;
  series?: { id: string } | null;
}

export const CARD_FIELDS = "id kind title durationSeconds releaseYear vertical";

/** titleRoute is where a card leads: a series page or a title page. */
export function titleRoute(t: TitleCard): string {
  return "/title/" + t.id;
}

function initials(s: string): string {
  return s.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join("").toUpperCase();
}

export function card(t: TitleCard, progress?: number): HTMLAnchorElement {
  const meta = [t.releaseYear ? String(t.releaseYear) : "", t.durationSeconds ? Math.round(t.durationSeconds / 60) + " min" : ""]
    .filter(Boolean)
    .join(" · ");
  return link(titleRoute(t), { class: "card", "data-id": t.id },
    h("span", { class: "art", "aria-hidden": "true" }, initials(t.title)),
    progress !== undefined ? h("span", { class: "progress", style: "width:" + Math.min(100, Math.round(progress * 100)) + "%" }) : null,
    h("span", { class: "card-title" }, t.title),
    meta ? h("span", { class: "card-meta" }, meta) : null);
}

export function rail(title: string, items: HTMLElement[], id?: string): HTMLElement {
  return h("section", { class: "rail", "data-rail": id || title },
    h("h2", { class: "rail-title" }, title),
    h("div", { class: "rail-items" }, ...items));
}

export function message(text: string, kind = "info"): HTMLElement {
  return h("p", { class: "message " + kind, role: kind === "error" ? "alert" : "status" }, text);
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function field(label: string, input: HTMLInputElement): HTMLLabelElement {
  return h("label", { class: "field" }, h("span", {}, label), input);
}

export function spinner(): HTMLElement {
  return h("div", { class: "loading", role: "status" }, "Loading…");
}

const marked: Record<string, boolean> = {};

/** mark records a User Timing mark once per page load (first-rail, first-frame): the benchmark reads them. */
export function mark(name: string): void {
  if (marked[name] || !window.performance || !performance.mark) return;
  marked[name] = true;
  performance.mark(name);
}
