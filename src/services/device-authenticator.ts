import { AppError } from "../domain/errors.js";
import { LAST_USED_GRANULARITY_MS } from "../domain/limits.js";
import { isLive, type Device } from "../domain/model.js";
import { hashSecret, looksLikeSecret } from "../domain/secrets.js";
import type { DevicePrincipal } from "./principals.js";
import type { ServiceDeps } from "./service-deps.js";

/**
 * The refusal every method gives a device that left for good, with its reason (a domain
 * value; transport's error mapping names it as the proto does).
 */
export function deviceDeactivated(device: Device): AppError {
  return new AppError("DEVICE_DEACTIVATED", `the device is ${device.state.toLowerCase()}`, {
    metadata: { state_reason: device.stateReason },
  });
}

/**
 * Resolves an access token to its device. The token is looked up by its hash: a
 * lookup by an unguessable digest leaks nothing through timing.
 */
export class DeviceAuthenticator {
  constructor(private readonly deps: Pick<ServiceDeps, "store" | "clock">) {}

  async authenticate(bearer: string | undefined): Promise<DevicePrincipal> {
    if (bearer === undefined || !looksLikeSecret(bearer)) {
      throw new AppError("DEVICE_TOKEN_INVALID", "missing or malformed access token");
    }
    const found = await this.deps.store.repos.credentials.findByAccessTokenHash(hashSecret(bearer));
    const now = this.deps.clock.now();
    if (found === null) throw new AppError("DEVICE_TOKEN_INVALID", "unknown access token");
    if (!isLive(found.device.state)) throw deviceDeactivated(found.device);
    if (found.credentials.accessTokenExpiresAt.getTime() <= now.getTime()) {
      throw new AppError("DEVICE_TOKEN_INVALID", "the access token expired; refresh it");
    }
    const { lastSeenAt } = found.device;
    if (lastSeenAt === null || now.getTime() - lastSeenAt.getTime() >= LAST_USED_GRANULARITY_MS) {
      const notAfter = new Date(now.getTime() - LAST_USED_GRANULARITY_MS);
      await this.deps.store.repos.devices.touchLastSeen(found.device.id, now, notAfter);
    }
    return { kind: "device", device: found.device, app: found.app };
  }
}
