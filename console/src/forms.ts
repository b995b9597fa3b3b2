import { explain } from "./errors.js";
import { jsonErrorAt } from "./json-error.js";
import { h, replace, uid, type Child } from "./dom.js";

export interface FieldSpec {
  readonly label: string;
  /** The proto field name the service names in a BadRequest (`sdk_config`). */
  readonly field: string;
  readonly control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
  readonly hint?: string;
}

/**
 * A labelled control with its hint and an error slot, wired for assistive technology:
 * the label names the control, the hint and the error describe it.
 */
export function field(spec: FieldSpec): HTMLElement {
  const id = spec.control.id || uid("field");
  spec.control.id = id;
  spec.control.dataset.field = spec.field;
  const error = h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  const described = [`${id}-error`];
  let hint: HTMLElement | null = null;
  if (spec.hint !== undefined) {
    hint = h("p", { class: "hint", id: `${id}-hint` }, spec.hint);
    described.unshift(`${id}-hint`);
  }
  spec.control.setAttribute("aria-describedby", described.join(" "));
  return h("div", { class: "field" }, h("label", { for: id }, spec.label), spec.control, hint, error);
}

/** Shows `message` at the control for `fieldName`; returns false when the form has no such control. */
export function fieldError(form: HTMLFormElement, fieldName: string, message: string): boolean {
  const control = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(fieldName)}"]`);
  if (control === null) return false;
  control.setAttribute("aria-invalid", "true");
  const slot = document.getElementById(`${control.id}-error`);
  if (slot !== null) slot.textContent = message;
  return true;
}

export function clearErrors(form: HTMLFormElement): void {
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
  const alert = form.querySelector(".form-alert");
  if (alert !== null) replace(alert);
}

/** The form's own message area, announced when it changes. */
export function formAlert(): HTMLElement {
  return h("div", { class: "form-alert", role: "alert" });
}

/**
 * Shows a failed call on its form: each field the service named at its control, the
 * rest in the form's alert. The first invalid control gets the focus.
 */
export function showFailure(form: HTMLFormElement, error: unknown): void {
  const { message, fields } = explain(error);
  const unplaced: Child[] = [];
  for (const [name, description] of fields) {
    if (!fieldError(form, name, description)) unplaced.push(h("li", {}, `${name}: ${description}`));
  }
  const alert = form.querySelector(".form-alert");
  if (alert !== null) {
    replace(alert, h("p", {}, message), unplaced.length > 0 ? h("ul", {}, ...unplaced) : null);
  }
  form.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
}

/**
 * Runs `action` on submit with the form's buttons disabled, its old errors cleared and a
 * failure shown on it. `action` may return false to say it reported a problem itself.
 */
export function onSubmit(form: HTMLFormElement, action: () => Promise<void | false>): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    const buttons = [...form.querySelectorAll("button")];
    for (const button of buttons) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    action()
      .catch((error: unknown) => showFailure(form, error))
      .finally(() => {
        for (const button of buttons) button.disabled = false;
        form.removeAttribute("aria-busy");
      });
  });
}

export function input(attributes: Record<string, string | number | boolean | undefined>): HTMLInputElement {
  return h("input", attributes);
}

/** A JSON object from `text`, or the parser's own message (with line and column). */
export function parseJsonObject(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  if (text.trim() === "") return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Not valid JSON at ${jsonErrorAt(text) ?? (error as Error).message}.` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: "The SDK configuration must be a JSON object ({ … })." };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
