import { AUTH_CODE_TTL } from "../domain/limits.js";
import type { AuditActor } from "../ports/store.js";
import { toDeviceEvent, type StateChange } from "./device-events.js";
import { announce, type ServiceDeps } from "./service-deps.js";
import { findSelectedUser, validateSelector, type UserSelector } from "./user-selector.js";

export interface DeletedUser {
  readonly userId: string;
  readonly devicesRemoved: number;
}

/**
 * Rule 8, one implementation for LinkService.DeleteUser (an API key of the app) and
 * AdminService.DeleteUser (an operator): the callers check who may, this erases.
 * Codes for the external id are revoked before the rows go, so that a redemption
 * racing with the delete either finishes first (and is deleted with the user) or sees
 * the revocation.
 */
export async function deleteUserOfApp(
  deps: ServiceDeps,
  appId: string,
  selector: UserSelector,
  actor: AuditActor,
): Promise<DeletedUser> {
  validateSelector(selector);
  const { store, codes, clock } = deps;
  const target = await findSelectedUser(store.repos, appId, selector!, { forUpdate: false });
  const now = clock.now();
  await codes.revokeIssuedUpTo(
    appId,
    target.externalUserId,
    now,
    // Any code issued before now is dead by then, whatever the app's lifetime.
    AUTH_CODE_TTL.maxSeconds * 1000,
  );
  const { devices, changes } = await store.transaction(async (tx) => {
    const user = await findSelectedUser(tx, appId, { by: "user_id", value: target.id }, { forUpdate: true });
    const all = await tx.devices.listByUser(user.id);
    const live: StateChange[] = all
      .filter((d) => d.state === "ACTIVE" || d.state === "INACTIVE")
      .map((device) => ({ device, state: "DEACTIVATED", reason: "USER_DELETED", at: now }));
    await tx.users.delete(appId, user.id);
    // Rule 8: every row that names the user goes, their device ids included. The
    // trail keeps only that a user of this app was deleted, with how many devices,
    // and by whom.
    await tx.audit.append([
      {
        appId,
        userId: null,
        deviceId: null,
        kind: "user.deleted",
        state: null,
        reason: "USER_DELETED",
        details: { devices_removed: all.length, devices_deactivated: live.length },
        occurredAt: now,
        actor,
      },
    ]);
    return { devices: all, changes: live };
  });
  await announce(deps, changes.map(toDeviceEvent));
  return { userId: target.id, devicesRemoved: devices.length };
}
