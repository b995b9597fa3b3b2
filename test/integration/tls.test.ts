import { ChannelCredentials } from "@grpc/grpc-js";
import { createChannel, createClientFactory, Metadata, Status } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { ALL_SCOPES, expectGrpcError } from "../support/flow.js";
import { makeTestCerts, type TestCerts } from "../support/test-certs.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

describe("TLS, and mTLS for AdminService (real)", () => {
  let certs: TestCerts;
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  const channels: { close(): void }[] = [];

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
    for (const channel of channels) channel.close();
    await server?.stop();
    await storage?.destroy();
    await certs?.cleanup();
  });

  function clients(credentials: ChannelCredentials, token: string) {
    const channel = createChannel(`127.0.0.1:${server.running.grpcPort}`, credentials);
    channels.push(channel);
    const factory = createClientFactory().use(errorDetailsClientMiddleware);
    const options = { "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) } };
    return {
      admin: factory.create(AdminServiceDefinition, channel, options),
      link: (apiKey: string) =>
        factory.create(LinkServiceDefinition, channel, {
          "*": { metadata: Metadata({ authorization: `Bearer ${apiKey}` }) },
        }),
    };
  }

  it("serves LinkService over TLS without a client certificate, and AdminService only with one from the CA", async () => {
    const withClientCert = clients(
      ChannelCredentials.createSsl(certs.caCert, certs.client.key, certs.client.cert),
      storage.adminToken,
    );
    const { app } = await withClientCert.admin.createApp({ displayName: "mtls" });
    const { apiKey } = await withClientCert.admin.createApiKey({
      appId: app!.appId,
      name: "k",
      scopes: ALL_SCOPES,
    });

    const tlsOnly = clients(ChannelCredentials.createSsl(certs.caCert), storage.adminToken);
    const code = await tlsOnly.link(apiKey).requestAuthCode({ externalUserId: "over tls" });
    expect(code.authenticationCode).not.toBe("");
    await expectGrpcError(tlsOnly.admin.listApps({ pageSize: 1 }), {
      code: Status.UNAUTHENTICATED,
      reason: "CLIENT_CERTIFICATE_REQUIRED",
    });
  });

  it("does not count a client certificate from another CA", async () => {
    const rogue = clients(
      ChannelCredentials.createSsl(certs.caCert, certs.rogueClient.key, certs.rogueClient.cert),
      storage.adminToken,
    );
    const outcome = await rogue.admin.listApps({ pageSize: 1 }).then(
      () => "accepted",
      (error: { code: Status }) => Status[error.code],
    );
    // Refused either in the handshake (UNAVAILABLE) or by AdminService; never served.
    expect(["UNAVAILABLE", "UNAUTHENTICATED"]).toContain(outcome);
  });

  it("refuses a spoofed verified-certificate header", async () => {
    const tlsOnly = clients(ChannelCredentials.createSsl(certs.caCert), storage.adminToken);
    await expectGrpcError(
      tlsOnly.admin.listApps(
        { pageSize: 1 },
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

  it("refuses plaintext clients", async () => {
    const plain = clients(ChannelCredentials.createInsecure(), storage.adminToken);
    const outcome = await plain
      .link("x")
      .requestAuthCode({ externalUserId: "x" }, { signal: AbortSignal.timeout(3_000) })
      .then(
        () => "served",
        (error: { code?: Status; name?: string }) =>
          error.code === undefined ? error.name : Status[error.code],
      );
    expect(outcome).not.toBe("served");
  });
});
