import type { AuthCodeStore } from "../ports/auth-code-store.js";
import type { Clock } from "../ports/clock.js";
import type { DeviceEvent, DeviceEventBus } from "../ports/device-event-bus.js";
import type { Logger } from "../ports/logger.js";
import type { Store } from "../ports/store.js";
import type { RateLimits } from "./rate-limits.js";

/** The ports every use case is written against; main.ts picks the adapters. */
export interface ServiceDeps {
  readonly store: Store;
  readonly codes: AuthCodeStore;
  readonly events: DeviceEventBus;
  readonly clock: Clock;
  readonly log: Logger;
  /** Rule 14: API key calls and failed CreateUser attempts, counted across instances. */
  readonly rateLimits: RateLimits;
}

/**
 * Announces committed changes. A failed publish does not fail the call: the change is
 * in the database, which is the truth, and a device learns it on its next call.
 */
export async function announce(deps: ServiceDeps, events: readonly DeviceEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await deps.events.publish(events);
  } catch (error) {
    deps.log.warn({ err: error, events: events.length }, "device events not published");
  }
}
