import type { Device, User } from "../../../clients/web/src/index.js";
import { ask } from "../dialog.js";
import { h, replace } from "../dom.js";
import { explain } from "../errors.js";
import { deviceStateName, deviceTypeName, platformName, reasonText, when } from "../format.js";
import { appHeader, heading, loadApp, type Page } from "../page.js";
import { auditTable } from "./audit-table.js";

/** One user with every device, disable / enable, delete, and their latest audit events. */
export const userPage: Page = async (context, root) => {
  const app = await loadApp(context);
  const userId = context.params[1] ?? "";
  const base = `#/apps/${encodeURIComponent(app.appId)}`;
  const facts = h("dl", { class: "facts" });
  const devices = h("div", { class: "list" });
  const status = h("p", { role: "status", class: "saved" });
  const problems = h("div", { role: "alert" });
  const toggle = h("button", { type: "button" });
  const remove = h("button", { type: "button", class: "danger" }, "Delete user…");
  const events = h("div", { class: "list" });

  const show = (user: User): void => {
    replace(
      facts,
      h("dt", {}, "External id"),
      h("dd", {}, user.externalUserId),
      h("dt", {}, "User id"),
      h("dd", { class: "id" }, user.userId),
      h("dt", {}, "Created"),
      h("dd", {}, when(user.createdAt)),
      h("dt", {}, "Status"),
      h("dd", { "data-testid": "user-status" }, user.disabled ? "disabled" : "enabled"),
    );
    replace(devices, deviceTable(user.devices));
    toggle.textContent = user.disabled ? "Enable user" : "Disable user";
  };
  const load = async (): Promise<User> => {
    const [{ user }, trail] = await Promise.all([
      context.client.getUser({ appId: app.appId, user: { $case: "userId", value: userId } }),
      context.client.listAuditEvents({ appId: app.appId, userId, pageSize: 20 }),
    ]);
    show(user!);
    replace(
      events,
      auditTable(trail.events, app.appId),
      h(
        "p",
        {},
        h(
          "a",
          { href: `${base}/audit?user=${encodeURIComponent(userId)}` },
          "The whole audit trail of this user",
        ),
      ),
    );
    return user!;
  };
  let user = await load();

  const act = (work: () => Promise<void>) => {
    replace(problems);
    replace(status);
    work().catch((error: unknown) => replace(problems, h("p", { class: "alert" }, explain(error).message)));
  };
  toggle.addEventListener("click", () =>
    act(async () => {
      const disabled = !user.disabled;
      await context.client.setUserDisabled({ appId: app.appId, userId, disabled });
      user = await load();
      replace(
        status,
        disabled ? "Disabled: every device was deactivated." : "Enabled: the app can link the user again.",
      );
    }),
  );
  remove.addEventListener("click", () =>
    act(async () => {
      const ok = await ask({
        title: `Delete user “${user.externalUserId}”?`,
        body: [
          h(
            "p",
            {},
            `User ${user.userId} (external id “${user.externalUserId}”) and every one of their ${user.devices.length} device(s) are erased. Their devices' streams end, and this cannot be undone.`,
          ),
        ],
        confirm: `Delete “${user.externalUserId}”`,
        danger: true,
      });
      if (!ok) return;
      await context.client.deleteUser({ appId: app.appId, user: { $case: "userId", value: userId } });
      context.go(`${base}/users`);
    }),
  );

  root.append(
    appHeader(app, "Users"),
    heading(`User ${user.externalUserId}`),
    facts,
    h("div", { class: "row" }, toggle, remove),
    status,
    problems,
    h("h2", {}, "Devices"),
    devices,
    h("h2", {}, "Latest events"),
    events,
  );
};

function deviceTable(list: readonly Device[]): HTMLElement {
  if (list.length === 0) return h("p", {}, "No devices.");
  const headers = [
    "Device id",
    "Platform",
    "Type",
    "State",
    "Reason",
    "Created",
    "Last seen",
    "Model / OS / app / SDK",
  ];
  return h(
    "table",
    { class: "devices" },
    h("caption", {}, "Devices, as the service lists them"),
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      ...list.map((device) =>
        h(
          "tr",
          { "data-device-id": device.deviceId },
          h("td", { class: "id" }, device.deviceId),
          h("td", {}, platformName(device.platform)),
          h("td", {}, deviceTypeName(device.deviceType)),
          h("td", { "data-testid": "device-state" }, deviceStateName(device.state)),
          h("td", { "data-testid": "device-reason" }, reasonText(device.stateReason)),
          h("td", {}, when(device.createdAt)),
          h("td", {}, when(device.lastSeenAt)),
          h(
            "td",
            {},
            [device.model, device.osVersion, device.appVersion, device.sdkVersion]
              .map((v) => v || "—")
              .join(" / "),
          ),
        ),
      ),
    ),
  );
}
