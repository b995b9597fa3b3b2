import { AUTH_CODE_TTL } from "../domain/limits.js";
import type { JsonObject } from "../domain/model.js";
import { LIMITS, type Violations } from "../domain/validation.js";

export function checkSdkConfig(v: Violations, config: JsonObject | undefined | null): void {
  if (config == null) return;
  if (Buffer.byteLength(JSON.stringify(config), "utf8") > LIMITS.sdkConfigBytes) {
    v.add("sdk_config", `must be at most ${LIMITS.sdkConfigBytes} bytes as JSON`);
  } else if (holdsNul(config)) {
    // Valid in proto3 and JSON, but Postgres' jsonb has no place for it: stored, it
    // failed with an INTERNAL.
    v.add("sdk_config", "must not contain the NUL character (U+0000) in a key or a string");
  }
}

/** True when a key or string anywhere in `value` holds U+0000. */
function holdsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([key, item]) => key.includes("\u0000") || holdsNul(item));
  }
  return false;
}

export function checkAuthCodeTtl(v: Violations, seconds: number | undefined | null): void {
  if (seconds == null) return;
  if (
    !Number.isInteger(seconds) ||
    seconds < AUTH_CODE_TTL.minSeconds ||
    seconds > AUTH_CODE_TTL.maxSeconds
  ) {
    v.add(
      "auth_code_ttl",
      `must be a whole number of seconds from ${AUTH_CODE_TTL.minSeconds} to ${AUTH_CODE_TTL.maxSeconds}`,
    );
  }
}

export function checkDisplayName(v: Violations, name: string): void {
  v.text("display_name", name, LIMITS.name, { required: true });
}
