import type { IncomingMessage } from "node:http";
import type { CallContext } from "nice-grpc";
import proxyaddr from "proxy-addr";
import { compileTrustedProxies, normalizeIpAddress, type TrustedProxyTest } from "../../domain/ip-address.js";

/** The proxies whose `x-forwarded-for` is believed (entries as `compileTrustedProxies` reads them). */
export class TrustedProxies {
  readonly #trusts: TrustedProxyTest;

  /** Throws on an entry proxy-addr does not read (config.ts checks first). */
  constructor(entries: readonly string[]) {
    this.#trusts = compileTrustedProxies(entries);
  }

  has(address: string): boolean {
    return this.#trusts(address);
  }
}

/**
 * The IP address of whoever made the call, as plain data for the services.
 *
 * The direct peer, unless it is a trusted proxy: then `x-forwarded-for` is read from
 * its right end (each proxy appends the address it saw, as userlink's own gRPC-Web
 * translator does), skipping trusted proxies, and the first address that is not one
 * is the client (proxy-addr's walk, as in Express). The left end is never believed on
 * its own: anyone can send an `x-forwarded-for` that a proxy then extends. Hops may
 * carry a port or brackets (`[2001:db8::1]:443`). Null when the peer has no IP address.
 */
export function clientAddress(
  context: Pick<CallContext, "peer" | "metadata">,
  trusted: TrustedProxies,
): string | null {
  const peer = peerAddress(context.peer);
  if (peer === null) return null;
  // proxy-addr reads a Node request; these two fields are all it looks at.
  const request = {
    socket: { remoteAddress: peer },
    headers: { "x-forwarded-for": context.metadata.getAll("x-forwarded-for").join(",") },
  } as unknown as IncomingMessage;
  const chain = proxyaddr.all(request, (hop) => {
    const address = forwardedAddress(hop);
    return address !== null && trusted.has(address);
  });
  // Every address before the last was trusted, so valid. The last is the client,
  // unless it is garbage from a proxy we trust: then that proxy is the best we know.
  const client = forwardedAddress(chain[chain.length - 1]!);
  return client ?? forwardedAddress(chain[chain.length - 2]!);
}

/**
 * The address in a grpc-js peer: `1.2.3.4:5678`, `::1:5678` (grpc-js does not bracket
 * IPv6), `[::1]:5678`, or gRPC core's `ipv4:1.2.3.4:5678` / `ipv6:[::1]:5678`. Null for
 * `unknown`, unix sockets and anything else without an IP address.
 */
export function peerAddress(peer: string): string | null {
  const text = peer.replace(/^ipv[46]:/, "");
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return normalizeIpAddress(bracketed[1]!);
  const withPort = /^(.+):(\d{1,5})$/.exec(text);
  if (withPort) {
    const address = normalizeIpAddress(withPort[1]!);
    if (address !== null) return address;
  }
  return normalizeIpAddress(text);
}

/** One x-forwarded-for entry: an address, possibly with a port or in brackets. */
function forwardedAddress(entry: string): string | null {
  // proxy-addr splits at commas and spaces only; a tab is whitespace too.
  const hop = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return normalizeIpAddress(bracketed[1]!);
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(hop);
  return normalizeIpAddress(v4WithPort ? v4WithPort[1]! : hop);
}
