import { z } from "zod";
import { checkCrossFieldRules, splitRedisUrls } from "./config-rules.js";
import { trustedProxyEntryProblem } from "./domain/ip-address.js";

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
  /**
   * During a rotation of the admin token: the one being replaced, accepted alongside
   * `adminToken` until it is removed from the configuration. One token, not a list: a
   * rotation replaces one token, and a list would need a separator no token may hold.
   */
  readonly adminTokenPrevious: string | null;
  readonly host: string;
  readonly grpcPort: number;
  readonly grpcWebPort: number;
  readonly opsPort: number;
  readonly dataDir: string;
  readonly corsOrigins: readonly string[];
  readonly migrateOnStart: boolean;
  readonly dbPoolMax: number;
  readonly redisKeyPrefix: string;
  /**
   * True: REDIS_URL names seed nodes of a Redis Cluster, listed in `redisClusterNodes`
   * (and `redisUrl` is REDIS_URL as given, possibly several URLs).
   */
  readonly redisCluster: boolean;
  /** With `redisCluster`: the seed-node URLs; otherwise empty. */
  readonly redisClusterNodes: readonly string[];
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Null: plaintext (behind a TLS-terminating proxy, or local use). */
  readonly tls: TlsConfig | null;
  /** How long shutdown lets calls in flight finish before cutting them. */
  readonly shutdownGraceMs: number;
  /** Rule 14; a `max` of 0 turns that limit off. */
  readonly rateLimits: {
    /** LinkService calls per API key. */
    readonly apiKeyCalls: RateLimitConfig;
    /** Failed CreateUser attempts per client address. */
    readonly createUserFailures: RateLimitConfig;
  };
  /** Addresses and CIDR ranges whose `x-forwarded-for` is believed. */
  readonly trustedProxies: readonly string[];
  /** USERLINK_CONSOLE: serve the console at /console/ on the gRPC-Web port. */
  readonly console: boolean;
  /** How long a lost RefreshCredentials answer may be retried with its request_id; 0: never. */
  readonly refreshRetryWindowMs: number;
  /** What the janitor removes and how often it runs (README "Retention"). */
  readonly retention: RetentionConfig;
}

export interface RetentionConfig {
  /** Audit events older than this are removed. */
  readonly auditEventsMs: number;
  /** DEACTIVATED and RESET devices (with their credentials) this long after they left. */
  readonly departedDevicesMs: number;
  /** Revoked or expired API keys this long after they stopped working. */
  readonly apiKeysMs: number;
  /** Time between janitor passes; 0 turns the schedule off (`userlink janitor` still runs one). */
  readonly janitorIntervalMs: number;
}

export interface RateLimitConfig {
  readonly max: number;
  readonly windowMs: number;
}

export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** Set: clients may present a certificate from this CA, and AdminService requires one. */
  readonly clientCaFile: string | null;
}

// An empty string would coerce to 0 (for a port: any free port, so a service meant for
// 50051 comes up somewhere nobody looks; for a limit: off). Empty is a mistake, unset is
// the default, for every number alike.
const numberSetting = (spec: { min: number; max: number; fallback: number; whole?: boolean }) => {
  const number = z.coerce.number<string>();
  const base = (spec.whole === false ? number : number.int()).min(spec.min).max(spec.max);
  return z
    .string()
    .trim()
    .min(1, {
      message: `is empty: give a number (${spec.min}-${spec.max}), or leave it unset for ${spec.fallback}`,
    })
    .pipe(base)
    .default(spec.fallback);
};
const port = (fallback: number) =>
  z
    .string()
    .trim()
    .min(1, { message: `is empty: give a port (0-65535), or leave it unset for ${fallback}` })
    .pipe(z.coerce.number<string>().int().min(0).max(65535))
    .default(fallback);
