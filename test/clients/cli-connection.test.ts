// Where the CLI's admin commands connect, and the banner's next: command, from the
// variables alone (no server).
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminTarget, adminToken } from "../../src/cli/admin-connection.js";
import { nextCommand } from "../../src/cli/next-command.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { loadConfig } from "../../src/config.js";

describe("the CLI's admin target", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "userlink-cli-"));
    await writeFile(join(dir, "ca.pem"), "CA");
    await writeFile(join(dir, "c.pem"), "CERT");
    await writeFile(join(dir, "k.pem"), "KEY");
    await writeFile(join(dir, "admin-token"), "t".repeat(40));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("dials the server's own host and port, a wildcard host as this machine", () => {
    expect(adminTarget({}, undefined)).toEqual({ address: "127.0.0.1:50051", tls: false });
    expect(adminTarget({ USERLINK_HOST: "::", USERLINK_GRPC_PORT: "6000" }, undefined).address).toBe(
      "127.0.0.1:6000",
    );
    expect(adminTarget({ USERLINK_HOST: "::1" }, undefined).address).toBe("[::1]:50051");
    expect(adminTarget({ USERLINK_HOST: "10.0.0.5" }, undefined).address).toBe("10.0.0.5:50051");
    expect(adminTarget({ USERLINK_ADDRESS: "a:1", USERLINK_GRPC_PORT: "2" }, undefined).address).toBe("a:1");
    expect(adminTarget({ USERLINK_ADDRESS: "a:1" }, "b:2").address).toBe("b:2");
    expect(adminTarget({}, "https://userlink.example.com").tls).toBe(true);
  });

  it("speaks TLS with the CLI's CA and client certificate, or the system roots", () => {
    const ca = join(dir, "ca.pem");
    expect(adminTarget({ USERLINK_CLI_CA_FILE: ca }, undefined).tls).toEqual({
      rootCerts: Buffer.from("CA"),
    });
    expect(
      adminTarget(
        {
          USERLINK_CLI_CA_FILE: ca,
          USERLINK_CLI_CERT_FILE: join(dir, "c.pem"),
          USERLINK_CLI_KEY_FILE: join(dir, "k.pem"),
          USERLINK_CLI_SERVER_NAME: "userlink.internal",
        },
        undefined,
      ).tls,
    ).toEqual({
      rootCerts: Buffer.from("CA"),
      certChain: Buffer.from("CERT"),
      privateKey: Buffer.from("KEY"),
      serverName: "userlink.internal",
    });
    // The server's environment says TLS; without a CA, the system roots.
    expect(adminTarget({ USERLINK_TLS_CERT_FILE: "/srv/server.pem" }, undefined).tls).toEqual({});
    expect(() => adminTarget({ USERLINK_CLI_KEY_FILE: join(dir, "k.pem") }, undefined)).toThrow(UsageError);
    expect(() => adminTarget({ USERLINK_CLI_CA_FILE: join(dir, "none.pem") }, undefined)).toThrow(
      /USERLINK_CLI_CA_FILE: cannot read/,
    );
  });

  it("takes USERLINK_ADMIN_TOKEN, else the embedded token in USERLINK_DATA_DIR, else refuses", async () => {
    expect(await adminToken({ USERLINK_ADMIN_TOKEN: "x".repeat(32), USERLINK_DATA_DIR: dir })).toBe(
      "x".repeat(32),
    );
    expect(await adminToken({ USERLINK_DATA_DIR: dir })).toBe("t".repeat(40));
    await expect(adminToken({ USERLINK_DATA_DIR: join(dir, "nothing") })).rejects.toThrow(/no admin token/);
  });
});

describe("the banner's next: command", () => {
  it("is the plain command on the defaults and names what differs otherwise", () => {
    expect(nextCommand(loadConfig({}), 50051)).toBe('npm run -s userlink -- apps create "My app"');
    expect(
      nextCommand(loadConfig({ USERLINK_HOST: "10.0.0.5", USERLINK_DATA_DIR: "/tmp/my data" }), 6000),
    ).toBe(
      `USERLINK_HOST=10.0.0.5 USERLINK_GRPC_PORT=6000 USERLINK_DATA_DIR='/tmp/my data' npm run -s userlink -- apps create "My app"`,
    );
  });

  it("says in words which certificates TLS and mTLS need", () => {
    const tls = { USERLINK_TLS_CERT_FILE: "/srv/s.pem", USERLINK_TLS_KEY_FILE: "/srv/s.key" };
    expect(nextCommand(loadConfig(tls), 50051)).toContain(
      "TLS: set USERLINK_CLI_CA_FILE to the CA of /srv/s.pem)",
    );
    const mtls = nextCommand(loadConfig({ ...tls, USERLINK_TLS_CLIENT_CA_FILE: "/srv/ca.pem" }), 50051);
    expect(mtls).toContain("USERLINK_CLI_CERT_FILE/USERLINK_CLI_KEY_FILE");
  });
});
