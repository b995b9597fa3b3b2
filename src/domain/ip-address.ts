import { isIP, isIPv4 } from "node:net";

/**
 * IP addresses as the service compares them. Pure text rules (node:net's parsers only),
 * shared by the configuration (trusted proxies), the transport (who called) and the
 * rate limits (what counts as one client).
 */

/** A valid IP address, with an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as plain IPv4; else null. */
export function normalizeIpAddress(text: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  const address = mapped ? mapped[1]! : text;
  return isIP(address) === 0 ? null : address;
}

export interface IpRange {
  readonly address: string;
  /** Null: the single address. */
  readonly prefix: number | null;
  readonly family: "ipv4" | "ipv6";
}

/** `1.2.3.4`, `::1`, `10.0.0.0/8` or `fd00::/8`; null when it is none of these. */
export function parseIpRange(entry: string): IpRange | null {
  const [rawAddress = "", rawPrefix, extra] = entry.trim().split("/");
  const address = normalizeIpAddress(rawAddress);
  if (address === null || extra !== undefined) return null;
  const family = isIPv4(address) ? "ipv4" : "ipv6";
  if (rawPrefix === undefined) return { address, prefix: null, family };
  const prefix = /^\d{1,3}$/.test(rawPrefix) ? Number(rawPrefix) : Number.NaN;
  if (!(prefix <= (family === "ipv4" ? 32 : 128))) return null;
  return { address, prefix, family };
}
