import {
  forDevice,
  issueTokens,
  refreshFamilyHash,
  type IssuedCredentials,
  type IssuedTokens,
} from "../domain/credentials.js";
import { planDeviceTransition, type DeviceStateEvent } from "../domain/device-transitions.js";
import { AppError } from "../domain/errors.js";
import { isLive, type App, type Device, type JsonObject } from "../domain/model.js";
import { hashSecret, looksLikeSecret } from "../domain/secrets.js";
import { LIMITS, Violations } from "../domain/validation.js";
import type { Repositories } from "../ports/store.js";
import { deviceActor } from "./audit-actors.js";
import { deviceDeactivated } from "./device-authenticator.js";
import type { DevicePrincipal } from "./principals.js";
import { announce, type ServiceDeps } from "./service-deps.js";

export interface DeviceStatus {
  readonly device: Device;
  readonly app: App;
}

export interface DeviceServiceOptions {
  /** How long the token rotated last may be retried with its request_id; 0: never. */
  readonly refreshRetryWindowMs?: number;
}

/** USERLINK_REFRESH_RETRY_WINDOW_SECONDS' default, also in config.ts. */
export const DEFAULT_REFRESH_RETRY_WINDOW_MS = 60_000;

type RefreshOutcome =
  | { readonly issued: IssuedCredentials }
  | { readonly refused: AppError; readonly events: readonly DeviceStateEvent[] };

/** The SDK's use cases after CreateUser, each for the device its token names. */
export class DeviceService {
  private readonly retryWindowMs: number;

  constructor(
    private readonly deps: ServiceDeps,
    options: DeviceServiceOptions = {},
  ) {
    this.retryWindowMs = options.refreshRetryWindowMs ?? DEFAULT_REFRESH_RETRY_WINDOW_MS;
  }

  /** The app came with the token's lookup: no second round trip. */
  async getStatus(caller: DevicePrincipal): Promise<DeviceStatus> {
    return { device: caller.device, app: caller.app };
  }

  /**
   * Rule 10: rotation on every use. The swap is one atomic statement, so of concurrent
   * refreshes with one token exactly one wins; a token that was already swapped out is
   * a sign of theft, and the device is deactivated (its tokens then answer
   * DEVICE_DEACTIVATED with reason CREDENTIALS_REUSED, which tells the SDK why).
   *
   * Except for a retry: the token rotated last, sent again with the request_id that
   * rotated it, within the retry window, is the same refresh whose answer was lost. It
   * gets fresh credentials and those of the lost answer stop working. The state is in
   * the store, so the retry may reach any instance. See docs/credentials.md.
   */
  async refreshCredentials(refreshToken: string, requestId = ""): Promise<IssuedCredentials> {
    const violations = new Violations();
    if (refreshToken === "") violations.add("refresh_token", "is required");
    violations.text("request_id", requestId, LIMITS.requestId, { required: false });
    violations.throwIfAny();
    const familyHash = looksLikeSecret(refreshToken) ? refreshFamilyHash(refreshToken) : null;
    if (familyHash === null) throw new AppError("DEVICE_TOKEN_INVALID", "unknown refresh token");
    const { store, clock } = this.deps;
    const oldHash = hashSecret(refreshToken);
    const id = requestId === "" ? null : requestId;
    const now = clock.now();
    const outcome = await store.transaction(async (tx): Promise<RefreshOutcome> => {
      const next = issueTokens(now, refreshToken);
      const rotated = await tx.credentials.rotate(oldHash, next.stored, { familyHash, requestId: id });
      if (rotated !== null) {
        return { issued: await issued(tx, rotated, next, now, "device.credentials_refreshed", {}) };
      }

      const retired = await tx.credentials.findRetiredRefreshToken(oldHash);
      if (retired !== null && id !== null && retired.requestId === id && this.retryWindowMs > 0) {
        const notBefore = new Date(now.getTime() - this.retryWindowMs);
        const retried = await tx.credentials.retryRotation(oldHash, id, notBefore, next.stored);
        if (retried !== null) {
          const after = { retried_after_ms: now.getTime() - retired.retiredAt.getTime() };
          return {
            issued: await issued(tx, retried, next, now, "device.credentials_refresh_retried", after),
          };
        }
      }
      // Not a retry: the token rotated last (details say how long ago: seconds hint at a
      // retrying client, days at a stolen token), or an older one of the device's family.
      if (retired !== null) {
        const details = {
          reused_token: "previous",
          reused_after_ms: now.getTime() - retired.retiredAt.getTime(),
        };
        return deactivateForReuse(tx, retired.device.id, now, details);
      }
      const family = await tx.credentials.findRefreshFamily(familyHash);
      if (family === null) {
        return { refused: new AppError("DEVICE_TOKEN_INVALID", "unknown refresh token"), events: [] };
      }
      const details = { reused_token: "older", family_generation: family.generation };
      return deactivateForReuse(tx, family.device.id, now, details);
    });
    if ("issued" in outcome) return outcome.issued;
    await announce(this.deps, outcome.events);
    throw outcome.refused;
  }

