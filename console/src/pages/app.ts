import { h, replace } from "../dom.js";
import { onSubmit } from "../forms.js";
import { when } from "../format.js";
import { appHeader, heading, loadApp, type Page } from "../page.js";
import { appForm } from "./app-form.js";

/** One app: what it is, and its name, SDK configuration and code lifetime to edit. */
export const appPage: Page = async (context, root) => {
  const app = await loadApp(context);
  const facts = h("dl", { class: "facts" });
  const showFacts = (configVersion: string): void =>
    replace(
      facts,
      h("dt", {}, "App id"),
      h("dd", { class: "id" }, app.appId),
      h("dt", {}, "Config version"),
      h("dd", { "data-testid": "config-version" }, configVersion),
      h("dt", {}, "Created"),
      h("dd", {}, when(app.createdAt)),
    );
  showFacts(app.configVersion);
  const saved = h("p", { class: "saved", role: "status" });
  const edit = appForm({ app, submit: "Save changes", label: "Edit the app" });
  let original = JSON.stringify(app.sdkConfig ?? {});
  onSubmit(edit.form, async () => {
    replace(saved);
    const values = edit.values();
    if (values === null) return false;
    // Only a changed configuration is sent: each new one bumps the version and is
    // pushed to every watching device.
    const configChanged = JSON.stringify(values.sdkConfig) !== original;
    const { app: updated } = await context.client.updateApp({
      appId: app.appId,
      displayName: values.displayName,
      ...(configChanged && { sdkConfig: values.sdkConfig }),
      authCodeTtl: { seconds: String(values.authCodeTtlSeconds) },
    });
    original = JSON.stringify(updated!.sdkConfig ?? {});
    showFacts(updated!.configVersion);
    replace(saved, `Saved. Config version ${updated!.configVersion}.`);
  });
  root.append(
    appHeader(app, "Settings"),
    heading(app.displayName),
    facts,
    h("h2", {}, "Edit"),
    edit.form,
    saved,
  );
};
