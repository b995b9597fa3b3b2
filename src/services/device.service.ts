import { issueCredentials, type IssuedCredentials } from "../domain/credentials.js";
import { AppError } from "../domain/errors.js";
import { isLive, type App, type Device } from "../domain/model.js";
import { hashSecret, looksLikeSecret } from "../domain/secrets.js";
import { deviceActor } from "./audit-actors.js";
import { deviceDeactivated } from "./device-authenticator.js";
import { toAuditEvent, toDeviceEvent, type StateChange } from "./device-events.js";
import type { DevicePrincipal } from "./principals.js";
import { announce, type ServiceDeps } from "./service-deps.js";

export interface DeviceStatus {
  readonly device: Device;
  readonly app: App;
}

/** The SDK's use cases after CreateUser, each for the device its token names. */
export class DeviceService {
  constructor(private readonly deps: ServiceDeps) {}

  /** The app came with the token's lookup: no second round trip. */
  async getStatus(caller: DevicePrincipal): Promise<DeviceStatus> {
    return { device: caller.device, app: caller.app };
  }

  /**
   * Rule 10: rotation on every use. The swap is one atomic statement, so of concurrent
   * refreshes with one token exactly one wins; a token that was already swapped out is
   * a sign of theft, and the device is deactivated (its tokens then answer
   * DEVICE_DEACTIVATED with reason CREDENTIALS_REUSED, which tells the SDK why).
   */
  async refreshCredentials(refreshToken: string): Promise<IssuedCredentials> {
    if (refreshToken === "") {
      throw new AppError("INVALID_ARGUMENT", "refresh_token is required", {
        fieldViolations: [{ field: "refresh_token", description: "is required" }],
      });
    }
    if (!looksLikeSecret(refreshToken)) throw new AppError("DEVICE_TOKEN_INVALID", "unknown refresh token");
    const { store, clock } = this.deps;
    const oldHash = hashSecret(refreshToken);
    const now = clock.now();
    const outcome = await store.transaction(async (tx) => {
      const probe = issueCredentials("", now);
      const device = await tx.credentials.rotate(oldHash, probe.stored);
      if (device !== null) {
        // Thrown, not returned: the rollback undoes the swap, so a device that has left
        // keeps the tokens that report why (DEVICE_DEACTIVATED with its reason).
        if (!isLive(device.state)) throw deviceDeactivated(device);
        const issued = { ...probe, stored: { ...probe.stored, deviceId: device.id } };
        await tx.audit.append([
          {
            appId: device.appId,
            userId: device.userId,
            deviceId: device.id,
            kind: "device.credentials_refreshed",
            state: null,
            reason: null,
            details: {},
            occurredAt: now,
            actor: deviceActor(device.id),
          },
        ]);
        return { issued };
      }
      const reused = await tx.credentials.findRetiredRefreshToken(oldHash);
      if (reused === null) return { refused: new AppError("DEVICE_TOKEN_INVALID", "unknown refresh token") };
      const locked = await tx.devices.findByIdForUpdate(reused.device.id);
      if (locked === null || !isLive(locked.state)) {
        return { refused: new AppError("CREDENTIALS_REUSED", "the refresh token was already used") };
      }
      const change: StateChange = {
        device: locked,
        state: "DEACTIVATED",
        reason: "CREDENTIALS_REUSED",
        at: now,
      };
      await tx.devices.setState([locked.id], "DEACTIVATED", "CREDENTIALS_REUSED", now);
      // How long after its rotation the token came back: seconds hint at a retrying
      // client, days at a stolen token.
      const reusedAfterMs = now.getTime() - reused.retiredAt.getTime();
      await tx.audit.append([
        { ...toAuditEvent(change, deviceActor(locked.id)), details: { reused_after_ms: reusedAfterMs } },
      ]);
      return { refused: new AppError("CREDENTIALS_REUSED", "the refresh token was already used"), change };
    });
    if ("change" in outcome && outcome.change) await announce(this.deps, [toDeviceEvent(outcome.change)]);
    if ("refused" in outcome && outcome.refused) throw outcome.refused;
    return outcome.issued!;
  }

  /** Rule 7: the user leaves this device only; the app may create a user on it again. */
  async reset(caller: DevicePrincipal): Promise<Device> {
    const now = this.deps.clock.now();
    const { change, device } = await this.deps.store.transaction(async (tx) => {
      const locked = await tx.devices.findByIdForUpdate(caller.device.id);
      if (locked === null) throw new AppError("DEVICE_TOKEN_INVALID", "the device no longer exists");
      if (!isLive(locked.state)) throw deviceDeactivated(locked);
      const change: StateChange = { device: locked, state: "RESET", reason: "RESET", at: now };
      await tx.devices.setState([locked.id], "RESET", "RESET", now);
      await tx.audit.append([toAuditEvent(change, deviceActor(locked.id))]);
      return {
        change,
        device: { ...locked, state: "RESET" as const, stateReason: "RESET" as const, stateChangedAt: now },
      };
    });
    await announce(this.deps, [toDeviceEvent(change)]);
    return device;
  }
}
