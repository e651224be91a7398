// The app's screens; each renders into the root element.
import { config, here, hashRouting } from "./config";
import { gql, signedIn, hasProfile, setTokens, deviceId, TOKEN_FIELDS, Tokens, ApiError } from "./api";
import { h, link, card, rail, message, errorText, field, spinner, mark, CARD_FIELDS, TitleCard, href } from "./ui";
import { navigate } from "./router";

interface Edge<T> { node: T }
interface Conn<T> { edges: Edge<T>[] }

const nodes = <T>(c: Conn<T>): T[] => c.edges.map((e) => e.node);

/** guard sends a signed-out viewer to sign in, back here afterwards. */
function guard(root: HTMLElement): boolean {
  if (signedIn()) return true;
  root.appendChild(h("div", { class: "page narrow" },
    message("Sign in to continue."),
    link("/signin?next=" + encodeURIComponent(here()), { class: "button primary", id: "signin-to-continue" }, "Sign in")));
  return false;
}

export async function home(root: HTMLElement): Promise<void> {
  const page = h("div", { class: "page home" });
  root.appendChild(page);
  page.appendChild(spinner());
  const cw = signedIn() && hasProfile()
    ? gql("{ continueWatching(first: 20) { edges { node { positionSeconds durationSeconds title { " + CARD_FIELDS + " } } } } }").catch(() => null)
    : Promise.resolve(null);
  try {
    const d = await gql("{ storefront { home { rails(first: 20) { edges { node { id title collection { id items(first: 20) { edges { node { " + CARD_FIELDS + " } } } } } } } } } }");
    page.innerHTML = "";
    const rails = nodes<any>(d.storefront.home.rails);
    const c = await cw;
    if (c) {
      const items = nodes<any>(c.continueWatching);
      if (items.length) page.appendChild(rail("Continue watching", items.map((i) => card(i.title, i.durationSeconds ? i.positionSeconds / i.durationSeconds : 0)), "continue-watching"));
    }
    let shown = 0;
    for (const r of rails) {
      const items = nodes<TitleCard>(r.collection.items);
      if (!items.length) continue; // empty rails are hidden
      page.appendChild(rail(r.title, items.map((t) => card(t)), r.id));
      shown++;
    }
    if (shown) mark("first-rail");
    else page.appendChild(message("Nothing to watch yet: come back soon."));
    document.body.setAttribute("data-rails", String(shown));
  } catch (e) {
    page.innerHTML = "";
    page.appendChild(message(errorText(e), "error"));
  }
}

function duration(s?: number | null): string {
  if (!s) return "";
  const m = Math.round(s / 60);
  return m >= 60 ? Math.floor(m / 60) + " h " + (m % 60) + " min" : m + " min";
}

// money shows an amount in the currency's minor units (as Stripe counts them):
// 1099 USD is $10.99, 500 JPY is ¥500 — yen, won and a few others have none,
// so the divisor comes from the currency's own decimals.
function money(amount: number, currency: string): string {
  try {
    const f = new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() });
    return f.format(amount / Math.pow(10, f.resolvedOptions().maximumFractionDigits));
  } catch (_) {
    return (amount / 100).toFixed(2) + " " + currency.toUpperCase();
  }
}

