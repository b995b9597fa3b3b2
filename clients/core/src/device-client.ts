import { DeviceServiceDefinition } from "../../../src/gen/userlink/v1/device_service.js";
import { bearer, serverStream, unary } from "./bind.js";
import type { Caller, ServerStream, Unary } from "./caller.js";
import { randomRequestId } from "./request-id.js";

type Device = typeof DeviceServiceDefinition;

/** `userlink.v1.DeviceService`, as the SDK on a device (or an app in a browser) calls it. */
export interface DeviceClient {
  /**
   * Redeems an authentication code. `requestId` defaults to a random UUID; a retry of
   * the same attempt (same code, same requestId) returns the same user and device, so
   * it is idempotent and the Node client retries it. Does not change the client's
   * access token.
   */
  createUser: Unary<Device, "createUser">;
  /**
   * New credentials for the refresh token in the request. `requestId` defaults to a
   * random UUID: the same refresh sent again within the service's retry window is the
   * same rotation retried, not a reuse, so the Node client retries it.
   */
  refreshCredentials: Unary<Device, "refreshCredentials">;
  /** The device's state and the app's SDK configuration. No side effects. */
  getDeviceStatus: Unary<Device, "getDeviceStatus">;
  /**
   * The current state, then one message per change; ends after the device leaves for
   * good. No deadline unless `options.deadlineMs` sets one; never retried (a server
   * shutting down ends it with UNAVAILABLE: watch again). Leaving the loop cancels it.
   */
  watchDeviceStatus: ServerStream<Device, "watchDeviceStatus">;
  /** Removes the user from this device (log out); its tokens stop working. Not retried. */
  resetDevice: Unary<Device, "resetDevice">;
  /** The access token sent from now on (undefined: none). */
  setAccessToken(accessToken: string | undefined): void;
  /** The access token the client sends. */
  readonly accessToken: string | undefined;
  /** Ends the calls and streams in flight with CANCELLED; later calls fail the same way. */
  close(): void;
}

/** The request with a random `requestId` where the caller gave none. */
function withRequestId(request: { requestId?: string }): object {
  return { ...request, requestId: request.requestId || randomRequestId() };
}

export function bindDeviceClient(caller: Caller, initialAccessToken: string | undefined): DeviceClient {
  let accessToken = initialAccessToken;
  const none = (): undefined => undefined;
  const device = () => bearer(accessToken);
  return {
    createUser: unary(caller, DeviceServiceDefinition, "createUser", none, withRequestId),
    refreshCredentials: unary(caller, DeviceServiceDefinition, "refreshCredentials", none, withRequestId),
    getDeviceStatus: unary(caller, DeviceServiceDefinition, "getDeviceStatus", device),
    watchDeviceStatus: serverStream(caller, DeviceServiceDefinition, "watchDeviceStatus", device),
    resetDevice: unary(caller, DeviceServiceDefinition, "resetDevice", device),
    setAccessToken: (token) => {
      accessToken = token;
    },
    get accessToken() {
      return accessToken;
    },
    close: () => caller.close(),
  };
}
