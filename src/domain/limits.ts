/** The numbers SPEC.md fixes, in one place. */
export const AUTH_CODE_TTL = { defaultSeconds: 600, minSeconds: 60, maxSeconds: 3600 } as const;
export const ACCESS_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;
export const API_KEY_DEFAULT_TTL_MS = 365 * 24 * 3600 * 1000;
export const API_KEY_ROTATION_GRACE = { defaultMs: 24 * 3600 * 1000, maxMs: 30 * 24 * 3600 * 1000 } as const;
export const MAX_ACTIVE_API_KEYS_PER_APP = 10;
/** `last_used_at` and `last_seen_at` are written at most this often per key or device. */
export const LAST_USED_GRANULARITY_MS = 60 * 1000;
/**
 * The latest time a google.protobuf.Timestamp may name (9999-12-31T23:59:59Z, its
 * documented range). Later ones, which a Date or Postgres cannot hold, are refused.
 */
export const LATEST_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
