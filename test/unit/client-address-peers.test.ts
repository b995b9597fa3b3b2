import { Metadata } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { clientAddress, peerAddress, TrustedProxies } from "../../src/transport/grpc/client-address.js";

// The address a rate limit counts, from the call's peer and x-forwarded-for (rule 14).
describe("clientAddress", () => {
  const loopback = new TrustedProxies(["127.0.0.1", "::1"]);
  const context = (peer: string, forwardedFor?: string) => ({
    peer,
    metadata: Metadata(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }),
  });

  it("reads grpc-js and gRPC core peers", () => {
    expect(peerAddress("203.0.113.5:5678")).toBe("203.0.113.5");
    expect(peerAddress("2001:db8::5:5678")).toBe("2001:db8::5");
    expect(peerAddress("[2001:db8::5]:5678")).toBe("2001:db8::5");
    expect(peerAddress("ipv4:203.0.113.5:5678")).toBe("203.0.113.5");
    expect(peerAddress("ipv6:[::1]:5678")).toBe("::1");
    expect(peerAddress("::ffff:203.0.113.5:5678")).toBe("203.0.113.5");
    expect(peerAddress("unknown")).toBeNull();
    expect(peerAddress("unix:/tmp/socket")).toBeNull();
  });

  it("is the direct peer unless that is a trusted proxy", () => {
    expect(clientAddress(context("203.0.113.5:5678", "198.51.100.1"), loopback)).toBe("203.0.113.5");
    expect(clientAddress(context("127.0.0.1:5678", "198.51.100.1"), loopback)).toBe("198.51.100.1");
    expect(clientAddress(context("::1:5678", "2001:db8::9"), loopback)).toBe("2001:db8::9");
    expect(clientAddress(context("127.0.0.1:5678"), loopback)).toBe("127.0.0.1");
    expect(clientAddress(context("127.0.0.1:5678", "198.51.100.1"), new TrustedProxies([]))).toBe(
      "127.0.0.1",
    );
  });

  it("believes x-forwarded-for from the right, only as far as the proxies are trusted", () => {
    // A client sending its own x-forwarded-for through the gRPC-Web translator, which appends.
    expect(clientAddress(context("127.0.0.1:5678", "6.6.6.6, 198.51.100.1"), loopback)).toBe("198.51.100.1");
    const chain = new TrustedProxies(["127.0.0.1", "10.0.0.0/8"]);
    expect(clientAddress(context("127.0.0.1:1", "6.6.6.6, 198.51.100.1, 10.1.2.3, 127.0.0.1"), chain)).toBe(
      "198.51.100.1",
    );
    expect(clientAddress(context("127.0.0.1:1", "[2001:db8::1]:443, 198.51.100.1:80"), loopback)).toBe(
      "198.51.100.1",
    );
    expect(clientAddress(context("127.0.0.1:1", "not an address"), loopback)).toBe("127.0.0.1");
  });
});
