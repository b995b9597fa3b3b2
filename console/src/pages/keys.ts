import { ApiKeyScope, type ApiKey } from "../../../clients/web/src/index.js";
import { ask } from "../dialog.js";
import { h, replace, uid } from "../dom.js";
import { explain } from "../errors.js";
import { field, fieldError, formAlert, input, onSubmit } from "../forms.js";
import { SCOPES, scopeName, when } from "../format.js";
import { appHeader, heading, loadApp, type Page } from "../page.js";
import { keySecret } from "./key-secret.js";

/** An app's keys, newest first: create one, rotate with a grace period, revoke. */
export const keysPage: Page = async (context, root) => {
  const app = await loadApp(context);
  const secretSlot = h("div", {});
  const list = h("div", { class: "list" });
  const problems = h("div", { class: "alert-slot", role: "alert" });

  const show = async (): Promise<void> => {
    const { keys } = await context.client.listApiKeys({ appId: app.appId, pageSize: 1000 });
    replace(list, keys.length === 0 ? h("p", {}, "No keys yet.") : keyTable(keys, actions));
  };
  const act = (work: () => Promise<void>) => {
    replace(problems);
    work().catch((error: unknown) => replace(problems, h("p", { class: "alert" }, explain(error).message)));
  };
  const actions = {
    rotate: (key: ApiKey) =>
      act(async () => {
        const grace = input({
          type: "number",
          min: 0,
          max: 2_592_000,
          step: 1,
          value: 86_400,
          id: uid("grace"),
        });
        const ok = await ask({
          title: `Rotate “${key.name}”`,
          body: [
            h("p", {}, "A new key replaces this one. The old key keeps working for the grace period."),
            field({
              label: "Grace period (seconds)",
              field: "grace_period",
              control: grace,
              hint: "0 to 2 592 000 (30 days); 0 revokes the old key at once.",
            }),
          ],
          confirm: "Rotate",
          check: () => {
            const value = Number(grace.value);
            return Number.isInteger(value) && value >= 0 && value <= 2_592_000
              ? null
              : "The grace period is a whole number of seconds from 0 to 2 592 000.";
          },
        });
        if (!ok) return;
        const rotated = await context.client.rotateApiKey({
          keyId: key.keyId,
          gracePeriod: { seconds: grace.value },
        });
        replace(secretSlot, keySecret(rotated.apiKey, `New key for “${key.name}”`));
        await show();
      }),
    revoke: (key: ApiKey) =>
      act(async () => {
        const ok = await ask({
          title: `Revoke “${key.name}”?`,
          body: [
            h(
              "p",
              {},
              `Key ${key.keyId} stops working on every instance within 5 seconds. This cannot be undone.`,
            ),
          ],
          confirm: "Revoke key",
          danger: true,
        });
        if (!ok) return;
        await context.client.revokeApiKey({ keyId: key.keyId });
        await show();
      }),
  };

  const create = createForm(async (name, scopes, expiresAt) => {
    const created = await context.client.createApiKey({ appId: app.appId, name, scopes, expiresAt });
    replace(secretSlot, keySecret(created.apiKey, `New key “${name}”`));
    await show();
  });

  root.append(
    appHeader(app, "API keys"),
    heading(`API keys of ${app.displayName}`),
    secretSlot,
    problems,
    list,
  );
  root.append(h("h2", {}, "Create a key"), create);
  await show();
};

type Create = (name: string, scopes: ApiKeyScope[], expiresAt: Date | undefined) => Promise<void>;

function createForm(create: Create): HTMLFormElement {
  const name = input({ name: "key-name", required: true, maxlength: 256 });
  const boxes = SCOPES.map((scope) => {
    const box = input({
      type: "checkbox",
      name: "scope",
      value: scope,
      checked: scope === ApiKeyScope.API_KEY_SCOPE_USER_LINK,
      id: uid("scope"),
    });
    return { scope, box, label: h("label", { for: box.id }, box, ` ${scopeName(scope)}`) };
  });
  const scopesId = uid("scopes");
  const scopesError = h("p", { class: "field-error", id: `${scopesId}-error` });
  const scopes = h(
    "fieldset",
    { "data-field": "scopes", id: scopesId, "aria-describedby": scopesError.id },
    h("legend", {}, "Scopes"),
    ...boxes.map((b) => b.label),
    scopesError,
  );
  const expires = input({ type: "date", name: "expires" });
  const form = h(
    "form",
    { class: "card", "aria-label": "Create an API key", novalidate: true },
    field({ label: "Name", field: "name", control: name, hint: "For people: what uses this key." }),
    scopes,
    field({
      label: "Expires on (UTC)",
      field: "expires_at",
      control: expires,
      hint: "Optional: 365 days from now when empty.",
    }),
    formAlert(),
    h("button", { type: "submit" }, "Create key"),
  );
  onSubmit(form, async () => {
    const chosen = boxes.filter((b) => b.box.checked).map((b) => b.scope);
    let ok = true;
    if (name.value.trim() === "") ok = !fieldError(form, "name", "Give the key a name.");
    if (chosen.length === 0) ok = !fieldError(form, "scopes", "Choose at least one scope.") && ok;
    const expiresAt = expires.value === "" ? undefined : new Date(`${expires.value}T00:00:00Z`);
    if (expiresAt !== undefined && expiresAt.getTime() <= Date.now()) {
      ok = !fieldError(form, "expires_at", "The expiry must be in the future.") && ok;
    }
    if (!ok) {
      form.querySelector<HTMLElement>("[aria-invalid=true], fieldset[aria-invalid=true] input")?.focus();
      return false;
    }
    await create(name.value.trim(), chosen, expiresAt);
    form.reset();
  });
  return form;
}

interface KeyActions {
  rotate(key: ApiKey): void;
  revoke(key: ApiKey): void;
}

function status(key: ApiKey): string {
  if (key.revokedAt !== undefined) return `revoked ${when(key.revokedAt)}`;
  if (key.expiresAt !== undefined && key.expiresAt.getTime() <= Date.now()) return "expired";
  if (key.replacedByKeyId !== "") return `rotated: works until ${when(key.expiresAt)}`;
  return "active";
}

function keyTable(keys: readonly ApiKey[], actions: KeyActions): HTMLTableElement {
  const headers = ["Name", "Key id", "Scopes", "Status", "Created", "Expires", "Last used", "Actions"];
  return h(
    "table",
    {},
    h("caption", {}, "Keys, newest first"),
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      ...keys.map((key) => {
        const live = key.revokedAt === undefined;
        return h(
          "tr",
          { "data-key-id": key.keyId },
          h("td", {}, key.name),
          h("td", { class: "id" }, key.keyId),
          h("td", {}, key.scopes.map(scopeName).join(", ")),
          h("td", { "data-testid": "key-status" }, status(key)),
          h("td", {}, when(key.createdAt)),
          h("td", {}, when(key.expiresAt)),
          h(
            "td",
            { "data-testid": "key-last-used" },
            key.lastUsedAt === undefined ? "never" : when(key.lastUsedAt),
          ),
          h(
            "td",
            { class: "actions" },
            live && key.replacedByKeyId === ""
              ? h(
                  "button",
                  {
                    type: "button",
                    onclick: () => actions.rotate(key),
                    "aria-label": `Rotate ${key.name} (${key.keyId})`,
                  },
                  "Rotate",
                )
              : null,
            live
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "danger",
                    onclick: () => actions.revoke(key),
                    "aria-label": `Revoke ${key.name} (${key.keyId})`,
                  },
                  "Revoke",
                )
              : null,
          ),
        );
      }),
    ),
  );
}
