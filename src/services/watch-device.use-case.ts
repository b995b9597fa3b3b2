import { isLive, type DeviceState, type StateReason } from "../domain/model.js";
import type { DeviceEvent } from "../ports/device-event-bus.js";
import type { DevicePrincipal } from "./principals.js";
import type { ServiceDeps } from "./service-deps.js";

export interface StatusEvent {
  readonly state: DeviceState;
  readonly reason: StateReason;
  readonly changedAt: Date;
  readonly configVersion: number;
}

/**
 * WatchDeviceStatus: the current state, then one event per change, until the device
 * leaves for good. It subscribes before it reads the database, so no change falls in
 * between; a change seen both ways is sent once.
 */
export class WatchDeviceUseCase {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Ends when any of `stops` aborts (the caller leaving, the instance draining). Several
   * signals rather than one `AbortSignal.any`: a combined signal per stream is another
   * EventTarget with its maps, sets and weak references, for as long as the stream is open.
   */
  async *watch(caller: DevicePrincipal, ...stops: AbortSignal[]): AsyncGenerator<StatusEvent> {
    const { device } = caller;
    const inbox = new Inbox<DeviceEvent | typeof RESYNC>(stops);
    const unsubscribe = this.deps.events.subscribe(device.appId, device.id, (event) => inbox.push(event));
    // Events lost in transit (a Redis reconnect): read the truth again.
    const stopResync = this.deps.events.onEventsMissed(() => inbox.push(RESYNC));
    try {
      let last = await this.readStatus(device.id, device.appId);
      yield last;
      if (!isLive(last.state)) return;
      for (let event = await inbox.next(); event !== null; event = await inbox.next()) {
        const next =
          event === RESYNC
            ? changed(last, await this.readStatus(device.id, device.appId))
            : this.apply(last, event);
        if (next === null) continue;
        last = next;
        yield last;
        if (!isLive(last.state)) return;
      }
    } catch (error) {
      if (!inbox.stopped) throw error;
    } finally {
      inbox.close();
      stopResync();
      unsubscribe();
    }
  }

  /** The device's state and its app's config version as the database has them. */
  private async readStatus(deviceId: string, appId: string): Promise<StatusEvent> {
    const [current, app] = await Promise.all([
      this.deps.store.repos.devices.findById(deviceId),
      this.deps.store.repos.apps.findById(appId),
    ]);
    if (current === null) {
      // The row is gone: only a deletion removes devices.
      return {
        state: "DEACTIVATED",
        reason: "USER_DELETED",
        changedAt: this.deps.clock.now(),
        configVersion: 0,
      };
    }
    return {
      state: current.state,
      reason: current.stateReason,
      changedAt: current.stateChangedAt,
      configVersion: app?.configVersion ?? 0,
    };
  }

  /** The event's effect on what the device was told last; null when it changes nothing. */
  private apply(last: StatusEvent, event: DeviceEvent): StatusEvent | null {
    if (event.kind === "app_config") {
      if (event.configVersion <= last.configVersion) return null;
      return { ...last, configVersion: event.configVersion, changedAt: event.changedAt };
    }
    if (event.state === last.state && event.reason === last.reason) return null;
    return { ...last, state: event.state, reason: event.reason, changedAt: event.changedAt };
  }
}

const RESYNC = Symbol("resync");

/**
 * Events waiting for one stream. Not `events.on`: its two 2048-slot queues cost 32 KB
 * per open stream, most of what ten thousand streams weighed.
 */
class Inbox<T> {
  readonly #queue: T[] = [];
  readonly #stops: readonly AbortSignal[];
  #wake: (() => void) | null = null;
  readonly #onAbort = () => this.#wake?.();

  constructor(stops: readonly AbortSignal[]) {
    this.#stops = stops;
    for (const stop of stops) stop.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Whether any of the signals it ends on has aborted. */
  get stopped(): boolean {
    return this.#stops.some((stop) => stop.aborted);
  }

  push(item: T): void {
    this.#queue.push(item);
    this.#wake?.();
  }

  /** The next event, waiting for one; null once a signal is aborted. */
  async next(): Promise<T | null> {
    while (!this.stopped) {
      const first = this.#queue.shift();
      if (first !== undefined) return first;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
    return null;
  }

  close(): void {
    for (const stop of this.#stops) stop.removeEventListener("abort", this.#onAbort);
  }
}

/** `fresh` when it tells the device something new, else null. */
function changed(last: StatusEvent, fresh: StatusEvent): StatusEvent | null {
  const same =
    fresh.state === last.state && fresh.reason === last.reason && fresh.configVersion <= last.configVersion;
  return same ? null : { ...fresh, configVersion: Math.max(fresh.configVersion, last.configVersion) };
}
