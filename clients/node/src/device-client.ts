import { randomUUID } from "node:crypto";
import type { CallOptions, ClientOptions } from "./client-options.js";
import { bearer, Connection } from "./connection.js";
import {
  DeviceServiceDefinition,
  type CreateUserRequest,
  type CreateUserResponse,
  type DeepPartial,
  type GetDeviceStatusRequest,
  type GetDeviceStatusResponse,
  type RefreshCredentialsRequest,
  type RefreshCredentialsResponse,
  type ResetDeviceRequest,
  type ResetDeviceResponse,
  type WatchDeviceStatusRequest,
  type WatchDeviceStatusResponse,
} from "./gen/userlink/v1/device_service.js";

export interface DeviceClientOptions extends ClientOptions {
  /**
   * The device's access token, for getDeviceStatus, watchDeviceStatus and resetDevice.
   * Not needed for createUser and refreshCredentials, which carry their own proof; set
   * or replace it later with `setAccessToken`.
   */
  readonly accessToken?: string;
}

/** `userlink.v1.DeviceService`, as the SDK on a device calls it. */
export interface DeviceClient {
  /**
   * Redeems an authentication code. `requestId` defaults to a random UUID; a retry of
   * the same attempt (same code, same requestId) returns the same user and device, so
   * this call is retried on UNAVAILABLE. Does not change the client's access token.
   */
  createUser(request: DeepPartial<CreateUserRequest>, options?: CallOptions): Promise<CreateUserResponse>;
  /** New credentials for the refresh token in the request. Not retried: a refresh token works once. */
  refreshCredentials(
    request: DeepPartial<RefreshCredentialsRequest>,
    options?: CallOptions,
  ): Promise<RefreshCredentialsResponse>;
  /** The device's state and the app's SDK configuration. Retried. */
  getDeviceStatus(
    request?: DeepPartial<GetDeviceStatusRequest>,
    options?: CallOptions,
  ): Promise<GetDeviceStatusResponse>;
  /**
   * The current state, then one message per change; ends after the device leaves for
   * good. No deadline unless `options.deadlineMs` sets one; not retried (a server
   * shutting down ends it with UNAVAILABLE: watch again). Leaving the loop cancels it.
   */
  watchDeviceStatus(
    request?: DeepPartial<WatchDeviceStatusRequest>,
    options?: CallOptions,
  ): AsyncIterable<WatchDeviceStatusResponse>;
  /** Removes the user from this device (log out); its tokens stop working. Not retried. */
  resetDevice(request?: DeepPartial<ResetDeviceRequest>, options?: CallOptions): Promise<ResetDeviceResponse>;
  /** The access token sent from now on (undefined: none). */
  setAccessToken(accessToken: string | undefined): void;
  /** The access token the client sends. */
  readonly accessToken: string | undefined;
  /** Closes the channel; calls and streams in flight fail with CANCELLED. */
  close(): void;
}

export function createDeviceClient(options: DeviceClientOptions): DeviceClient {
  const connection = new Connection(options);
  const raw = connection.client(DeviceServiceDefinition);
  let accessToken = options.accessToken;
  return {
    createUser: (request, call) =>
      connection.unary(
        raw.createUser,
        { ...request, requestId: request.requestId || randomUUID() },
        "retry",
        undefined,
        call,
      ),
    refreshCredentials: (request, call) =>
      connection.unary(raw.refreshCredentials, request, "once", undefined, call),
    getDeviceStatus: (request = {}, call) =>
      connection.unary(raw.getDeviceStatus, request, "retry", bearer(accessToken), call),
    watchDeviceStatus: (request = {}, call) =>
      connection.serverStream(raw.watchDeviceStatus, request, bearer(accessToken), call),
    resetDevice: (request = {}, call) =>
      connection.unary(raw.resetDevice, request, "once", bearer(accessToken), call),
    setAccessToken: (token) => {
      accessToken = token;
    },
    get accessToken() {
      return accessToken;
    },
    close: () => connection.close(),
  };
}
