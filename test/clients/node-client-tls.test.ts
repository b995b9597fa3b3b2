import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, type TlsOptions as NodeTlsOptions } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminClient, UserlinkError, type TlsOptions } from "../../clients/node/src/index.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

interface Pki {
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
}

/** A throwaway CA, a server certificate for `userlink.test` only, and a client certificate. */
async function makePki(dir: string): Promise<Pki> {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=test CA");
  await writeFile(join(dir, "server.ext"), "subjectAltName=DNS:userlink.test\n");
  for (const [name, ext] of [
    ["server", ["-extfile", "server.ext"]],
    ["client", []],
  ] as const) {
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-set_serial",
      name === "server" ? "1" : "2",
      "-days",
      "1",
      "-out",
      `${name}.crt`,
      ...ext,
    );
  }
  const read = (file: string) => readFile(join(dir, file));
  return {
    ca: await read("ca.crt"),
    serverKey: await read("server.key"),
    serverCert: await read("server.crt"),
    clientKey: await read("client.key"),
    clientCert: await read("client.crt"),
  };
}

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
  let dir: string;
  let pki: Pki;
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let tlsOnly: Awaited<ReturnType<typeof tlsFront>>;
  let mutual: Awaited<ReturnType<typeof tlsFront>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "userlink-pki-"));
    pki = await makePki(dir);
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
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** listApps through `address` with `tls`: the apps, or the UserlinkError's code and details. */
  async function listApps(address: string, tls: boolean | TlsOptions): Promise<unknown> {
    const admin = createAdminClient({ address, tls, adminToken: storage.adminToken, retry: false });
    try {
      return (await admin.listApps()).apps;
    } catch (error) {
      expect(error).toBeInstanceOf(UserlinkError);
      const { code, details } = error as UserlinkError;
      return `${code}: ${details}`;
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
