import type { AdminClient, App } from "../../clients/web/src/index.js";
import { h, replace, type Child } from "./dom.js";
import { explain, isTokenRefused } from "./errors.js";

/** What a page gets: the signed-in client, the route's parts and a way to move on. */
export interface PageContext {
  readonly client: AdminClient;
  /** The route's variable parts, e.g. the app id of `#/apps/<id>/keys`. */
  readonly params: readonly string[];
  /** The query after `?` in the hash: `#/apps/<id>/users?prefix=ab`. */
  readonly query: URLSearchParams;
  /** Moves to another route (a hash such as `#/apps`). */
  go(hash: string): void;
}

/** A page fills `root`, which is already on screen (so it can show progress). */
export type Page = (context: PageContext, root: HTMLElement) => Promise<void>;

/** The page's heading, focusable so a route change can move the focus to it. */
export function heading(text: string): HTMLHeadingElement {
  return h("h1", { tabindex: -1 }, text);
}

const TABS = [
  ["", "Settings"],
  ["/keys", "API keys"],
  ["/users", "Users"],
  ["/audit", "Audit trail"],
] as const;

/** The app's name and its pages, the current one marked for assistive technology. */
export function appHeader(app: App, current: (typeof TABS)[number][1]): HTMLElement {
  const base = `#/apps/${encodeURIComponent(app.appId)}`;
  return h(
    "div",
    { class: "app-header" },
    h("p", { class: "crumbs" }, h("a", { href: "#/apps" }, "Apps"), " / ", app.displayName),
    h(
      "nav",
      { class: "tabs", "aria-label": "App" },
      ...TABS.map(([path, label]) =>
        h("a", { href: `${base}${path}`, "aria-current": label === current ? "page" : undefined }, label),
      ),
    ),
  );
}

/** Loads the app a page is about (its id is the route's first part). */
export async function loadApp(context: PageContext): Promise<App> {
  const { app } = await context.client.getApp({ appId: context.params[0] ?? "" });
  if (app === undefined) throw new Error("the service answered without the app");
  return app;
}

/**
 * A list shown a page at a time into `container`, with previous / next buttons over the
 * service's page tokens. Resolves once the first page is shown (a failure there is the
 * page's to show); a later page that fails says so above the list it leaves in place.
 */
export async function pagedList<Items>(options: {
  readonly container: HTMLElement;
  readonly label: string;
  load(pageToken: string): Promise<{ readonly items: Items; readonly nextPageToken: string }>;
  render(items: Items, firstPage: boolean): Child;
}): Promise<void> {
  const tokens: string[] = [""];
  const problem = h("div", { role: "alert" });
  const show = async (): Promise<void> => {
    const { items, nextPageToken } = await options.load(tokens.at(-1) ?? "");
    const move = (change: () => void) => () => {
      change();
      replace(problem);
      show().catch((error: unknown) => {
        if (!isTokenRefused(error)) replace(problem, h("p", { class: "alert" }, explain(error).message));
      });
    };
    replace(
      options.container,
      problem,
      options.render(items, tokens.length === 1),
      h(
        "nav",
        { class: "pager", "aria-label": options.label },
        h(
          "button",
          { type: "button", disabled: tokens.length === 1, onclick: move(() => tokens.pop()) },
          "Previous page",
        ),
        h(
          "button",
          { type: "button", disabled: nextPageToken === "", onclick: move(() => tokens.push(nextPageToken)) },
          "Next page",
        ),
      ),
    );
  };
  await show();
}
