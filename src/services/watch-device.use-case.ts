import { EventEmitter, on } from "node:events";
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

  async *watch(caller: DevicePrincipal, signal: AbortSignal): AsyncGenerator<StatusEvent> {
    const { device } = caller;
    const inbox = new EventEmitter();
    const unsubscribe = this.deps.events.subscribe(device.appId, device.id, (event) =>
      inbox.emit("event", event),
    );
    try {
      const arrivals = on(inbox, "event", { signal });
      const [current, app] = await Promise.all([
        this.deps.store.repos.devices.findById(device.id),
        this.deps.store.repos.apps.findById(device.appId),
      ]);
      let last: StatusEvent =
        current === null
          ? {
              state: "DEACTIVATED",
              reason: "USER_DELETED",
              changedAt: this.deps.clock.now(),
              configVersion: 0,
            }
          : {
              state: current.state,
              reason: current.stateReason,
              changedAt: current.stateChangedAt,
              configVersion: app?.configVersion ?? 0,
            };
      yield last;
      if (!isLive(last.state)) return;
      for await (const [event] of arrivals as AsyncIterable<[DeviceEvent]>) {
        const next = this.apply(last, event);
        if (next === null) continue;
        last = next;
        yield last;
        if (!isLive(last.state)) return;
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      unsubscribe();
    }
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
