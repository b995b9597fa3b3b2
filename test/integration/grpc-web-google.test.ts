import { StatusCode } from "grpc-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { DeviceState, StateReason } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, phone } from "../support/flow.js";
import { GoogleGrpcWebClient } from "../support/grpc-web-google.js";
import { errorInfoReason } from "../support/grpc-web-raw.js";
import { installXMLHttpRequest } from "../support/grpc-web-xhr.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

const LINK = LinkServiceDefinition;
const DEVICE = DeviceServiceDefinition;

/**
 * Google's own grpc-web runtime, in text mode, as an independent check of the wire
 * format: a second implementation that must agree with the translator.
 */
describe("gRPC-Web with Google's grpc-web runtime in text mode", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let client: GoogleGrpcWebClient;
  let apiKey: string;
  let uninstall: () => void;

  beforeAll(async () => {
    uninstall = installXMLHttpRequest();
    storage = await createStorage("real");
    server = await startInstance(storage);
    client = new GoogleGrpcWebClient(server.grpcWebUrl);
    ({ apiKey } = await createAppWithKey(server));
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
    uninstall?.();
  });

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  it("makes unary calls", async () => {
    const { apps } = await client.unary(
      AdminServiceDefinition,
      AdminServiceDefinition.methods.listApps,
      {},
      auth(storage.adminToken),
    );
    expect(apps.map((a) => a.displayName)).toContain("Test app");

    const code = await client.unary(
      LINK,
      LINK.methods.requestAuthCode,
      { externalUserId: "google-1" },
      auth(apiKey),
    );
    expect(code.authenticationCode.length).toBeGreaterThanOrEqual(43);
    const created = await client.unary(DEVICE, DEVICE.methods.createUser, {
      ...phone(),
      authenticationCode: code.authenticationCode,
    });
    expect(created).toMatchObject({ restored: false, deviceState: DeviceState.DEVICE_STATE_ACTIVE });
  });

  it("receives stream messages as they happen, and the stream's end", async () => {
    const { authenticationCode } = await server
      .link(apiKey)
      .requestAuthCode({ externalUserId: "google-watch" });
    const first = await server.device().createUser({ ...phone(), authenticationCode });
    const stream = client.stream(
      DEVICE,
      DEVICE.methods.watchDeviceStatus,
      {},
      auth(first.credentials!.accessToken),
    );
    await stream.until(() => stream.messages.length >= 1 || stream.ended);
    expect(stream.messages[0]).toMatchObject({ deviceState: DeviceState.DEVICE_STATE_ACTIVE });
    expect(stream.ended).toBe(false);

    const again = await server.link(apiKey).requestAuthCode({ externalUserId: "google-watch" });
    await server.device().createUser({ ...phone(), authenticationCode: again.authenticationCode });
    await stream.until(() => stream.ended);
    expect(stream.error).toBeNull();
    expect(stream.messages).toHaveLength(2);
    expect(stream.messages[1]).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_DEACTIVATED,
      stateReason: StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
    });
  });

  it("reports an error's status, message and rich details", async () => {
    const error = await client.unary(DEVICE, DEVICE.methods.getDeviceStatus, {}, auth("not-a-token")).then(
      () => null,
      (e: unknown) => e as { code: number; message: string; metadata: Record<string, string> },
    );
    expect(error).not.toBeNull();
    expect(error!.code).toBe(StatusCode.UNAUTHENTICATED);
    const details = error!.metadata["grpc-status-details-bin"];
    expect(details).toBeDefined();
    expect(errorInfoReason(details!)).toBe("DEVICE_TOKEN_INVALID");

    const streamed = client.stream(DEVICE, DEVICE.methods.watchDeviceStatus, {}, auth("not-a-token"));
    await streamed.until(() => streamed.ended);
    expect(streamed.error?.code).toBe(StatusCode.UNAUTHENTICATED);
    expect(streamed.messages).toHaveLength(0);
  });
});
