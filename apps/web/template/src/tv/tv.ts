// The TV layout's remote control: the arrows move focus to the nearest
// focusable element in that direction (by geometry, so any screen works
// without a focus map), Enter activates, Back goes back or closes the player,
// the media keys drive the page's <video>. Focus always stays on something
// visible: the first rail card at start, what was focused when coming back
// to a screen, and the nearest survivor when a re-render removes the focused
// element. Plain DOM for the TVs' older Chromium (the bundle targets
// chrome68): no :focus-visible, no ResizeObserver.

/** Key codes: the arrows and Enter, Back (Tizen 10009, webOS 461) and the media keys (the same on both). */
const KEY = {
  left: 37, up: 38, right: 39, down: 40, enter: 13,
  escape: 27, backspace: 8, tizenBack: 10009, webosBack: 461,
  play: 415, pause: 19, stop: 413, fastForward: 417, rewind: 412, tizenPlayPause: 10252,
};

/** Registered with Tizen so the TV sends them to the app instead of acting on them. */
const TIZEN_KEYS = ["MediaPlayPause", "MediaPlay", "MediaPause", "MediaStop", "MediaFastForward", "MediaRewind"];

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), video[controls], [tabindex]:not([tabindex="-1"])';
/**
 * Where focus starts on a screen, best first: an element the screen marks,
 * the player, then the first focusable outside the header and navigation
 * (the first rail card on home, Play on a title), then anything focusable.
 * Coming back to a screen (Back) focuses what was focused there before.
 */
const FIRST = ["[data-tv-first]", "[autofocus]", "video"];
const CHROME = "header, nav, [role=banner], [role=navigation]";
/** An element a screen marks as its close/back control (the player's close button). */
const BACK = "[data-tv-back]";
/** Seconds moved by fast-forward and rewind. */
const SEEK = 10;

type Dir = "left" | "right" | "up" | "down";

interface Box { left: number; right: number; top: number; bottom: number; cx: number; cy: number }

declare const tizen: { tvinputdevice: { registerKey(name: string): void }; application: { getCurrentApplication(): { exit(): void } } } | undefined;

let last: { key: string; box: Box } | null = null;
let pending = false;
/** screen is the address focus was last placed for; settling until the viewer's first key on it. */
let screen = "";
let settling = true;
/** remembered is the key focused last on each address, for coming back. */
const remembered: { [address: string]: string } = {};

function box(el: Element): Box {
  const r = el.getBoundingClientRect();
  return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, cx: (r.left + r.right) / 2, cy: (r.top + r.bottom) / 2 };
}

function shown(el: HTMLElement): boolean {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return false;
  const s = getComputedStyle(el);
  return s.visibility !== "hidden" && s.display !== "none";
}

/** scope is the open dialog (focus is trapped in it) or the document. */
function scope(): ParentNode {
  const dialogs = document.querySelectorAll('[aria-modal="true"], dialog[open]');
  return dialogs.length ? dialogs[dialogs.length - 1] : document;
}

function focusables(): HTMLElement[] {
  const out: HTMLElement[] = [];
  const all = scope().querySelectorAll<HTMLElement>(FOCUSABLE);
  for (let i = 0; i < all.length; i++) if (shown(all[i])) out.push(all[i]);
  return out;
}

/** keyOf names an element across re-renders: its card id, id, or link target. */
function keyOf(el: HTMLElement): string {
  return el.getAttribute("data-id") || el.id || el.getAttribute("href") || "";
}

function focus(el: HTMLElement): void {
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "auto" });
  note(el);
}

function note(el: HTMLElement): void {
  last = { key: keyOf(el), box: box(el) };
  if (!settling) remembered[address()] = last.key;
}

/** current is the focused element when it is one we can move from. */
function current(): HTMLElement | null {
  const a = document.activeElement as HTMLElement | null;
  if (!a || a === document.body || !document.body.contains(a) || !shown(a)) return null;
  return a;
}