  /** Rule 7: the user leaves this device only; the app may create a user on it again. */
  async reset(caller: DevicePrincipal): Promise<Device> {
    const now = this.deps.clock.now();
    const { events, device } = await this.deps.store.transaction(async (tx) => {
      const locked = await tx.devices.findByIdForUpdate(caller.device.id);
      if (locked === null) throw new AppError("DEVICE_TOKEN_INVALID", "the device no longer exists");
      if (!isLive(locked.state)) throw deviceDeactivated(locked);
      const transition = planDeviceTransition({
        user: { id: locked.userId, appId: locked.appId, disabled: false },
        devices: [locked],
        intent: { kind: "reset", deviceId: locked.id },
        actor: deviceActor(locked.id),
        at: now,
      });
      await tx.devices.applyTransition(transition);
      return {
        events: transition.events,
        device: { ...locked, state: "RESET" as const, stateReason: "RESET" as const, stateChangedAt: now },
      };
    });
    await announce(this.deps, events);
    return device;
  }
}

/** Credentials `next` for `device`, with the audit event; thrown (rolled back) when it has left. */
async function issued(
  tx: Repositories,
  device: Device,
  next: IssuedTokens,
  now: Date,
  kind: "device.credentials_refreshed" | "device.credentials_refresh_retried",
  details: JsonObject,
): Promise<IssuedCredentials> {
  // Thrown, not returned: the rollback undoes the swap, so a device that has left keeps
  // the tokens that report why (DEVICE_DEACTIVATED with its reason).
  if (!isLive(device.state)) throw deviceDeactivated(device);
  const event = { appId: device.appId, userId: device.userId, deviceId: device.id, kind };
  const actor = deviceActor(device.id);
  await tx.audit.append([{ ...event, state: null, reason: null, details, occurredAt: now, actor }]);
  return forDevice(next, device.id);
}

/** Rule 10's answer to a reused refresh token: the device is deactivated, if still live. */
async function deactivateForReuse(
  tx: Repositories,
  deviceId: string,
  now: Date,
  details: JsonObject,
): Promise<RefreshOutcome> {
  const refused = new AppError("CREDENTIALS_REUSED", "the refresh token was already used");
  const locked = await tx.devices.findByIdForUpdate(deviceId);
  if (locked === null || !isLive(locked.state)) return { refused, events: [] };
  const transition = planDeviceTransition({
    user: { id: locked.userId, appId: locked.appId, disabled: false },
    devices: [locked],
    intent: { kind: "credentials_reused", deviceId: locked.id, details },
    // The refresh token names this device: whoever presented it acted as the device.
    actor: deviceActor(locked.id),
    at: now,
  });
  await tx.devices.applyTransition(transition);
  return { refused, events: transition.events };
}
