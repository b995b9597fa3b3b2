import type { Config } from "../config.js";

const DEFAULTS = { host: ["0.0.0.0", "::", "127.0.0.1"], grpcPort: 50051, dataDir: ".userlink" } as const;

/**
 * The serve banner's `next:` command, with the variables a second terminal needs to
 * reach this server (the CLI reads the same ones as the server): those that differ
 * from the defaults. TLS needs files only the operator has (the CA that signed the
 * server's certificate, a client certificate for mTLS), so it is said in words.
 */
export function nextCommand(config: Config, grpcPort: number): string {
  const env: string[] = [];
  if (!(DEFAULTS.host as readonly string[]).includes(config.host))
    env.push(`USERLINK_HOST=${quote(config.host)}`);
  if (grpcPort !== DEFAULTS.grpcPort) env.push(`USERLINK_GRPC_PORT=${grpcPort}`);
  if (config.dataDir !== DEFAULTS.dataDir) env.push(`USERLINK_DATA_DIR=${quote(config.dataDir)}`);
  const command = [...env, `npm run -s userlink -- apps create "My app"`].join(" ");
  if (config.tls === null) return command;
  const mtls =
    config.tls.clientCaFile === null
      ? ""
      : ", and USERLINK_CLI_CERT_FILE/USERLINK_CLI_KEY_FILE to a client certificate from USERLINK_TLS_CLIENT_CA_FILE";
  return `${command}\n               (TLS: set USERLINK_CLI_CA_FILE to the CA of ${config.tls.certFile}${mtls})`;
}

/** A value as a POSIX shell word, quoted only when it has to be. */
function quote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
