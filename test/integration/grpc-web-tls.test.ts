import { ChannelCredentials } from "@grpc/grpc-js";
import { createChannel, createClient, Metadata as GrpcMetadata, Status } from "nice-grpc";
import { Metadata } from "nice-grpc-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { ALL_SCOPES, expectGrpcError } from "../support/flow.js";
import { grpcWebClients } from "../support/grpc-web-clients.js";
import { makeTestCerts, type TestCerts } from "../support/test-certs.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

describe("gRPC-Web in front of a gRPC server that speaks TLS (and wants client certificates for AdminService)", () => {
  let certs: TestCerts;
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;

  beforeAll(async () => {
    certs = await makeTestCerts();
    storage = await createStorage("real");
    server = await startInstance(storage, {
      USERLINK_TLS_CERT_FILE: certs.files.serverCert,
      USERLINK_TLS_KEY_FILE: certs.files.serverKey,
      USERLINK_TLS_CLIENT_CA_FILE: certs.files.caCert,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
    await certs?.cleanup();
  });

  it("relays calls over TLS to the gRPC server", async () => {
    const { apiKey } = await createAppWithKeyOverMtls();
    const code = await grpcWebClients(server.grpcWebUrl, storage.adminToken)
      .link(apiKey)
      .requestAuthCode({ externalUserId: "web over tls" });
    expect(code.authenticationCode).toHaveLength(43);
  });

  it("never counts a gRPC-Web call as mTLS, even with the verified-certificate header sent along", async () => {
    const admin = grpcWebClients(server.grpcWebUrl, storage.adminToken).admin;
    await expectGrpcError(admin.listApps({}), {
      code: Status.UNAUTHENTICATED,
      reason: "CLIENT_CERTIFICATE_REQUIRED",
    });
    await expectGrpcError(
      admin.listApps(
        {},
        {
          metadata: Metadata({
            authorization: `Bearer ${storage.adminToken}`,
            "x-userlink-verified-client-cert": "1",
          }),
        },
      ),
      { code: Status.UNAUTHENTICATED, reason: "CLIENT_CERTIFICATE_REQUIRED" },
    );
  });

  /** AdminService over gRPC with a client certificate, as an operator would. */
  async function createAppWithKeyOverMtls() {
    const channel = createChannel(
      `127.0.0.1:${server.running.grpcPort}`,
      ChannelCredentials.createSsl(certs.caCert, certs.client.key, certs.client.cert),
    );
    try {
      const admin = createClient(AdminServiceDefinition, channel, {
        "*": { metadata: GrpcMetadata({ authorization: `Bearer ${storage.adminToken}` }) },
      });
      const { app } = await admin.createApp({ displayName: "web over tls" });
      return await admin.createApiKey({ appId: app!.appId, name: "k", scopes: ALL_SCOPES });
    } finally {
      channel.close();
    }
  }
});
