import { LinkServiceDefinition } from "../../../src/gen/userlink/v1/link_service.js";
import { bearer, unary } from "./bind.js";
import type { Caller, Unary } from "./caller.js";

type Link = typeof LinkServiceDefinition;

/**
 * `userlink.v1.LinkService`, for a customer's backend. Every call sees only the API
 * key's app; each method needs a scope of the key (see the proto). An API key is a
 * server-side secret: never ship it to a page that end users load.
 */
export interface LinkClient {
  /**
   * A single-use authentication code for the customer's user, to hand to the app.
   * Scope USER_LINK. Idempotent (an extra code is harmless: unused, it expires), so the
   * Node client retries it.
   */
  requestAuthCode: Unary<Link, "requestAuthCode">;
  /** A user by `{ user: { $case: "externalUserId" | "userId", value } }`, with its devices. Scope USER_READ. No side effects. */
  getUser: Unary<Link, "getUser">;
  /** One page of the app's users, oldest first. Scope USER_READ. No side effects. */
  listUsers: Unary<Link, "listUsers">;
  /**
   * Deletes a user and deactivates its devices. Scope USER_DELETE. Idempotent: a
   * retry after a first attempt that went through answers NOT_FOUND / USER_NOT_FOUND.
   */
  deleteUser: Unary<Link, "deleteUser">;
  /** Ends the calls in flight with CANCELLED; later calls fail the same way. */
  close(): void;
}

export function bindLinkClient(caller: Caller, apiKey: string): LinkClient {
  const auth = bearer(apiKey);
  const method = <K extends keyof Link["methods"] & string>(key: K) =>
    unary(caller, LinkServiceDefinition, key, () => auth);
  return {
    requestAuthCode: method("requestAuthCode"),
    getUser: method("getUser"),
    listUsers: method("listUsers"),
    deleteUser: method("deleteUser"),
    close: () => caller.close(),
  };
}
