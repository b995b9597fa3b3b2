import { DeviceState, type AuditEvent } from "../../../clients/web/src/index.js";
import { h, type Child } from "../dom.js";
import { actorKindName, auditKindName, deviceStateName, reasonText, when } from "../format.js";

/**
 * An id cut to its last 8 characters, whole in its tooltip, so the table stays readable.
 * The last ones: ids are UUIDv7, whose first characters are the (shared) time.
 */
function shortId(id: string): HTMLElement | string {
  return id === "" ? "—" : h("abbr", { title: id }, `…${id.slice(-8)}`);
}

function actor(event: AuditEvent): Child {
  if (event.actor === undefined) return "—";
  const kind = actorKindName(event.actor.kind);
  return event.actor.id === "" ? kind : h("span", {}, `${kind} `, shortId(event.actor.id));
}

/** An event's details as `name: value` lines; nested values as JSON. */
function details(values: Record<string, unknown> | undefined): Child {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return "—";
  return h(
    "ul",
    { class: "details" },
    ...entries.map(([name, value]) =>
      h("li", {}, `${name}: `, h("code", {}, typeof value === "string" ? value : JSON.stringify(value))),
    ),
  );
}

/** Audit events as the service lists them, newest first; the app's own link for each user. */
export function auditTable(events: readonly AuditEvent[], appId: string): HTMLElement {
  if (events.length === 0) return h("p", {}, "No events.");
  const headers = ["When", "Event", "User", "Device", "State", "Reason", "By", "Details"];
  return h(
    "table",
    { class: "audit" },
    h("caption", {}, "Audit events, newest first"),
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      ...events.map((event) =>
        h(
          "tr",
          { "data-event-id": event.eventId },
          h("td", { class: "when" }, when(event.occurredAt)),
          h("td", { "data-testid": "audit-kind" }, auditKindName(event.kind)),
          h(
            "td",
            { class: "id" },
            event.userId === ""
              ? "—"
              : h(
                  "a",
                  { href: `#/apps/${encodeURIComponent(appId)}/users/${encodeURIComponent(event.userId)}` },
                  shortId(event.userId),
                ),
          ),
          h("td", { class: "id" }, shortId(event.deviceId)),
          h(
            "td",
            {},
            event.deviceState === DeviceState.DEVICE_STATE_UNSPECIFIED
              ? "—"
              : deviceStateName(event.deviceState),
          ),
          h("td", {}, reasonText(event.stateReason)),
          h("td", { class: "id" }, actor(event)),
          h("td", {}, details(event.details)),
        ),
      ),
    ),
  );
}
