import { h } from "../dom.js";
import { field, input } from "../forms.js";
import { isUuid } from "../format.js";
import { appHeader, heading, loadApp, pagedList, type Page } from "../page.js";
import { auditTable } from "./audit-table.js";

const PAGE_SIZE = 50;

/** An app's audit trail, newest first, or one user's (`?user=<user id>`), a page at a time. */
export const auditPage: Page = async (context, root) => {
  const app = await loadApp(context);
  const userId = context.query.get("user") ?? "";
  const user = input({ name: "user", value: userId, placeholder: "all users", spellcheck: "false" });
  const filter = h(
    "form",
    { class: "card row", "aria-label": "Filter the audit trail", novalidate: true },
    field({
      label: "User id",
      field: "user_id",
      control: user,
      hint: "A platform user id (UUID); empty for the whole app.",
    }),
    h("button", { type: "submit" }, "Show"),
  );
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = user.value.trim();
    if (value !== "" && !isUuid(value)) {
      user.setAttribute("aria-invalid", "true");
      document.getElementById(`${user.id}-error`)!.textContent = "A user id is a UUID.";
      user.focus();
      return;
    }
    const query = value === "" ? "" : `?user=${encodeURIComponent(value)}`;
    context.go(`#/apps/${encodeURIComponent(app.appId)}/audit${query}`);
  });
  const list = h("div", { class: "list" });
  const title = userId === "" ? `Audit trail of ${app.displayName}` : `Audit trail of user ${userId}`;
  root.append(appHeader(app, "Audit trail"), heading(title), filter, list);

  await pagedList({
    container: list,
    label: "Pages of events",
    load: async (pageToken) => {
      const { events, nextPageToken } = await context.client.listAuditEvents({
        appId: app.appId,
        userId,
        pageSize: PAGE_SIZE,
        pageToken,
      });
      return { items: events, nextPageToken };
    },
    render: (events) => auditTable(events, app.appId),
  });
};
