import { AppError } from "./errors.js";
import { isId } from "./ids.js";

/**
 * Page tokens are opaque to callers: a versioned wrapper around the last id of the
 * page, so that a garbage token is told apart from a real one.
 */
const PREFIX = "p1:";

export function encodePageToken(lastId: string): string {
  return Buffer.from(PREFIX + lastId, "utf8").toString("base64url");
}

/** The id after which the page starts; null for the first page. */
export function decodePageToken(token: string, field = "page_token"): string | null {
  if (token === "") return null;
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url").toString("utf8") : "";
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : "";
  if (!isId(id)) {
    throw new AppError("INVALID_ARGUMENT", `${field} is not a token userlink issued`, {
      fieldViolations: [{ field, description: "not a page token issued by userlink" }],
    });
  }
  return id;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
