import type { App } from "../../../clients/web/src/index.js";
import { h } from "../dom.js";
import { field, fieldError, formAlert, input, parseJsonObject } from "../forms.js";
import { seconds } from "../format.js";

/** What an app form asks for, already checked; `sdkConfig` null when its text is invalid. */
export interface AppFormValues {
  readonly displayName: string;
  readonly sdkConfig: Record<string, unknown>;
  readonly authCodeTtlSeconds: number;
}

export interface AppForm {
  readonly form: HTMLFormElement;
  /** The values, or null after showing at each field what is wrong with it. */
  values(): AppFormValues | null;
}

/**
 * The fields of an app, for creating one and for editing it: display name, the SDK
 * configuration as JSON (checked here first, so a typo is shown at the field, with the
 * parser's line and column), and the code lifetime.
 */
export function appForm(options: {
  readonly app?: App;
  readonly submit: string;
  readonly label: string;
}): AppForm {
  const { app } = options;
  const name = input({ name: "display-name", required: true, maxlength: 256, value: app?.displayName });
  const config = h("textarea", { name: "sdk-config", rows: 8, spellcheck: "false", class: "code" });
  config.value = JSON.stringify(app?.sdkConfig ?? {}, null, 2);
  const ttl = input({
    name: "auth-code-ttl",
    type: "number",
    min: 60,
    max: 3600,
    step: 1,
    required: true,
    value: seconds(app?.authCodeTtl) ?? 600,
  });
  const form = h(
    "form",
    { class: "card", "aria-label": options.label, novalidate: true },
    field({ label: "Display name", field: "display_name", control: name }),
    field({
      label: "SDK configuration (JSON)",
      field: "sdk_config",
      control: config,
      hint: "A JSON object; every device of the app receives it. At most 32 KiB.",
    }),
    field({
      label: "Code lifetime (seconds)",
      field: "auth_code_ttl",
      control: ttl,
      hint: "How long an authentication code can be redeemed: 60 to 3600 seconds.",
    }),
    formAlert(),
    h("button", { type: "submit" }, options.submit),
  );
  return {
    form,
    values: () => {
      let ok = true;
      const displayName = name.value.trim();
      if (displayName === "") ok = !fieldError(form, "display_name", "Give the app a name.");
      const parsed = parseJsonObject(config.value);
      if (!parsed.ok) ok = !fieldError(form, "sdk_config", parsed.message) && ok;
      const lifetime = Number(ttl.value);
      if (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > 3600) {
        ok = !fieldError(form, "auth_code_ttl", "A whole number of seconds from 60 to 3600.") && ok;
      }
      if (!ok || !parsed.ok) {
        form.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
        return null;
      }
      return { displayName, sdkConfig: parsed.value, authCodeTtlSeconds: lifetime };
    },
  };
}
