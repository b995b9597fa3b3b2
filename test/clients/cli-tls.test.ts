// The admin CLI over the Node client against servers that require TLS and mTLS, with
// the address and token from the server's own variables and the certificates from
// the CLI's (USERLINK_CLI_CA_FILE, USERLINK_CLI_CERT_FILE, USERLINK_CLI_KEY_FILE).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestCerts, type TestCerts } from "../support/test-certs.js";
import {
  createStorage,
  startInstance,
  type OwnedStorage,
  type TestInstance,
} from "../support/userlink-server.js";
import { runCli } from "./run-cli.js";

describe("the userlink CLI over TLS and mTLS (real)", () => {
  let certs: TestCerts;
  let storage: OwnedStorage;
  let tls: TestInstance;
  let mtls: TestInstance;
  let clientFiles: { cert: string; key: string; rogueCert: string; rogueKey: string };

  beforeAll(async () => {
    certs = await makeTestCerts();
    storage = await createStorage("real");
    const serverTls = {
      USERLINK_TLS_CERT_FILE: certs.files.serverCert,
      USERLINK_TLS_KEY_FILE: certs.files.serverKey,
    };
    tls = await startInstance(storage, serverTls);
    mtls = await startInstance(storage, { ...serverTls, USERLINK_TLS_CLIENT_CA_FILE: certs.files.caCert });
    clientFiles = {
      cert: join(certs.dir, "cli-client.crt"),
      key: join(certs.dir, "cli-client.key"),
      rogueCert: join(certs.dir, "cli-rogue.crt"),
      rogueKey: join(certs.dir, "cli-rogue.key"),
    };
    await writeFile(clientFiles.cert, certs.client.cert);
    await writeFile(clientFiles.key, certs.client.key);
    await writeFile(clientFiles.rogueCert, certs.rogueClient.cert);
    await writeFile(clientFiles.rogueKey, certs.rogueClient.key);
  });
  afterAll(async () => {
    await tls?.stop();
    await mtls?.stop();
    await storage?.destroy();
    await certs?.cleanup();
  });

  /** The variables a second terminal has: the server's port and token, and the CLI's CA. */
  const envFor = (server: TestInstance, extra: Record<string, string> = {}) => ({
    USERLINK_GRPC_PORT: String(server.running.grpcPort),
    USERLINK_ADMIN_TOKEN: storage.adminToken,
    USERLINK_CLI_CA_FILE: certs.files.caCert,
    ...extra,
  });

  it(
    "creates and lists apps and keys over TLS, trusting the CA from USERLINK_CLI_CA_FILE",
    { timeout: 120_000 },
    async () => {
      const created = await runCli(
        ["apps", "create", "TLS app", "--sdk-config", '{"tls":true}'],
        envFor(tls),
      );
      expect(created.stderr).toBe("");
      expect(created.exitCode).toBe(0);
      const { app } = created.json<{ app: { appId: string; displayName: string; sdkConfig: unknown } }>();
      expect(app).toMatchObject({ displayName: "TLS app", sdkConfig: { tls: true } });

      const key = await runCli(["keys", "create", app.appId, "--name", "backend"], envFor(tls));
      expect(key.exitCode).toBe(0);
      expect(key.json<{ apiKey: string }>().apiKey).toMatch(/\./);

      const listed = await runCli(["apps", "list"], envFor(tls));
      expect(listed.exitCode).toBe(0);
      expect(listed.json<{ apps: { appId: string }[] }>().apps.map((a) => a.appId)).toContain(app.appId);

      // The server's own USERLINK_TLS_CERT_FILE says "TLS" to the CLI too; with the CA
      // from the CLI's variable, an operator can run it with the server's environment.
      const withServerEnv = await runCli(
        ["keys", "list", app.appId],
        envFor(tls, { USERLINK_TLS_CERT_FILE: certs.files.serverCert }),
      );
      expect(withServerEnv.exitCode).toBe(0);
      expect(withServerEnv.json<{ keys: unknown[] }>().keys).toHaveLength(1);
    },
  );

  it(
    "fails clearly without TLS settings or with a CA that did not sign the server",
    { timeout: 120_000 },
    async () => {
      const { USERLINK_CLI_CA_FILE: _ca, ...plain } = envFor(tls);
      const plaintext = await runCli(["apps", "list"], plain);
      expect(plaintext.exitCode).toBe(1);
      expect(plaintext.stderr).toMatch(/^(UNAVAILABLE|INTERNAL)/);
      expect(plaintext.stderr).toContain(`no answer from 127.0.0.1:${tls.running.grpcPort}`);

      // System roots (TLS asked for by USERLINK_TLS_CERT_FILE alone) do not know the test CA.
      const systemRoots = await runCli(["apps", "list"], {
        ...plain,
        USERLINK_TLS_CERT_FILE: certs.files.serverCert,
      });
      expect(systemRoots.exitCode).toBe(1);
      expect(systemRoots.stderr).toMatch(/^UNAVAILABLE/);

      const unreadable = await runCli(
        ["apps", "list"],
        envFor(tls, { USERLINK_CLI_CA_FILE: join(certs.dir, "nope.pem") }),
      );
      expect(unreadable.exitCode).toBe(2);
      expect(unreadable.stderr).toContain("USERLINK_CLI_CA_FILE: cannot read");
      // The token never reaches the terminal, whatever fails.
      for (const result of [plaintext, systemRoots, unreadable])
        expect(result.stderr).not.toContain(storage.adminToken);
    },
  );

  it(
    "presents the client certificate from USERLINK_CLI_CERT_FILE/KEY_FILE to an mTLS server",
    { timeout: 120_000 },
    async () => {
      const mtlsEnv = envFor(mtls, {
        USERLINK_CLI_CERT_FILE: clientFiles.cert,
        USERLINK_CLI_KEY_FILE: clientFiles.key,
      });
      const created = await runCli(["apps", "create", "mTLS app"], mtlsEnv);
      expect(created.stderr).toBe("");
      expect(created.exitCode).toBe(0);
      const { app } = created.json<{ app: { appId: string } }>();
      const listed = await runCli(["keys", "list", app.appId], mtlsEnv);
      expect(listed.exitCode).toBe(0);

      const withoutCert = await runCli(["apps", "list"], envFor(mtls));
      expect(withoutCert.exitCode).toBe(1);
      expect(withoutCert.stderr).toMatch(/^UNAUTHENTICATED CLIENT_CERTIFICATE_REQUIRED: /);

      const rogue = await runCli(
        ["apps", "list"],
        envFor(mtls, {
          USERLINK_CLI_CERT_FILE: clientFiles.rogueCert,
          USERLINK_CLI_KEY_FILE: clientFiles.rogueKey,
        }),
      );
      expect(rogue.exitCode).toBe(1);
      expect(rogue.stderr).toMatch(/^(UNAVAILABLE|UNAUTHENTICATED)/);

      const half = await runCli(["apps", "list"], envFor(mtls, { USERLINK_CLI_CERT_FILE: clientFiles.cert }));
      expect(half.exitCode).toBe(2);
      expect(half.stderr).toContain("USERLINK_CLI_CERT_FILE and USERLINK_CLI_KEY_FILE go together");
    },
  );
});
