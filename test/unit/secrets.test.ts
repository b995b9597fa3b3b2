import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { formatApiKey, parseApiKey } from "../../src/domain/api-key-format.js";
import { newId } from "../../src/domain/ids.js";
import {
  digestsEqual,
  generateSecret,
  hashSecret,
  looksLikeSecret,
  SECRET_BYTES,
} from "../../src/domain/secrets.js";

// Rules 2, 10 and 11 (codes, tokens and API-key secrets of 256 bits, stored only as
// hashes) and rule 15 (a stored value does not reveal its secret).

describe("secrets", () => {
  it("are 32 random bytes in base64url, 43 characters, all distinct", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const secret = generateSecret();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, "base64url")).toHaveLength(SECRET_BYTES);
      expect(looksLikeSecret(secret)).toBe(true);
      seen.add(secret);
    }
    expect(seen.size).toBe(2_000);
  });

  it("are stored as their SHA-256 in hex, which does not contain them", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const secret = generateSecret();
    const hash = hashSecret(secret);
    expect(hash).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret);
    expect(hashSecret(generateSecret())).not.toBe(hash);
  });

  it("compare digests by value", () => {
    const hash = hashSecret(generateSecret());
    expect(digestsEqual(hash, hash)).toBe(true);
    expect(digestsEqual(hash, hash.toUpperCase())).toBe(true);
    expect(digestsEqual(hash, hashSecret(generateSecret()))).toBe(false);
    // Differing in the last place only, and in length.
    const last = hash.endsWith("0") ? "1" : "0";
    expect(digestsEqual(hash, hash.slice(0, -1) + last)).toBe(false);
    expect(digestsEqual(hash, hash.slice(0, -2))).toBe(false);
    expect(digestsEqual(hash, `${hash}00`)).toBe(false);
  });

  it("never finds two strings that are not digests equal", () => {
    // Hex decoding stops at the first non-hex character: both would decode to nothing.
    expect(digestsEqual("zz", "yy")).toBe(false);
    expect(digestsEqual("", "")).toBe(false);
    const notHex = "g".repeat(64);
    expect(digestsEqual(notHex, notHex)).toBe(false);
  });

  it.each([
    ["one character short", "a".repeat(42)],
    ["one character long", "a".repeat(44)],
    ["base64, not base64url", `${"a".repeat(42)}+`],
    ["padding", `${"a".repeat(42)}=`],
    ["whitespace", ` ${"a".repeat(42)}`],
    ["empty", ""],
  ])("are never %s", (_what, value) => {
    expect(looksLikeSecret(value)).toBe(false);
  });
});

describe("API key format (rule 11)", () => {
  it("is <key id>.<secret> and parses back into its parts", () => {
    const keyId = newId();
    const secret = generateSecret();
    const key = formatApiKey(keyId, secret);
    expect(key).toBe(`${keyId}.${secret}`);
    expect(parseApiKey(key)).toEqual({ keyId, secret });
  });

  it.each([
    ["no dot", `${newId()}${generateSecret()}`],
    ["no secret", `${newId()}.`],
    ["no key id", `.${generateSecret()}`],
    ["a key id that is no UUID", `key.${generateSecret()}`],
    ["an upper-case key id", `${newId().toUpperCase()}.${generateSecret()}`],
    ["a secret that is too short", `${newId()}.${generateSecret().slice(1)}`],
    ["a second dot", `${newId()}.${generateSecret()}.x`],
    [
      "a dot inside the secret",
      `${newId()}.${generateSecret().slice(0, 20)}.${generateSecret().slice(0, 22)}`,
    ],
    ["surrounding whitespace", ` ${newId()}.${generateSecret()}`],
    ["the bearer scheme", `Bearer ${newId()}.${generateSecret()}`],
    ["nothing", ""],
  ])("refuses %s", (_what, value) => {
    expect(parseApiKey(value)).toBeNull();
  });
});
