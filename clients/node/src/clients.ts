import type { AdminCredential, DeviceCredential, LinkCredential } from "../../core/src/credentials.js";
import { clientFactories } from "../../core/src/factories.js";
import type { ClientOptions } from "./client-options.js";
import { Connection } from "./connection.js";

export type LinkClientOptions = ClientOptions & LinkCredential;
export type DeviceClientOptions = ClientOptions & DeviceCredential;
export type AdminClientOptions = ClientOptions & AdminCredential;

export const { createLinkClient, createDeviceClient, createAdminClient } = clientFactories(
  (options: ClientOptions) => new Connection(options),
);
