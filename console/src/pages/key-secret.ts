import { h } from "../dom.js";

/**
 * A new key's plaintext, shown this once: the service keeps only its hash. It lives in
 * this element only (never stored), so a reload or leaving the page loses it for good.
 */
export function keySecret(apiKey: string, what: string): HTMLElement {
  const value = h("input", {
    readonly: true,
    class: "code secret",
    "aria-label": "The new API key",
    value: apiKey,
    "data-testid": "new-api-key",
  });
  const copied = h("span", { role: "status", class: "saved" });
  const copy = h(
    "button",
    {
      type: "button",
      onclick: () => {
        value.select();
        navigator.clipboard.writeText(apiKey).then(
          () => (copied.textContent = "Copied."),
          () => (copied.textContent = "Copy refused by the browser: the key is selected, copy it by hand."),
        );
      },
    },
    "Copy key",
  );
  const panel = h(
    "div",
    { class: "card once", role: "region", "aria-label": "New API key" },
    h("h2", {}, what),
    h("p", {}, "Copy it now: it is shown only this once and cannot be shown again."),
    h("div", { class: "row" }, value, copy, copied),
    h("button", { type: "button", onclick: () => panel.remove() }, "I have stored it"),
  );
  return panel;
}
