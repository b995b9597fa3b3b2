import { createChannel, createClient, Metadata, type Client } from "nice-grpc";
import { AdminServiceDefinition } from "../gen/userlink/v1/admin_service.js";

export type AdminClient = Client<typeof AdminServiceDefinition>;

const CALL_TIMEOUT_MS = 10_000;

/** An AdminService client for the CLI; the admin token goes on every call. */
export function connectAdmin(address: string, adminToken: string): { client: AdminClient; close(): void } {
  const channel = createChannel(address);
  const metadata = Metadata({ authorization: `Bearer ${adminToken}` });
  const client = createClient(AdminServiceDefinition, channel, { "*": { metadata } });
  return { client, close: () => channel.close() };
}

/** Per-call options: a bound, so a wrong address fails instead of hanging. */
export function callOptions(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) };
}
