import { grpcWebStatus } from "./grpc-frames.js";
import type { Load } from "./measure.js";
import type { Clients } from "./service-calls.js";
import type { ServerProcess } from "./server-process.js";
import { SETTINGS } from "./settings.js";

/** What every scenario may use: the running server, its clients and the seeded app. */
export interface Context {
  server: ServerProcess;
  clients: Clients;
  apiKey: string;
  appId: string;
  grpcUrl: string;
  grpcWebUrl: string;
  users: number;
  /** The first seeded user whose device nothing has replaced yet (restorations run before). */
  untouchedFrom: number;
}

export const METHOD = {
  health: "grpc.health.v1.Health/Check",
  requestAuthCode: "userlink.v1.LinkService/RequestAuthCode",
  createUser: "userlink.v1.DeviceService/CreateUser",
  getDeviceStatus: "userlink.v1.DeviceService/GetDeviceStatus",
};

export interface Scenario {
  readonly name: string;
  readonly method: string;
  readonly ceiling: string;
  /** The load at full speed (rate undefined) or at `rate` requests/s. */
  load(ctx: Context, rate: number | undefined): Promise<Load>;
  /** A real client makes the same call and must get OK; throws otherwise. */
  check(ctx: Context): Promise<void>;
}

export const grpcHeaders = (token?: string): Record<string, string> => ({
  "content-type": "application/grpc",
  te: "trailers",
  ...(token && { authorization: `Bearer ${token}` }),
});
export const webHeaders = (token?: string): Record<string, string> => ({
  "content-type": "application/grpc-web+proto",
  "x-grpc-web": "1",
  ...(token && { authorization: `Bearer ${token}` }),
});

export function h2(
  ctx: Context,
  rate: number | undefined,
  body: Buffer,
  headers: Record<string, string>,
  path: string,
  http1 = false,
): Load {
  const clients = http1 ? SETTINGS.http1Connections : SETTINGS.connections;
  if (rate !== undefined && !http1 && SETTINGS.halfLoadDriver === "raw") {
    // h2load's --rps fires every connection's requests on the same ticks, in bursts that
    // queue like full load; half load is a steady rate, started evenly (open loop).
    return {
      kind: "raw",
      options: {
        url: ctx.grpcUrl,
        connections: clients,
        concurrency: clients * SETTINGS.streamsPerConnection,
        rate,
        durationMs: SETTINGS.durationS * 1000,
        next: () => ({ path, body, headers }),
      },
    };
  }
  return {
    kind: "h2load",
    options: {
      url: `${http1 ? ctx.grpcWebUrl : ctx.grpcUrl}${path}`,
      body,
      headers,
      clients,
      streams: SETTINGS.streamsPerConnection,
      durationS: SETTINGS.durationS,
      warmUpS: SETTINGS.warmUpS,
      ...(rate !== undefined && { rpsPerClient: Math.max(1, Math.round(rate / clients)) }),
      http1,
    },
  };
}

export async function grpcWebCall(
  ctx: Context,
  path: string,
  body: Buffer,
  token?: string,
): Promise<number | null> {
  const response = await fetch(`${ctx.grpcWebUrl}${path}`, {
    method: "POST",
    headers: webHeaders(token),
    body,
  });
  return grpcWebStatus(Buffer.from(await response.arrayBuffer()));
}
