import { invalidArgument, type FieldViolation } from "./errors.js";
import { isId } from "./ids.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./page-token.js";

/** Bounds of every string userlink accepts, in UTF-8 bytes. */
export const LIMITS = {
  externalUserId: 256,
  name: 256,
  requestId: 128,
  model: 256,
  shortText: 64,
  sdkConfigBytes: 32 * 1024,
} as const;

// C0 and C1 control characters, and DEL.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Collects every bad field of a request, so the caller hears about all of them at
 * once; `throwIfAny` raises INVALID_ARGUMENT with a BadRequest of them all.
 */
export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, description: string): this {
    this.list.push({ field, description });
    return this;
  }

  /** A required identifier-like text: 1..max bytes, valid UTF-8, no control characters. */
  text(field: string, value: string, max: number, options: { required: boolean }): this {
    if (value === "") {
      if (options.required) this.add(field, "is required");
      return this;
    }
    if (value.includes("\ufffd")) this.add(field, "must be valid UTF-8");
    else if (CONTROL.test(value)) this.add(field, "must not contain control characters");
    if (Buffer.byteLength(value, "utf8") > max) this.add(field, `must be at most ${max} bytes`);
    return this;
  }

  id(field: string, value: string): this {
    if (value === "") this.add(field, "is required");
    else if (!isId(value)) this.add(field, "must be a UUID issued by userlink");
    return this;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw invalidArgument(this.list);
  }

  /**
   * Throws what was found, for a parser whose value is incomplete: typed `never`, so the
   * parser's missing fields narrow away. Only after a violation was added for each.
   */
  fail(): never {
    throw invalidArgument(this.list);
  }
}

/** 0 means the default; anything outside 0..MAX is a violation. */
export function pageSize(violations: Violations, value: number, field = "page_size"): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    violations.add(field, `must be between 0 and ${MAX_PAGE_SIZE}`);
    return DEFAULT_PAGE_SIZE;
  }
  return value === 0 ? DEFAULT_PAGE_SIZE : value;
}
