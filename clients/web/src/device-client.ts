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
import { randomRequestId } from "./request-id.js";

export interface DeviceClientOptions extends ClientOptions {
  /**
   * The device's access token, for getDeviceStatus, watchDeviceStatus and resetDevice.
   * Not needed for createUser and refreshCredentials, which carry their own proof; set
   * or replace it later with `setAccessToken`.
   */
  readonly accessToken?: string;
}

/** `userlink.v1.DeviceService` over gRPC-Web, as an app in the browser calls it. */
export interface DeviceClient {
  /**
   * Redeems an authentication code. `requestId` defaults to a random UUID; send the
   * same one again to retry the same attempt (same user and device back). Does not
   * change the client's access token.
   */
  createUser(request: DeepPartial<CreateUserRequest>, options?: CallOptions): Promise<CreateUserResponse>;
  /** New credentials for the refresh token in the request; a refresh token works once. */
  refreshCredentials(
    request: DeepPartial<RefreshCredentialsRequest>,
    options?: CallOptions,
  ): Promise<RefreshCredentialsResponse>;
  /** The device's state and the app's SDK configuration. */
  getDeviceStatus(
    request?: DeepPartial<GetDeviceStatusRequest>,
    options?: CallOptions,
  ): Promise<GetDeviceStatusResponse>;
  /**
   * The current state, then one message per change; ends after the device leaves for
   * good. No deadline unless `options.deadlineMs` sets one. Leaving the loop cancels it.
   */
  watchDeviceStatus(
    request?: DeepPartial<WatchDeviceStatusRequest>,
    options?: CallOptions,
  ): AsyncIterable<WatchDeviceStatusResponse>;
  /** Removes the user from this device (log out); its tokens stop working. */
  resetDevice(request?: DeepPartial<ResetDeviceRequest>, options?: CallOptions): Promise<ResetDeviceResponse>;
  /** The access token sent from now on (undefined: none). */
  setAccessToken(accessToken: string | undefined): void;
  /** The access token the client sends. */
  readonly accessToken: string | undefined;
  /** Ends the calls and streams in flight with CANCELLED; later calls fail the same way. */
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
        { ...request, requestId: request.requestId || randomRequestId() },
        undefined,
        call,
      ),
    refreshCredentials: (request, call) => connection.unary(raw.refreshCredentials, request, undefined, call),
    getDeviceStatus: (request = {}, call) =>
      connection.unary(raw.getDeviceStatus, request, bearer(accessToken), call),
    watchDeviceStatus: (request = {}, call) =>
      connection.serverStream(raw.watchDeviceStatus, request, bearer(accessToken), call),
    resetDevice: (request = {}, call) =>
      connection.unary(raw.resetDevice, request, bearer(accessToken), call),
    setAccessToken: (token) => {
      accessToken = token;
    },
    get accessToken() {
      return accessToken;
    },
    close: () => connection.close(),
  };
}
