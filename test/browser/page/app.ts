// The page of the browser test: a small app that links a user through the web client
// and shows what happens to its device. Bundled by esbuild for the browser; it reads
// its settings from the query string (baseUrl, apiKey, externalUserId) and writes each
// outcome into the DOM with data attributes, for the test to wait on.
import {
  createDeviceClient,
  createLinkClient,
  DeviceState,
  DeviceType,
  Platform,
  StateReason,
  UserlinkError,
  type CreateUserRequest,
  type DeepPartial,
} from "../../../clients/web/src/index.js";

// The root tsconfig type-checks this file with Node's types and no DOM library, so the
// page describes the little of the DOM it uses.
interface PageElement {
  id: string;
  textContent: string | null;
  readonly dataset: Record<string, string | undefined>;
  append(...children: Array<PageElement | string>): void;
}
interface PageGlobals {
  readonly document: {
    getElementById(id: string): PageElement | null;
    createElement(tag: string): PageElement;
  };
  readonly location: { readonly search: string };
}
const { document, location } = globalThis as unknown as PageGlobals;

const params = new URLSearchParams(location.search);
const baseUrl = params.get("baseUrl") ?? "";
const apiKey = params.get("apiKey") ?? "";
const externalUserId = params.get("externalUserId") ?? "";

const PHONE: DeepPartial<CreateUserRequest> = {
  app: { appVersion: "1.0.0", sdkVersion: "web-test" },
  device: {
    platform: Platform.PLATFORM_ANDROID,
    deviceType: DeviceType.DEVICE_TYPE_PHONE,
    model: "Chromium",
  },
};

function element(id: string): PageElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
}

function show(id: string, text: string, data: Record<string, string> = {}): void {
  const target = element(id);
  target.textContent = text;
  Object.assign(target.dataset, data);
}

/** Writes a failure into #id: its code, reason, metadata and field violations. */
function showError(id: string, error: unknown): void {
  if (!(error instanceof UserlinkError)) {
    show(id, `not a UserlinkError: ${String(error)}`, {
      code: "NOT_A_USERLINK_ERROR",
      codeName: "NOT_A_USERLINK_ERROR",
    });
    return;
  }
  show(id, `${error.codeName} / ${error.reason ?? "(no reason)"}`, {
    code: String(error.code),
    codeName: error.codeName,
    details: error.details,
    reason: error.reason ?? "",
    domain: error.domain ?? "",
    metadata: JSON.stringify(error.metadata),
    fields: error.fieldViolations.map((v) => v.field).join(","),
  });
}

/** The failure a call must end with, or a note that it did not fail. */
async function expectFailure(id: string, call: Promise<unknown>): Promise<void> {
  try {
    await call;
    show(id, "the call succeeded", { code: "OK", codeName: "OK" });
  } catch (error) {
    showError(id, error);
  }
}

async function run(): Promise<void> {
  const link = createLinkClient({ baseUrl, apiKey, deadlineMs: 5_000 });
  const device = createDeviceClient({ baseUrl, deadlineMs: 5_000 });

  show("phase", "requesting a code", { phase: "code" });
  const { authenticationCode } = await link.requestAuthCode({ externalUserId });

  show("phase", "creating the user", { phase: "create" });
  const created = await device.createUser({ ...PHONE, authenticationCode });
  show("user-id", created.userId, { userId: created.userId, deviceId: created.deviceId });
  device.setAccessToken(created.credentials?.accessToken);

  // The errors a page must be able to act on: status, ErrorInfo and BadRequest.
  await expectFailure("reuse-error", device.createUser({ ...PHONE, authenticationCode }));
  await expectFailure("invalid-error", link.requestAuthCode({ externalUserId: "" }));

  show("phase", "watching", { phase: "watching" });
  const states = element("states");
  for await (const change of device.watchDeviceStatus()) {
    const item = document.createElement("li");
    const state = DeviceState[change.deviceState] ?? String(change.deviceState);
    const reason = StateReason[change.stateReason] ?? String(change.stateReason);
    item.textContent = `${state.replace("DEVICE_STATE_", "")} / ${reason.replace("STATE_REASON_", "")}`;
    Object.assign(item.dataset, { state, reason });
    states.append(item);
  }
  show("phase", "the stream ended", { phase: "ended" });

  // A replaced device's token is refused, with the reason in ErrorInfo.metadata.
  await expectFailure("after-error", device.getDeviceStatus());
  show("phase", "done", { phase: "done" });
}

run().catch((error: unknown) => {
  showError("fatal", error);
  show("phase", "failed", { phase: "failed" });
});
