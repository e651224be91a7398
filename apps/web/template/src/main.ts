// The white-label web app: the shell (header, navigation), the routes, the
// service worker, and the TV layout's hook.
import { config, layout } from "./config";
import { signedIn, gql } from "./api";
import { h, link } from "./ui";
import { route, start } from "./router";
import * as screens from "./screens";
import { watch, shorts } from "./player";
import { installTV } from "./tv/tv";

// Plans show in the navigation only when the workspace has some on sale.
let selling = false;

function nav(): HTMLElement {
  const items: [string, string, string][] = [["/", "Home", "nav-home"], ["/search", "Search", "nav-search"]];
  if (config.features.shorts) items.push(["/shorts", "Shorts", "nav-shorts"]);
  items.push(["/my-list", "My List", "nav-my-list"]);
  if (selling) items.push(["/plans", "Plans", "nav-plans"]);
  items.push(signedIn() ? ["/account", "Account", "nav-account"] : ["/signin", "Sign in", "nav-signin"]);
  return h("nav", { class: "nav", "aria-label": "Main" }, ...items.map((it) => link(it[0], { id: it[2], class: "nav-link" }, it[1])));
}

function header(): HTMLElement {
  return h("header", { class: "top" },
    link("/", { class: "brand", id: "brand" },
      config.logo ? h("img", { src: config.logo, alt: "", width: 32, height: 32 }) : null,
      h("span", { id: "app-name" }, config.name)),
    nav());
}

function boot(): void {
  document.documentElement.setAttribute("data-layout", layout);
  const app = document.getElementById("app") as HTMLElement;
  const shell = document.getElementById("shell") as HTMLElement;
  route("/", screens.home);
  route("/title/:id", screens.title);
  route("/series/:id", screens.series);
  route("/search", screens.search);
  if (config.features.shorts) route("/shorts", shorts);
  if (config.features.creators) route("/creator/:handle", screens.creator);
  route("/signin", screens.signIn);
  route("/signup", screens.signUp);
  route("/activate", screens.activate);
  if (config.features.billing) route("/plans", screens.plans);
  route("/my-list", screens.myList);
  route("/account", screens.account);
  route("/watch/:id", watch);
  let head = header();
  shell.insertBefore(head, app);
  const redraw = () => {
    const fresh = header();
    shell.replaceChild(fresh, head);
    head = fresh;
  };
  start(app, (path) => {
    // The header follows sign-in state.
    redraw();
    document.body.setAttribute("data-route", path.split("/")[1] || "home");
  });
  if (config.features.billing) {
    gql("{ storefront { plans { id } } }").then((d) => {
      selling = d.storefront.plans.length > 0;
      if (selling) redraw();
    }, () => {});
  }
  if (layout === "tv") installTV();
  if ("serviceWorker" in navigator && location.protocol !== "file:") {
    window.addEventListener("load", () => {
      navigator.serviceWorker.register(config.base + "/sw.js", { scope: config.base + "/" }).catch(() => {});
    });
  }
}

boot();
