import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { createChannel, createClientFactory, FetchTransport, Metadata, type Client } from "nice-grpc-web";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";

export type WebAdminClient = Client<typeof AdminServiceDefinition>;
export type WebLinkClient = Client<typeof LinkServiceDefinition>;
export type WebDeviceClient = Client<typeof DeviceServiceDefinition>;

/** The three services through gRPC-Web (nice-grpc-web over fetch), decoding rich errors. */
export interface WebClients {
  readonly admin: WebAdminClient;
  link(apiKey: string): WebLinkClient;
  device(accessToken?: string): WebDeviceClient;
}

/** Clients of the gRPC-Web endpoint at `url`, as a browser or gateway would use it. */
export function grpcWebClients(url: string, adminToken: string): WebClients {
  const channel = createChannel(url, FetchTransport());
  const factory = createClientFactory().use(errorDetailsClientMiddleware);
  const bearer = (token: string) => ({ "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) } });
  return {
    admin: factory.create(AdminServiceDefinition, channel, bearer(adminToken)),
    link: (apiKey) => factory.create(LinkServiceDefinition, channel, bearer(apiKey)),
    device: (accessToken) =>
      factory.create(DeviceServiceDefinition, channel, accessToken === undefined ? {} : bearer(accessToken)),
  };
}
