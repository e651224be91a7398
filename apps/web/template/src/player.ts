// The player: a playback session from GraphQL, hls.js (loaded on demand, not
// bundled) or native HLS, resume, subtitles, heartbeats, Chromecast and AirPlay.
import { config } from "./config";
import { gql, signedIn } from "./api";
import { h, link, message, errorText, mark } from "./ui";

declare global {
  interface Window {
    Hls?: any;
    cast?: any;
    chrome?: any;
    __onGCastApiAvailable?: (ok: boolean) => void;
    WebKitPlaybackTargetAvailabilityEvent?: unknown;
    playerErrors?: string[];
  }
}

interface Session {
  id: string;
  hlsURL: string;
  resumePositionSeconds: number;
  subtitles: { language: string; name: string; sdh: boolean; url: string }[];
}

let hlsLoading: Promise<void> | null = null;

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.async = true;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error("could not load " + src));
    document.head.appendChild(s);
  });
}

function loadHls(): Promise<void> {
  if (!hlsLoading) hlsLoading = loadScript(config.hls);
  return hlsLoading;
}


export async function startSession(titleId: string): Promise<Session> {
  const d = await gql("mutation($t: ID!) { playbackSession(titleId: $t) { session { id hlsURL resumePositionSeconds subtitles { language name sdh url } } refusal { code reason } } }", { t: titleId });
  const r = d.playbackSession;
  if (!r.session) throw new Error(r.refusal ? r.refusal.reason : "This title cannot be played.");
  return r.session as Session;
}

/** attach plays src in video with hls.js when the browser has MSE, else natively. */
export async function attach(video: HTMLVideoElement, src: string): Promise<() => void> {
  if (!("MediaSource" in window) && video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
    return () => { video.removeAttribute("src"); video.load(); };
  }
  await loadHls();
  const Hls = window.Hls;
  if (!Hls || !Hls.isSupported()) {
    video.src = src;
    return () => { video.removeAttribute("src"); };
  }
  const hls = new Hls({ capLevelToPlayerSize: true });
  hls.on(Hls.Events.ERROR, (_: unknown, data: { fatal: boolean; details: string }) => {
    (window.playerErrors = window.playerErrors || []).push(data.details);
    if (data.fatal) video.dispatchEvent(new CustomEvent("playerfatal", { detail: data.details }));
  });
  hls.loadSource(src);
  hls.attachMedia(video);
  return () => hls.destroy();
}

let castReady = false;

/** loadCast fetches Google's Cast sender at run time (production builds with casting only). */
function loadCast(): void {
  if (castReady || !config.features.cast || !config.production) return;
  castReady = true;
  window.__onGCastApiAvailable = (ok: boolean) => {
    if (!ok || !window.cast) return;
    window.cast.framework.CastContext.getInstance().setOptions({
      receiverApplicationId: window.chrome.cast.media.DEFAULT_MEDIA_RECEIVER_APP_ID,
      autoJoinPolicy: window.chrome.cast.AutoJoinPolicy.ORIGIN_SCOPED,
    });
  };
  loadScript("https://www.gstatic.com/cv/js/sender/v1/cast_sender.js?loadCastFramework=1").catch(() => {});
}

function castTo(session: Session, title: string, at: number): void {
  const c = window.cast;
  if (!c || !c.framework) return;
  const ctx = c.framework.CastContext.getInstance();
  const send = () => {
    const s = ctx.getCurrentSession();
    if (!s) return;
    const info = new window.chrome.cast.media.MediaInfo(session.hlsURL, "application/x-mpegurl");
    info.metadata = new window.chrome.cast.media.GenericMediaMetadata();
    info.metadata.title = title;
    const req = new window.chrome.cast.media.LoadRequest(info);
    req.currentTime = at;
    s.loadMedia(req);
  };
  if (ctx.getCurrentSession()) send();
  else ctx.requestSession().then(send, () => {});
}

