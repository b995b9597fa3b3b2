import { AppError } from "../domain/errors.js";
import type { Device, User } from "../domain/model.js";
import { generateSecret, hashSecret } from "../domain/secrets.js";
import { LIMITS, Violations } from "../domain/validation.js";
import { AUTH_CODE_TTL } from "../domain/limits.js";
import { requireScope } from "./api-key-authenticator.js";
import { toDeviceEvent, type StateChange } from "./device-events.js";
import { paginate, type Page } from "./paginate.js";
import type { ApiKeyPrincipal } from "./principals.js";
import { announce, type ServiceDeps } from "./service-deps.js";
import { findSelectedUser, validateSelector, type UserSelector } from "./user-selector.js";

export interface IssuedAuthCode {
  readonly code: string;
  readonly expiresAt: Date;
  readonly existingUser: User | null;
}

export interface UserWithDevices {
  readonly user: User;
  readonly devices: readonly Device[];
}

/** The customer backend's use cases, each scoped to the calling key's app. */
export class LinkService {
  constructor(private readonly deps: ServiceDeps) {}

  async requestAuthCode(caller: ApiKeyPrincipal, externalUserId: string): Promise<IssuedAuthCode> {
    requireScope(caller, "USER_LINK");
    new Violations()
      .text("external_user_id", externalUserId, LIMITS.externalUserId, { required: true })
      .throwIfAny();
    const { store, codes, clock } = this.deps;
    // The app came with the key: one round trip to Postgres here, for the user.
    const { app } = caller;
    const user = await store.repos.users.findByExternalId(caller.app.id, externalUserId);
    if (user?.disabled) throw new AppError("USER_DISABLED", "the user is disabled");
    const code = generateSecret();
    const issuedAt = clock.now();
    const expiresAt = new Date(issuedAt.getTime() + app.authCodeTtlSeconds * 1000);
    await codes.save(hashSecret(code), {
      appId: app.id,
      externalUserId,
      userId: user?.id ?? null,
      issuedAt,
      expiresAt,
    });
    return { code, expiresAt, existingUser: user };
  }

  async getUser(caller: ApiKeyPrincipal, selector: UserSelector): Promise<UserWithDevices> {
    requireScope(caller, "USER_READ");
    validateSelector(selector);
    const { repos } = this.deps.store;
    const user = await findSelectedUser(repos, caller.app.id, selector!, { forUpdate: false });
    return { user, devices: await repos.devices.listByUser(user.id) };
  }

  async listUsers(
    caller: ApiKeyPrincipal,
    request: { pageSize: number; pageToken: string },
  ): Promise<Page<User>> {
    requireScope(caller, "USER_READ");
    return paginate(request, (page) => this.deps.store.repos.users.list(caller.app.id, page));
  }

  /**
   * Rule 8. Codes for the external id are revoked before the rows go, so that a
   * redemption racing with the delete either finishes first (and is deleted with the
   * user) or sees the revocation.
   */
  async deleteUser(
    caller: ApiKeyPrincipal,
    selector: UserSelector,
  ): Promise<{ userId: string; devicesRemoved: number }> {
    requireScope(caller, "USER_DELETE");
    validateSelector(selector);
    const { store, codes, clock } = this.deps;
    const target = await findSelectedUser(store.repos, caller.app.id, selector!, { forUpdate: false });
    const now = clock.now();
    await codes.revokeIssuedUpTo(
      caller.app.id,
      target.externalUserId,
      now,
      // Any code issued before now is dead by then, whatever the app's lifetime.
      AUTH_CODE_TTL.maxSeconds * 1000,
    );
    const { devices, changes } = await store.transaction(async (tx) => {
      const user = await findSelectedUser(
        tx,
        caller.app.id,
        { by: "user_id", value: target.id },
        { forUpdate: true },
      );
      const all = await tx.devices.listByUser(user.id);
      const live: StateChange[] = all
        .filter((d) => d.state === "ACTIVE" || d.state === "INACTIVE")
        .map((device) => ({ device, state: "DEACTIVATED", reason: "USER_DELETED", at: now }));
      await tx.users.delete(caller.app.id, user.id);
      // Rule 8: every row that names the user goes, their device ids included. The
      // trail keeps only that a user of this app was deleted, and with how many devices.
      await tx.audit.append([
        {
          appId: caller.app.id,
          userId: null,
          deviceId: null,
          kind: "user.deleted",
          state: null,
          reason: "USER_DELETED",
          details: { devices_removed: all.length, devices_deactivated: live.length },
          occurredAt: now,
        },
      ]);
      return { devices: all, changes: live };
    });
    await announce(this.deps, changes.map(toDeviceEvent));
    return { userId: target.id, devicesRemoved: devices.length };
  }
}
