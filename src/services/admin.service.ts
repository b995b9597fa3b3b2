import { formatApiKey } from "../domain/api-key-format.js";
import { AppError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import {
  API_KEY_DEFAULT_TTL_MS,
  API_KEY_ROTATION_GRACE,
  AUTH_CODE_TTL,
  MAX_ACTIVE_API_KEYS_PER_APP,
} from "../domain/limits.js";
import type { ApiKey, ApiKeyScope, App, JsonObject } from "../domain/model.js";
import { generateSecret, hashSecret } from "../domain/secrets.js";
import { Violations } from "../domain/validation.js";
import type { AuditEvent, Repositories } from "../ports/store.js";
import { checkAuthCodeTtl, checkDisplayName, checkSdkConfig } from "./admin-input.js";
import { AdminUsers } from "./admin-users.js";
import { adminActor } from "./audit-actors.js";
import { paginate, type Page } from "./paginate.js";
import type { AdminPrincipal } from "./principals.js";
import { announce, type ServiceDeps } from "./service-deps.js";

/** CreateApiKey, complete and checked (transport's parseCreateApiKey). */
export interface CreateApiKeyCommand {
  readonly appId: string;
  readonly name: string;
  /** One to three known scopes, possibly repeated. */
  readonly scopes: readonly ApiKeyScope[];
  /** Null: the default lifetime. */
  readonly expiresAt: Date | null;
}

export interface IssuedApiKey {
  /** `<key id>.<secret>`: returned once, never stored. */
  readonly plaintext: string;
  readonly key: ApiKey;
}

/** Operators' use cases: apps and their keys; users and the trail in `users`. */
export class AdminService {
  /** Any app's users and audit trail: reads, disabling, deleting (admin-users.ts). */
  readonly users: AdminUsers;

  constructor(private readonly deps: ServiceDeps) {
    this.users = new AdminUsers(deps);
  }

  async createApp(
    caller: AdminPrincipal,
    input: {
      displayName: string;
      sdkConfig: JsonObject | null;
      authCodeTtlSeconds: number | null;
    },
  ): Promise<App> {
    const v = new Violations();
    checkDisplayName(v, input.displayName);
    checkSdkConfig(v, input.sdkConfig);
    checkAuthCodeTtl(v, input.authCodeTtlSeconds);
    v.throwIfAny();
    const now = this.deps.clock.now();
    const app: App = {
      id: newId(now),
      displayName: input.displayName,
      sdkConfig: input.sdkConfig ?? {},
      configVersion: 1,
      authCodeTtlSeconds: input.authCodeTtlSeconds ?? AUTH_CODE_TTL.defaultSeconds,
      createdAt: now,
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.apps.insert(app);
      await tx.audit.append([appAudit(caller, app.id, "app.created", now)]);
    });
    return app;
  }

  async getApp(appId: string): Promise<App> {
    new Violations().id("app_id", appId).throwIfAny();
    return this.requireApp(this.deps.store.repos, appId);
  }

  async listApps(request: { pageSize: number; pageToken: string }): Promise<Page<App>> {
    return paginate(request, (page) => this.deps.store.repos.apps.list(page));
  }

  async updateApp(
    caller: AdminPrincipal,
    input: {
      appId: string;
      displayName: string | undefined;
      sdkConfig: JsonObject | undefined;
      authCodeTtlSeconds: number | undefined;
    },
  ): Promise<App> {
    const v = new Violations().id("app_id", input.appId);
    if (input.displayName !== undefined) checkDisplayName(v, input.displayName);
    checkSdkConfig(v, input.sdkConfig);
    checkAuthCodeTtl(v, input.authCodeTtlSeconds);
    v.throwIfAny();
    const now = this.deps.clock.now();
    const app = await this.deps.store.transaction(async (tx) => {
      const updated = await tx.apps.update(input.appId, {
        ...(input.displayName !== undefined && { displayName: input.displayName }),
        ...(input.sdkConfig !== undefined && { sdkConfig: input.sdkConfig }),
        ...(input.authCodeTtlSeconds !== undefined && { authCodeTtlSeconds: input.authCodeTtlSeconds }),
      });
      if (updated === null) throw new AppError("APP_NOT_FOUND", "no such app");
      await tx.audit.append([
        appAudit(caller, updated.id, "app.updated", now, { config_version: updated.configVersion }),
      ]);
      return updated;
    });
    if (input.sdkConfig !== undefined) {
      await announce(this.deps, [
        { kind: "app_config", appId: app.id, configVersion: app.configVersion, changedAt: now },
      ]);
    }
    return app;
  }

  /**
   * Rule 11: the secret is shown once; at most 10 usable keys per app. `parse` is
   * given the time of the call, against which an expiry must lie in the future.
   */
  async createApiKey(
    caller: AdminPrincipal,
    parse: (now: Date) => CreateApiKeyCommand,
  ): Promise<IssuedApiKey> {
    const now = this.deps.clock.now();
    const input = parse(now);
    return this.deps.store.transaction(async (tx) => {
      await this.lockAppWithRoom(tx, input.appId, now);
      return this.insertKey(tx, caller, {
        appId: input.appId,
        name: input.name,
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? new Date(now.getTime() + API_KEY_DEFAULT_TTL_MS),
        now,
      });
    });
  }

  async listApiKeys(request: { appId: string; pageSize: number; pageToken: string }): Promise<Page<ApiKey>> {
    new Violations().id("app_id", request.appId).throwIfAny();
    await this.requireApp(this.deps.store.repos, request.appId);
    return paginate(request, (page) => this.deps.store.repos.apiKeys.listByApp(request.appId, page));
  }

  async revokeApiKey(caller: AdminPrincipal, keyId: string): Promise<ApiKey> {
    new Violations().id("key_id", keyId).throwIfAny();
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      const key = await tx.apiKeys.revoke(keyId, now);
      if (key === null) throw new AppError("API_KEY_NOT_FOUND", "no such API key");
      await tx.audit.append([appAudit(caller, key.appId, "api_key.revoked", now, { key_id: key.id })]);
      return key;
    });
  }

  /**
   * A new key with the same app, name and scopes; the old one works until the grace
   * period ends. The old key stops counting toward the limit at once, so rotation
   * works even for an app at its limit.
   */
  async rotateApiKey(
    caller: AdminPrincipal,
    input: {
      keyId: string;
      graceMs: number | null;
    },
  ): Promise<IssuedApiKey & { rotated: ApiKey }> {
    const v = new Violations().id("key_id", input.keyId);
    const graceMs = input.graceMs ?? API_KEY_ROTATION_GRACE.defaultMs;
    if (graceMs < 0 || graceMs > API_KEY_ROTATION_GRACE.maxMs)
      v.add("grace_period", "must be from 0 to 30 days");
    v.throwIfAny();
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      const old = await tx.apiKeys.findById(input.keyId);
      if (old === null) throw new AppError("API_KEY_NOT_FOUND", "no such API key");
      // The request is well formed; the key's state forbids it (FAILED_PRECONDITION).
      // Already rotated is told first: such a key also expires when its grace ends.
      if (old.replacedByKeyId !== null) {
        throw new AppError(
          "API_KEY_ALREADY_ROTATED",
          "the API key was already rotated; rotate its replacement",
          {
            metadata: { replaced_by_key_id: old.replacedByKeyId },
          },
        );
      }
      if (old.revokedAt !== null || old.expiresAt.getTime() <= now.getTime()) {
        const state = old.revokedAt !== null ? "REVOKED" : "EXPIRED";
        throw new AppError(
          "API_KEY_NOT_ROTATABLE",
          `the API key is ${state.toLowerCase()}; create a new one`,
          {
            metadata: { key_state: state },
          },
        );
      }
      await this.lockAppWithRoom(tx, old.appId, now, 1);
      const lifetimeMs = old.expiresAt.getTime() - old.createdAt.getTime();
      const issued = await this.insertKey(tx, caller, {
        appId: old.appId,
        name: old.name,
        scopes: old.scopes,
        expiresAt: new Date(now.getTime() + lifetimeMs),
        now,
      });
      const rotated = await tx.apiKeys.markRotated(old.id, issued.key.id, new Date(now.getTime() + graceMs));
      await tx.audit.append([
        appAudit(caller, old.appId, "api_key.rotated", now, {
          key_id: old.id,
          replaced_by_key_id: issued.key.id,
        }),
      ]);
      return { ...issued, rotated: rotated! };
    });
  }

  private async requireApp(repos: Repositories, appId: string): Promise<App> {
    const app = await repos.apps.findById(appId);
    if (app === null) throw new AppError("APP_NOT_FOUND", "no such app");
    return app;
  }

  /** Locks the app (so concurrent creations count one at a time) and checks the limit. */
  private async lockAppWithRoom(tx: Repositories, appId: string, now: Date, leaving = 0): Promise<void> {
    if (!(await tx.apiKeys.lockApp(appId))) throw new AppError("APP_NOT_FOUND", "no such app");
    const active = (await tx.apiKeys.countActive(appId, now)) - leaving;
    if (active >= MAX_ACTIVE_API_KEYS_PER_APP) {
      throw new AppError(
        "API_KEY_LIMIT_REACHED",
        `the app has ${MAX_ACTIVE_API_KEYS_PER_APP} active keys; revoke one first`,
      );
    }
  }

  private async insertKey(
    tx: Repositories,
    caller: AdminPrincipal,
    spec: { appId: string; name: string; scopes: readonly ApiKeyScope[]; expiresAt: Date; now: Date },
  ): Promise<IssuedApiKey> {
    const secret = generateSecret();
    const key: ApiKey = {
      id: newId(spec.now),
      appId: spec.appId,
      name: spec.name,
      scopes: spec.scopes,
      secretHash: hashSecret(secret),
      createdAt: spec.now,
      expiresAt: spec.expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      replacedByKeyId: null,
    };
    await tx.apiKeys.insert(key);
    await tx.audit.append([appAudit(caller, spec.appId, "api_key.created", spec.now, { key_id: key.id })]);
    return { plaintext: formatApiKey(key.id, secret), key };
  }
}

function appAudit(
  caller: AdminPrincipal,
  appId: string,
  kind: "app.created" | "app.updated" | "api_key.created" | "api_key.revoked" | "api_key.rotated",
  at: Date,
  details: JsonObject = {},
): AuditEvent {
  const actor = adminActor(caller);
  return {
    appId,
    userId: null,
    deviceId: null,
    kind,
    state: null,
    reason: null,
    details,
    occurredAt: at,
    actor,
  };
}