export async function title(root: HTMLElement, p: Record<string, string>): Promise<void> {
  const page = h("div", { class: "page detail" });
  root.appendChild(page);
  page.appendChild(spinner());
  const offers = config.features.billing ? " offers { id kind currency amount rentalHours }" : "";
  try {
    const d = await gql("query($id: ID!) { storefront { title(id: $id) { id kind title synopsis genres durationSeconds releaseYear rating { value } series { id title } seasonNumber episodeNumber creator { handle name }" + offers + " } } }", { id: p.id });
    const t = d.storefront.title;
    page.innerHTML = "";
    const meta = [t.releaseYear, duration(t.durationSeconds), t.rating && t.rating.value, t.genres.join(", ")].filter(Boolean).join(" · ");
    const actions = h("div", { class: "actions" },
      link("/watch/" + t.id, { class: "button primary", id: "play" }, "▶ Play"));
    if (signedIn()) {
      const add = h("button", { class: "button", id: "add-to-list", type: "button" }, "+ My List");
      add.addEventListener("click", async () => {
        try {
          await gql("mutation($t: ID!) { addToMyList(titleId: $t) }", { t: t.id });
          add.textContent = "✓ In My List";
          add.disabled = true;
        } catch (e) {
          page.appendChild(message(errorText(e), "error"));
        }
      });
      actions.appendChild(add);
    }
    for (const o of (t.offers || []) as any[]) {
      const b = h("button", { class: "button", type: "button", "data-offer": o.id }, (o.kind === "RENT" ? "Rent " : "Buy ") + money(o.amount, o.currency));
      b.addEventListener("click", () => pay(page, "mutation($o: ID!, $s: String, $c: String) { purchase(offerId: $o, successURL: $s, cancelURL: $c) { url } }", { o: o.id }, "purchase"));
      actions.appendChild(b);
    }
    page.append(
      h("h1", { class: "title-name" }, t.title),
      t.series ? link("/series/" + t.series.id, { class: "series-link" }, t.series.title + (t.seasonNumber ? " · S" + t.seasonNumber + " E" + t.episodeNumber : "")) : "",
      meta ? h("p", { class: "meta" }, meta) : "",
      actions,
      h("p", { class: "synopsis" }, t.synopsis),
      t.creator && config.features.creators ? link("/creator/" + encodeURIComponent(t.creator.handle), { class: "creator-link" }, "By " + t.creator.name) : "");
  } catch (e) {
    page.innerHTML = "";
    page.appendChild(message(e instanceof ApiError && e.code === "NOT_FOUND" ? "This title is not available." : errorText(e), "error"));
  }
}

async function pay(page: HTMLElement, mutation: string, vars: Record<string, unknown>, key: string): Promise<void> {
  if (!signedIn()) {
    navigate("/signin?next=" + encodeURIComponent(here()));
    return;
  }
  // Back to this screen afterwards; "?paid=1" thanks the viewer.
  const back = hashRouting ? location.href.split("#")[0] + "#" + here().split("?")[0] : location.href.split("?")[0];
  try {
    const d = await gql(mutation, Object.assign({ s: back + "?paid=1", c: back }, vars));
    location.href = d[key].url;
  } catch (e) {
    page.appendChild(message(errorText(e), "error"));
  }
}

export async function series(root: HTMLElement, p: Record<string, string>): Promise<void> {
  const page = h("div", { class: "page detail" });
  root.appendChild(page);
  try {
    const d = await gql("query($id: ID!) { storefront { series(id: $id) { id title synopsis genres seasons { number name episodes { " + CARD_FIELDS + " episodeNumber } } } } }", { id: p.id });
    const s = d.storefront.series;
    page.append(h("h1", { class: "title-name" }, s.title), h("p", { class: "meta" }, s.genres.join(", ")), h("p", { class: "synopsis" }, s.synopsis));
    for (const season of s.seasons) {
      page.appendChild(rail(season.name || "Season " + season.number, season.episodes.map((e: any) => card(e)), "season-" + season.number));
    }
  } catch (e) {
    page.appendChild(message(errorText(e), "error"));
  }
}

export function search(root: HTMLElement, _p: Record<string, string>, q: URLSearchParams): () => void {
  const input = h("input", { type: "search", id: "search-input", placeholder: "Titles, genres, people", "aria-label": "Search", value: q.get("q") || "" });
  const results = h("div", { class: "grid", id: "search-results" });
  const form = h("form", { class: "search-form", role: "search" }, input, h("button", { class: "button primary", type: "submit" }, "Search"));
  root.appendChild(h("div", { class: "page" }, form, results));
  let seq = 0;
  const run = async () => {
    const query = input.value.trim();
    history.replaceState(null, "", href("/search") + (query ? "?q=" + encodeURIComponent(query) : ""));
    results.innerHTML = "";
    if (!query) return;
    const mine = ++seq;
    try {
      const d = await gql("query($q: String!) { storefront { search(query: $q, first: 30) { edges { node { " + CARD_FIELDS + " } } } } }", { q: query });
      if (mine !== seq) return;
      const items = nodes<TitleCard>(d.storefront.search);
      results.append(...(items.length ? items.map((t) => card(t)) : [message("Nothing matches “" + query + "”.")]));
    } catch (e) {
      results.appendChild(message(errorText(e), "error"));
    }
  };
  let timer = 0;
  input.addEventListener("input", () => { clearTimeout(timer); timer = window.setTimeout(run, 300); });
  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  run();
  input.focus();
  return () => clearTimeout(timer);
}

