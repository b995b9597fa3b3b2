import { bindAdminClient, type AdminClient } from "./admin-client.js";
import type { Caller } from "./caller.js";
import type { AdminCredential, DeviceCredential, LinkCredential } from "./credentials.js";
import { bindDeviceClient, type DeviceClient } from "./device-client.js";
import { bindLinkClient, type LinkClient } from "./link-client.js";

/** The three client factories of a package, each client on a Caller of its own. */
export function clientFactories<Options>(connect: (options: Options) => Caller) {
  return {
    createLinkClient: (options: Options & LinkCredential): LinkClient =>
      bindLinkClient(connect(options), options.apiKey),
    createDeviceClient: (options: Options & DeviceCredential): DeviceClient =>
      bindDeviceClient(connect(options), options.accessToken),
    createAdminClient: (options: Options & AdminCredential): AdminClient =>
      bindAdminClient(connect(options), options.adminToken),
  };
}
