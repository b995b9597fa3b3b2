import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { createDeviceClient, createLinkClient, DeviceType, Platform } from "../../clients/node/src/index.js";

const CHROMIUM = "/usr/bin/chromium";
// STACK.md: without the background-networking flags Chromium's own connections are
// refused by this machine's closed network, many at a time.
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
export const SCREENSHOTS = fileURLToPath(new URL("../../test-results/console/", import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it. ` +
        "Run `bash scripts/ensure-services.sh` (it apt-installs chromium) or `apt-get install -y chromium`.",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 15_000 });
}

/**
 * What the page said on its console that a test must not ignore: CSP refusals (the
 * policy must hold for the console's own code) and uncaught errors.
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, so the page's
 * CSP stays in force) and fails on any serious or critical violation.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  // A string, not a function: this program is type-checked without the DOM's types.
  const violations = await page.evaluate<string[]>(`(async () => {
    const results = await axe.run(document);
    return results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.map((n) => n.target.join(" ")).join(", "));
  })()`);
  expect(violations, `accessibility of ${what}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * The customer's backend and its app, through the Node client: `externalUserId` linked
 * on one Android phone, then on a second that replaces it. Returns the user id.
 */
export async function linkOnTwoPhones(
  address: string,
  apiKey: string,
  externalUserId: string,
): Promise<string> {
  const link = createLinkClient({ address, apiKey });
  const device = createDeviceClient({ address });
  try {
    let userId = "";
    for (const model of ["Phone A", "Phone B"]) {
      const { authenticationCode } = await link.requestAuthCode({ externalUserId });
      const created = await device.createUser({
        authenticationCode,
        requestId: crypto.randomUUID(),
        device: { platform: Platform.PLATFORM_ANDROID, deviceType: DeviceType.DEVICE_TYPE_PHONE, model },
      });
      userId = created.userId;
    }
    return userId;
  } finally {
    link.close();
    device.close();
  }
}

/** What the service says to a RequestAuthCode with `apiKey`: "accepted", or the ErrorInfo reason. */
export async function keyAnswer(address: string, apiKey: string): Promise<string | undefined> {
  const link = createLinkClient({ address, apiKey });
  try {
    await link.requestAuthCode({ externalUserId: "console-key-check" });
    return "accepted";
  } catch (error) {
    return (error as { reason?: string }).reason;
  } finally {
    link.close();
  }
}

/** Waits until no part of the page is loading (a selector: the CSP refuses a string function's eval). */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector("[aria-busy]", { state: "detached" });
}

/** Opens the console at `baseUrl` and signs in with `token`. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByLabel("Admin token").press("Enter");
  await page.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
}
