import { h, type Child } from "./dom.js";

/**
 * A modal question (the browser's <dialog>: focus stays inside, Escape cancels).
 * Resolves true when the operator confirms; `check` may refuse with a message shown in
 * the dialog, so a bad value is fixed there instead of failing later.
 */
export function ask(options: {
  readonly title: string;
  readonly body: readonly Child[];
  readonly confirm: string;
  readonly danger?: boolean;
  readonly check?: () => string | null;
}): Promise<boolean> {
  const problem = h("p", { class: "field-error", role: "alert" });
  const confirm = h(
    "button",
    { type: "submit", value: "confirm", class: options.danger ? "danger" : "" },
    options.confirm,
  );
  const cancel = h("button", { type: "button", value: "cancel" }, "Cancel");
  const form = h(
    "form",
    { method: "dialog" },
    ...options.body,
    problem,
    h("div", { class: "row" }, confirm, cancel),
  );
  const dialog = h(
    "dialog",
    { "aria-labelledby": "dialog-title" },
    h("h2", { id: "dialog-title" }, options.title),
    form,
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    let confirmed = false;
    form.addEventListener("submit", (event) => {
      const refusal = options.check?.() ?? null;
      if (refusal !== null) {
        event.preventDefault();
        problem.textContent = refusal;
        return;
      }
      confirmed = true;
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(confirmed);
    });
    dialog.showModal();
  });
}
