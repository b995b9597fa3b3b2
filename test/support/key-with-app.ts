import { newId } from "../../src/domain/ids.js";
import type { KeyWithApp } from "../../src/ports/api-key-cache.js";

/** A usable key of a fresh app, as the API-key lookup answers it. */
export function row(appId = newId()): KeyWithApp {
  const now = new Date();
  return {
    key: {
      id: newId(),
      appId,
      name: "backend",
      scopes: ["USER_LINK"],
      secretHash: "0".repeat(64),
      createdAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
      revokedAt: null,
      lastUsedAt: null,
      replacedByKeyId: null,
    },
    app: {
      id: appId,
      displayName: "app",
      sdkConfig: {},
      configVersion: 1,
      authCodeTtlSeconds: 60,
      createdAt: now,
    },
  };
}