export async function creator(root: HTMLElement, p: Record<string, string>): Promise<void> {
  const page = h("div", { class: "page" });
  root.appendChild(page);
  try {
    const d = await gql("query($h: String!) { storefront { creator(handle: $h) { handle name bio collections { id title items(first: 20) { edges { node { " + CARD_FIELDS + " } } } } } } }", { h: p.handle });
    const c = d.storefront.creator;
    page.append(h("h1", { class: "title-name" }, c.name), h("p", { class: "meta" }, "@" + c.handle), h("p", { class: "synopsis" }, c.bio));
    for (const col of c.collections) {
      const items = nodes<TitleCard>(col.items);
      if (items.length) page.appendChild(rail(col.title, items.map((t) => card(t)), col.id));
    }
  } catch (e) {
    page.appendChild(message(e instanceof ApiError && e.code === "NOT_FOUND" ? "No such creator." : errorText(e), "error"));
  }
}

export async function myList(root: HTMLElement): Promise<void> {
  if (!guard(root)) return;
  const page = h("div", { class: "page" }, h("h1", {}, "My List"));
  root.appendChild(page);
  try {
    const d = await gql("{ myList(first: 50) { edges { node { " + CARD_FIELDS + " } } } }");
    const items = nodes<TitleCard>(d.myList);
    page.appendChild(items.length ? h("div", { class: "grid", id: "my-list" }, ...items.map((t) => card(t))) : message("Add titles to your list to find them here."));
  } catch (e) {
    page.appendChild(message(errorText(e), "error"));
  }
}

/** afterSignIn selects a profile when the tokens have none, then goes on. */
async function afterSignIn(root: HTMLElement, t: Tokens, next: string): Promise<void> {
  setTokens(t);
  if (t.profileId) {
    navigate(next, true);
    return;
  }
  const d = await gql("{ viewerAccount { profiles { id name pinProtected } } }");
  const profiles: any[] = d.viewerAccount.profiles;
  const choose = async (id: string, pin?: string) => {
    const s = await gql("mutation($p: ID!, $pin: String) { selectProfile(profileId: $p, pin: $pin) " + TOKEN_FIELDS + " }", { p: id, pin: pin || null });
    setTokens(s.selectProfile);
    navigate(next, true);
  };
  if (profiles.length === 1 && !profiles[0].pinProtected) return choose(profiles[0].id);
  root.innerHTML = "";
  const page = h("div", { class: "page narrow" }, h("h1", {}, "Who's watching?"));
  root.appendChild(page);
  for (const pr of profiles) {
    const b = h("button", { class: "button profile", type: "button", "data-profile": pr.id }, pr.name + (pr.pinProtected ? " 🔒" : ""));
    b.addEventListener("click", async () => {
      let pin: string | undefined;
      if (pr.pinProtected) pin = prompt("PIN for " + pr.name) || "";
      try {
        await choose(pr.id, pin);
      } catch (e) {
        page.appendChild(message(errorText(e), "error"));
      }
    });
    page.appendChild(b);
  }
}

const deviceInput = () => ({ name: navigator.userAgent.indexOf("Mobile") >= 0 ? "Phone browser" : "Web browser", platform: "WEB" });

