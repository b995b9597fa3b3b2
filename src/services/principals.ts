import type { ApiKeyScope, App, Device } from "../domain/model.js";

/** Who is calling LinkService: an API key of one app. */
export interface ApiKeyPrincipal {
  readonly kind: "api_key";
  readonly keyId: string;
  readonly scopes: readonly ApiKeyScope[];
  /** The key's app, read with the key: every call is scoped to `app.id`. */
  readonly app: App;
}

/** Who is calling DeviceService with an access token: one device registration. */
export interface DevicePrincipal {
  readonly kind: "device";
  readonly device: Device;
  /** The device's app as the token's lookup read it. */
  readonly app: App;
}

/** An operator or internal service holding the admin token. */
export interface AdminPrincipal {
  readonly kind: "admin";
  /** Which configured admin token it holds (see adminTokenFingerprint), never the token. */
  readonly tokenFingerprint: string;
}