function focusFirst(): boolean {
  const s = scope();
  const all = focusables();
  const mark = remembered[address()];
  if (mark) {
    for (const el of all) {
      if (keyOf(el) === mark) return place(el);
    }
  }
  for (const sel of FIRST) {
    const els = s.querySelectorAll<HTMLElement>(sel);
    for (let i = 0; i < els.length; i++) {
      if (shown(els[i])) return place(els[i]);
    }
  }
  for (const el of all) {
    if (!el.closest(CHROME)) return place(el);
  }
  return all.length ? place(all[0]) : false;
}

function place(el: HTMLElement): boolean {
  if (document.activeElement !== el) focus(el);
  return true;
}

/**
 * best picks the candidate nearest to from in direction d: it must lie
 * beyond from's centre in that direction; the score is the gap along the
 * direction plus twice the offset across it (so a card in the same row beats
 * a nearer one in the next row), the centre offset breaking ties.
 */
function best(from: Box, d: Dir, all: HTMLElement[], self: HTMLElement | null): HTMLElement | null {
  let pick: HTMLElement | null = null;
  let score = Infinity;
  for (const el of all) {
    if (el === self) continue;
    const b = box(el);
    let along: number, across: number, centre: number;
    if (d === "right" || d === "left") {
      if (d === "right" ? b.cx <= from.cx + 1 || b.right <= from.right : b.cx >= from.cx - 1 || b.left >= from.left) continue;
      along = Math.max(0, d === "right" ? b.left - from.right : from.left - b.right);
      across = Math.max(0, b.top - from.bottom, from.top - b.bottom);
      centre = Math.abs(b.cy - from.cy);
    } else {
      if (d === "down" ? b.cy <= from.cy + 1 || b.bottom <= from.bottom : b.cy >= from.cy - 1 || b.top >= from.top) continue;
      along = Math.max(0, d === "down" ? b.top - from.bottom : from.top - b.bottom);
      across = Math.max(0, b.left - from.right, from.left - b.right);
      centre = Math.abs(b.cx - from.cx) / 4;
    }
    const s = along + 2 * across + centre / 100;
    if (s < score) {
      score = s;
      pick = el;
    }
  }
  return pick;
}

function move(d: Dir): void {
  const cur = current();
  if (!cur) {
    focusFirst();
    return;
  }
  const next = best(box(cur), d, focusables(), cur);
  if (next) focus(next);
}

function typing(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const t = (el as HTMLInputElement).type;
  return t !== "checkbox" && t !== "radio" && t !== "button" && t !== "submit";
}

function video(): HTMLVideoElement | null {
  return document.querySelector("video");
}

function back(): void {
  const close = scope().querySelector<HTMLElement>(BACK) || document.querySelector<HTMLElement>(BACK);
  if (close && shown(close)) {
    close.click();
    return;
  }
  if (history.length > 1 && !atHome()) {
    history.back();
    return;
  }
  // At home: leave the app the platform's way.
  if (typeof tizen !== "undefined") {
    try {
      tizen.application.getCurrentApplication().exit();
    } catch (e) { /* not a packaged app */ }
  } else if ((window as unknown as { PalmSystem?: unknown }).PalmSystem) {
    window.close();
  }
}

/** address names the screen: the path, query and hash route (the TV layout routes by hash). */
function address(): string {
  return location.pathname + location.search + location.hash;
}

/** atHome reports whether the screen is home: the TV layout routes by hash (#/title/…). */
function atHome(): boolean {
  const route = location.hash.slice(1).split("?")[0];
  return route === "" || route === "/";
}

function media(action: "toggle" | "play" | "pause" | "stop" | "ff" | "rew"): boolean {
  const v = video();
  if (!v) return false;
  switch (action) {
    case "toggle":
      if (v.paused) v.play().catch(() => {});
      else v.pause();
      break;
    case "play":
      v.play().catch(() => {});
      break;
    case "pause":
      v.pause();
      break;
    case "stop":
      v.pause();
      back();
      break;
    case "ff":
      v.currentTime = Math.min(v.currentTime + SEEK, isFinite(v.duration) ? v.duration : v.currentTime + SEEK);
      break;
    case "rew":
      v.currentTime = Math.max(0, v.currentTime - SEEK);
      break;
  }
  return true;
}

