import type { AdminClient } from "../../clients/web/src/index.js";
import { h, replace } from "./dom.js";
import { explain, isTokenRefused } from "./errors.js";
import type { Page, PageContext } from "./page.js";
import { appPage } from "./pages/app.js";
import { appsPage } from "./pages/apps.js";
import { auditPage } from "./pages/audit.js";
import { keysPage } from "./pages/keys.js";
import { signInPage } from "./pages/sign-in.js";
import { userPage } from "./pages/user.js";
import { usersPage } from "./pages/users.js";
import { adminClient, forgetToken, storedToken } from "./session.js";

const ROUTES: ReadonlyArray<readonly [RegExp, Page]> = [
  [/^\/apps$/, appsPage],
  [/^\/apps\/([^/]+)$/, appPage],
  [/^\/apps\/([^/]+)\/keys$/, keysPage],
  [/^\/apps\/([^/]+)\/users$/, usersPage],
  [/^\/apps\/([^/]+)\/users\/([^/]+)$/, userPage],
  [/^\/apps\/([^/]+)\/audit$/, auditPage],
];

const main = document.getElementById("main") as HTMLElement;
const account = document.getElementById("account") as HTMLElement;
let client: AdminClient | null = null;

const REFUSED = "The admin token was refused: sign in again.";

function signOut(message?: string): void {
  forgetToken();
  client?.close();
  client = null;
  replace(account);
  const root = h("section", { class: "page" });
  replace(main, root);
  signInPage(root, message, () => go("#/apps"));
}

function go(hash: string): void {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

async function render(): Promise<void> {
  const token = storedToken();
  if (token === null) return signOut();
  client ??= adminClient(token, () => signOut(REFUSED));
  replace(account, h("button", { type: "button", onclick: () => signOut() }, "Sign out"));

  const [path = "", search = ""] = location.hash.replace(/^#/, "").split("?", 2);
  const route = ROUTES.map(([pattern, page]) => [pattern.exec(path), page] as const).find(
    ([m]) => m !== null,
  );
  if (route === undefined) {
    location.replace("#/apps");
    return;
  }
  const [match, page] = route;
  const root = h("section", { class: "page", "aria-busy": "true" });
  replace(main, root);
  const context: PageContext = {
    client,
    params: match!.slice(1).map((part) => decodeURIComponent(part)),
    query: new URLSearchParams(search),
    go,
  };
  try {
    await page(context, root);
  } catch (error) {
    // A refused token has already sent the operator to sign-in.
    if (isTokenRefused(error)) return;
    root.append(h("div", { class: "alert", role: "alert" }, explain(error).message));
  } finally {
    root.removeAttribute("aria-busy");
  }
  root.querySelector<HTMLElement>("h1")?.focus();
}

window.addEventListener("hashchange", () => void render());
void render();
