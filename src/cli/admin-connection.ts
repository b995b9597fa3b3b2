import { readFileSync } from "node:fs";
import { createAdminClient, type AdminClient, type TlsOptions } from "../../clients/node/src/index.js";
import { readAdminToken } from "../embedded-admin-token.js";
import { UsageError } from "./usage-error.js";

/**
 * Where and how the admin commands reach a running server, from the same variables as
 * the server (USERLINK_HOST, USERLINK_GRPC_PORT, USERLINK_ADMIN_TOKEN, USERLINK_DATA_DIR
 * for the embedded token, USERLINK_TLS_CERT_FILE meaning "it speaks TLS") and the
 * CLI's own for what only a client has: the CA it trusts and its certificate for mTLS.
 */
export interface AdminTarget {
  readonly address: string;
  readonly tls: TlsOptions | boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `--address`, else USERLINK_ADDRESS, else the server's own host and port. */
export function adminTarget(env: Env, addressFlag: string | undefined): AdminTarget {
  const address = addressFlag ?? nonEmpty(env.USERLINK_ADDRESS) ?? localAddress(env);
  const caFile = nonEmpty(env.USERLINK_CLI_CA_FILE);
  const certFile = nonEmpty(env.USERLINK_CLI_CERT_FILE);
  const keyFile = nonEmpty(env.USERLINK_CLI_KEY_FILE);
  const serverName = nonEmpty(env.USERLINK_CLI_SERVER_NAME);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError("USERLINK_CLI_CERT_FILE and USERLINK_CLI_KEY_FILE go together (mTLS)");
  }
  const wantsTls =
    caFile !== undefined ||
    certFile !== undefined ||
    serverName !== undefined ||
    nonEmpty(env.USERLINK_TLS_CERT_FILE) !== undefined;
  if (!wantsTls) return { address, tls: address.startsWith("https://") };
  return {
    address,
    tls: {
      ...(caFile === undefined ? {} : { rootCerts: pem(caFile, "USERLINK_CLI_CA_FILE") }),
      ...(certFile === undefined || keyFile === undefined
        ? {}
        : {
            certChain: pem(certFile, "USERLINK_CLI_CERT_FILE"),
            privateKey: pem(keyFile, "USERLINK_CLI_KEY_FILE"),
          }),
      ...(serverName === undefined ? {} : { serverName }),
    },
  };
}

/** The server's listening address as a client dials it: a wildcard host means this machine. */
function localAddress(env: Env): string {
  const host = nonEmpty(env.USERLINK_HOST) ?? "0.0.0.0";
  const local = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `${local}:${nonEmpty(env.USERLINK_GRPC_PORT) ?? "50051"}`;
}

/** USERLINK_ADMIN_TOKEN, else the one an embedded server keeps in USERLINK_DATA_DIR. */
export async function adminToken(env: Env): Promise<string> {
  const token =
    nonEmpty(env.USERLINK_ADMIN_TOKEN) ?? (await readAdminToken(env.USERLINK_DATA_DIR ?? ".userlink"));
  if (token === null || token === "") {
    throw new UsageError(
      "no admin token: set USERLINK_ADMIN_TOKEN (or USERLINK_DATA_DIR to an embedded server's data folder)",
    );
  }
  return token;
}

/**
 * The Node client's AdminService client. Not retried: a person at a terminal would
 * rather see UNAVAILABLE at once than wait through backoff for a server that is down.
 */
export function connectAdmin(target: AdminTarget, token: string): AdminClient {
  if (target.tls !== false) quietIpServerNameWarning();
  return createAdminClient({ address: target.address, adminToken: token, tls: target.tls, retry: false });
}

/**
 * grpc-js gives Node's TLS the host of the address as its SNI server name, also when it
 * is an IP address (127.0.0.1 by default here), and Node warns of that on stderr
 * (DEP0123) on every run. The certificate is still checked against the address; the
 * warning says nothing an operator can act on, so this process drops that one warning.
 */
function quietIpServerNameWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((...args: unknown[]) => {
    if (args[2] === "DEP0123") return;
    emitWarning(...args);
  }) as typeof process.emitWarning;
}

function pem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`${variable}: cannot read ${path} (${(error as Error).message})`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
