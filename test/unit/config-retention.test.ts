import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const DAY_MS = 86_400_000;

describe("loadConfig: refresh retries and retention", () => {
  it("defaults to a 60 s retry window, 90/30/30 days of retention and an hourly janitor", () => {
    expect(loadConfig({})).toMatchObject({
      refreshRetryWindowMs: 60_000,
      retention: {
        auditEventsMs: 90 * DAY_MS,
        departedDevicesMs: 30 * DAY_MS,
        apiKeysMs: 30 * DAY_MS,
        janitorIntervalMs: 3_600_000,
      },
    });
  });

  it("takes values inside the bounds, 0 turning the retry window and the schedule off", () => {
    const config = loadConfig({
      USERLINK_REFRESH_RETRY_WINDOW_SECONDS: "0",
      USERLINK_AUDIT_RETENTION_DAYS: "365",
      USERLINK_DEPARTED_DEVICE_RETENTION_DAYS: "1",
      USERLINK_API_KEY_RETENTION_DAYS: "7",
      USERLINK_JANITOR_INTERVAL_SECONDS: "0",
    });
    expect(config.refreshRetryWindowMs).toBe(0);
    expect(config.retention).toEqual({
      auditEventsMs: 365 * DAY_MS,
      departedDevicesMs: DAY_MS,
      apiKeysMs: 7 * DAY_MS,
      janitorIntervalMs: 0,
    });
  });

  it("refuses values outside the bounds, naming each variable", () => {
    const bad = {
      USERLINK_REFRESH_RETRY_WINDOW_SECONDS: "601",
      USERLINK_AUDIT_RETENTION_DAYS: "0",
      USERLINK_DEPARTED_DEVICE_RETENTION_DAYS: "-1",
      USERLINK_API_KEY_RETENTION_DAYS: "1.5",
      USERLINK_JANITOR_INTERVAL_SECONDS: "86401",
    };
    let error: unknown;
    try {
      loadConfig(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const named = (error as ConfigError).problems.map((p) => p.split(":")[0]);
    expect(named.sort()).toEqual(Object.keys(bad).sort());
  });
});
