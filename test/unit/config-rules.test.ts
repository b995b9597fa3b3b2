import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { failing, problemsOf, TOKEN } from "./config-problems.js";

// The rules that span variables (src/config-rules.ts), through loadConfig.
describe("loadConfig: rules across variables", () => {
  it("TLS needs the certificate and its key together", () => {
    expect(failing({ USERLINK_TLS_CERT_FILE: "/c.pem" })).toEqual(["USERLINK_TLS_KEY_FILE"]);
    expect(failing({ USERLINK_TLS_KEY_FILE: "/k.pem" })).toEqual(["USERLINK_TLS_CERT_FILE"]);
    expect(loadConfig({ USERLINK_TLS_CERT_FILE: "/c.pem", USERLINK_TLS_KEY_FILE: "/k.pem" }).tls).toEqual({
      certFile: "/c.pem",
      keyFile: "/k.pem",
      clientCaFile: null,
    });
  });

  it("a client CA needs TLS", () => {
    expect(failing({ USERLINK_TLS_CLIENT_CA_FILE: "/ca.pem" })).toEqual(["USERLINK_TLS_CLIENT_CA_FILE"]);
  });

  it("a real database needs the admin token the instances share", () => {
    expect(failing({ DATABASE_URL: "postgres://db/u" })).toEqual(["USERLINK_ADMIN_TOKEN"]);
    expect(loadConfig({ DATABASE_URL: "postgres://db/u", USERLINK_ADMIN_TOKEN: TOKEN }).adminToken).toBe(
      TOKEN,
    );
  });

  it("several Redis URLs are the seed nodes of a cluster, and only of one", () => {
    const seeds = "redis://:pw@10.0.0.1:6379, redis://:pw@10.0.0.2:6379";
    expect(failing({ REDIS_URL: seeds })).toEqual(["REDIS_URL"]);
    const config = loadConfig({ REDIS_URL: seeds, USERLINK_REDIS_CLUSTER: "true" });
    expect(config.redisClusterNodes).toEqual(["redis://:pw@10.0.0.1:6379", "redis://:pw@10.0.0.2:6379"]);
    expect(loadConfig({ REDIS_URL: "redis://r" }).redisClusterNodes).toEqual([]);
  });

  it("a cluster needs REDIS_URL", () => {
    expect(failing({ USERLINK_REDIS_CLUSTER: "true" })).toEqual(["USERLINK_REDIS_CLUSTER"]);
  });

  it("a cluster's seeds are URLs with a host, on database 0, with one scheme and one set of credentials", () => {
    const cluster = (url: string, extra: NodeJS.ProcessEnv = {}) =>
      problemsOf({ REDIS_URL: url, USERLINK_REDIS_CLUSTER: "true", ...extra });
    expect(cluster("redis://a:1,redis://b:1/0,redis://c:1/")).toEqual([]);
    expect(cluster("redis://a:1,redis:///x")).toEqual([expect.stringMatching(/^REDIS_URL: seed 2 must be/)]);
    expect(cluster("redis://a:1/1")).toEqual(["REDIS_URL: seed 1: a Redis Cluster has database 0 only"]);
    expect(cluster("redis://a:1,rediss://b:1")).toEqual([expect.stringMatching(/same scheme/)]);
    const secret = "cluster-password-that-must-not-leak";
    const mixed = cluster(`redis://:${secret}@a:1,redis://:other@b:1`);
    expect(mixed).toEqual([expect.stringMatching(/credentials/)]);
    expect(mixed.join("\n")).not.toContain(secret);
  });

  it("a cluster's key prefix has no braces (hash tags decide slots)", () => {
    const env = { REDIS_URL: "redis://a:1", USERLINK_REDIS_CLUSTER: "true" };
    expect(failing({ ...env, USERLINK_REDIS_KEY_PREFIX: "{app}:" })).toEqual(["USERLINK_REDIS_KEY_PREFIX"]);
    expect(loadConfig({ ...env, USERLINK_REDIS_KEY_PREFIX: "app:" }).redisKeyPrefix).toBe("app:");
    // Without a cluster, braces are only characters.
    expect(loadConfig({ REDIS_URL: "redis://a:1", USERLINK_REDIS_KEY_PREFIX: "{app}:" }).redisKeyPrefix).toBe(
      "{app}:",
    );
  });

  it("cross-field rules are reported alongside single-field problems", () => {
    expect(failing({ USERLINK_GRPC_PORT: "-1", DATABASE_URL: "postgres://db/u" }).sort()).toEqual([
      "USERLINK_ADMIN_TOKEN",
      "USERLINK_GRPC_PORT",
    ]);
  });
});
