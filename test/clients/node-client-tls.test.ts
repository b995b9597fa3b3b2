import { connect, type Socket } from "node:net";
import { createServer as createTlsServer, type TlsOptions as NodeTlsOptions } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminClient, UserlinkError, type TlsOptions } from "../../clients/node/src/index.js";
import { makeTestCerts, type TestCerts } from "../support/test-certs.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

/** Terminates TLS (and checks client certificates when asked) in front of the plaintext server. */
async function tlsFront(upstreamPort: number, options: NodeTlsOptions) {
  const sockets = new Set<Socket>();
  const server = createTlsServer({ ...options, ALPNProtocols: ["h2"] }, (front) => {
    const back = connect(upstreamPort, "127.0.0.1");
    for (const socket of [front, back]) {
      sockets.add(socket);
      socket.on("error", () => {
        front.destroy();
        back.destroy();
      });
      socket.on("close", () => sockets.delete(socket));
    }
    front.pipe(back).pipe(front);
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("the Node client over TLS and mTLS", () => {
  let certs: TestCerts;
  let pki: { ca: Buffer; serverKey: Buffer; serverCert: Buffer; clientKey: Buffer; clientCert: Buffer };
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let tlsOnly: Awaited<ReturnType<typeof tlsFront>>;
  let mutual: Awaited<ReturnType<typeof tlsFront>>;

  beforeAll(async () => {
    // The server certificate names `userlink.test` only, so name checks can fail.
    certs = await makeTestCerts({ serverAltNames: "DNS:userlink.test" });
    pki = {
      ca: certs.caCert,
      serverKey: certs.server.key,
      serverCert: certs.server.cert,
      clientKey: certs.client.key,
      clientCert: certs.client.cert,
    };
    storage = await createStorage("real");
    server = await startInstance(storage);
    const port = server.running.grpcPort;
    tlsOnly = await tlsFront(port, { key: pki.serverKey, cert: pki.serverCert });
    mutual = await tlsFront(port, {
      key: pki.serverKey,
      cert: pki.serverCert,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
    });
  });
  afterAll(async () => {
    await tlsOnly?.close();
    await mutual?.close();
    await server?.stop();
    await storage?.destroy();
    await certs?.cleanup();
  });

  /** listApps through `address` with `tls`: the apps, or the UserlinkError's code name and details. */
  async function listApps(address: string, tls: boolean | TlsOptions): Promise<unknown> {
    const admin = createAdminClient({ address, tls, adminToken: storage.adminToken, retry: false });
    try {
      return (await admin.listApps()).apps;
    } catch (error) {
      expect(error).toBeInstanceOf(UserlinkError);
      const { codeName, details } = error as UserlinkError;
      return `${codeName}: ${details}`;
    } finally {
      admin.close();
    }
  }

  it("trusts the given root certificates and checks the server name", async () => {
    expect(await listApps(tlsOnly.address, { rootCerts: pki.ca, serverName: "userlink.test" })).toEqual([]);
    // The certificate names userlink.test only.
    expect(await listApps(tlsOnly.address, { rootCerts: pki.ca, serverName: "localhost" })).toMatch(
      /^UNAVAILABLE: .*altnames/,
    );
  });

  it("uses the system roots for tls: true, which do not know the test CA", async () => {
    expect(await listApps(tlsOnly.address, true)).toMatch(/^UNAVAILABLE: .*unable to verify/);
  });

  it("presents a client certificate for mTLS", async () => {
    const serverName = "userlink.test";
    expect(await listApps(mutual.address, { rootCerts: pki.ca, serverName })).toMatch(
      /^UNAVAILABLE: .*certificate required/,
    );
    expect(
      await listApps(mutual.address, {
        rootCerts: pki.ca,
        serverName,
        privateKey: pki.clientKey,
        certChain: pki.clientCert,
      }),
    ).toEqual([]);
  });

  it("refuses a private key without its certificate chain", () => {
    expect(() =>
      createAdminClient({
        address: tlsOnly.address,
        tls: { privateKey: pki.clientKey },
        adminToken: storage.adminToken,
      }),
    ).toThrow(TypeError);
  });
});
