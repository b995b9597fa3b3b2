import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError, MAX_REPORTED_VIOLATIONS } from "../../src/domain/errors.js";
import { newId } from "../../src/domain/ids.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../src/domain/page-token.js";
import { LIMITS, pageSize, Violations } from "../../src/domain/validation.js";
import { violationsOf } from "./violations-of.js";

// Rule 13 (input): every bound, UTF-8 and control characters, required fields, and the
// cap on reported violations, in src/domain/validation.ts.

const text = (value: string, max: number, required = true) =>
  violationsOf(() => new Violations().text("f", value, max, { required }).throwIfAny());

describe("Violations.text", () => {
  it("is required when asked, optional otherwise", () => {
    expect(text("", 10)).toEqual([{ field: "f", description: "is required" }]);
    expect(text("", 10, false)).toEqual([]);
  });

  it.each(Object.entries(LIMITS).filter(([name]) => name !== "sdkConfigBytes"))(
    "bounds %s at %i bytes, counted in UTF-8",
    (_name, max) => {
      expect(text("a".repeat(max), max)).toEqual([]);
      expect(text("a".repeat(max + 1), max)).toEqual([
        { field: "f", description: `must be at most ${max} bytes` },
      ]);
      // Two bytes per character: half as many characters fit.
      expect(text("é".repeat(max / 2), max)).toEqual([]);
      expect(text("é".repeat(max / 2) + "a", max)).toHaveLength(1);
      // Four bytes per character (outside the BMP).
      expect(text("😀".repeat(max / 4), max)).toEqual([]);
      expect(text("😀".repeat(max / 4 + 1), max)).toHaveLength(1);
    },
  );

  it("refuses text that was not valid UTF-8 (decoded to U+FFFD)", () => {
    const bytes = Buffer.from([0x61, 0xff, 0x62]);
    expect(text(bytes.toString("utf8"), 10)).toEqual([{ field: "f", description: "must be valid UTF-8" }]);
  });

  it("refuses every C0 and C1 control character and DEL, and nothing printable", () => {
    const controls = [...Array(0x20).keys(), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i)];
    for (const code of controls) {
      expect(text(`a${String.fromCodePoint(code)}b`, 10)).toEqual([
        { field: "f", description: "must not contain control characters" },
      ]);
    }
    for (const ok of [" ", "~", "\u00a0", "é", "中", "\u200b", "😀"]) expect(text(`a${ok}b`, 16)).toEqual([]);
  });

  it("accepts any printable text within the bound", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (value) => {
        // eslint-disable-next-line no-control-regex -- the characters text() refuses
        fc.pre(value !== "" && !/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(value));
        fc.pre(Buffer.byteLength(value, "utf8") <= LIMITS.externalUserId);
        expect(text(value, LIMITS.externalUserId)).toEqual([]);
      }),
    );
  });

  it("reports a too-long string with a control character twice: every problem at once", () => {
    expect(text("\n".repeat(11), 10).map((v) => v.description)).toEqual([
      "must not contain control characters",
      "must be at most 10 bytes",
    ]);
  });
});

describe("Violations.id", () => {
  it("takes only the lower-case UUIDs userlink issues", () => {
    const id = (value: string) => violationsOf(() => new Violations().id("app_id", value).throwIfAny());
    expect(id(newId())).toEqual([]);
    expect(id("")).toEqual([{ field: "app_id", description: "is required" }]);
    for (const bad of [newId().toUpperCase(), "not-a-uuid", `${newId()} `, `{${newId()}}`]) {
      expect(id(bad)).toEqual([{ field: "app_id", description: "must be a UUID issued by userlink" }]);
    }
  });
});

describe("the cap on reported violations", () => {
  it(`reports the first ${MAX_REPORTED_VIOLATIONS} and counts the rest in the message`, () => {
    const v = new Violations();
    for (let i = 0; i < 25; i++) v.add(`scopes[${i}]`, "must be a known scope");
    let error: AppError | undefined;
    try {
      v.throwIfAny();
    } catch (e) {
      error = e as AppError;
    }
    expect(error?.code).toBe("INVALID_ARGUMENT");
    expect(error?.fieldViolations).toHaveLength(MAX_REPORTED_VIOLATIONS);
    expect(error?.fieldViolations[19]?.field).toBe("scopes[19]");
    expect(error?.message).toMatch(/; and 5 more$/);
  });

  it("reports exactly the cap without a remainder", () => {
    const v = new Violations();
    for (let i = 0; i < MAX_REPORTED_VIOLATIONS; i++) v.add(`f${i}`, "bad");
    const reported = violationsOf(() => v.throwIfAny());
    expect(reported).toHaveLength(MAX_REPORTED_VIOLATIONS);
  });

  it("does not throw with nothing collected", () => {
    const v = new Violations();
    expect(v.empty).toBe(true);
    expect(() => v.throwIfAny()).not.toThrow();
    expect(v.add("f", "bad").empty).toBe(false);
  });
});

describe("pageSize", () => {
  it("reads 0 as the default and takes 1..MAX as given", () => {
    const v = new Violations();
    expect(pageSize(v, 0)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(v, 1)).toBe(1);
    expect(pageSize(v, MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
    expect(v.empty).toBe(true);
  });

  it.each([-1, MAX_PAGE_SIZE + 1, 2 ** 31 - 1, 1.5, Number.NaN])("refuses %d naming the field", (value) => {
    const v = new Violations();
    expect(pageSize(v, value, "page_size")).toBe(DEFAULT_PAGE_SIZE);
    expect(violationsOf(() => v.throwIfAny())).toEqual([
      { field: "page_size", description: `must be between 0 and ${MAX_PAGE_SIZE}` },
    ]);
  });
});
