import { pino } from "pino";
import { UserlinkError } from "../../clients/node/src/index.js";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { adminTokenPath } from "../embedded-admin-token.js";
import { migrateDatabase, runJanitorPass, startUserlink } from "../main.js";
import { ADMIN_COMMANDS, type Command } from "./admin-commands.js";
import { adminTarget, adminToken, connectAdmin } from "./admin-connection.js";
import { nextCommand } from "./next-command.js";
import { UsageError } from "./usage-error.js";
import { USER_USAGE } from "./user-commands.js";
import { StartupError } from "../startup-error.js";

const USAGE = `usage: userlink <command>

  serve                      start the service (embedded default when DATABASE_URL
                             and REDIS_URL are unset)
  migrate                    apply pending database migrations and exit
  janitor                    remove what is past retention once (README "Retention") and exit
  apps create <name> [--sdk-config JSON] [--auth-code-ttl SECONDS]
  apps list
  keys create <app id> [--name NAME] [--scopes USER_LINK,USER_READ,USER_DELETE] [--expires-at ISO]
  keys list <app id>
  keys revoke <key id>
  keys rotate <key id> [--grace SECONDS]
  ${USER_USAGE.list}
  ${USER_USAGE.get}
  ${USER_USAGE.delete}
  ${USER_USAGE.audit}

The admin commands call a running server with the same variables as the server:
--address HOST:PORT (or USERLINK_ADDRESS; default USERLINK_HOST:USERLINK_GRPC_PORT,
127.0.0.1 for a wildcard host), USERLINK_ADMIN_TOKEN or the embedded server's token
from USERLINK_DATA_DIR. TLS: USERLINK_CLI_CA_FILE (the CA to trust; system roots
without it, also when only USERLINK_TLS_CERT_FILE or an https:// address says the
server speaks TLS), USERLINK_CLI_CERT_FILE and USERLINK_CLI_KEY_FILE (a client
certificate, for a server with USERLINK_TLS_CLIENT_CA_FILE), USERLINK_CLI_SERVER_NAME
(the name to check the certificate against).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "serve") return serve(loadConfig());
  if (command === "migrate") {
    const config = loadConfig();
    await migrateDatabase(config, pino({ level: config.logLevel }));
    console.log(
      `migrations applied to ${config.databaseUrl === null ? "the embedded database" : "DATABASE_URL"}`,
    );
    return 0;
  }
  if (command === "janitor") {
    const config = loadConfig();
    const pass = await runJanitorPass(config, pino({ level: config.logLevel }));
    console.log(
      JSON.stringify(pass.ran ? pass : { ran: false, reason: "another janitor pass holds the lock" }),
    );
    return pass.ran ? 0 : 1;
  }
  // Two words ("users list") or one ("audit").
  const pair = ADMIN_COMMANDS[`${command} ${rest[0] ?? ""}`];
  if (pair !== undefined) return admin(pair, rest.slice(1));
  const single = ADMIN_COMMANDS[command];
  if (single !== undefined) return admin(single, rest);
  console.error(`unknown command "${argv.join(" ")}"\n\n${USAGE}`);
  return 2;
}

async function serve(config: Config): Promise<number> {
  const running = await startUserlink(config);
  const local = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const lines = [
    `userlink is serving gRPC on ${running.grpcAddress}`,
    `  gRPC-Web:    ${config.tls === null ? "http" : "https"}://${local}:${running.grpcWebPort} (HTTP/1.1 and h2c; browsers need USERLINK_CORS_ORIGINS)`,
    `  health:      grpcurl -plaintext ${local}:${running.grpcPort} grpc.health.v1.Health/Check`,
    `  ops:         http://${local}:${running.opsPort}/metrics, /healthz, /readyz`,
    ...(config.console
      ? [
          `  console:     ${config.tls === null ? "http" : "https"}://${local}:${running.grpcWebPort}/console/ (sign in with the admin token)`,
        ]
      : []),
  ];
  if (running.embedded) {
    lines.push(
      `  storage:     embedded (PGlite in ${config.dataDir}/pgdata, codes in memory); one instance only`,
      `  admin token: ${running.adminToken}`,
      `               (kept in ${adminTokenPath(config.dataDir)}; the CLI reads it from there)`,
      `  next:        ${nextCommand(config, running.grpcPort)}`,
    );
  } else {
    lines.push(
      `  storage:     Postgres (DATABASE_URL), ${config.redisUrl === null ? "codes in memory" : "Redis (REDIS_URL)"}`,
    );
  }
  // The banner goes to stderr: stdout carries the JSON log lines.
  console.error(lines.join("\n"));

  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      running.log.info({ signal }, "shutting down");
      running.close().then(
        () => resolve(0),
        (error: unknown) => {
          running.log.error({ err: error }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

async function admin(run: Command, args: string[]): Promise<number> {
  const { address, rest } = takeAddress(args);
  const target = adminTarget(process.env, address);
  const client = connectAdmin(target, await adminToken(process.env));
  try {
    console.log(JSON.stringify(await run(client, rest), null, 2));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`usage: userlink ${error.message}`);
      return 2;
    }
    if (error instanceof UserlinkError) {
      console.error(describeFailure(error, target.address));
      return 1;
    }
    throw error;
  } finally {
    client.close();
  }
}

/** `CODE REASON: message`, the refused fields, and a hint where the server was not reached. */
function describeFailure(error: UserlinkError, address: string): string {
  const lines = [
    `${error.codeName}${error.reason === undefined ? "" : ` ${error.reason}`}: ${error.details}`,
  ];
  for (const violation of error.fieldViolations) lines.push(`  ${violation.field}: ${violation.description}`);
  if (error.codeName === "UNAVAILABLE" || error.codeName === "DEADLINE_EXCEEDED") {
    lines.push(`  (no answer from ${address}: is the server running there, and TLS set as it serves?)`);
  }
  return lines.join("\n");
}

function takeAddress(args: string[]): { address: string | undefined; rest: string[] } {
  const at = args.indexOf("--address");
  if (at === -1) return { address: undefined, rest: args };
  const address = args[at + 1];
  if (address === undefined) throw new UsageError("--address needs HOST:PORT");
  return { address, rest: [...args.slice(0, at), ...args.slice(at + 2)] };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Bad settings, a port taken, the data folder in use: one line, exit 2, no stack.
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof StartupError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
