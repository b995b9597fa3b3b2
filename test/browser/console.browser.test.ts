import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../support/console-build.js";
import {
  createStorage,
  startInstance,
  type OwnedStorage,
  type TestInstance,
} from "../support/userlink-server.js";
import {
  expectAccessible,
  keyAnswer,
  launchChromium,
  linkOnTwoPhones,
  screenshot,
  settled as settledPage,
  watchPage,
} from "./console-harness.js";

const EXTERNAL_USER_ID = "console-customer-7";

/**
 * The console end to end in Debian's Chromium, against a real instance (Postgres and
 * Redis) serving it: each step builds on the one before, as an operator would go.
 */
describe("the console in Chromium", () => {
  let storage: OwnedStorage;
  let server: TestInstance;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let appUrl: string;
  let apiKey = "";
  let keyId = "";
  let userId = "";

  beforeAll(async () => {
    await ensureConsoleBuilt();
    browser = await launchChromium();
    storage = await createStorage("real");
    server = await startInstance(storage);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.grpcWebUrl });
    page = await context.newPage();
    // A step that cannot find what it waits for says so well before the test's own timeout.
    page.setDefaultTimeout(10_000);
    problems = watchPage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await storage?.destroy();
  });

  const settled = () => settledPage(page);

  it("refuses a wrong admin token with a clear message, and signs in from the keyboard", async () => {
    await page.goto(`${server.grpcWebUrl}/console/`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in");
    await expectAccessible(page, "sign-in");
    // The token field has the focus: type, Enter.
    await page.keyboard.type("not-the-admin-token-but-long-enough-1234");
    await page.keyboard.press("Enter");
    const alert = page.getByRole("alert").filter({ hasText: "admin token was refused" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("ADMIN_TOKEN_INVALID");
    await screenshot(page, "sign-in-refused");

    await page.getByLabel("Admin token").fill(storage.adminToken);
    await page.getByLabel("Admin token").press("Enter");
    await page.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
    // Kept for the tab only: not in the URL, a cookie or localStorage.
    expect(page.url()).not.toContain(storage.adminToken);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate("localStorage.length")).toBe(0);
    expect(await page.evaluate("Object.values(sessionStorage)")).toEqual([storage.adminToken]);
  });

  it("creates an app from the keyboard, telling where its SDK configuration is wrong", async () => {
    await expectAccessible(page, "apps");
    await page.getByLabel("Display name").focus();
    await page.keyboard.type("Console app");
    await page.keyboard.press("Tab");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type('{"theme": "dark",\n "features": }');
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    const config = page.getByLabel("SDK configuration (JSON)");
    await expect.poll(() => config.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await config.getAttribute("aria-describedby"))!.split(" ");
    const error = await page.locator(`[id="${describedBy.at(-1)}"]`).textContent();
    expect(error).toBe("Not valid JSON at line 2, column 14: a value is expected.");
    // The focus went back to the field with the problem.
    expect(await page.evaluate('document.activeElement?.getAttribute("data-field")')).toBe("sdk_config");
    await screenshot(page, "apps-invalid-config");

    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type('{"theme": "dark", "features": {"chat": true}}');
    await page.keyboard.press("Tab");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type("300");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Console app", level: 1 }).waitFor();
    appUrl = page.url();
    expect(await page.getByTestId("config-version").textContent()).toBe("1");
    expect(await page.getByLabel("Code lifetime (seconds)").inputValue()).toBe("300");
  });

  it("edits the SDK configuration: the service's own refusal is shown at the field, a good one bumps the version", async () => {
    await expectAccessible(page, "app settings");
    const config = page.getByLabel("SDK configuration (JSON)");
    // Valid JSON the service refuses: over 32 KiB.
    await config.fill(JSON.stringify({ blob: "x".repeat(40_000) }));
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => config.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await config.getAttribute("aria-describedby"))!.split(" ");
    expect(await page.locator(`[id="${describedBy.at(-1)}"]`).textContent()).toContain("bytes as JSON");
    expect(await page.locator(".form-alert").textContent()).toContain("INVALID_ARGUMENT");

    await config.fill('{"theme": "light"}');
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "Saved. Config version 2." }).waitFor();
    expect(await page.getByTestId("config-version").textContent()).toBe("2");
    await screenshot(page, "app-settings");
  });

  it("creates a key shown once, with a copy button, and gone after a reload", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys of Console app" }).waitFor();
    await settled();
    await page.getByLabel("Name", { exact: true }).fill("backend");
    await page.getByLabel("USER_READ").check();
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByTestId("new-api-key");
    await shown.waitFor();
    apiKey = await shown.inputValue();
    expect(apiKey).toMatch(/^[^.]+\.[^.]+$/);
    keyId = apiKey.split(".")[0]!;
    await page.getByRole("button", { name: "Copy key" }).click();
    await page.getByRole("status").filter({ hasText: "Copied." }).waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(apiKey);
    const row = page.locator(`tr[data-key-id="${keyId}"]`);
    expect(await row.getByTestId("key-status").textContent()).toBe("active");
    expect(await row.textContent()).toContain("USER_LINK, USER_READ");
    await expectAccessible(page, "keys with a new key");
    await screenshot(page, "keys-new-key");

    await page.reload();
    await page.getByRole("heading", { name: "API keys of Console app" }).waitFor();
    await settled();
    expect(await page.getByTestId("new-api-key").count()).toBe(0);
    expect(await page.content()).not.toContain(apiKey.split(".")[1]);
    expect(await row.getByTestId("key-last-used").textContent()).toBe("never");
  });

  it("finds a user linked on two phones, with one device ACTIVE and one REPLACED_BY_NEWER_DEVICE, and the audit events", async () => {
    userId = await linkOnTwoPhones(server.address, apiKey, EXTERNAL_USER_ID);
    await page.reload();
    await settled();
    expect(
      await page.locator(`tr[data-key-id="${keyId}"]`).getByTestId("key-last-used").textContent(),
    ).toMatch(/UTC$/);

    await page.getByRole("link", { name: "Users" }).click();
    await settled();
    await page.getByLabel("Search for").fill("console-cust");
    await page.getByLabel("Search for").press("Enter");
    await page.getByRole("heading", { name: "Users whose external id starts with “console-cust”" }).waitFor();
    await settled();
    await expectAccessible(page, "users");
    await screenshot(page, "users");
    await page.getByRole("link", { name: EXTERNAL_USER_ID }).click();
    await page.getByRole("heading", { name: `User ${EXTERNAL_USER_ID}` }).waitFor();
    await settled();

    const states = await page.getByTestId("device-state").allTextContents();
    const reasons = await page.getByTestId("device-reason").allTextContents();
    expect(states.map((s, i) => `${s}/${reasons[i]}`).sort()).toEqual([
      "ACTIVE/NEW_DEVICE",
      "DEACTIVATED/REPLACED_BY_NEWER_DEVICE",
    ]);
    const kinds = await page.getByTestId("audit-kind").allTextContents();
    expect(kinds).toContain("USER_CREATED");
    expect(kinds.filter((k) => k === "DEVICE_STATE_CHANGED").length).toBeGreaterThanOrEqual(1);
    await expectAccessible(page, "user");
    // docs/console.png in the README is this screenshot.
    await screenshot(page, "user");
  });

  it("disables and enables the user", async () => {
    await page.getByRole("button", { name: "Disable user" }).click();
    await page.getByRole("status").filter({ hasText: "Disabled" }).waitFor();
    expect(await page.getByTestId("user-status").textContent()).toBe("disabled");
    expect(new Set(await page.getByTestId("device-state").allTextContents())).toEqual(
      new Set(["DEACTIVATED"]),
    );
    expect(await page.getByTestId("device-reason").allTextContents()).toContain("USER_DISABLED");

    await page.getByRole("button", { name: "Enable user" }).click();
    await page.getByRole("status").filter({ hasText: "Enabled" }).waitFor();
    expect(await page.getByTestId("user-status").textContent()).toBe("enabled");
    const kinds = await page.getByTestId("audit-kind").allTextContents();
    expect(kinds.slice(0, 2)).toEqual(["USER_ENABLED", expect.any(String)]);
    expect(kinds).toContain("USER_DISABLED");
  });

  it("shows the audit trail per app and per user, a page at a time", async () => {
    await page.getByRole("link", { name: "The whole audit trail of this user" }).click();
    await page.getByRole("heading", { name: `Audit trail of user ${userId}` }).waitFor();
    await settled();
    const userKinds = await page.getByTestId("audit-kind").allTextContents();
    expect(userKinds[0]).toBe("USER_ENABLED");
    expect(userKinds).not.toContain("APP_CREATED");
    await expectAccessible(page, "audit of a user");

    await page.goto(`${appUrl}/audit`);
    await page.getByRole("heading", { name: "Audit trail of Console app" }).waitFor();
    await settled();
    const appKinds = await page.getByTestId("audit-kind").allTextContents();
    expect(appKinds).toEqual(
      expect.arrayContaining(["APP_CREATED", "APP_UPDATED", "API_KEY_CREATED", "USER_CREATED"]),
    );
    expect(appKinds.at(-1)).toBe("APP_CREATED");
    await screenshot(page, "audit");
  });

  it("rotates the key with a grace period, then revokes the new one", async () => {
    await page.goto(`${appUrl}/keys`);
    await settled();
    await page.getByRole("button", { name: `Rotate backend (${keyId})` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Grace period (seconds)").fill("3600");
    await dialog.getByRole("button", { name: "Rotate" }).click();
    const shown = page.getByTestId("new-api-key");
    await shown.waitFor();
    const newKey = await shown.inputValue();
    const newKeyId = newKey.split(".")[0]!;
    expect(newKeyId).not.toBe(keyId);
    await settled();
    expect(await page.locator(`tr[data-key-id="${keyId}"]`).getByTestId("key-status").textContent()).toMatch(
      /^rotated: works until/,
    );
    // Both keys work during the grace period.
    expect(await keyAnswer(server.address, apiKey)).toBe("accepted");
    expect(await keyAnswer(server.address, newKey)).toBe("accepted");
    await screenshot(page, "keys-rotated");

    await page.getByRole("button", { name: `Revoke backend (${newKeyId})` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await expect
      .poll(() => page.locator(`tr[data-key-id="${newKeyId}"]`).getByTestId("key-status").textContent())
      .toMatch(/^revoked/);
    // Every instance refuses a revoked key within 5 s.
    await expect
      .poll(() => keyAnswer(server.address, newKey), { timeout: 8_000, interval: 500 })
      .toBe("API_KEY_REVOKED");
  });

  it("deletes the user after a confirmation that names them", async () => {
    await page.goto(`${appUrl}/users/${userId}`);
    await settled();
    await page.getByRole("button", { name: "Delete user…" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.textContent()).toContain(EXTERNAL_USER_ID);
    expect(await dialog.textContent()).toContain(userId);
    await screenshot(page, "user-delete-confirmation");
    await dialog.getByRole("button", { name: `Delete “${EXTERNAL_USER_ID}”` }).click();
    await page.getByRole("heading", { name: "Users of Console app" }).waitFor();
    await settled();
    expect(await page.getByRole("link", { name: EXTERNAL_USER_ID }).count()).toBe(0);
    await expect(
      server.admin.getUser({ appId: appUrl.split("/").at(-1)!, user: { $case: "userId", value: userId } }),
    ).rejects.toThrow(/USER_NOT_FOUND|NOT_FOUND/);
  });

  it("goes back to sign-in when the token is refused mid-session, and broke no CSP rule on the way", async () => {
    // Another token than the one the service accepts, as after a rotation.
    await page.evaluate(
      'for (const key of Object.keys(sessionStorage)) sessionStorage.setItem(key, "a-token-the-service-no-longer-accepts")',
    );
    await page.reload();
    await page.getByRole("heading", { name: "Sign in", level: 1 }).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("admin token was refused");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    expect(problems).toEqual([]);
  });
});
