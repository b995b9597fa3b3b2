import type { User } from "../../../clients/web/src/index.js";
import { h } from "../dom.js";
import { field, fieldError, formAlert, input, onSubmit } from "../forms.js";
import { isUuid, when } from "../format.js";
import { appHeader, heading, loadApp, pagedList, type Page } from "../page.js";

const PAGE_SIZE = 50;

/**
 * An app's users: by external id prefix (`?prefix=`, a page at a time, oldest first), or
 * straight to one user by platform user id.
 */
export const usersPage: Page = async (context, root) => {
  const app = await loadApp(context);
  const base = `#/apps/${encodeURIComponent(app.appId)}/users`;
  const prefix = context.query.get("prefix") ?? "";

  const by = h(
    "select",
    { name: "by" },
    h("option", { value: "prefix" }, "External id starts with"),
    h("option", { value: "user-id" }, "Platform user id is"),
  );
  const text = input({ name: "q", type: "search", value: prefix, spellcheck: "false", maxlength: 256 });
  const search = h(
    "form",
    { class: "card row", role: "search", "aria-label": "Find users", novalidate: true },
    field({ label: "Search by", field: "by", control: by }),
    field({ label: "Search for", field: "q", control: text, hint: "Empty lists every user." }),
    h("button", { type: "submit" }, "Search"),
    formAlert(),
  );
  onSubmit(search, async () => {
    const value = text.value.trim();
    if (by.value === "prefix")
      return context.go(value === "" ? base : `${base}?prefix=${encodeURIComponent(value)}`);
    if (!isUuid(value)) return fieldError(search, "q", "A platform user id is a UUID.") && false;
    // Looked up first, so an unknown id is told here rather than on an empty page.
    await context.client.getUser({ appId: app.appId, user: { $case: "userId", value } });
    context.go(`${base}/${encodeURIComponent(value)}`);
  });

  const list = h("div", { class: "list" });
  const title =
    prefix === "" ? `Users of ${app.displayName}` : `Users whose external id starts with “${prefix}”`;
  root.append(appHeader(app, "Users"), heading(title), search, list);
  await pagedList({
    container: list,
    label: "Pages of users",
    load: async (pageToken) => {
      const { users, nextPageToken } = await context.client.listUsers({
        appId: app.appId,
        externalUserIdPrefix: prefix,
        pageSize: PAGE_SIZE,
        pageToken,
      });
      return { items: users, nextPageToken };
    },
    render: (users) => (users.length === 0 ? h("p", {}, "No users match.") : userTable(users, base)),
  });
};

function userTable(users: readonly User[], base: string): HTMLTableElement {
  const headers = ["External id", "User id", "Created", "Status"];
  return h(
    "table",
    {},
    h("caption", {}, "Users, oldest first"),
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      ...users.map((user) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `${base}/${encodeURIComponent(user.userId)}` }, user.externalUserId)),
          h("td", { class: "id" }, user.userId),
          h("td", {}, when(user.createdAt)),
          h("td", {}, user.disabled ? "disabled" : "enabled"),
        ),
      ),
    ),
  );
}
