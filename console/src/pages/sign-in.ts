import { createAdminClient } from "../../../clients/web/src/index.js";
import { h } from "../dom.js";
import { field, formAlert, input, onSubmit } from "../forms.js";
import { heading } from "../page.js";
import { storeToken } from "../session.js";

/**
 * Sign-in with the admin token. The token is checked with one cheap call before it is
 * kept (for this tab only), so a wrong one is told here and not on the next page.
 */
export function signInPage(root: HTMLElement, message: string | undefined, signedIn: () => void): void {
  const token = input({
    type: "password",
    name: "admin-token",
    autocomplete: "off",
    required: true,
    spellcheck: "false",
  });
  const alert = formAlert();
  const form = h(
    "form",
    { class: "card sign-in", "aria-labelledby": "sign-in-title", novalidate: true },
    field({
      label: "Admin token",
      field: "admin_token",
      control: token,
      hint: "The token the service printed at start (or USERLINK_ADMIN_TOKEN). It is kept for this tab only.",
    }),
    alert,
    h("button", { type: "submit" }, "Sign in"),
  );
  if (message !== undefined) alert.append(h("p", {}, message));
  onSubmit(form, async () => {
    const value = token.value.trim();
    if (value === "") {
      token.setAttribute("aria-invalid", "true");
      document.getElementById(`${token.id}-error`)!.textContent = "Enter the admin token.";
      token.focus();
      return false;
    }
    const probe = createAdminClient({ baseUrl: location.origin, adminToken: value });
    try {
      await probe.listApps({ pageSize: 1 });
    } finally {
      probe.close();
    }
    storeToken(value);
    signedIn();
  });
  const title = heading("Sign in");
  title.id = "sign-in-title";
  root.append(title, form);
  token.focus();
}
