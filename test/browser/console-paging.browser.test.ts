import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../support/console-build.js";
import { createAppWithKey, linkDevice } from "../support/flow.js";
import {
  createStorage,
  startInstance,
  type OwnedStorage,
  type TestInstance,
} from "../support/userlink-server.js";
import {
  expectAccessible,
  launchChromium,
  screenshot,
  settled,
  signIn,
  watchPage,
} from "./console-harness.js";

const USERS = 55;
const PAGE = 50;

/** Paging, the search by user id and its refusals, on an app with more users than a page. */
describe("the console's users and audit trail, a page at a time", () => {
  let storage: OwnedStorage;
  let server: TestInstance;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let base: string;
  let otherUserId: string;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    browser = await launchChromium();
    storage = await createStorage("real");
    server = await startInstance(storage);
    const { appId, apiKey } = await createAppWithKey(server);
    // A few at a time: quick, and gentle on a loaded machine.
    const names = Array.from({ length: USERS }, (_, i) => `bulk-${String(i).padStart(2, "0")}`);
    for (let i = 0; i < names.length; i += 8) {
      await Promise.all(names.slice(i, i + 8).map((name) => linkDevice(server, apiKey, name)));
    }
    otherUserId = (await linkDevice(server, apiKey, "other-1")).userId;
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    problems = watchPage(page);
    await signIn(page, server.grpcWebUrl, storage.adminToken);
    base = `${server.grpcWebUrl}/console/#/apps/${appId}`;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await storage?.destroy();
  });

  const userLinks = () => page.locator("table a[href*='/users/']").allTextContents();

  it("pages through every user, forward and back", async () => {
    await page.goto(`${base}/users`);
    await settled(page);
    const first = await userLinks();
    expect(first).toHaveLength(PAGE);
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(userLinks).toHaveLength(USERS + 1 - PAGE);
    // The two pages hold every user exactly once.
    const all = [...first, ...(await userLinks())];
    expect(new Set(all).size).toBe(USERS + 1);
    expect(all).toContain("other-1");
    expect(all).toContain("bulk-00");
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(userLinks).toEqual(first);
    await expectAccessible(page, "users, paged");
  });

  it("finds users by external id prefix", async () => {
    await page.getByLabel("Search for").fill("bulk-5");
    await page.getByLabel("Search for").press("Enter");
    await page.getByRole("heading", { name: "Users whose external id starts with “bulk-5”" }).waitFor();
    await settled(page);
    // Linked a few at a time, so their order among themselves is not known.
    expect((await userLinks()).sort()).toEqual(["bulk-50", "bulk-51", "bulk-52", "bulk-53", "bulk-54"]);
  });

  it("finds a user by platform user id, and says so when there is none or the id is not one", async () => {
    await page.goto(`${base}/users`);
    await settled(page);
    await page.getByLabel("Search by").selectOption({ label: "Platform user id is" });
    const query = page.getByLabel("Search for");

    await query.fill("not-a-uuid");
    await query.press("Enter");
    await expect.poll(() => query.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByText("A platform user id is a UUID.").count()).toBe(1);

    await query.fill("01900000-0000-7000-8000-000000000000");
    await query.press("Enter");
    const alert = page.getByRole("alert").filter({ hasText: "This app has no such user." });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("USER_NOT_FOUND");
    await screenshot(page, "users-not-found");

    await query.fill(otherUserId);
    await query.press("Enter");
    await page.getByRole("heading", { name: "User other-1", level: 1 }).waitFor();
  });

  it("pages through the app's audit trail, newest first", async () => {
    await page.goto(`${base}/audit`);
    await settled(page);
    const ids = () =>
      page
        .locator("tr[data-event-id]")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event-id")));
    const first = await ids();
    expect(first).toHaveLength(PAGE);
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(async () => (await ids())[0]).not.toBe(first[0]);
    const second = await ids();
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