/** action maps a key event to what the TV layout does with it, or "". */
function action(e: KeyboardEvent): string {
  const k = e.key;
  const c = e.keyCode;
  if (k === "ArrowLeft" || c === KEY.left) return "left";
  if (k === "ArrowRight" || c === KEY.right) return "right";
  if (k === "ArrowUp" || c === KEY.up) return "up";
  if (k === "ArrowDown" || c === KEY.down) return "down";
  if (k === "Enter" || c === KEY.enter) return "enter";
  if (k === "Escape" || k === "GoBack" || c === KEY.escape || c === KEY.tizenBack || c === KEY.webosBack) return "back";
  if (k === "Backspace" || c === KEY.backspace) return typing(e.target as Element) ? "" : "back";
  if (k === "MediaPlayPause" || c === KEY.tizenPlayPause) return "toggle";
  if (k === "MediaPlay" || c === KEY.play) return "play";
  if (k === "MediaPause" || c === KEY.pause) return "pause";
  if (k === "MediaStop" || c === KEY.stop) return "stop";
  if (k === "MediaFastForward" || c === KEY.fastForward) return "ff";
  if (k === "MediaRewind" || c === KEY.rewind) return "rew";
  return "";
}

function onKey(e: KeyboardEvent): void {
  const a = action(e);
  if (!a) return;
  if (settling) {
    settling = false;
    const c = current();
    if (c) note(c);
  }
  const target = e.target as HTMLElement;
  // Inside a text field the left and right arrows move the caret.
  if ((a === "left" || a === "right") && typing(target) && target.tagName !== "SELECT") return;
  switch (a) {
    case "left":
    case "right":
    case "up":
    case "down":
      e.preventDefault();
      move(a);
      return;
    case "enter": {
      const cur = current();
      if (!cur) {
        e.preventDefault();
        focusFirst();
        return;
      }
      if (cur.tagName === "VIDEO") {
        e.preventDefault();
        media("toggle");
        return;
      }
      // Links, buttons and fields activate natively on Enter; anything else
      // focusable (a tabindex card) gets a click.
      if (cur.tagName !== "A" && cur.tagName !== "BUTTON" && cur.tagName !== "INPUT" && cur.tagName !== "SELECT" && cur.tagName !== "TEXTAREA") {
        e.preventDefault();
        cur.click();
      }
      return;
    }
    case "back":
      e.preventDefault();
      back();
      return;
    default:
      if (media(a as "toggle")) e.preventDefault();
  }
}

/**
 * refocus runs on the frame after the DOM changed. On a new screen (the
 * address changed) focus goes to the screen's first target, again as better
 * targets render (data arrives after a spinner), until the viewer presses a
 * key. Otherwise, when the focused element went away (a re-render), focus
 * goes to its twin by key, else to the element nearest where it was.
 */
function refocus(): void {
  pending = false;
  const here = address();
  if (here !== screen) {
    screen = here;
    settling = true;
    last = null;
  }
  if (settling) {
    focusFirst();
    return;
  }
  const cur = current();
  if (cur) {
    note(cur);
    return;
  }
  const all = focusables();
  if (!all.length) return;
  if (!last) {
    focusFirst();
    return;
  }
  let pick = all[0];
  let dist = Infinity;
  for (const el of all) {
    if (last.key && keyOf(el) === last.key) {
      pick = el;
      break;
    }
    const b = box(el);
    const dd = Math.abs(b.cx - last.box.cx) + Math.abs(b.cy - last.box.cy);
    if (dd < dist) {
      dist = dd;
      pick = el;
    }
  }
  focus(pick);
}

function schedule(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(refocus);
}

/** installTV turns on the remote-control layout; the app calls it once at start. */
export function installTV(): void {
  document.documentElement.classList.add("tv");
  if (typeof tizen !== "undefined") {
    for (const name of TIZEN_KEYS) {
      try {
        tizen.tvinputdevice.registerKey(name);
      } catch (e) { /* key not on this model */ }
    }
  }
  document.addEventListener("keydown", onKey);
  document.addEventListener("focusin", () => {
    const cur = current();
    if (cur) note(cur);
  });
  new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["hidden", "open", "aria-modal"] });
  schedule();
}
