import fc from "fast-check";
import { Metadata } from "nice-grpc";
import { describe, expect, it } from "vitest";
import {
  compileTrustedProxies,
  ipv6Prefix64,
  normalizeIpAddress,
  trustedProxyEntryProblem,
} from "../../src/domain/ip-address.js";
import { addressUnit } from "../../src/services/rate-limits.js";
import { clientAddress, peerAddress, TrustedProxies } from "../../src/transport/grpc/client-address.js";

// Rule 14 counts failed CreateUser attempts per client address: who the client is,
// behind which proxies, and what counts as one client. test/integration/rate-limits
// proves the same through a server and the gRPC-Web translator.

const loopback = new TrustedProxies(["127.0.0.1", "::1"]);
const call = (peer: string, ...forwardedFor: string[]) => {
  const metadata = Metadata();
  for (const value of forwardedFor) metadata.append("x-forwarded-for", value);
  return { peer, metadata };
};

describe("normalizeIpAddress", () => {
  it.each([
    ["203.0.113.5", "203.0.113.5"],
    ["2001:db8::5", "2001:db8::5"],
    ["::ffff:203.0.113.5", "203.0.113.5"],
    ["::FFFF:203.0.113.5", "203.0.113.5"],
    // The same mapped address in hex: one client, one name.
    ["::ffff:cb00:7105", "203.0.113.5"],
    // IPv4-compatible (deprecated) is not mapped.
    ["::203.0.113.5", "::203.0.113.5"],
    ["fe80::1%eth0", "fe80::1%eth0"],
  ])("reads %s as %s", (text, normal) => {
    expect(normalizeIpAddress(text)).toBe(normal);
  });

  it.each([
    "",
    "localhost",
    "203.0.113",
    "127.1",
    "0x7f.0.0.1",
    "2130706433",
    "01.2.3.4",
    "256.1.1.1",
    "1::2::3",
    "[::1]",
    "1.2.3.4:80",
    " 1.2.3.4",
  ])("refuses %j", (text) => {
    expect(normalizeIpAddress(text)).toBeNull();
  });

  it("accepts every IPv4 and IPv6 address in their usual spellings", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => {
        expect(normalizeIpAddress(address)).not.toBeNull();
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("what counts as one client (addressUnit)", () => {
  it("is an IPv4 address, or the /64 of an IPv6 one", () => {
    expect(addressUnit("203.0.113.5")).toBe("203.0.113.5");
    expect(addressUnit("::ffff:203.0.113.5")).toBe("203.0.113.5");
    expect(addressUnit("2001:db8:0:12:aaaa::1")).toBe("2001:db8:0:12::/64");
    expect(addressUnit("2001:DB8:0:12:ffff:ffff:ffff:ffff")).toBe("2001:db8:0:12::/64");
    expect(addressUnit("2001:0db8:0000:0012::")).toBe("2001:db8:0:12::/64");
    expect(addressUnit("::1")).toBe("0:0:0:0::/64");
    expect(addressUnit("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("puts callers without a known address in one bucket", () => {
    expect(addressUnit(null)).toBe("unknown");
    expect(addressUnit("not an address")).toBe("unknown");
  });

  it("gives every address of a /64 the same unit, and other /64s other units", () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    fc.assert(
      fc.property(fc.ipV6(), fc.array(group, { minLength: 4, maxLength: 4 }), (address, low) => {
        // A mapped IPv4 address counts as IPv4 (above).
        fc.pre(normalizeIpAddress(address) === address);
        const prefix = ipv6Prefix64(address);
        const sibling = `${prefix}:${low.join(":")}`;
        expect(addressUnit(sibling)).toBe(addressUnit(address));
        expect(addressUnit(address)).toBe(`${prefix}::/64`);
        const [first = "0", ...rest] = prefix.split(":");
        const other = `${((parseInt(first, 16) + 1) % 0x10000).toString(16)}:${rest.join(":")}::1`;
        expect(addressUnit(other)).not.toBe(addressUnit(address));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("peerAddress", () => {
  it.each([
    ["203.0.113.5:5678", "203.0.113.5"],
    ["2001:db8::5:5678", "2001:db8::5"],
    ["[2001:db8::5]:5678", "2001:db8::5"],
    ["[2001:db8::5]", "2001:db8::5"],
    ["ipv4:203.0.113.5:5678", "203.0.113.5"],
    ["ipv6:[::1]:5678", "::1"],
    ["::ffff:203.0.113.5:5678", "203.0.113.5"],
    ["[::ffff:203.0.113.5]:1", "203.0.113.5"],
    ["203.0.113.5", "203.0.113.5"],
  ])("reads %s as %s", (peer, address) => {
    expect(peerAddress(peer)).toBe(address);
  });

  it.each(["unknown", "unix:/tmp/socket", "", "example.com:443", "[garbage]:1"])(
    "has no address in %j",
    (peer) => {
      expect(peerAddress(peer)).toBeNull();
    },
  );
});

describe("clientAddress", () => {
  it("is the direct peer unless that is a trusted proxy", () => {
    expect(clientAddress(call("203.0.113.5:5678", "198.51.100.1"), loopback)).toBe("203.0.113.5");
    expect(clientAddress(call("127.0.0.1:5678", "198.51.100.1"), loopback)).toBe("198.51.100.1");
    expect(clientAddress(call("127.0.0.1:5678"), loopback)).toBe("127.0.0.1");
    expect(clientAddress(call("127.0.0.1:5678", "198.51.100.1"), new TrustedProxies([]))).toBe("127.0.0.1");
  });

  it("is null for a peer without an address, whatever the header says", () => {
    expect(clientAddress(call("unknown", "198.51.100.1"), loopback)).toBeNull();
  });

  it("reads from the right and stops at the first address that is not a trusted proxy", () => {
    const chain = new TrustedProxies(["127.0.0.1", "10.0.0.0/8", "fd00::/8"]);
    // What the client wrote itself (6.6.6.6) is never believed.
    expect(clientAddress(call("127.0.0.1:1", "6.6.6.6, 198.51.100.1, 10.1.2.3, 127.0.0.1"), chain)).toBe(
      "198.51.100.1",
    );
    expect(clientAddress(call("[fd00::1]:1", "2001:db8::7, fd12::3"), chain)).toBe("2001:db8::7");
    // Every hop trusted: the leftmost is the best there is.
    expect(clientAddress(call("127.0.0.1:1", "10.0.0.9, 10.0.0.8"), chain)).toBe("10.0.0.9");
  });

  it("reads several x-forwarded-for headers as one list, in order", () => {
    const chain = new TrustedProxies(["127.0.0.1", "10.0.0.0/8"]);
    expect(clientAddress(call("127.0.0.1:1", "6.6.6.6, 198.51.100.1", "10.0.0.1"), chain)).toBe(
      "198.51.100.1",
    );
    expect(clientAddress(call("127.0.0.1:1", "198.51.100.1", "10.0.0.1,  , ,10.0.0.2"), chain)).toBe(
      "198.51.100.1",
    );
  });

  it("takes hops with ports, brackets and mapped addresses", () => {
    expect(clientAddress(call("127.0.0.1:1", "[2001:db8::1]:443, 198.51.100.1:80"), loopback)).toBe(
      "198.51.100.1",
    );
    expect(clientAddress(call("127.0.0.1:1", "[2001:db8::1]:443"), loopback)).toBe("2001:db8::1");
    expect(clientAddress(call("127.0.0.1:1", "::ffff:198.51.100.1"), loopback)).toBe("198.51.100.1");
    // A mapped proxy is the same proxy.
    expect(clientAddress(call("::ffff:127.0.0.1:1", "198.51.100.1, ::ffff:127.0.0.1"), loopback)).toBe(
      "198.51.100.1",
    );
  });

  it("falls back to the last trusted proxy when a hop is garbage", () => {
    expect(clientAddress(call("127.0.0.1:1", "not an address"), loopback)).toBe("127.0.0.1");
    const chain = new TrustedProxies(["127.0.0.1", "10.0.0.0/8"]);
    expect(clientAddress(call("127.0.0.1:1", "198.51.100.1, bogus, 10.0.0.7"), chain)).toBe("10.0.0.7");
    // Legacy spellings are garbage too: `127.1` must not pass for the trusted 127.0.0.1.
    expect(clientAddress(call("127.0.0.1:1", "198.51.100.1, 127.1"), loopback)).toBe("127.0.0.1");
  });

  it("never answers an address that was not the peer or in the header", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant("garbage")), { maxLength: 6 }),
        (hops) => {
          const result = clientAddress(call("127.0.0.1:9", hops.join(", ")), loopback);
          expect(["127.0.0.1", ...hops.map(normalizeIpAddress)]).toContain(result);
        },
      ),
    );
  });
});

describe("the trusted-proxy list", () => {
  it("takes addresses, CIDR ranges, netmasks and proxy-addr's names", () => {
    const trusts = compileTrustedProxies([
      "203.0.113.5",
      "10.0.0.0/8",
      "172.16.0.0/255.240.0.0",
      "fd00::/8",
      "linklocal",
    ]);
    for (const yes of [
      "203.0.113.5",
      "10.255.0.1",
      "172.31.9.9",
      "fd12::1",
      "169.254.1.1",
      "fe80::2",
      "::ffff:10.0.0.1",
    ]) {
      expect(trusts(yes), yes).toBe(true);
    }
    for (const no of ["203.0.113.6", "11.0.0.1", "172.32.0.1", "fe00::1", "127.0.0.1", "::1"]) {
      expect(trusts(no), no).toBe(false);
    }
  });

  it("keeps IPv4 and IPv6 ranges apart (an IPv6 range trusts no IPv4 address)", () => {
    const trusts = compileTrustedProxies(["::/1"]);
    expect(trusts("::2")).toBe(true);
    expect(trusts("10.0.0.1")).toBe(false);
  });

  it("trusts nobody when empty", () => {
    expect(compileTrustedProxies([])("127.0.0.1")).toBe(false);
  });

  it.each([
    "",
    "localhost",
    "6",
    "127.1",
    "10.0.0.0/33",
    "::/129",
    "10.0.0.0/0",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    "10.0.0.0/x",
  ])("refuses %j, in the configuration and in the transport", (entry) => {
    expect(trustedProxyEntryProblem(entry)).toMatch(/^is not an IP address, CIDR range or one of/);
    expect(() => new TrustedProxies([entry])).toThrow(TypeError);
  });
});
