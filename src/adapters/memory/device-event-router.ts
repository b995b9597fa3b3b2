import type { DeviceEvent, DeviceEventListener } from "../../ports/device-event-bus.js";

interface Subscription {
  readonly listener: DeviceEventListener;
}

/**
 * The local half of every DeviceEventBus: listeners indexed by device and by app, so
 * one incoming event reaches its few listeners without scanning thousands of streams.
 */
export class DeviceEventRouter {
  readonly #byDevice = new Map<string, Set<Subscription>>();
  readonly #byApp = new Map<string, Set<Subscription>>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  /** Adds a listener; the returned function removes it and may be called twice. */
  add(appId: string, deviceId: string, listener: DeviceEventListener): () => void {
    // One object per call: the same function subscribed twice is two subscriptions.
    const subscription: Subscription = { listener };
    addTo(this.#byDevice, deviceId, subscription);
    addTo(this.#byApp, appId, subscription);
    return () => {
      removeFrom(this.#byDevice, deviceId, subscription);
      removeFrom(this.#byApp, appId, subscription);
    };
  }

  dispatch(event: DeviceEvent): void {
    const targets =
      event.kind === "device_state" ? this.#byDevice.get(event.deviceId) : this.#byApp.get(event.appId);
    if (!targets) return;
    // A copy: a listener that unsubscribes while being called must not skip its neighbour.
    for (const { listener } of [...targets]) {
      try {
        listener(event);
      } catch (error) {
        // One broken stream must not starve the others of the event.
        this.#onError(error);
      }
    }
  }

  clear(): void {
    this.#byDevice.clear();
    this.#byApp.clear();
  }

  /** Number of live subscriptions, for metrics and tests. */
  get size(): number {
    let count = 0;
    for (const set of this.#byDevice.values()) count += set.size;
    return count;
  }
}

function addTo(index: Map<string, Set<Subscription>>, key: string, subscription: Subscription): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(subscription);
}

function removeFrom(index: Map<string, Set<Subscription>>, key: string, subscription: Subscription): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(subscription);
  // Empty sets would otherwise pile up for every device ever watched.
  if (set.size === 0) index.delete(key);
}
