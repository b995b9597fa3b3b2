import { ClientError, Status } from "nice-grpc";
import { pino } from "pino";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { adminTokenPath, readAdminToken } from "../embedded-admin-token.js";
import { migrateDatabase, startUserlink } from "../main.js";
import { StartupError } from "../startup-error.js";
import { connectAdmin } from "./admin-client.js";
import { ADMIN_COMMANDS, UsageError } from "./admin-commands.js";

const USAGE = `usage: userlink <command>

  serve                      start the service (embedded default when DATABASE_URL
                             and REDIS_URL are unset)
  migrate                    apply pending database migrations and exit
  apps create <name> [--sdk-config JSON] [--auth-code-ttl SECONDS]
  apps list
  keys create <app id> [--name NAME] [--scopes USER_LINK,USER_READ,USER_DELETE] [--expires-at ISO]
  keys list <app id>
  keys revoke <key id>
  keys rotate <key id> [--grace SECONDS]

The admin commands call a running server: --address HOST:PORT (or USERLINK_ADDRESS;
default 127.0.0.1:USERLINK_GRPC_PORT) with USERLINK_ADMIN_TOKEN, or the embedded
server's token from USERLINK_DATA_DIR.`;

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
  const name = `${command} ${rest[0] ?? ""}`;
  const run = ADMIN_COMMANDS[name];
  if (run === undefined) {
    console.error(`unknown command "${argv.join(" ")}"\n\n${USAGE}`);
    return 2;
  }
  return admin(run, rest.slice(1));
}

async function serve(config: Config): Promise<number> {
  const running = await startUserlink(config);
  const local = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const lines = [
    `userlink is serving gRPC on ${running.grpcAddress}`,
    `  gRPC-Web:    ${config.tls === null ? "http" : "https"}://${local}:${running.grpcWebPort} (HTTP/1.1 and h2c; browsers need USERLINK_CORS_ORIGINS)`,
    `  health:      grpcurl -plaintext ${local}:${running.grpcPort} grpc.health.v1.Health/Check`,
    `  ops:         http://${local}:${running.opsPort}/metrics, /healthz, /readyz`,
  ];
  if (running.embedded) {
    lines.push(
      `  storage:     embedded (PGlite in ${config.dataDir}/pgdata, codes in memory); one instance only`,
      `  admin token: ${running.adminToken}`,
      `               (kept in ${adminTokenPath(config.dataDir)}; the CLI reads it from there)`,
      `  next:        npm run userlink -- apps create "My app"`,
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

async function admin(run: (typeof ADMIN_COMMANDS)[string], args: string[]): Promise<number> {
  const { address, rest } = takeAddress(args);
  const token =
    process.env.USERLINK_ADMIN_TOKEN ?? (await readAdminToken(process.env.USERLINK_DATA_DIR ?? ".userlink"));
  if (token === null || token === "") {
    console.error(
      "no admin token: set USERLINK_ADMIN_TOKEN (or run next to an embedded server's data folder)",
    );
    return 2;
  }
  const { client, close } = connectAdmin(address, token);
  try {
    console.log(JSON.stringify(await run(client, rest), null, 2));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`usage: userlink ${error.message}`);
      return 2;
    }
    if (error instanceof ClientError) {
      console.error(`${Status[error.code]}: ${error.details}`);
      return 1;
    }
    if (error instanceof Error && error.name === "AbortError") {
      console.error(`no answer from ${address} within the deadline`);
      return 1;
    }
    throw error;
  } finally {
    close();
  }
}

function takeAddress(args: string[]): { address: string; rest: string[] } {
  const fallback = process.env.USERLINK_ADDRESS ?? `127.0.0.1:${process.env.USERLINK_GRPC_PORT ?? "50051"}`;
  const at = args.indexOf("--address");
  if (at === -1) return { address: fallback, rest: args };
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
