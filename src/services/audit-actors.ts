import type { AuditActor } from "../domain/audit.js";
import type { AdminPrincipal, ApiKeyPrincipal } from "./principals.js";

/** The actor recorded with the audit events a caller causes; ids only, never a secret. */
export function apiKeyActor(caller: ApiKeyPrincipal): AuditActor {
  return { kind: "API_KEY", id: caller.keyId };
}

export function adminActor(caller: AdminPrincipal): AuditActor {
  return { kind: "ADMIN", id: caller.tokenFingerprint };
}

/** The SDK on a device, named by its registration id. */
export function deviceActor(deviceId: string): AuditActor {
  return { kind: "DEVICE", id: deviceId };
}
