import { describe, expect, it } from "vitest";
import { issueCredentials, refreshFamilyHash } from "../../src/domain/credentials.js";
import { hashSecret, looksLikeSecret } from "../../src/domain/secrets.js";

const now = new Date("2026-12-02T12:00:00.000Z");

describe("refresh token families", () => {
  it("starts a family with new credentials and keeps it through rotations, each token fresh", () => {
    const first = issueCredentials("d", now);
    const second = issueCredentials("d", now, first.refreshToken);
    const third = issueCredentials("d", now, second.refreshToken);
    for (const issued of [first, second, third]) {
      expect(looksLikeSecret(issued.refreshToken)).toBe(true);
      expect(issued.stored.refreshTokenHash).toBe(hashSecret(issued.refreshToken));
      expect(issued.refreshFamilyHash).toBe(refreshFamilyHash(issued.refreshToken));
    }
    expect(new Set([first, second, third].map((c) => c.refreshFamilyHash)).size).toBe(1);
    expect(new Set([first, second, third].map((c) => c.refreshToken)).size).toBe(3);
    // The fresh half differs from token to token: 16 random bytes each.
    const tail = (token: string) => Buffer.from(token, "base64url").subarray(16).toString("hex");
    expect(tail(second.refreshToken)).not.toBe(tail(first.refreshToken));
    // Another device (or a CreateUser retry) gets a family of its own.
    expect(issueCredentials("d", now).refreshFamilyHash).not.toBe(first.refreshFamilyHash);
  });

  it("stores the family only as a hash, never its bytes", () => {
    const { refreshToken, refreshFamilyHash: stored } = issueCredentials("d", now);
    const family = Buffer.from(refreshToken, "base64url").subarray(0, 16);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(family.toString("hex"));
    expect(stored).not.toContain(family.toString("base64url"));
  });

  it("has no family for what cannot be a refresh token", () => {
    expect(refreshFamilyHash("")).toBeNull();
    expect(refreshFamilyHash("abc")).toBeNull();
    expect(refreshFamilyHash("x".repeat(44))).toBeNull();
  });
});
