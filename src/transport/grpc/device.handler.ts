import type { ServiceImplementation } from "nice-grpc";
import {
  DeviceServiceDefinition,
  type WatchDeviceStatusResponse,
} from "../../gen/userlink/v1/device_service.js";
import { AppError } from "../../domain/errors.js";
import type { CreateUserUseCase } from "../../services/create-user.use-case.js";
import type { DeviceService } from "../../services/device.service.js";
import type { DevicePrincipal } from "../../services/principals.js";
import type { WatchDeviceUseCase } from "../../services/watch-device.use-case.js";
import { clientAddress, type TrustedProxies } from "./client-address.js";
import { deviceStates, stateReasons } from "./enum-mapping.js";
import { mapping } from "./forwarding-iterators.js";
import { createUserInputFromProto, credentialsToProto, parseCreateUser } from "./message-mapping.js";

/** The two methods whose body, not a bearer, authenticates them. */
export const BODY_AUTHENTICATED_DEVICE_PATHS: ReadonlySet<string> = new Set(
  [DeviceServiceDefinition.methods.createUser, DeviceServiceDefinition.methods.refreshCredentials].map(
    (method) => `/${DeviceServiceDefinition.fullName}/${method.name}`,
  ),
);

export function deviceHandlers(
  createUser: CreateUserUseCase,
  devices: DeviceService,
  watcher: WatchDeviceUseCase,
  draining: AbortSignal,
  trustedProxies: TrustedProxies,
): ServiceImplementation<typeof DeviceServiceDefinition, { caller: DevicePrincipal }> {
  return {
    async createUser(request, context) {
      const input = createUserInputFromProto(request);
      const parse = () => parseCreateUser(input);
      const created = await createUser.execute(parse, clientAddress(context, trustedProxies));
      return {
        userId: created.user.id,
        deviceId: created.device.id,
        restored: created.restored,
        deviceState: deviceStates.toProto(created.device.state),
        stateReason: stateReasons.toProto(created.device.stateReason),
        credentials: credentialsToProto(created.credentials),
        sdkConfig: created.app.sdkConfig,
        configVersion: String(created.app.configVersion),
      };
    },
    async refreshCredentials(request) {
      return {
        credentials: credentialsToProto(
          await devices.refreshCredentials(request.refreshToken, request.requestId),
        ),
      };
    },
    async getDeviceStatus(_request, { caller }) {
      const { device, app } = await devices.getStatus(caller);
      return {
        deviceState: deviceStates.toProto(device.state),
        stateReason: stateReasons.toProto(device.stateReason),
        sdkConfig: app.sdkConfig,
        configVersion: String(app.configVersion),
        userId: device.userId,
        deviceId: device.id,
      };
    },
    // Not a generator of its own: the events are mapped as they pass (see mapping).
    watchDeviceStatus(_request, { caller, signal }): AsyncIterable<WatchDeviceStatusResponse> {
      return mapping(
        watcher.watch(caller, signal, draining),
        (event): WatchDeviceStatusResponse => ({
          deviceState: deviceStates.toProto(event.state),
          stateReason: stateReasons.toProto(event.reason),
          changedAt: event.changedAt,
          configVersion: String(event.configVersion),
        }),
        () => {
          if (draining.aborted && !signal.aborted) {
            throw new AppError("SHUTTING_DOWN", "this instance is shutting down; reconnect");
          }
        },
      );
    },
    async resetDevice(_request, { caller }) {
      const device = await devices.reset(caller);
      return {
        deviceState: deviceStates.toProto(device.state),
        stateReason: stateReasons.toProto(device.stateReason),
      };
    },
  };
}
