import type { App } from "../../../clients/web/src/index.js";
import { h } from "../dom.js";
import { onSubmit } from "../forms.js";
import { when } from "../format.js";
import { heading, pagedList, type Page } from "../page.js";
import { appForm } from "./app-form.js";

const PAGE_SIZE = 50;

/** Every app, a page at a time, and a form to create one. */
export const appsPage: Page = async (context, root) => {
  const list = h("div", { class: "list" });
  const create = appForm({ submit: "Create app", label: "Create an app" });
  onSubmit(create.form, async () => {
    const values = create.values();
    if (values === null) return false;
    const { app } = await context.client.createApp({
      displayName: values.displayName,
      sdkConfig: values.sdkConfig,
      authCodeTtl: { seconds: String(values.authCodeTtlSeconds) },
    });
    context.go(`#/apps/${encodeURIComponent(app!.appId)}`);
  });
  root.append(heading("Apps"), list, h("h2", {}, "Create an app"), create.form);

  await pagedList({
    container: list,
    label: "Pages of apps",
    load: async (pageToken) => {
      const { apps, nextPageToken } = await context.client.listApps({ pageSize: PAGE_SIZE, pageToken });
      return { items: apps, nextPageToken };
    },
    render: (apps, first) =>
      apps.length === 0 && first ? h("p", {}, "No apps yet: create the first below.") : appTable(apps),
  });
};

function appTable(apps: readonly App[]): HTMLTableElement {
  return h(
    "table",
    {},
    h("caption", {}, "Apps, oldest first"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...["Name", "App id", "Config version", "Created"].map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    h(
      "tbody",
      {},
      ...apps.map((app) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `#/apps/${encodeURIComponent(app.appId)}` }, app.displayName)),
          h("td", { class: "id" }, app.appId),
          h("td", {}, app.configVersion),
          h("td", {}, when(app.createdAt)),
        ),
      ),
    ),
  );
}
