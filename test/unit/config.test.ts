import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

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
});
