import { z } from "zod";

/**
 * Configuration comes from the environment only, is validated once at start with
 * every problem reported together, and is frozen after.
 */
export interface Config {
  /** Absent: the embedded PGlite database in `dataDir`. */
  readonly databaseUrl: string | null;
  /** Absent: the in-process code store and event bus (one instance only). */
  readonly redisUrl: string | null;
  /** Absent on the embedded default: generated once and kept in `dataDir`. */
  readonly adminToken: string | null;
  readonly host: string;
  readonly grpcPort: number;
  readonly grpcWebPort: number;
  readonly opsPort: number;
  readonly dataDir: string;
  readonly corsOrigins: readonly string[];
  readonly migrateOnStart: boolean;
  readonly dbPoolMax: number;
  readonly redisKeyPrefix: string;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? null : v.trim()));

const schema = z
  .object({
    DATABASE_URL: optionalText.refine((v) => v === null || /^postgres(ql)?:\/\//.test(v), {
      message: "must be a postgres:// or postgresql:// URL",
    }),
    REDIS_URL: optionalText.refine((v) => v === null || /^rediss?:\/\//.test(v), {
      message: "must be a redis:// or rediss:// URL",
    }),
    USERLINK_ADMIN_TOKEN: optionalText.refine((v) => v === null || v.length >= 32, {
      message: "must be at least 32 characters",
    }),
    USERLINK_HOST: z.string().min(1).default("0.0.0.0"),
    USERLINK_GRPC_PORT: port(50051),
    USERLINK_GRPCWEB_PORT: port(8080),
    USERLINK_OPS_PORT: port(9090),
    USERLINK_DATA_DIR: z.string().min(1).default(".userlink"),
    USERLINK_CORS_ORIGINS: z.string().default(""),
    USERLINK_MIGRATE_ON_START: z.enum(["true", "false"]).default("true"),
    USERLINK_DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
    USERLINK_REDIS_KEY_PREFIX: z.string().default("userlink:"),
    USERLINK_LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
  })
  .superRefine((env, ctx) => {
    // Several instances must share one admin token: it cannot be made up by each.
    if (env.DATABASE_URL !== null && env.USERLINK_ADMIN_TOKEN === null) {
      ctx.addIssue({
        code: "custom",
        path: ["USERLINK_ADMIN_TOKEN"],
        message: "is required when DATABASE_URL is set",
      });
    }
  });

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // Names and rules only: a value may be a secret.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    adminToken: e.USERLINK_ADMIN_TOKEN,
    host: e.USERLINK_HOST,
    grpcPort: e.USERLINK_GRPC_PORT,
    grpcWebPort: e.USERLINK_GRPCWEB_PORT,
    opsPort: e.USERLINK_OPS_PORT,
    dataDir: e.USERLINK_DATA_DIR,
    corsOrigins: Object.freeze(
      e.USERLINK_CORS_ORIGINS.split(",")
        .map((o) => o.trim())
        .filter((o) => o !== ""),
    ),
    migrateOnStart: e.USERLINK_MIGRATE_ON_START === "true",
    dbPoolMax: e.USERLINK_DB_POOL_MAX,
    redisKeyPrefix: e.USERLINK_REDIS_KEY_PREFIX,
    logLevel: e.USERLINK_LOG_LEVEL,
  });
}
