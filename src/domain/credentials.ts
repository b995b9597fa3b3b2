import { ACCESS_TOKEN_TTL_MS } from "./limits.js";
import type { DeviceCredentials } from "./model.js";
import { generateSecret, hashSecret } from "./secrets.js";

/** Tokens as handed to the device once, beside the hashes that are stored. */
export interface IssuedCredentials {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly stored: DeviceCredentials;
}

export function issueCredentials(deviceId: string, now: Date): IssuedCredentials {
  const accessToken = generateSecret();
  const refreshToken = generateSecret();
  const accessTokenExpiresAt = new Date(now.getTime() + ACCESS_TOKEN_TTL_MS);
  return {
    accessToken,
    refreshToken,
    accessTokenExpiresAt,
    stored: {
      deviceId,
      accessTokenHash: hashSecret(accessToken),
      accessTokenExpiresAt,
      refreshTokenHash: hashSecret(refreshToken),
      issuedAt: now,
    },
  };
}
