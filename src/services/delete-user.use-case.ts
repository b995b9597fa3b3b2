import { AUTH_CODE_TTL } from "../domain/limits.js";
import type { AuditActor } from "../domain/audit.js";
import { planDeviceTransition } from "../domain/device-transitions.js";
import { announce, type ServiceDeps } from "./service-deps.js";
import { findSelectedUser, type UserSelector } from "./user-selector.js";

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
  const { store, codes, clock } = deps;
  const target = await findSelectedUser(store.repos, appId, selector, { forUpdate: false });
  const now = clock.now();
  await codes.revokeIssuedUpTo(
    appId,
    target.externalUserId,
    now,
    // Any code issued before now is dead by then, whatever the app's lifetime.
    AUTH_CODE_TTL.maxSeconds * 1000,
  );
  const { devices, events } = await store.transaction(async (tx) => {
    const user = await findSelectedUser(tx, appId, { by: "user_id", value: target.id }, { forUpdate: true });
    const all = await tx.devices.listByUser(user.id);
    const transition = planDeviceTransition({
      user,
      devices: all,
      intent: { kind: "delete" },
      actor,
      at: now,
    });
    // Rule 8: every row that names the user goes, their device ids included; the
    // transition's record keeps only that a user was deleted, how many devices, by whom.
    await tx.users.delete(appId, user.id);
    await tx.devices.applyTransition(transition);
    return { devices: all, events: transition.events };
  });
  await announce(deps, events);
  return { userId: target.id, devicesRemoved: devices.length };
}
