import { createChannel, createClientFactory, Metadata, type Channel } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import * as web from "nice-grpc-web";
import { AdminServiceDefinition as WebAdmin } from "../../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition as WebDevice } from "../../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition as WebLink } from "../../../src/gen/userlink/v1/link_service.js";
import { AdminServiceDefinition } from "../../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../../src/gen/userlink/v1/link_service.js";
import type { RunningUserlink } from "../../../src/main.js";
import type { AdminClient, DeviceClient, LinkClient } from "../../support/userlink-server.js";

export type Transport = "grpc" | "grpc-web";
export interface Clients {
  link: LinkClient;
  device: DeviceClient;
  admin: AdminClient;
}

/** The security test's clients: a transport, a bearer (or none) and the instance they call. */
export type ClientsOf = (transport: Transport, bearer: string | null, target?: RunningUserlink) => Clients;

/**
 * All three services' clients of `target` over `transport`, with `bearer` when given.
 * gRPC goes over `channel` when one is given (the instance's shared one), else a new one.
 */
export function clientsOf(
  target: RunningUserlink,
  transport: Transport,
  bearer: string | null,
  channel?: Channel,
): Clients {
  const options =
    bearer === null ? {} : { "*": { metadata: Metadata({ authorization: `Bearer ${bearer}` }) } };
  if (transport === "grpc") {
    const factory = createClientFactory().use(errorDetailsClientMiddleware);
    const ch = channel ?? createChannel(`127.0.0.1:${target.grpcPort}`);
    return {
      link: factory.create(LinkServiceDefinition, ch, options),
      device: factory.create(DeviceServiceDefinition, ch, options),
      admin: factory.create(AdminServiceDefinition, ch, options),
    };
  }
  const ch = web.createChannel(`http://127.0.0.1:${target.grpcWebPort}`, web.FetchTransport());
  const factory = web.createClientFactory().use(errorDetailsClientMiddleware);
  // The web stubs mirror the node ones method for method; the node types serve both.
  return {
    link: factory.create(WebLink, ch, options) as unknown as LinkClient,
    device: factory.create(WebDevice, ch, options) as unknown as DeviceClient,
    admin: factory.create(WebAdmin, ch, options) as unknown as AdminClient,
  };
}
