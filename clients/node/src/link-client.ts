import type { CallOptions, ClientOptions } from "./client-options.js";
import { bearer, Connection } from "./connection.js";
import {
  LinkServiceDefinition,
  type DeepPartial,
  type DeleteUserRequest,
  type DeleteUserResponse,
  type GetUserRequest,
  type GetUserResponse,
  type ListUsersRequest,
  type ListUsersResponse,
  type RequestAuthCodeRequest,
  type RequestAuthCodeResponse,
} from "./gen/userlink/v1/link_service.js";

export interface LinkClientOptions extends ClientOptions {
  /** The app's API key, `<key id>.<secret>`, sent as `authorization: Bearer <apiKey>`. */
  readonly apiKey: string;
}

/**
 * `userlink.v1.LinkService`, for a customer's backend. Every call sees only the API
 * key's app; each method needs a scope of the key (see the proto).
 */
export interface LinkClient {
  /** A single-use authentication code for the customer's user, to hand to the app. Scope USER_LINK. Retried. */
  requestAuthCode(
    request: DeepPartial<RequestAuthCodeRequest>,
    options?: CallOptions,
  ): Promise<RequestAuthCodeResponse>;
  /** A user by `{ user: { $case: "externalUserId" | "userId", value } }`, with its devices. Scope USER_READ. Retried. */
  getUser(request: DeepPartial<GetUserRequest>, options?: CallOptions): Promise<GetUserResponse>;
  /** One page of the app's users, oldest first. Scope USER_READ. Retried. */
  listUsers(request?: DeepPartial<ListUsersRequest>, options?: CallOptions): Promise<ListUsersResponse>;
  /**
   * Deletes a user and deactivates its devices. Scope USER_DELETE. Retried: a retry
   * after a first attempt that went through answers NOT_FOUND / USER_NOT_FOUND.
   */
  deleteUser(request: DeepPartial<DeleteUserRequest>, options?: CallOptions): Promise<DeleteUserResponse>;
  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void;
}

export function createLinkClient(options: LinkClientOptions): LinkClient {
  const connection = new Connection(options);
  const raw = connection.client(LinkServiceDefinition);
  const auth = bearer(options.apiKey);
  return {
    // An extra code is harmless: unused, it expires, and every code of one external id
    // resolves to the same user.
    requestAuthCode: (request, call) => connection.unary(raw.requestAuthCode, request, "retry", auth, call),
    getUser: (request, call) => connection.unary(raw.getUser, request, "retry", auth, call),
    listUsers: (request = {}, call) => connection.unary(raw.listUsers, request, "retry", auth, call),
    deleteUser: (request, call) => connection.unary(raw.deleteUser, request, "retry", auth, call),
    close: () => connection.close(),
  };
}
