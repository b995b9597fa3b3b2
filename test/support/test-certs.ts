import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCerts {
  readonly dir: string;
  /** Paths of PEM files. */
  readonly files: {
    readonly caCert: string;
    readonly serverCert: string;
    readonly serverKey: string;
  };
  /** Contents, for clients (and for servers the test runs itself). */
  readonly caCert: Buffer;
  readonly server: { readonly cert: Buffer; readonly key: Buffer };
  readonly client: { readonly cert: Buffer; readonly key: Buffer };
  /** A client certificate from a CA the server does not trust. */
  readonly rogueClient: { readonly cert: Buffer; readonly key: Buffer };
  cleanup(): Promise<void>;
}

/**
 * A CA, a server certificate (for 127.0.0.1 and localhost unless `serverAltNames`, an
 * openssl subjectAltName value, says otherwise), and client certificates, made with
 * openssl for one test and thrown away after.
 */
export async function makeTestCerts(options: { serverAltNames?: string } = {}): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), "userlink-certs-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  for (const ca of ["ca", "rogue-ca"]) {
    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${ca}.key`,
      "-out",
      `${ca}.crt`,
      "-days",
      "1",
      "-subj",
      `/CN=${ca}`,
    );
  }
  await writeFile(
    join(dir, "server.ext"),
    `subjectAltName=${options.serverAltNames ?? "IP:127.0.0.1,DNS:localhost"}\n`,
  );
  await writeFile(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  const issue = (name: string, ca: string, ext: string) => {
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      ext,
      "-out",
      `${name}.crt`,
    );
  };
  issue("server", "ca", "server.ext");
  issue("client", "ca", "client.ext");
  issue("rogue", "rogue-ca", "client.ext");
  const read = (name: string) => readFile(join(dir, name));
  return {
    dir,
    files: {
      caCert: join(dir, "ca.crt"),
      serverCert: join(dir, "server.crt"),
      serverKey: join(dir, "server.key"),
    },
    caCert: await read("ca.crt"),
    server: { cert: await read("server.crt"), key: await read("server.key") },
    client: { cert: await read("client.crt"), key: await read("client.key") },
    rogueClient: { cert: await read("rogue.crt"), key: await read("rogue.key") },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
