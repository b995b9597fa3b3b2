import { planDeviceTransition } from "../domain/device-transitions.js";
import { AppError } from "../domain/errors.js";
import type { User } from "../domain/model.js";
import { LIMITS, pageSize, Violations } from "../domain/validation.js";
import type { RecordedAuditEvent } from "../ports/store.js";
import { adminActor } from "./audit-actors.js";
import { deleteUserOfApp, type DeletedUser } from "./delete-user.use-case.js";
import type { UserWithDevices } from "./link.service.js";
import { paginate, type Page } from "./paginate.js";
import type { AdminPrincipal } from "./principals.js";
import { announce, type ServiceDeps } from "./service-deps.js";
import { findSelectedUser, type Parse, type UserSelector } from "./user-selector.js";

/**
 * AdminService's use cases on any app's users and audit trail: what an app's own key
 * does through LinkService, for operators, and disabling users. Every call names its app;
 * an unknown app is APP_NOT_FOUND, and a user of another app is USER_NOT_FOUND,
 * exactly as if it did not exist.
 */
export class AdminUsers {
  constructor(private readonly deps: ServiceDeps) {}

  async listUsers(request: {
    appId: string;
    pageSize: number;
    pageToken: string;
    externalUserIdPrefix: string;
  }): Promise<Page<User>> {
    const prefix = request.externalUserIdPrefix;
    const v = new Violations()
      .id("app_id", request.appId)
      .text("external_user_id_prefix", prefix, LIMITS.externalUserId, { required: false });
    pageSize(v, request.pageSize); // again in paginate; here so every bad field is told at once
    v.throwIfAny();
    await this.requireApp(request.appId);
    return paginate(
      request,
      (page) => this.deps.store.repos.users.list(request.appId, page, { externalIdPrefix: prefix }),
      // The token is bound to the prefix: another prefix's token would skip users.
      prefix === "" ? "" : `external_user_id_prefix=${prefix}`,
    );
  }

  async getUser(appId: string, selector: Parse<UserSelector>): Promise<UserWithDevices> {
    new Violations().id("app_id", appId).throwIfAny();
    const selected = selector();
    await this.requireApp(appId);
    const { repos } = this.deps.store;
    const user = await findSelectedUser(repos, appId, selected, { forUpdate: false });
    return { user, devices: await repos.devices.listByUser(user.id) };
  }

  /** Rule 8, the very erasure LinkService.DeleteUser runs, recorded as the admin's. */
  async deleteUser(
    caller: AdminPrincipal,
    appId: string,
    selector: Parse<UserSelector>,
  ): Promise<DeletedUser> {
    new Violations().id("app_id", appId).throwIfAny();
    const selected = selector();
    await this.requireApp(appId);
    return deleteUserOfApp(this.deps, appId, selected, adminActor(caller));
  }

  /**
   * Newest first. With userId, only that user's events; a user the app does not have
   * (any more) is USER_NOT_FOUND, so a mistyped id is not taken for a quiet user.
   */
  async listAuditEvents(request: {
    appId: string;
    userId: string;
    pageSize: number;
    pageToken: string;
  }): Promise<Page<RecordedAuditEvent>> {
    const v = new Violations().id("app_id", request.appId);
    if (request.userId !== "") v.id("user_id", request.userId);
    pageSize(v, request.pageSize);
    v.throwIfAny();
    await this.requireApp(request.appId);
    const { repos } = this.deps.store;
    const userId = request.userId === "" ? null : request.userId;
    if (userId !== null && (await repos.users.findById(request.appId, userId)) === null) {
      throw new AppError("USER_NOT_FOUND", "no such user in this app");
    }
    return paginate(
      request,
      (page) => repos.audit.list(request.appId, { userId }, page),
      userId === null ? "" : `user_id=${userId}`,
    );
  }

  /** Rule 9: a disabled user's devices are deactivated and new codes refused. */
  async setUserDisabled(
    caller: AdminPrincipal,
    input: {
      appId: string;
      userId: string;
      disabled: boolean;
    },
  ): Promise<UserWithDevices> {
    new Violations().id("app_id", input.appId).id("user_id", input.userId).throwIfAny();
    const now = this.deps.clock.now();
    const { result, events } = await this.deps.store.transaction(async (tx) => {
      const user = await tx.users.findByIdForUpdate(input.appId, input.userId);
      if (user === null) throw new AppError("USER_NOT_FOUND", "no such user in this app");
      const transition = planDeviceTransition({
        user,
        // Only a disable moves devices; an enable leaves them where they are.
        devices: input.disabled && !user.disabled ? await tx.devices.listLiveByUser(user.id) : [],
        intent: { kind: input.disabled ? "disable" : "enable" },
        actor: adminActor(caller),
        at: now,
      });
      await tx.devices.applyTransition(transition);
      const updated = await tx.users.setDisabled(input.appId, user.id, input.disabled);
      if (updated === null) throw new AppError("USER_NOT_FOUND", "no such user in this app");
      return {
        result: { user: updated, devices: await tx.devices.listByUser(user.id) },
        events: transition.events,
      };
    });
    await announce(this.deps, events);
    return result;
  }

  private async requireApp(appId: string): Promise<void> {
    if ((await this.deps.store.repos.apps.findById(appId)) === null) {
      throw new AppError("APP_NOT_FOUND", "no such app");
    }
  }
}
