import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { failing, problemsOf, TOKEN } from "./config-problems.js";

describe("loadConfig", () => {
  it("defaults to the embedded setup with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: null,
      redisUrl: null,
      adminToken: null,
      host: "0.0.0.0",
      grpcPort: 50051,
      grpcWebPort: 8080,
      opsPort: 9090,
      dataDir: ".userlink",
      corsOrigins: [],
      migrateOnStart: true,
      dbPoolMax: 10,
      redisKeyPrefix: "userlink:",
      logLevel: "info",
      tls: null,
      shutdownGraceMs: 10_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reports every problem at once, naming the variables and never echoing a value", () => {
    const secretish = "postgres-password-that-must-not-leak";
    const error = (() => {
      try {
        loadConfig({
          DATABASE_URL: `mysql://root:${secretish}@db/x`,
          REDIS_URL: "memcached://x",
          USERLINK_ADMIN_TOKEN: "short",
          USERLINK_GRPC_PORT: "70000",
          USERLINK_LOG_LEVEL: "loud",
          USERLINK_TLS_CERT_FILE: "/etc/cert.pem",
        });
      } catch (e) {
        return e;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of [
      "DATABASE_URL",
      "REDIS_URL",
      "USERLINK_ADMIN_TOKEN",
      "USERLINK_GRPC_PORT",
      "USERLINK_LOG_LEVEL",
      "USERLINK_TLS_KEY_FILE",
    ]) {
      expect(problems).toContain(name);
    }
    expect((error as ConfigError).message).not.toContain(secretish);
  });

  it("requires a shared admin token once there is a real database", () => {
    expect(() => loadConfig({ DATABASE_URL: "postgres://db/userlink" })).toThrow(/USERLINK_ADMIN_TOKEN/);
  });

  it("reads TLS, CORS origins and the shutdown grace", () => {
    const config = loadConfig({
      USERLINK_TLS_CERT_FILE: "/c.pem",
      USERLINK_TLS_KEY_FILE: "/k.pem",
      USERLINK_TLS_CLIENT_CA_FILE: "/ca.pem",
      USERLINK_CORS_ORIGINS: " https://a.example , https://b.example,",
      USERLINK_SHUTDOWN_GRACE_SECONDS: "2.5",
    });
    expect(config.tls).toEqual({ certFile: "/c.pem", keyFile: "/k.pem", clientCaFile: "/ca.pem" });
    expect(config.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(config.shutdownGraceMs).toBe(2_500);
  });

  it("serves the console unless USERLINK_CONSOLE=false, and refuses any other value", () => {
    expect(loadConfig({}).console).toBe(true);
    expect(loadConfig({ USERLINK_CONSOLE: "true" }).console).toBe(true);
    expect(loadConfig({ USERLINK_CONSOLE: "false" }).console).toBe(false);
    expect(() => loadConfig({ USERLINK_CONSOLE: "off" })).toThrow(/USERLINK_CONSOLE/);
  });

  it("refuses an empty port, naming the variable, instead of listening on a random one", () => {
    for (const name of ["USERLINK_GRPC_PORT", "USERLINK_GRPCWEB_PORT", "USERLINK_OPS_PORT"]) {
      for (const value of ["", "  "]) {
        expect(() => loadConfig({ [name]: value }), `${name}=${JSON.stringify(value)}`).toThrow(
          new RegExp(`${name}: is empty: give a port \\(0-65535\\), or leave it unset for \\d+`),
        );
      }
    }
    expect(() => loadConfig({ USERLINK_GRPC_PORT: "grpc" })).toThrow(/USERLINK_GRPC_PORT/);
    expect(loadConfig({ USERLINK_GRPC_PORT: " 50052 ", USERLINK_OPS_PORT: "0" })).toMatchObject({
      grpcPort: 50052,
      opsPort: 0,
      grpcWebPort: 8080,
    });
  });
});

describe("loadConfig: every variable's bounds", () => {
  it.each(["USERLINK_GRPC_PORT", "USERLINK_GRPCWEB_PORT", "USERLINK_OPS_PORT"])(
    "%s is a port, 0 to 65535",
    (name) => {
      for (const ok of ["0", "1", "65535"]) expect(failing({ [name]: ok }), ok).toEqual([]);
      for (const bad of ["-1", "65536", "80.5", "http", "1e9"])
        expect(failing({ [name]: bad }), bad).toEqual([name]);
      expect(loadConfig({ [name]: "4242" })).toMatchObject({
        grpcPort: name === "USERLINK_GRPC_PORT" ? 4242 : 50051,
        grpcWebPort: name === "USERLINK_GRPCWEB_PORT" ? 4242 : 8080,
        opsPort: name === "USERLINK_OPS_PORT" ? 4242 : 9090,
      });
    },
  );

  it("DATABASE_URL is a postgres:// or postgresql:// URL; blank is unset", () => {
    const withToken = (url: string) => ({ DATABASE_URL: url, USERLINK_ADMIN_TOKEN: TOKEN });
    expect(loadConfig(withToken(" postgres://db/u ")).databaseUrl).toBe("postgres://db/u");
    expect(loadConfig(withToken("postgresql://db/u")).databaseUrl).toBe("postgresql://db/u");
    expect(loadConfig({ DATABASE_URL: "  " }).databaseUrl).toBeNull();
    expect(failing(withToken("mysql://db/u"))).toEqual(["DATABASE_URL"]);
    expect(failing(withToken("db/u"))).toEqual(["DATABASE_URL"]);
  });

  it("REDIS_URL is a redis:// or rediss:// URL; blank is unset", () => {
    expect(loadConfig({ REDIS_URL: "redis://r:6379" }).redisUrl).toBe("redis://r:6379");
    expect(loadConfig({ REDIS_URL: "rediss://r:6380" }).redisUrl).toBe("rediss://r:6380");
    expect(loadConfig({ REDIS_URL: "" }).redisUrl).toBeNull();
    expect(failing({ REDIS_URL: "http://r" })).toEqual(["REDIS_URL"]);
  });

  it("USERLINK_ADMIN_TOKEN has at least 32 characters", () => {
    expect(loadConfig({ USERLINK_ADMIN_TOKEN: TOKEN }).adminToken).toBe(TOKEN);
    expect(failing({ USERLINK_ADMIN_TOKEN: TOKEN.slice(1) })).toEqual(["USERLINK_ADMIN_TOKEN"]);
    expect(problemsOf({ USERLINK_ADMIN_TOKEN: "short-secret" }).join("\n")).not.toContain("short-secret");
  });

  it("USERLINK_HOST and USERLINK_DATA_DIR may not be empty", () => {
    expect(loadConfig({ USERLINK_HOST: "::", USERLINK_DATA_DIR: "/var/lib/userlink" })).toMatchObject({
      host: "::",
      dataDir: "/var/lib/userlink",
    });
    expect(failing({ USERLINK_HOST: "", USERLINK_DATA_DIR: "" })).toEqual([
      "USERLINK_HOST",
      "USERLINK_DATA_DIR",
    ]);
  });

  it.each([
    ["USERLINK_MIGRATE_ON_START", "migrateOnStart", true],
    ["USERLINK_REDIS_CLUSTER", "redisCluster", false],
  ] as const)("%s is exactly true or false (default %s)", (name, key, fallback) => {
    expect(loadConfig({})[key]).toBe(fallback);
    expect(loadConfig({ [name]: "false", REDIS_URL: "redis://r" })[key]).toBe(false);
    expect(loadConfig({ [name]: "true", REDIS_URL: "redis://r" })[key]).toBe(true);
    for (const bad of ["yes", "1", "TRUE", ""])
      expect(failing({ [name]: bad, REDIS_URL: "redis://r" }), bad).toEqual([name]);
  });

  it("USERLINK_DB_POOL_MAX is a whole number from 1 to 1000", () => {
    expect(loadConfig({ USERLINK_DB_POOL_MAX: "1" }).dbPoolMax).toBe(1);
    expect(loadConfig({ USERLINK_DB_POOL_MAX: "1000" }).dbPoolMax).toBe(1000);
    for (const bad of ["0", "1001", "2.5", "many"]) {
      expect(failing({ USERLINK_DB_POOL_MAX: bad }), bad).toEqual(["USERLINK_DB_POOL_MAX"]);
    }
  });

  it("USERLINK_LOG_LEVEL is a pino level or silent", () => {
    for (const level of ["fatal", "error", "warn", "info", "debug", "trace", "silent"]) {
      expect(loadConfig({ USERLINK_LOG_LEVEL: level }).logLevel).toBe(level);
    }
    expect(failing({ USERLINK_LOG_LEVEL: "INFO" })).toEqual(["USERLINK_LOG_LEVEL"]);
  });

  it("USERLINK_SHUTDOWN_GRACE_SECONDS is 0 to 3600 seconds", () => {
    expect(loadConfig({ USERLINK_SHUTDOWN_GRACE_SECONDS: "0" }).shutdownGraceMs).toBe(0);
    expect(loadConfig({ USERLINK_SHUTDOWN_GRACE_SECONDS: "3600" }).shutdownGraceMs).toBe(3_600_000);
    for (const bad of ["-1", "3601", "soon"]) {
      expect(failing({ USERLINK_SHUTDOWN_GRACE_SECONDS: bad }), bad).toEqual([
        "USERLINK_SHUTDOWN_GRACE_SECONDS",
      ]);
    }
  });

  it("the rate limits default as documented and take 0 to turn a limit off", () => {
    expect(loadConfig({}).rateLimits).toEqual({
      apiKeyCalls: { max: 1000, windowMs: 10_000 },
      createUserFailures: { max: 30, windowMs: 60_000 },
    });
    const off = loadConfig({ USERLINK_RATE_KEY_MAX: "0", USERLINK_RATE_CREATE_USER_FAILURES_MAX: "0" });
    expect(off.rateLimits.apiKeyCalls.max).toBe(0);
    expect(off.rateLimits.createUserFailures.max).toBe(0);
    expect(Object.isFrozen(off.rateLimits.apiKeyCalls)).toBe(true);
  });

  it.each(["USERLINK_RATE_KEY_MAX", "USERLINK_RATE_CREATE_USER_FAILURES_MAX"])(
    "%s is a whole number from 0 to 1,000,000",
    (name) => {
      expect(failing({ [name]: "1000000" })).toEqual([]);
      for (const bad of ["-1", "1000001", "1.5", "lots"])
        expect(failing({ [name]: bad }), bad).toEqual([name]);
    },
  );

  it.each([
    ["USERLINK_RATE_KEY_WINDOW_SECONDS", "apiKeyCalls"],
    ["USERLINK_RATE_CREATE_USER_WINDOW_SECONDS", "createUserFailures"],
  ] as const)("%s is 1 to 86,400 whole seconds", (name, limit) => {
    expect(loadConfig({ [name]: "1" }).rateLimits[limit].windowMs).toBe(1_000);
    expect(loadConfig({ [name]: "86400" }).rateLimits[limit].windowMs).toBe(86_400_000);
    for (const bad of ["0", "86401", "0.5"]) expect(failing({ [name]: bad }), bad).toEqual([name]);
  });

  it("USERLINK_TRUSTED_PROXIES is a list of addresses and ranges, loopback by default", () => {
    expect(loadConfig({}).trustedProxies).toEqual(["127.0.0.1", "::1"]);
    expect(loadConfig({ USERLINK_TRUSTED_PROXIES: "" }).trustedProxies).toEqual([]);
    expect(
      loadConfig({ USERLINK_TRUSTED_PROXIES: " 10.0.0.0/8 , fd00::/8,,192.0.2.7, loopback" }).trustedProxies,
    ).toEqual(["10.0.0.0/8", "fd00::/8", "192.0.2.7", "loopback"]);
    const problems = problemsOf({ USERLINK_TRUSTED_PROXIES: "10.0.0.0/8, proxy.internal, 10.0.0.0/33" });
    expect(problems).toEqual([
      expect.stringMatching(/^USERLINK_TRUSTED_PROXIES: entry 2 is not an IP address/),
      expect.stringMatching(/^USERLINK_TRUSTED_PROXIES: entry 3 is not an IP address/),
    ]);
    expect(problems.join("\n")).not.toContain("proxy.internal");
  });
});

describe("loadConfig: blank numbers", () => {
  // A blank number would coerce to 0: a limit turned off, a pool of nothing, no grace.
  it.each([
    "USERLINK_DB_POOL_MAX",
    "USERLINK_SHUTDOWN_GRACE_SECONDS",
    "USERLINK_RATE_KEY_MAX",
    "USERLINK_RATE_KEY_WINDOW_SECONDS",
    "USERLINK_RATE_CREATE_USER_FAILURES_MAX",
    "USERLINK_RATE_CREATE_USER_WINDOW_SECONDS",
    "USERLINK_REFRESH_RETRY_WINDOW_SECONDS",
    "USERLINK_AUDIT_RETENTION_DAYS",
    "USERLINK_DEPARTED_DEVICE_RETENTION_DAYS",
    "USERLINK_API_KEY_RETENTION_DAYS",
    "USERLINK_JANITOR_INTERVAL_SECONDS",
  ])("%s may be unset but not empty", (name) => {
    expect(() => loadConfig({})).not.toThrow();
    for (const blank of ["", "   "]) {
      expect(() => loadConfig({ [name]: blank })).toThrow(new RegExp(`${name}: is empty: give a number`));
    }
  });

  it("still reads numbers with spaces around them", () => {
    const config = loadConfig({ USERLINK_DB_POOL_MAX: " 4 ", USERLINK_SHUTDOWN_GRACE_SECONDS: "2.5" });
    expect(config.dbPoolMax).toBe(4);
    expect(config.shutdownGraceMs).toBe(2_500);
  });
});
