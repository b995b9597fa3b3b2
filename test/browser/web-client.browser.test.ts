import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiKeyScope,
  createAdminClient,
  createDeviceClient,
  createLinkClient,
  DeviceType,
  Platform,
  type AdminClient,
  type DeviceClient,
  type LinkClient,
} from "../../clients/node/src/index.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const SCREENSHOT = fileURLToPath(new URL("../../test-results/browser/web-client.png", import.meta.url));
const EXTERNAL_USER_ID = "browser-customer-1";

/** The page's script and everything it imports, bundled as a browser would load it. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("page/app.ts", import.meta.url))],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "chrome120",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  // The web client must not drag the Node transport in, even where a bundler would shim it.
  const inputs = Object.keys(result.metafile.inputs);
  expect(
    inputs.filter((input) =>
      /@grpc\/grpc-js|nice-grpc\/|nice-grpc-error-details|protobufjs|^node:/.test(input),
    ),
  ).toEqual([]);
  return result.outputFiles[0]!.text;
}

const HTML = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>userlink web client</title>
  <style>body { font: 16px system-ui, sans-serif; margin: 2em } dt { font-weight: bold; margin-top: .5em }</style></head>
  <body>
    <h1>userlink: a user linked in the browser</h1>
    <dl>
      <dt>Phase</dt><dd id="phase">loading</dd>
      <dt>User</dt><dd id="user-id">-</dd>
      <dt>Device states (WatchDeviceStatus)</dt><dd><ol id="states"></ol></dd>
      <dt>Reusing the code</dt><dd id="reuse-error">-</dd>
      <dt>An empty external user id</dt><dd id="invalid-error">-</dd>
      <dt>The replaced device's token</dt><dd id="after-error">-</dd>
      <dt>Failure</dt><dd id="fatal">-</dd>
    </dl>
    <script type="module" src="/app.js"></script>
  </body>
</html>`;

/** Serves the page and its bundle over plain HTTP, on another origin than the gRPC-Web endpoint. */
async function servePage(script: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://page").pathname;
    if (path === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(HTML);
    else if (path === "/app.js") res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it. ` +
        "Run `bash scripts/ensure-services.sh` (it apt-installs chromium) or `apt-get install -y chromium`.",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 15_000 });
}

describe("the web client in Chromium, calling gRPC-Web across origins", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let pageServer: Server | undefined;
  /** The browser, or why it could not start: each test fails with that, so the run counts them. */
  let browser: Browser | Error | undefined;
  let admin: AdminClient;
  let link: LinkClient;
  let device: DeviceClient;
  let pageOrigin: string;
  let otherOrigin: string;
  let apiKey: string;
  const pageLog: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium().catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    const served = await servePage(await bundlePage());
    pageServer = served.server;
    // The same page server under two names: localhost is allowed to call, 127.0.0.1 not.
    pageOrigin = `http://localhost:${served.port}`;
    otherOrigin = `http://127.0.0.1:${served.port}`;

    storage = await createStorage("real");
    server = await startInstance(storage, { USERLINK_CORS_ORIGINS: pageOrigin });
    // The customer's backend, server side, with the Node client over plain gRPC.
    admin = createAdminClient({ address: server.address, adminToken: storage.adminToken });
    const { app } = await admin.createApp({ displayName: "Browser app", sdkConfig: { theme: "web" } });
    const created = await admin.createApiKey({
      appId: app!.appId,
      name: "browser test",
      scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK, ApiKeyScope.API_KEY_SCOPE_USER_READ],
    });
    apiKey = created.apiKey;
    link = createLinkClient({ address: server.address, apiKey });
    device = createDeviceClient({ address: server.address });
  });

  afterAll(async () => {
    if (browser !== undefined && !(browser instanceof Error)) await browser.close();
    admin?.close();
    link?.close();
    device?.close();
    pageServer?.closeAllConnections();
    await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve(undefined)));
    await server?.stop();
    await storage?.destroy();
  });

  async function openPage(origin: string): Promise<Page> {
    if (browser === undefined || browser instanceof Error) throw browser ?? new Error("no browser");
    const page = await browser.newPage();
    page.on("console", (message) => pageLog.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => pageLog.push(`pageerror: ${error.message}`));
    const query = new URLSearchParams({
      baseUrl: server.grpcWebUrl,
      apiKey,
      externalUserId: EXTERNAL_USER_ID,
    });
    await page.goto(`${origin}/?${query}`);
    return page;
  }

  /** The data attributes of #id, once the page wrote a code into it. */
  async function outcome(page: Page, id: string): Promise<Record<string, string>> {
    const locator = page.locator(`#${id}[data-code]`);
    await locator.waitFor({ timeout: 5_000 });
    return locator.evaluate((element) => ({
      ...(element as unknown as { dataset: Record<string, string> }).dataset,
    }));
  }

  it("links a user, watches the device be replaced by a restore elsewhere, and reads every error's reason", async () => {
    const page = await openPage(pageOrigin);
    try {
      // Request code → create user → watch, all from the page.
      await page.locator('#phase[data-phase="watching"]').waitFor({ timeout: 10_000 });
      await page.locator('#states li[data-state="DEVICE_STATE_ACTIVE"]').waitFor({ timeout: 5_000 });
      const userId = await page.locator("#user-id").getAttribute("data-user-id");
      expect(userId).toMatch(/^[0-9a-f-]{36}$/);

      expect(await outcome(page, "reuse-error")).toMatchObject({
        code: "16",
        codeName: "UNAUTHENTICATED",
        reason: "AUTH_CODE_ALREADY_USED",
        domain: "userlink.v1",
      });
      expect(await outcome(page, "invalid-error")).toMatchObject({
        codeName: "INVALID_ARGUMENT",
        reason: "INVALID_ARGUMENT",
        fields: "external_user_id",
      });

      // The customer's backend restores the same user on a second phone, server side.
      const { authenticationCode } = await link.requestAuthCode({ externalUserId: EXTERNAL_USER_ID });
      const second = await device.createUser({
        authenticationCode,
        device: { platform: Platform.PLATFORM_IOS, deviceType: DeviceType.DEVICE_TYPE_PHONE },
      });
      expect(second).toMatchObject({ userId, restored: true });

      await page.locator('#states li[data-state="DEVICE_STATE_DEACTIVATED"]').waitFor({ timeout: 10_000 });
      await page.locator('#phase[data-phase="done"]').waitFor({ timeout: 5_000 });
      const states = await page
        .locator("#states li")
        .evaluateAll((items) =>
          items.map((item) => (item as unknown as { textContent: string }).textContent),
        );
      expect(states).toEqual(["ACTIVE / NEW_DEVICE", "DEACTIVATED / REPLACED_BY_NEWER_DEVICE"]);
      expect(await outcome(page, "after-error")).toMatchObject({
        codeName: "UNAUTHENTICATED",
        reason: "DEVICE_DEACTIVATED",
        metadata: JSON.stringify({ state_reason: "STATE_REASON_REPLACED_BY_NEWER_DEVICE" }),
      });
      expect(await page.locator("#fatal").textContent()).toBe("-");

      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } catch (error) {
      throw new Error(`${String(error)}\npage console:\n${pageLog.join("\n")}`, { cause: error });
    } finally {
      await page.close();
    }
  });

  it("is refused by the browser from an origin that USERLINK_CORS_ORIGINS does not list", async () => {
    const page = await openPage(otherOrigin);
    try {
      await page.locator('#phase[data-phase="failed"]').waitFor({ timeout: 10_000 });
      // The browser hides the refusal's cause from the page: a service it cannot reach.
      const refused = await outcome(page, "fatal");
      expect(refused).toMatchObject({ codeName: "UNAVAILABLE" });
      expect(refused.details).toMatch(/Failed to fetch/);
      expect(await page.locator("#user-id").textContent()).toBe("-");
    } finally {
      await page.close();
    }
  });
});
