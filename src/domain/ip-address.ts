import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";

/**
 * IP addresses as the service compares them, shared by the configuration (trusted
 * proxies), the transport (who called) and the rate limits (what counts as one client).
 * Parsing and matching are ipaddr.js and proxy-addr, the libraries Express uses.
 */

/**
 * A valid IP address, with an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, `::ffff:7f00:1`)
 * as plain IPv4; else null. Validity is node:net's (four decimal parts for IPv4, zone ids
 * allowed): ipaddr.js also reads legacy IPv4 forms (`127.1`, `0x7f.0.0.1`) that no proxy
 * writes and that would let one client appear under several names.
 */
export function normalizeIpAddress(text: string): string | null {
  const family = isIP(text);
  if (family === 0) return null;
  if (family === 4) return text;
  const address = parseIpv6(text);
  // ipaddr.js also reads the deprecated IPv4-compatible `::1.2.3.4` as mapped; it is not.
  const mapped = address !== null && address.isIPv4MappedAddress() && /ffff/i.test(text);
  return mapped ? address.toIPv4Address().toString() : text;
}

/** The first four groups (the /64) of a valid IPv6 address, e.g. `2001:db8:0:12`. */
export function ipv6Prefix64(address: string): string {
  const parts = parseIpv6(address)?.parts ?? [];
  return parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(":");
}

/**
 * ipaddr.js's reading of an IPv6 address node:net accepts. The zone id (`%eth0`) names
 * an interface, not part of the address, and ipaddr.js reads fewer spellings of it.
 */
function parseIpv6(text: string): ipaddr.IPv6 | null {
  const address = text.replace(/%.*$/, "");
  return ipaddr.IPv6.isValid(address) ? ipaddr.IPv6.parse(address) : null;
}

/** The ranges proxy-addr knows by name. */
const PROXY_ADDR_NAMES = { loopback: true, linklocal: true, uniquelocal: true } as const;

/** Whether an address is one of the trusted proxies; built by `compileTrustedProxies`. */
export type TrustedProxyTest = (address: string) => boolean;

/**
 * The trusted-proxy list as proxy-addr reads Express's `trust proxy` setting: IP
 * addresses, CIDR ranges (`10.0.0.0/8`, `fd00::/8`), IPv4 netmasks
 * (`10.0.0.0/255.0.0.0`) and the names `loopback`, `linklocal`, `uniquelocal`. IPv4
 * and IPv4-mapped IPv6 match each other. Throws a TypeError naming the first bad entry.
 */
export function compileTrustedProxies(entries: readonly string[]): TrustedProxyTest {
  // proxy-addr refuses an empty list; an empty list trusts nobody.
  if (entries.length === 0) return () => false;
  for (const entry of entries) {
    // proxy-addr's ipaddr.js reads `6` as 0.0.0.6: addresses must be as node:net reads them.
    const slash = entry.lastIndexOf("/");
    const address = slash === -1 ? entry : entry.slice(0, slash);
    if (!(entry in PROXY_ADDR_NAMES) && normalizeIpAddress(address) === null) {
      throw new TypeError(`invalid IP address: ${address}`);
    }
  }
  const trust = proxyaddr.compile([...entries]);
  return (address) => trust(address, 0);
}

/** Null when proxy-addr accepts the entry, else why not (the entry itself is not repeated). */
export function trustedProxyEntryProblem(entry: string): string | null {
  try {
    compileTrustedProxies([entry]);
    return null;
  } catch {
    return "is not an IP address, CIDR range or one of loopback, linklocal, uniquelocal";
  }
}
