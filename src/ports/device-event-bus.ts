import type { DeviceStateEvent } from "../domain/device-transitions.js";

/** Something that happened to a device or its app, fanned out to every instance. */
export type DeviceEvent =
  | DeviceStateEvent
  | {
      readonly kind: "app_config";
      readonly appId: string;
      readonly configVersion: number;
      readonly changedAt: Date;
    };

export type DeviceEventListener = (event: DeviceEvent) => void;

/**
 * Publish/subscribe of device events across instances: Redis pub/sub in production,
 * in-process on the embedded default. Delivery is best effort (a Redis restart can
 * drop messages); the database stays the truth, and devices learn their state on
 * their next call.
 */
export interface DeviceEventBus {
  /** Sends the events to every subscriber on every instance, this one included. */
  publish(events: readonly DeviceEvent[]): Promise<void>;
  /**
   * Calls `listener` with every event for `deviceId` and every app_config event for
   * `appId`, until the returned function is called.
   */
  subscribe(appId: string, deviceId: string, listener: DeviceEventListener): () => void;
  /**
   * Calls `callback` whenever events may have been lost (this instance's link to the
   * other instances broke and was made again), so that listeners can read the truth
   * from the database again. Until the returned function is called.
   */
  onEventsMissed(callback: () => void): () => void;
  close(): Promise<void>;
}
