import type { DeviceEvent, DeviceEventBus, DeviceEventListener } from "../../ports/device-event-bus.js";
import { DeviceEventRouter } from "./device-event-router.js";

export interface MemoryDeviceEventBusOptions {
  /** Told when a listener throws; delivery to the other listeners goes on. */
  readonly onError?: (error: unknown) => void;
}

/**
 * In-process pub/sub for a single instance. Delivery is deferred, as over Redis, so
 * no caller comes to rely on a listener having run before `publish` returns.
 */
export class MemoryDeviceEventBus implements DeviceEventBus {
  readonly #router: DeviceEventRouter;
  #closed = false;

  constructor(options: MemoryDeviceEventBusOptions = {}) {
    this.#router = new DeviceEventRouter(options.onError);
  }

  async publish(events: readonly DeviceEvent[]): Promise<void> {
    if (this.#closed || events.length === 0) return;
    // Copies, as a Redis round trip would give: a listener cannot mutate the publisher's Date.
    const copies = events.map((event) => ({ ...event, changedAt: new Date(event.changedAt) }));
    setImmediate(() => {
      if (this.#closed) return;
      for (const event of copies) this.#router.dispatch(event);
    });
  }

  subscribe(appId: string, deviceId: string, listener: DeviceEventListener): () => void {
    if (this.#closed) return () => {};
    return this.#router.add(appId, deviceId, listener);
  }

  /** In process, nothing is ever lost in transit. */
  onEventsMissed(_callback: () => void): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#router.clear();
  }
}