function form(id: string, heading: string, fields: HTMLElement[], submit: string, onSubmit: (status: HTMLElement) => Promise<void>): HTMLElement {
  const status = h("div", { class: "status", id: id + "-status" });
  const button = h("button", { class: "button primary", type: "submit", id: id + "-submit" }, submit);
  const f = h("form", { class: "page narrow form", id }, h("h1", {}, heading), ...fields, button, status);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    status.innerHTML = "";
    button.disabled = true;
    try {
      await onSubmit(status);
    } catch (err) {
      status.appendChild(message(errorText(err), "error"));
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

export function signIn(root: HTMLElement, _p: Record<string, string>, q: URLSearchParams): void {
  const next = q.get("next") || "/";
  const email = h("input", { type: "email", id: "signin-email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", id: "signin-password", autocomplete: "current-password", required: true });
  root.appendChild(form("signin", "Sign in to " + config.name, [field("Email", email), field("Password", password)], "Sign in", async () => {
    const dev = deviceId();
    const input: Record<string, unknown> = { email: email.value, password: password.value };
    if (dev) input.deviceId = dev;
    else input.device = deviceInput();
    let d;
    try {
      d = await gql("mutation($in: ViewerSignInInput!) { viewerSignIn(input: $in) " + TOKEN_FIELDS + " }", { in: input });
    } catch (e) {
      if (!dev || !(e instanceof ApiError) || e.code === "UNAUTHENTICATED") throw e;
      // The remembered device was removed: register this browser again.
      delete input.deviceId;
      input.device = deviceInput();
      d = await gql("mutation($in: ViewerSignInInput!) { viewerSignIn(input: $in) " + TOKEN_FIELDS + " }", { in: input });
    }
    await afterSignIn(root, d.viewerSignIn, next);
  }));
  root.appendChild(h("p", { class: "page narrow" }, "New here? ", link("/signup" + (q.get("next") ? "?next=" + encodeURIComponent(next) : ""), { id: "to-signup" }, "Create an account")));
}

export function signUp(root: HTMLElement, _p: Record<string, string>, q: URLSearchParams): void {
  const next = q.get("next") || "/";
  const email = h("input", { type: "email", id: "signup-email", autocomplete: "email", required: true });
  const password = h("input", { type: "password", id: "signup-password", autocomplete: "new-password", required: true, minlength: 8 });
  const name = h("input", { type: "text", id: "signup-name", placeholder: "Me" });
  const code = h("input", { type: "text", id: "signup-code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}" });
  const codeField = field("The 6-digit code we emailed you", code);
  codeField.hidden = true;
  let sent = false;
  root.appendChild(form("signup", "Create your " + config.name + " account", [field("Email", email), field("Password", password), field("Profile name", name), codeField], "Continue", async (status) => {
    if (!sent) {
      await gql("mutation($in: ViewerSignUpInput!) { viewerSignUp(input: $in) }", { in: { email: email.value, password: password.value, name: name.value || null } });
      sent = true;
      codeField.hidden = false;
      code.required = true;
      code.focus();
      status.appendChild(message("Check your email for the code."));
      return;
    }
    const d = await gql("mutation($e: String!, $c: String!, $p: String!, $d: ViewerDeviceInput!) { viewerVerifyEmail(email: $e, code: $c, password: $p, device: $d) " + TOKEN_FIELDS + " }",
      { e: email.value, c: code.value.trim(), p: password.value, d: deviceInput() });
    await afterSignIn(root, d.viewerVerifyEmail, next);
  }));
}

export function activate(root: HTMLElement, _p: Record<string, string>, q: URLSearchParams): void {
  if (!guard(root)) return;
  const code = h("input", { type: "text", id: "activate-code", autocomplete: "off", required: true, value: q.get("user_code") || "", "aria-describedby": "activate-help" });
  root.appendChild(form("activate", "Activate your TV", [h("p", { id: "activate-help" }, "Enter the code shown on your TV."), field("Code", code)], "Activate", async (status) => {
    const d = await gql("mutation($c: String!) { activateDevice(userCode: $c) { id name platform } }", { c: code.value.trim().toUpperCase() });
    status.appendChild(message("Done: " + d.activateDevice.name + " is signed in. You can go back to your TV.", "ok"));
  }));
}

export async function plans(root: HTMLElement, _p: Record<string, string>, q: URLSearchParams): Promise<void> {
  const page = h("div", { class: "page" }, h("h1", {}, "Plans"));
  root.appendChild(page);
  if (q.get("paid")) page.appendChild(message("Thank you: your subscription starts as soon as the payment is confirmed.", "ok"));
  try {
    const mine = signedIn() ? " mySubscription { " + SUB_FIELDS + " }" : "";
    const d = await gql("{ storefront { plans { id name trialDays ads prices { id interval currency amount } }" + mine + " } }");
    const list: any[] = d.storefront.plans;
    const sub: Sub | null = d.storefront.mySubscription || null;
    const live = !!sub && LIVE.indexOf(sub.status) >= 0;
    const yours = h("section", { class: "your-plan", id: "your-plan" });
    if (live) page.appendChild(yours);
    if (!list.length) page.appendChild(message("Nothing is on sale right now."));
    const grid = h("div", { class: "plans" });
    page.appendChild(grid);
    // The grid follows the subscription: its other prices of the same
    // currency are switches, the current one is marked.
    const fill = (sub: Sub | null) => {
      const live = !!sub && LIVE.indexOf(sub.status) >= 0;
      grid.innerHTML = "";
      for (const pl of list) {
        const box = h("div", { class: "plan" }, h("h2", {}, pl.name), h("p", { class: "meta" }, (pl.ads ? "With ads" : "No ads") + (pl.trialDays ? " · " + pl.trialDays + "-day free trial" : "")));
        for (const pr of pl.prices) {
          const label = money(pr.amount, pr.currency) + " / " + pr.interval.toLowerCase();
          if (live && sub!.price && pr.currency !== sub!.price.currency) continue; // Stripe cannot switch a subscription's currency
          if (live && sub!.price && pr.id === sub!.price.id) {
            box.appendChild(h("span", { class: "button current", "data-current-price": pr.id }, label + " · your plan"));
            continue;
          }
          const b = h("button", { class: "button primary", type: "button", "data-price": pr.id }, (live ? "Switch to " : "") + label);
          if (live) b.addEventListener("click", () => change(yours, "mutation($p: ID!) { changeSubscriptionPlan(planPriceId: $p) { " + SUB_FIELDS + " } }", { p: pr.id }, "changeSubscriptionPlan", render));
          else b.addEventListener("click", () => pay(page, "mutation($p: ID!, $s: String, $c: String) { checkout(planPriceId: $p, successURL: $s, cancelURL: $c) { url } }", { p: pr.id }, "checkout"));
          box.appendChild(b);
        }
        grid.appendChild(box);
      }
    };
    const render = (s: Sub) => {
      yourPlan(yours, s, render);
      fill(s);
    };
    if (live) render(sub!);
    else fill(null);
  } catch (e) {
    page.appendChild(message(errorText(e), "error"));
  }
}

// The viewer's subscription: "Your plan" on the plans page, changed in the
// app (switch price, cancel at the period's end, resume) through our API;
// what Stripe answers shows at once, the ledger follows Stripe's webhook.
interface Sub {
  id: string;
  status: string;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: string;
  plan: { name: string } | null;
  price: { id: string; currency: string; amount: number; interval: string } | null;
}
const SUB_FIELDS = "id status cancelAtPeriodEnd currentPeriodEnd plan { name } price { id currency amount interval }";
const LIVE = ["active", "trialing", "past_due"];

function yourPlan(box: HTMLElement, s: Sub, render: (s: Sub) => void): void {
  box.innerHTML = "";
  const when = new Date(s.currentPeriodEnd).toLocaleDateString();
  const what = (s.plan ? s.plan.name : "Your subscription") + (s.price ? " · " + money(s.price.amount, s.price.currency) + " / " + s.price.interval.toLowerCase() : "");
  box.append(h("h2", {}, "Your plan"), h("p", { id: "your-plan-name" }, what),
    h("p", { id: "your-plan-renewal", class: "meta" }, s.cancelAtPeriodEnd ? "Ends on " + when : "Renews on " + when));
  const b = s.cancelAtPeriodEnd
    ? h("button", { class: "button", type: "button", id: "resume-plan" }, "Keep my plan")
    : h("button", { class: "button", type: "button", id: "cancel-plan" }, "Cancel at the end of the period");
  b.addEventListener("click", () => change(box, s.cancelAtPeriodEnd ? "mutation { resumeSubscription { " + SUB_FIELDS + " } }" : "mutation { cancelSubscription { " + SUB_FIELDS + " } }",
    {}, s.cancelAtPeriodEnd ? "resumeSubscription" : "cancelSubscription", render));
  box.appendChild(b);
}

async function change(box: HTMLElement, mutation: string, vars: Record<string, unknown>, key: string, render: (s: Sub) => void): Promise<void> {
  box.querySelectorAll("button").forEach((b) => ((b as HTMLButtonElement).disabled = true));
  try {
    const d = await gql(mutation, vars);
    render(d[key]);
    box.appendChild(message(key === "changeSubscriptionPlan" ? "Your plan is changed; the difference is prorated on your next invoice." : "Done.", "ok"));
  } catch (e) {
    box.querySelectorAll("button").forEach((b) => ((b as HTMLButtonElement).disabled = false));
    box.appendChild(message(errorText(e), "error"));
  }
}

export function account(root: HTMLElement): void {
  if (!guard(root)) return;
  const out = h("button", { class: "button", type: "button", id: "sign-out" }, "Sign out");
  out.addEventListener("click", async () => {
    try {
      await gql("mutation { viewerSignOut }");
    } catch (_) {
      /* signed out locally either way */
    }
    setTokens(null);
    navigate("/", true);
  });
  const page = h("div", { class: "page narrow" }, h("h1", {}, "Account"), out);
  root.appendChild(page);
  gql("{ viewerAccount { email } currentProfile { name } }").then((d) => {
    page.insertBefore(h("p", { id: "account-email" }, d.viewerAccount.email + " · " + d.currentProfile.name), out);
  }, () => {});
}
