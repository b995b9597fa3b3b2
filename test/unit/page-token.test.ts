import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/domain/errors.js";
import { isId, newId } from "../../src/domain/ids.js";
import { decodePageToken, encodePageToken } from "../../src/domain/page-token.js";
import { violationsOf } from "./violations-of.js";

// Detail of rule 13: a garbage page_token is INVALID_ARGUMENT naming the field.

describe("page tokens", () => {
  it("round-trip the last id of a page", () => {
    for (let i = 0; i < 100; i++) {
      const id = newId(new Date(Date.UTC(2026, 0, 1) + i * 7_919_000));
      const token = encodePageToken(id);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(token).not.toContain(id);
      expect(decodePageToken(token)).toBe(id);
    }
  });

  it("read the empty token as the first page", () => {
    expect(decodePageToken("")).toBeNull();
  });

  const invalid = (token: string, field?: string) =>
    violationsOf(() => (field === undefined ? decodePageToken(token) : decodePageToken(token, field)));

  it.each([
    ["an id as it is", newId()],
    ["an id in base64url without the version", Buffer.from(newId()).toString("base64url")],
    ["another version", Buffer.from(`p2:${newId()}`).toString("base64url")],
    ["a prefix around something else", Buffer.from("p1:42").toString("base64url")],
    ["an upper-case id", Buffer.from(`p1:${newId().toUpperCase()}`).toString("base64url")],
    ["padded base64", `${Buffer.from(`p1:${newId()}`).toString("base64")}=`],
    ["characters outside base64url", "p1:abc!"],
    ["whitespace", ` ${encodePageToken(newId())}`],
    ["a trailing byte", encodePageToken(newId()) + "AA"],
  ])("refuse %s, naming the field", (_what, token) => {
    expect(invalid(token)).toEqual([
      { field: "page_token", description: "not a page token issued by userlink" },
    ]);
    expect(invalid(token, "next.page_token")).toEqual([
      { field: "next.page_token", description: "not a page token issued by userlink" },
    ]);
  });

  /** What decoding gives: the id, or the code of the error it throws. */
  const outcome = (token: string): { id: string | null } | { code: string } => {
    try {
      return { id: decodePageToken(token) };
    } catch (error) {
      return { code: error instanceof AppError ? error.code : String(error) };
    }
  };

  it("turn any string into an id userlink could have issued or INVALID_ARGUMENT, never anything else", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/)),
        (token) => {
          const result = outcome(token);
          if ("code" in result) expect(result.code).toBe("INVALID_ARGUMENT");
          else if (result.id === null) expect(token).toBe("");
          else expect(isId(result.id)).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("survive tampering only as another well-formed id (they order rows, they grant nothing)", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...alphabet), (at, char) => {
        const token = encodePageToken(newId());
        const i = at % token.length;
        const result = outcome(token.slice(0, i) + char + token.slice(i + 1));
        if ("code" in result) expect(result.code).toBe("INVALID_ARGUMENT");
        else expect(isId(result.id ?? "")).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});