export async function watch(root: HTMLElement, p: Record<string, string>): Promise<() => void | Promise<unknown>> {
  const page = h("div", { class: "page player" });
  root.appendChild(page);
  if (!signedIn()) {
    page.append(message("Sign in to watch."), link("/signin?next=" + encodeURIComponent("/watch/" + p.id), { class: "button primary", id: "signin-to-watch" }, "Sign in"));
    return () => {};
  }
  loadCast();
  const video = h("video", { id: "video", controls: true, autoplay: true, playsinline: true, "x-webkit-airplay": "allow", crossorigin: "anonymous" }) as HTMLVideoElement;
  const tools = h("div", { class: "player-tools" });
  page.append(video, tools);
  let session: Session;
  try {
    session = await startSession(p.id);
  } catch (e) {
    page.innerHTML = "";
    page.appendChild(message(errorText(e), "error"));
    return () => {};
  }
  video.setAttribute("data-session", session.id);
  let resumed = false;
  video.addEventListener("loadedmetadata", () => {
    if (!resumed && session.resumePositionSeconds > 0 && session.resumePositionSeconds < video.duration - 5) video.currentTime = session.resumePositionSeconds;
    resumed = true;
  });
  video.addEventListener("playerfatal", (e) => { page.appendChild(message("Playback failed: " + (e as CustomEvent).detail, "error")); });
  const onFrame = () => {
    if (video.currentTime > 0) {
      mark("first-frame");
      video.removeEventListener("timeupdate", onFrame);
    }
  };
  if ((video as any).requestVideoFrameCallback) (video as any).requestVideoFrameCallback(() => mark("first-frame"));
  else video.addEventListener("timeupdate", onFrame);
  const detach = await attach(video, session.hlsURL);
  video.play().catch(() => {
    // Autoplay with sound refused: start muted, the viewer unmutes.
    video.muted = true;
    video.play().catch(() => {});
  });
  // Subtitles: the session's tracks are in the HLS master, so hls.js (or
  // Safari) exposes them as the video's text tracks; a button cycles through
  // them (off, then each). Sidecar <track>s would only duplicate them.
  if (session.subtitles.length) {
    const b = h("button", { class: "button", type: "button", id: "subtitles" }, "Subtitles: off");
    let i = -1;
    b.addEventListener("click", () => {
      const tracks: TextTrack[] = [];
      for (let k = 0; k < video.textTracks.length; k++) {
        const t = video.textTracks[k];
        if (t.kind === "subtitles" || t.kind === "captions") tracks.push(t);
      }
      i = i + 1 >= tracks.length ? -1 : i + 1;
      tracks.forEach((t, k) => { t.mode = k === i ? "showing" : "disabled"; });
      b.textContent = "Subtitles: " + (i < 0 ? "off" : tracks[i].label || tracks[i].language);
    });
    tools.appendChild(b);
  }
  if (config.features.cast && window.WebKitPlaybackTargetAvailabilityEvent) {
    const b = h("button", { class: "button", type: "button", id: "airplay" }, "AirPlay");
    b.addEventListener("click", () => (video as any).webkitShowPlaybackTargetPicker());
    tools.appendChild(b);
  }
  if (config.features.cast && config.production) {
    const b = h("button", { class: "button", type: "button", id: "cast" }, "Cast");
    b.addEventListener("click", () => castTo(session, document.title, video.currentTime));
    tools.appendChild(b);
  }
  const beat = (): Promise<unknown> => {
    const pos = Math.floor(video.currentTime || 0);
    gql("mutation($s: ID!, $p: Int!) { playbackHeartbeat(sessionId: $s, positionSeconds: $p) { id } }", { s: session.id, p: pos }).catch(() => {});
    if (!(video.duration > 0)) return Promise.resolve();
    return gql("mutation($t: ID!, $p: Int!, $d: Int!) { reportProgress(titleId: $t, positionSeconds: $p, durationSeconds: $d) }", { t: p.id, p: pos, d: Math.ceil(video.duration) }).catch(() => {});
  };
  const timer = window.setInterval(beat, 30000);
  video.addEventListener("pause", () => { beat(); });
  video.addEventListener("ended", () => { beat(); });
  return () => {
    clearInterval(timer);
    const last = beat();
    gql("mutation($s: ID!) { endPlayback(sessionId: $s) }", { s: session.id }).catch(() => {});
    detach();
    return last;
  };
}

/** shorts is the vertical feed: one short a screen, swiped with scroll snapping; the visible one plays. */
export async function shorts(root: HTMLElement): Promise<() => void> {
  const feed = h("div", { class: "shorts", id: "shorts" });
  root.appendChild(feed);
  let d;
  try {
    d = await gql("{ storefront { shortsFeed(first: 30) { edges { node { id title synopsis } } } } }");
  } catch (e) {
    feed.appendChild(message(errorText(e), "error"));
    return () => {};
  }
  const items: any[] = d.storefront.shortsFeed.edges.map((e: any) => e.node);
  if (!items.length) feed.appendChild(message("No shorts yet."));
  const stops: (() => void)[] = [];
  const start = async (el: HTMLElement, id: string) => {
    if (el.getAttribute("data-started") || !signedIn()) return;
    el.setAttribute("data-started", "1");
    const video = el.querySelector("video") as HTMLVideoElement;
    try {
      const s = await startSession(id);
      stops.push(await attach(video, s.hlsURL));
      stops.push(() => { gql("mutation($s: ID!) { endPlayback(sessionId: $s) }", { s: s.id }).catch(() => {}); });
      video.play().catch(() => { video.muted = true; video.play().catch(() => {}); });
    } catch (e) {
      el.appendChild(message(errorText(e), "error"));
    }
  };
  const io = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
    for (const en of entries) {
      const el = en.target as HTMLElement;
      const v = el.querySelector("video") as HTMLVideoElement;
      if (en.isIntersecting) {
        start(el, el.getAttribute("data-id") || "");
        v.play().catch(() => {});
      } else v.pause();
    }
  }, { threshold: 0.6 }) : null;
  for (const it of items) {
    const sec = h("section", { class: "short", "data-id": it.id },
      h("video", { loop: true, playsinline: true, muted: true }),
      h("div", { class: "short-info" }, link("/title/" + it.id, { class: "card-title" }, it.title), h("p", {}, it.synopsis)),
      signedIn() ? null : link("/signin?next=%2Fshorts", { class: "button primary" }, "Sign in to watch"));
    feed.appendChild(sec);
    if (io) io.observe(sec);
  }
  return () => {
    if (io) io.disconnect();
    stops.forEach((s) => s());
  };
}