const rateMax = (fallback: number) => numberSetting({ min: 0, max: 1_000_000, fallback });
const rateWindowSeconds = (fallback: number) => numberSetting({ min: 1, max: 86_400, fallback });
const retentionDays = (fallback: number) => numberSetting({ min: 1, max: 36_500, fallback });
const DAY_MS = 86_400_000;
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
    USERLINK_ADMIN_TOKEN_PREVIOUS: optionalText.refine((v) => v === null || v.length >= 32, {
      message: "must be at least 32 characters",
    }),
    USERLINK_HOST: z.string().min(1).default("0.0.0.0"),
    USERLINK_GRPC_PORT: port(50051),
    USERLINK_GRPCWEB_PORT: port(8080),
    USERLINK_OPS_PORT: port(9090),
    USERLINK_DATA_DIR: z.string().min(1).default(".userlink"),
    USERLINK_CORS_ORIGINS: z.string().default(""),
    USERLINK_CONSOLE: z.enum(["true", "false"]).default("true"),
    USERLINK_MIGRATE_ON_START: z.enum(["true", "false"]).default("true"),
    USERLINK_DB_POOL_MAX: numberSetting({ min: 1, max: 1000, fallback: 10 }),
    USERLINK_REDIS_KEY_PREFIX: z.string().default("userlink:"),
    USERLINK_REDIS_CLUSTER: z.enum(["true", "false"]).default("false"),
    USERLINK_TLS_CERT_FILE: optionalText,
    USERLINK_TLS_KEY_FILE: optionalText,
    USERLINK_TLS_CLIENT_CA_FILE: optionalText,
    USERLINK_SHUTDOWN_GRACE_SECONDS: numberSetting({ min: 0, max: 3600, fallback: 10, whole: false }),
    USERLINK_RATE_KEY_MAX: rateMax(1000),
    USERLINK_RATE_KEY_WINDOW_SECONDS: rateWindowSeconds(10),
    USERLINK_RATE_CREATE_USER_FAILURES_MAX: rateMax(30),
    USERLINK_RATE_CREATE_USER_WINDOW_SECONDS: rateWindowSeconds(60),
    // The built-in gRPC-Web translator reaches the gRPC server over loopback.
    USERLINK_TRUSTED_PROXIES: z
      .string()
      .default("127.0.0.1,::1")
      .transform((text, ctx) => {
        const entries = text
          .split(",")
          .map((entry) => entry.trim())
          .filter((entry) => entry !== "");
        entries.forEach((entry, i) => {
          const problem = trustedProxyEntryProblem(entry);
          if (problem !== null) ctx.addIssue({ code: "custom", message: `entry ${i + 1} ${problem}` });
        });
        return entries;
      }),
    USERLINK_REFRESH_RETRY_WINDOW_SECONDS: numberSetting({ min: 0, max: 600, fallback: 60 }),
    USERLINK_AUDIT_RETENTION_DAYS: retentionDays(90),
    USERLINK_DEPARTED_DEVICE_RETENTION_DAYS: retentionDays(30),
    USERLINK_API_KEY_RETENTION_DAYS: retentionDays(30),
    USERLINK_JANITOR_INTERVAL_SECONDS: numberSetting({ min: 0, max: 86_400, fallback: 3600 }),
    USERLINK_LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
  })
  // Run even when single fields failed, so every problem is reported in one go.
  .superRefine((env, ctx) => checkCrossFieldRules(env, ctx), { when: () => true });

/**
 * Every environment variable the service reads: the deployment files (compose, the
 * Kubernetes manifests, the image) are checked against this list, so a misspelt or
 * retired name there fails a test instead of being silently ignored.
 */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

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
    adminTokenPrevious: e.USERLINK_ADMIN_TOKEN_PREVIOUS,
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
    redisCluster: e.USERLINK_REDIS_CLUSTER === "true",
    redisClusterNodes: Object.freeze(
      e.USERLINK_REDIS_CLUSTER === "true" && e.REDIS_URL !== null ? splitRedisUrls(e.REDIS_URL) : [],
    ),
    logLevel: e.USERLINK_LOG_LEVEL,
    tls:
      e.USERLINK_TLS_CERT_FILE !== null && e.USERLINK_TLS_KEY_FILE !== null
        ? Object.freeze({
            certFile: e.USERLINK_TLS_CERT_FILE,
            keyFile: e.USERLINK_TLS_KEY_FILE,
            clientCaFile: e.USERLINK_TLS_CLIENT_CA_FILE,
          })
        : null,
    shutdownGraceMs: e.USERLINK_SHUTDOWN_GRACE_SECONDS * 1000,
    rateLimits: Object.freeze({
      apiKeyCalls: Object.freeze({
        max: e.USERLINK_RATE_KEY_MAX,
        windowMs: e.USERLINK_RATE_KEY_WINDOW_SECONDS * 1000,
      }),
      createUserFailures: Object.freeze({
        max: e.USERLINK_RATE_CREATE_USER_FAILURES_MAX,
        windowMs: e.USERLINK_RATE_CREATE_USER_WINDOW_SECONDS * 1000,
      }),
    }),
    trustedProxies: Object.freeze(e.USERLINK_TRUSTED_PROXIES),
    refreshRetryWindowMs: e.USERLINK_REFRESH_RETRY_WINDOW_SECONDS * 1000,
    retention: Object.freeze({
      auditEventsMs: e.USERLINK_AUDIT_RETENTION_DAYS * DAY_MS,
      departedDevicesMs: e.USERLINK_DEPARTED_DEVICE_RETENTION_DAYS * DAY_MS,
      apiKeysMs: e.USERLINK_API_KEY_RETENTION_DAYS * DAY_MS,
      janitorIntervalMs: e.USERLINK_JANITOR_INTERVAL_SECONDS * 1000,
    }),
    console: e.USERLINK_CONSOLE === "true",
  });
}
