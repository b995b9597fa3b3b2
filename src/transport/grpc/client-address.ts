import { BlockList, isIPv4 } from "node:net";
import type { CallContext } from "nice-grpc";
import { normalizeIpAddress, parseIpRange } from "../../domain/ip-address.js";

/** The proxies whose `x-forwarded-for` is believed: addresses and CIDR ranges. */
export class TrustedProxies {
  readonly #list = new BlockList();

  /** Throws on an entry that is neither an IP address nor a CIDR range (config.ts checks first). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const range = parseIpRange(entry);
      if (range === null) throw new TypeError(`not an IP address or CIDR range: ${entry}`);
      if (range.prefix === null) this.#list.addAddress(range.address, range.family);
      else this.#list.addSubnet(range.address, range.prefix, range.family);
    }
  }

  has(address: string): boolean {
    return this.#list.check(address, isIPv4(address) ? "ipv4" : "ipv6");
  }
}

/**
 * The IP address of whoever made the call, as plain data for the services.
 *
 * The direct peer, unless it is a trusted proxy: then `x-forwarded-for` is read from
 * its right end (each proxy appends the address it saw, as userlink's own gRPC-Web
 * translator does), skipping trusted proxies, and the first address that is not one
 * is the client. The left end is never believed on its own: anyone can send an
 * `x-forwarded-for` that a proxy then extends. Null when the peer has no IP address.
 */
export function clientAddress(
  context: Pick<CallContext, "peer" | "metadata">,
  trusted: TrustedProxies,
): string | null {
  let client = peerAddress(context.peer);
  if (client === null || !trusted.has(client)) return client;
  const hops = context.metadata
    .getAll("x-forwarded-for")
    .join(",")
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = forwardedAddress(hops[i]!);
    // Garbage from a proxy we trust: the proxy is the best we know.
    if (hop === null) return client;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
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
function forwardedAddress(hop: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return normalizeIpAddress(bracketed[1]!);
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(hop);
  return normalizeIpAddress(v4WithPort ? v4WithPort[1]! : hop);
}
