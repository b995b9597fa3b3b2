import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeviceEvent, DeviceEventBus } from "../../src/ports/device-event-bus.js";

export interface DeviceEventBusHarness {
  /** Two instances on one transport; an in-process bus is its own other instance. */
  readonly buses: readonly [DeviceEventBus, DeviceEventBus];
  /** Closes both buses and whatever connections they use. */
  readonly cleanup: () => Promise<void>;
}

const APP_1 = "0190a1b2-0000-7000-8000-000000000001";
const APP_2 = "0190a1b2-0000-7000-8000-000000000002";

export function deviceState(deviceId: string, appId = APP_1): DeviceEvent {
  return {
    kind: "device_state",
    appId,
    userId: "0190a1b2-0000-7000-8000-0000000000aa",
    deviceId,
    state: "DEACTIVATED",
    reason: "REPLACED_BY_NEWER_DEVICE",
    changedAt: new Date("2025-03-04T05:06:07.089Z"),
  };
}

export function appConfig(appId: string, configVersion = 7): DeviceEvent {
  return { kind: "app_config", appId, configVersion, changedAt: new Date("2025-03-04T05:06:07.089Z") };
}

/** Records what a listener got, so tests can wait for it. */
export function recorder(): { events: DeviceEvent[]; listener: (event: DeviceEvent) => void } {
  const events: DeviceEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

export async function waitForCount(events: readonly unknown[], count: number): Promise<void> {
  await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(count), {
    timeout: 3_000,
    interval: 5,
  });
}

/**
 * What every DeviceEventBus must do. Absence is checked with a marker: events on one
 * bus arrive in order, so once the marker is in, anything misrouted would be too.
 */
export function describeDeviceEventBusContract(
  name: string,
  make: () => Promise<DeviceEventBusHarness>,
): void {
  describe(`DeviceEventBus contract: ${name}`, () => {
    let harness: DeviceEventBusHarness;
    let bus: DeviceEventBus;
    let other: DeviceEventBus;

    beforeEach(async () => {
      harness = await make();
      [bus, other] = harness.buses;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it("delivers device_state events to the subscribers of that device only, intact", async () => {
      const a = recorder();
      const b = recorder();
      bus.subscribe(APP_1, "dev-a", a.listener);
      bus.subscribe(APP_1, "dev-b", b.listener);
      await bus.publish([deviceState("dev-a"), deviceState("dev-c"), appConfig(APP_1)]);
      await waitForCount(a.events, 2);
      await waitForCount(b.events, 1);
      expect(a.events).toEqual([deviceState("dev-a"), appConfig(APP_1)]);
      expect(a.events[0]?.changedAt).toBeInstanceOf(Date);
      expect(b.events).toEqual([appConfig(APP_1)]);
    });

    it("delivers app_config events to the subscribers of that app only", async () => {
      const one = recorder();
      const two = recorder();
      bus.subscribe(APP_1, "dev-a", one.listener);
      bus.subscribe(APP_2, "dev-b", two.listener);
      await bus.publish([appConfig(APP_2, 3), appConfig(APP_1, 9), deviceState("dev-b", APP_2)]);
      await waitForCount(two.events, 2);
      await waitForCount(one.events, 1);
      expect(one.events).toEqual([appConfig(APP_1, 9)]);
      expect(two.events).toEqual([appConfig(APP_2, 3), deviceState("dev-b", APP_2)]);
    });

    it("stops delivering after unsubscribe, and only to that subscription", async () => {
      const gone = recorder();
      const stays = recorder();
      const unsubscribe = bus.subscribe(APP_1, "dev-a", gone.listener);
      bus.subscribe(APP_1, "dev-a", stays.listener);
      unsubscribe();
      unsubscribe();
      await bus.publish([deviceState("dev-a"), appConfig(APP_1)]);
      await waitForCount(stays.events, 2);
      expect(gone.events).toEqual([]);
    });

    it("counts the same function subscribed twice as two subscriptions", async () => {
      const twice = recorder();
      const unsubscribe = bus.subscribe(APP_1, "dev-a", twice.listener);
      bus.subscribe(APP_1, "dev-a", twice.listener);
      unsubscribe();
      await bus.publish([deviceState("dev-a")]);
      await waitForCount(twice.events, 1);
      await bus.publish([appConfig(APP_1)]);
      await waitForCount(twice.events, 2);
      expect(twice.events).toEqual([deviceState("dev-a"), appConfig(APP_1)]);
    });

    it("delivers to every instance, the publishing one included", async () => {
      const here = recorder();
      const there = recorder();
      bus.subscribe(APP_1, "dev-a", here.listener);
      other.subscribe(APP_1, "dev-a", there.listener);
      await bus.publish([deviceState("dev-a")]);
      await waitForCount(here.events, 1);
      await waitForCount(there.events, 1);
      expect(here.events).toEqual([deviceState("dev-a")]);
      expect(there.events).toEqual([deviceState("dev-a")]);
    });

    it("delivers later, never inside publish", async () => {
      const got = recorder();
      bus.subscribe(APP_1, "dev-a", got.listener);
      const published = bus.publish([deviceState("dev-a")]);
      expect(got.events).toEqual([]);
      await published;
      await waitForCount(got.events, 1);
      expect(got.events).toHaveLength(1);
    });

    it("keeps delivering to the others when one listener throws", async () => {
      const got = recorder();
      bus.subscribe(APP_1, "dev-a", () => {
        throw new Error("broken stream");
      });
      bus.subscribe(APP_1, "dev-a", got.listener);
      await bus.publish([deviceState("dev-a"), appConfig(APP_1)]);
      await waitForCount(got.events, 2);
      expect(got.events).toEqual([deviceState("dev-a"), appConfig(APP_1)]);
    });

    it("routes a batch to a thousand devices, one event each", async () => {
      const counts = new Map<string, number>();
      const ids = Array.from({ length: 1000 }, (_, i) => `dev-${i}`);
      for (const id of ids) bus.subscribe(APP_2, id, () => counts.set(id, (counts.get(id) ?? 0) + 1));
      await bus.publish(ids.map((id) => deviceState(id, APP_2)));
      await vi.waitFor(() => expect(counts.size).toBe(1000), { timeout: 5_000, interval: 10 });
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    });

    it("publishes nothing for an empty batch", async () => {
      await expect(bus.publish([])).resolves.toBeUndefined();
    });
  });
}
