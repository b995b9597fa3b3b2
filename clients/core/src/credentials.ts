/** What each client sends as `authorization: Bearer …`, besides its transport's options. */
export interface LinkCredential {
  /** The app's API key, `<key id>.<secret>`. */
  readonly apiKey: string;
}

export interface DeviceCredential {
  /**
   * The device's access token, for getDeviceStatus, watchDeviceStatus and resetDevice.
   * Not needed for createUser and refreshCredentials, which carry their own proof; set
   * or replace it later with `setAccessToken`.
   */
  readonly accessToken?: string;
}

export interface AdminCredential {
  /** The service's admin token (USERLINK_ADMIN_TOKEN). */
  readonly adminToken: string;
}
