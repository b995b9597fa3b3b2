import { randomUUID } from "node:crypto";
import { createChannel, createClient, Metadata, type Channel } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import {
  CreateUserRequest,
  DeviceServiceDefinition,
  GetDeviceStatusRequest,
  WatchDeviceStatusRequest,
} from "../../src/gen/userlink/v1/device_service.js";
import {
  LinkServiceDefinition,
  RequestAuthCodeRequest,
  RequestAuthCodeResponse,
} from "../../src/gen/userlink/v1/link_service.js";
import { ApiKeyScope, DeviceType, Platform } from "../../src/gen/userlink/v1/types.js";
import { frame } from "./grpc-frames.js";
import { drive, type RawRequest } from "./raw-driver.js";

/** Request bodies, encoded with the generated ts-proto encoders and length-prefixed. */
export const PATHS = {
  health: "/grpc.health.v1.Health/Check",
  requestAuthCode: "/userlink.v1.LinkService/RequestAuthCode",
  createUser: "/userlink.v1.DeviceService/CreateUser",
  getDeviceStatus: "/userlink.v1.DeviceService/GetDeviceStatus",
  watchDeviceStatus: "/userlink.v1.DeviceService/WatchDeviceStatus",
} as const;

export const bodies = {
  empty: () => frame(new Uint8Array(0)),
  requestAuthCode: (externalUserId: string) =>
    frame(RequestAuthCodeRequest.encode({ externalUserId }).finish()),
  createUser: (authenticationCode: string) =>
    frame(
      CreateUserRequest.encode({
        authenticationCode,
        requestId: randomUUID(),
        app: { appVersion: "1.0.0", sdkVersion: "1.0.0" },
        device: {
          platform: Platform.PLATFORM_IOS,
          deviceType: DeviceType.DEVICE_TYPE_PHONE,
          model: "bench",
          osVersion: "17.0",
        },
      }).finish(),
    ),
  getDeviceStatus: () => frame(GetDeviceStatusRequest.encode({}).finish()),
  watchDeviceStatus: () => frame(WatchDeviceStatusRequest.encode({}).finish()),
};

const bearer = (token: string) => ({ "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) } });

/** Real nice-grpc clients, for set-up and for checking a sample of answers. */
export class Clients {
  readonly channel: Channel;

  constructor(readonly address: string) {
    this.channel = createChannel(address);
  }

  admin(token: string) {
    return createClient(AdminServiceDefinition, this.channel, bearer(token));
  }
  link(apiKey: string) {
    return createClient(LinkServiceDefinition, this.channel, bearer(apiKey));
  }
  device(accessToken?: string) {
    return createClient(DeviceServiceDefinition, this.channel, accessToken ? bearer(accessToken) : {});
  }
  health() {
    return createClient(HealthDefinition, this.channel);
  }
  close(): void {
    this.channel.close();
  }
}

/** An app with an SDK config and a USER_LINK key for it. */
export async function createAppAndKey(
  clients: Clients,
  adminToken: string,
): Promise<{ appId: string; apiKey: string }> {
  const admin = clients.admin(adminToken);
  const { app } = await admin.createApp({ displayName: "bench", sdkConfig: { theme: "dark", level: 3 } });
  const { apiKey } = await admin.createApiKey({
    appId: app!.appId,
    name: "bench",
    scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK, ApiKeyScope.API_KEY_SCOPE_USER_READ],
  });
  return { appId: app!.appId, apiKey };
}

/**
 * Authentication codes for the given external ids, issued through the service with the
 * raw driver (outside every measurement window), in the order given.
 */
export async function issueCodes(
  url: string,
  apiKey: string,
  externalIds: readonly string[],
): Promise<string[]> {
  const codes: string[] = new Array(externalIds.length);
  const result = await drive({
    url,
    connections: 4,
    concurrency: 64,
    durationMs: 600_000,
    next: (i): RawRequest | null =>
      i < externalIds.length
        ? {
            path: PATHS.requestAuthCode,
            body: bodies.requestAuthCode(externalIds[i]!),
            headers: { authorization: `Bearer ${apiKey}` },
          }
        : null,
    onAnswer: (i, answer) => {
      if (answer.status !== 0) return;
      codes[i] = RequestAuthCodeResponse.decode(answer.body.subarray(5)).authenticationCode;
    },
  });
  const issued = codes.filter((c) => c !== undefined).length;
  if (issued !== externalIds.length) {
    throw new Error(`issued ${issued} of ${externalIds.length} codes: ${JSON.stringify(result.statuses)}`);
  }
  return codes;
}
