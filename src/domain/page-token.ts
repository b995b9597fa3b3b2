import { createHash } from "node:crypto";
import { AppError } from "./errors.js";
import { isId } from "./ids.js";

/**
 * Page tokens are opaque to callers: a versioned wrapper around the last id of the
 * page, so that a garbage token is told apart from a real one. A page of a filtered
 * list (ListUsers by prefix, ListAuditEvents by user) is bound to its filter: the
 * token carries a digest of it, and a token from another filter (or none) is refused
 * rather than silently continuing a different list.
 */
const PREFIX = "p1:";
const FILTERED_PREFIX = "p2:";

/** A short digest of the filter; the filter is no secret, the digest only keeps tokens short. */
function filterDigest(filter: string): string {
  return createHash("sha256").update(filter, "utf8").digest("base64url").slice(0, 16);
}

/** `filter` is the list's filter in any stable text form; "" for an unfiltered list. */
export function encodePageToken(lastId: string, filter = ""): string {
  const text = filter === "" ? PREFIX + lastId : `${FILTERED_PREFIX}${lastId}:${filterDigest(filter)}`;
  return Buffer.from(text, "utf8").toString("base64url");
}

/** The id after which the page starts; null for the first page. */
export function decodePageToken(token: string, field = "page_token", filter = ""): string | null {
  if (token === "") return null;
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url").toString("utf8") : "";
  let id = "";
  if (filter === "" && text.startsWith(PREFIX)) id = text.slice(PREFIX.length);
  else if (filter !== "" && text.startsWith(FILTERED_PREFIX)) {
    const [candidate, digest] = text.slice(FILTERED_PREFIX.length).split(":");
    if (digest === filterDigest(filter)) id = candidate ?? "";
  }
  if (!isId(id)) {
    throw new AppError("INVALID_ARGUMENT", `${field} is not a token userlink issued for this request`, {
      // "for this filter" only where a filter is part of the token: a filtered list's
      // token does not fit another filter, and saying so tells why.
      fieldViolations: [
        {
          field,
          description: `not a page token issued by userlink${filter === "" ? "" : " for this filter"}`,
        },
      ],
    });
  }
  return id;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
