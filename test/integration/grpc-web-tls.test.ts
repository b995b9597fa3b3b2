import { ChannelCredentials } from "@grpc/grpc-js";
import { createChannel, createClient, Metadata as GrpcMetadata, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { RequestAuthCodeRequest, RequestAuthCodeResponse } from "../../src/gen/userlink/v1/link_service.js";
import { ALL_SCOPES } from "../support/flow.js";
import { frame, rawGrpcWeb } from "../support/grpc-web-raw.js";
import { makeTestCerts, type TestCerts } from "../support/test-certs.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

describe("gRPC-Web over TLS, in front of a gRPC server that speaks TLS (and wants client certificates for AdminService)", () => {
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

  it("serves gRPC-Web over TLS, HTTP/2 and HTTP/1.1, relayed over TLS to the gRPC server", async () => {
    expect(server.grpcWebUrl).toMatch(/^https:/);
    const { apiKey } = await createAppWithKeyOverMtls();
    for (const protocol of ["http2", "http1"] as const) {
      const answer = await rawGrpcWeb(server.grpcWebUrl, {
        path: "/userlink.v1.LinkService/RequestAuthCode",
        body: frame(RequestAuthCodeRequest.encode({ externalUserId: "web over tls" }).finish()),
        headers: { authorization: `Bearer ${apiKey}` },
        protocol,
        ca: certs.caCert,
      });
      expect({ protocol, status: answer.status }).toEqual({ protocol, status: 0 });
      expect(RequestAuthCodeResponse.decode(answer.messages[0]!).authenticationCode).toHaveLength(43);
    }
    // Plaintext to the TLS port is refused.
    const plain = await rawGrpcWeb(server.grpcWebUrl.replace("https:", "http:"), {
      path: "/userlink.v1.LinkService/RequestAuthCode",
      body: frame(RequestAuthCodeRequest.encode({ externalUserId: "x" }).finish()),
    }).then(
      (answer) => answer.status,
      () => "refused",
    );
    expect(plain).toBe("refused");
  });

  it("never counts a gRPC-Web call as mTLS, even with the verified-certificate header sent along", async () => {
    const attempts: Record<string, string>[] = [
      { authorization: `Bearer ${storage.adminToken}` },
      { authorization: `Bearer ${storage.adminToken}`, "x-userlink-verified-client-cert": "1" },
    ];
    for (const headers of attempts) {
      const answer = await rawGrpcWeb(server.grpcWebUrl, {
        path: "/userlink.v1.AdminService/ListApps",
        body: frame(new Uint8Array()),
        headers,
        protocol: "http2",
        ca: certs.caCert,
      });
      expect({ status: answer.status, reason: answer.reason }).toEqual({
        status: Status.UNAUTHENTICATED,
        reason: "CLIENT_CERTIFICATE_REQUIRED",
      });
    }
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
