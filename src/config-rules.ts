import type { z } from "zod";

/**
 * The configuration rules that span variables (config.ts checks each variable alone):
 * TLS files that go together, the admin token a shared database needs, an admin-token
 * rotation, and a Redis Cluster's seed nodes. Messages name variables and positions
 * only, never values: a value may be a secret.
 */

/** The parsed variables the rules read. */
export interface RuleEnv {
  readonly DATABASE_URL: string | null;
  readonly REDIS_URL: string | null;
  readonly USERLINK_ADMIN_TOKEN: string | null;
  readonly USERLINK_ADMIN_TOKEN_PREVIOUS: string | null;
  readonly USERLINK_REDIS_CLUSTER: "true" | "false";
  readonly USERLINK_REDIS_KEY_PREFIX: string;
  readonly USERLINK_TLS_CERT_FILE: string | null;
  readonly USERLINK_TLS_KEY_FILE: string | null;
  readonly USERLINK_TLS_CLIENT_CA_FILE: string | null;
}

/** Adds an issue to `ctx` for every cross-variable rule `env` breaks. */
export function checkCrossFieldRules(env: RuleEnv, ctx: z.RefinementCtx): void {
  checkRedisCluster(env, ctx);
  // A certificate without its key (or the reverse) is a half-done TLS setup.
  if ((env.USERLINK_TLS_CERT_FILE === null) !== (env.USERLINK_TLS_KEY_FILE === null)) {
    ctx.addIssue({
      code: "custom",
      path: [env.USERLINK_TLS_CERT_FILE === null ? "USERLINK_TLS_CERT_FILE" : "USERLINK_TLS_KEY_FILE"],
      message: "USERLINK_TLS_CERT_FILE and USERLINK_TLS_KEY_FILE go together",
    });
  }
  if (env.USERLINK_TLS_CLIENT_CA_FILE !== null && env.USERLINK_TLS_CERT_FILE === null) {
    ctx.addIssue({
      code: "custom",
      path: ["USERLINK_TLS_CLIENT_CA_FILE"],
      message: "needs USERLINK_TLS_CERT_FILE and USERLINK_TLS_KEY_FILE (client certificates need TLS)",
    });
  }
  // Several instances must share one admin token: it cannot be made up by each.
  if (env.DATABASE_URL !== null && env.USERLINK_ADMIN_TOKEN === null) {
    ctx.addIssue({
      code: "custom",
      path: ["USERLINK_ADMIN_TOKEN"],
      message: "is required when DATABASE_URL is set",
    });
  }
  checkAdminTokenPrevious(env, ctx);
}

/** A previous admin token only makes sense beside a configured, different current one. */
function checkAdminTokenPrevious(env: RuleEnv, ctx: z.RefinementCtx): void {
  const previous = env.USERLINK_ADMIN_TOKEN_PREVIOUS;
  if (previous === null) return;
  // Messages name the variables only: the values are secrets.
  if (env.USERLINK_ADMIN_TOKEN === null) {
    ctx.addIssue({
      code: "custom",
      path: ["USERLINK_ADMIN_TOKEN_PREVIOUS"],
      message: "needs USERLINK_ADMIN_TOKEN (the new token of the rotation)",
    });
  } else if (env.USERLINK_ADMIN_TOKEN === previous) {
    ctx.addIssue({
      code: "custom",
      path: ["USERLINK_ADMIN_TOKEN_PREVIOUS"],
      message: "must differ from USERLINK_ADMIN_TOKEN",
    });
  }
}

/** REDIS_URL as comma-separated URLs (one, unless it names a cluster's seed nodes). */
export function splitRedisUrls(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function checkRedisCluster(env: RuleEnv, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (env.USERLINK_REDIS_CLUSTER === "false") {
    if (env.REDIS_URL !== null && splitRedisUrls(env.REDIS_URL).length > 1) {
      issue("REDIS_URL", "several URLs (cluster seed nodes) need USERLINK_REDIS_CLUSTER=true");
    }
    return;
  }
  if (env.REDIS_URL === null) {
    issue("USERLINK_REDIS_CLUSTER", "needs REDIS_URL (one or more seed nodes of the cluster)");
    return;
  }
  // Messages name the position only: a URL may carry a password.
  const urls: URL[] = [];
  splitRedisUrls(env.REDIS_URL).forEach((text, i) => {
    const url = URL.canParse(text) ? new URL(text) : null;
    if (url === null || !/^rediss?:$/.test(url.protocol) || url.hostname === "") {
      issue("REDIS_URL", `seed ${i + 1} must be a redis:// or rediss:// URL with a host`);
    } else if (!["", "/", "/0"].includes(url.pathname)) {
      issue("REDIS_URL", `seed ${i + 1}: a Redis Cluster has database 0 only`);
    } else {
      urls.push(url);
    }
  });
  const first = urls[0];
  const differs = (u: URL) =>
    first !== undefined &&
    (u.protocol !== first.protocol || u.username !== first.username || u.password !== first.password);
  if (urls.some(differs)) {
    issue("REDIS_URL", "every seed node needs the same scheme (TLS or not) and credentials");
  }
  // Keys carry their own hash tags; a brace in the prefix would take over their slots.
  if (/[{}]/.test(env.USERLINK_REDIS_KEY_PREFIX)) {
    issue("USERLINK_REDIS_KEY_PREFIX", "must not contain { or } on a Redis Cluster (hash tags decide slots)");
  }
}
