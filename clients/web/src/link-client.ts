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
 * `userlink.v1.LinkService` over gRPC-Web, for a customer's backend or gateway. An API
 * key is a server-side secret: never ship it to a page that end users load.
 */
export interface LinkClient {
  /** A single-use authentication code for the customer's user, to hand to the app. Scope USER_LINK. */
  requestAuthCode(
    request: DeepPartial<RequestAuthCodeRequest>,
    options?: CallOptions,
  ): Promise<RequestAuthCodeResponse>;
  /** A user by `{ user: { $case: "externalUserId" | "userId", value } }`, with its devices. Scope USER_READ. */
  getUser(request: DeepPartial<GetUserRequest>, options?: CallOptions): Promise<GetUserResponse>;
  /** One page of the app's users, oldest first. Scope USER_READ. */
  listUsers(request?: DeepPartial<ListUsersRequest>, options?: CallOptions): Promise<ListUsersResponse>;
  /** Deletes a user and deactivates its devices. Scope USER_DELETE. */
  deleteUser(request: DeepPartial<DeleteUserRequest>, options?: CallOptions): Promise<DeleteUserResponse>;
  /** Ends the calls in flight with CANCELLED; later calls fail the same way. */
  close(): void;
}

export function createLinkClient(options: LinkClientOptions): LinkClient {
  const connection = new Connection(options);
  const raw = connection.client(LinkServiceDefinition);
  const auth = bearer(options.apiKey);
  return {
    requestAuthCode: (request, call) => connection.unary(raw.requestAuthCode, request, auth, call),
    getUser: (request, call) => connection.unary(raw.getUser, request, auth, call),
    listUsers: (request = {}, call) => connection.unary(raw.listUsers, request, auth, call),
    deleteUser: (request, call) => connection.unary(raw.deleteUser, request, auth, call),
    close: () => connection.close(),
  };
}
